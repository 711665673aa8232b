/* suspend.c - Freezes the container job, waits for a wake source, thaws it. Port of
 * kernel_manager/src/suspend.rs (misttech/fuchsia src/starnix/runner/... @0596a854, the V5w
 * revision: WakeSource, WakeSources, SuspendContext, suspend_container, suspend_job). The
 * revisions' differences (v1, v6) come in through m->ops (variants/).
 *
 * One SuspendContainer, as suspend_container() performs it:
 *
 *   request --(no container_job)-------------------------------> Ok(Err(SUSPEND_FAILURE))
 *      | suspend_job: zx_task_suspend every direct child process, wait until each of
 *      | their threads reports SUSPENDED (blocking the main thread)
 *      |--(a suspend fails)-----------------------------------> Ok(Err(SUSPEND_FAILURE))
 *   FROZEN (suspend tokens held)
 *      |--(wake_locks has EVENT_SIGNALED: a Linux wake lock)---> Ok(Err(WAKE_LOCKS_EXIST))
 *      | watchers: AWAKE -> ASLEEP (prune the closed ones)
 *      | drop the container's application-activity lease
 *   ASLEEP  (wake_sources locked)
 *      | object_wait_many over every wake source, 9 s of monotonic time at most
 *      | resume reasons: the names of the sources whose signals are up
 *   WOKEN   (wake_sources unlocked)
 *      | acquire_wake_lease().await   <- the first await: the main executor runs other tasks
 *      | watchers: ASLEEP -> AWAKE
 *   Ok(Ok({suspend_time, resume_reason}))
 *      | the tokens drop on return: the processes resume (asynchronously, after AWAKE)
 *
 * Invariants the port keeps from upstream:
 *  1. Every return after FROZEN drops the tokens, so the container thaws on every path; the
 *     watchers are left ASLEEP when the lease calls fail after the ASLEEP notification.
 *  2. wake_sources is held from building the wait items until the reasons are computed: the
 *     blocking wait happens under it (R1: a proxy exiting meanwhile blocks its whole thread).
 *  3. Nothing between suspend_job and acquire_wake_lease awaits: the main thread is busy (or
 *     blocked) for the whole freeze and wait (R12), so sources added meanwhile cannot join the
 *     wait (R3).
 *  4. The wait items are built once; more than ZX_WAIT_MANY_MAX_ITEMS of them make the wait
 *     fail at once, which is logged and ignored: an immediate resume (R2).
 */
#include <string.h>

#include "manager_int.h"

/* ---- WakeSources, wake watchers, SuspendContext --------------------------------------------- */

void suspend_context_init(suspend_context_t *ctx)
{
    *ctx = (suspend_context_t){0};
    kmutex_init(&ctx->wake_sources.lock, "wake_sources");
    kmutex_init(&ctx->wake_watchers.lock, "wake_watchers");
}

wake_source_t *wake_sources_get(wake_sources_t *ws, zx_koid_t koid)
{
    for (size_t i = 0; i < ws->count; i++) {
        if (ws->entries[i].koid == koid)
            return &ws->entries[i];
    }
    return NULL;
}

static void wake_source_drop(manager_t *m, wake_source_t *source)
{
    zx_handle_close(source->handle);
    manager_free(m, source->name);
}

/* HashMap::insert: a previous entry with the same koid is returned and dropped (its handle
 * closed) while the guard is still held, as the temporary drops first. */
void wake_sources_insert(manager_t *m, wake_sources_t *ws, zx_koid_t koid, zx_handle_t handle,
                         const char *name, zx_signals_t signals)
{
    SIM_ASSERT(kmutex_is_held(&ws->lock));
    wake_source_t fresh = {
        .koid = koid, .handle = handle, .name = manager_strdup(m, name), .signals = signals};
    wake_source_t *old = wake_sources_get(ws, koid);
    if (old) {
        wake_source_t dropped = *old;
        *old = fresh;
        wake_source_drop(m, &dropped);
        return;
    }
    if (ws->count == ws->capacity) {
        ws->capacity = ws->capacity ? ws->capacity * 2 : 8;
        ws->entries = manager_realloc(m, ws->entries, ws->capacity * sizeof(*ws->entries));
    }
    ws->entries[ws->count++] = fresh;
}

void wake_sources_remove(manager_t *m, wake_sources_t *ws, zx_koid_t koid)
{
    SIM_ASSERT(kmutex_is_held(&ws->lock));
    wake_source_t *source = wake_sources_get(ws, koid);
    if (!source)
        return;
    wake_source_t dropped = *source;
    size_t index = (size_t)(source - ws->entries);
    memmove(&ws->entries[index], &ws->entries[index + 1],
            (ws->count - index - 1) * sizeof(*ws->entries));
    ws->count--;
    wake_source_drop(m, &dropped);
}

/* A Fisher-Yates shuffle drawn from the schedule stream: one recorded choice per position with
 * more than one candidate. Upstream's order is that of a HashMap with a per-process random
 * seed; drawing a fresh order per iteration covers every order the device could show. */
void wake_sources_order(const wake_sources_t *ws, size_t *order)
{
    for (size_t i = 0; i < ws->count; i++)
        order[i] = i;
    for (size_t i = 0; i + 1 < ws->count; i++) {
        size_t j = i + kernel_choose((uint32_t)(ws->count - i));
        size_t tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
}

void wake_watchers_push(manager_t *m, wake_watchers_t *w, zx_handle_t watcher)
{
    SIM_ASSERT(kmutex_is_held(&w->lock));
    if (w->count == w->capacity) {
        w->capacity = w->capacity ? w->capacity * 2 : 4;
        w->handles = manager_realloc(m, w->handles, w->capacity * sizeof(*w->handles));
    }
    w->handles[w->count++] = watcher;
}

/* watchers.retain(|event| match event.signal_peer(clear, set) { ... }) of V5+: a watcher whose
 * peer closed is dropped, another error is logged and the watcher kept. Caller holds the lock. */
zx_status_t suspend_watchers_prune(manager_t *m, zx_signals_t clear, zx_signals_t set,
                                   const char *what)
{
    wake_watchers_t *w = &m->suspend_context.wake_watchers;
    SIM_ASSERT(kmutex_is_held(&w->lock));
    size_t kept = 0;
    for (size_t i = 0; i < w->count; i++) {
        zx_status_t st = zx_object_signal_peer(w->handles[i], clear, set);
        if (st == ZX_ERR_PEER_CLOSED) {
            zx_handle_close(w->handles[i]);
            continue;
        }
        if (st != ZX_OK)
            MANAGER_WARN("Failed to signal wake watcher of %s: %s", what,
                         zx_status_get_string(st));
        w->handles[kept++] = w->handles[i];
    }
    w->count = kept;
    return ZX_OK;
}

/* `for event in watchers.iter() { event.signal_peer(clear, set)?; }` of V1-V4: the first
 * failing watcher (a closed one included) aborts the suspend, and stays registered (R7). */
zx_status_t suspend_watchers_propagate(manager_t *m, zx_signals_t clear, zx_signals_t set,
                                       const char *what)
{
    (void)what;
    wake_watchers_t *w = &m->suspend_context.wake_watchers;
    SIM_ASSERT(kmutex_is_held(&w->lock));
    for (size_t i = 0; i < w->count; i++) {
        zx_status_t st = zx_object_signal_peer(w->handles[i], clear, set);
        if (st != ZX_OK)
            return st;
    }
    return ZX_OK;
}

/* ---- Steps the revisions share ------------------------------------------------------------- */

/* zx::MonotonicInstant::after(zx::Duration::from_seconds(9)) (V4-V6). */
zx_instant_mono_t suspend_deadline_9s(void)
{
    return zx_deadline_after(ZX_SEC(9));
}

/* zx::MonotonicInstant::INFINITE (V1-V3). */
zx_instant_mono_t suspend_deadline_infinite(void)
{
    return ZX_TIME_INFINITE;
}

/* V0-V5: wait_one(THREAD_SUSPENDED, after(INFINITE)); any error aborts the suspend. */
zx_status_t suspend_wait_thread_infinite(manager_t *m, zx_handle_t process, zx_handle_t thread,
                                         zx_koid_t thread_koid)
{
    (void)m, (void)process, (void)thread_koid;
    zx_status_t st = zx_object_wait_one(thread, ZX_THREAD_SUSPENDED,
                                        zx_deadline_after(ZX_TIME_INFINITE), NULL);
    if (st != ZX_OK) {
        MANAGER_WARN("Error waiting for task suspension: %s", zx_status_get_string(st));
        return st;
    }
    return ZX_OK;
}

/* Appends `name` to a ","-joined list (Vec<String>::join(",")). */
static char *join_append(manager_t *m, char *list, const char *name)
{
    size_t old = list ? strlen(list) : 0, add = strlen(name);
    char *out = manager_alloc(m, old + (old ? 1 : 0) + add + 1);
    if (old) {
        memcpy(out, list, old);
        out[old] = ',';
    }
    memcpy(out + old + (old ? 1 : 0), name, add);
    manager_free(m, list);
    return out;
}

/* V5: every item whose pending signals meet its waitfor, looked up by the koid of its handle,
 * names joined with "," in the wait's order; None when no source is up. */
char *suspend_resume_reason_join(manager_t *m, wake_sources_t *ws, const size_t *order,
                                 const zx_wait_item_t *items, size_t count,
                                 zx_status_t wait_status)
{
    (void)order, (void)wait_status;
    char *reasons = NULL;
    for (size_t i = 0; i < count; i++) {
        if ((items[i].pending & items[i].waitfor) == 0)
            continue;
        zx_koid_t koid;
        if (manager_koid(items[i].handle, &koid) != ZX_OK)
            MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (wait item koid)");
        wake_source_t *source = wake_sources_get(ws, koid);
        if (source) {
            MANAGER_INFO("Woke container from sleep for: %s", source->name);
            reasons = join_append(m, reasons, source->name);
        }
    }
    return reasons;
}

/* ---- suspend_job ---------------------------------------------------------------------------- */

/* HashMap<Koid, NullableHandle> of suspend tokens, in insertion order. */
typedef struct suspend_tokens {
    zx_koid_t *koids;
    zx_handle_t *tokens;
    size_t count, capacity;
} suspend_tokens_t;

static bool tokens_contain(const suspend_tokens_t *t, zx_koid_t koid)
{
    for (size_t i = 0; i < t->count; i++) {
        if (t->koids[i] == koid)
            return true;
    }
    return false;
}

static void tokens_insert(manager_t *m, suspend_tokens_t *t, zx_koid_t koid, zx_handle_t token)
{
    if (t->count == t->capacity) {
        t->capacity = t->capacity ? t->capacity * 2 : 8;
        t->koids = manager_realloc(m, t->koids, t->capacity * sizeof(*t->koids));
        t->tokens = manager_realloc(m, t->tokens, t->capacity * sizeof(*t->tokens));
    }
    t->koids[t->count] = koid;
    t->tokens[t->count++] = token;
}

/* Dropping the Vec of tokens: each closes in order, each process resumes. */
static void tokens_drop(manager_t *m, suspend_tokens_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        zx_handle_close(t->tokens[i]);
    manager_free(m, t->koids);
    manager_free(m, t->tokens);
    *t = (suspend_tokens_t){0};
}

/* handles.into_values().collect(): the HashMap's order, drawn. */
static void tokens_into_values(suspend_tokens_t *t)
{
    for (size_t i = 0; i + 1 < t->count; i++) {
        size_t j = i + kernel_choose((uint32_t)(t->count - i));
        zx_handle_t token = t->tokens[i];
        zx_koid_t koid = t->koids[i];
        t->tokens[i] = t->tokens[j], t->koids[i] = t->koids[j];
        t->tokens[j] = token, t->koids[j] = koid;
    }
}

/* job.processes() / process.threads(): ZX_INFO_JOB_PROCESSES or ZX_INFO_PROCESS_THREADS, asked
 * again with a bigger buffer while more are available (as the zx crate does). */
static zx_status_t child_koids(manager_t *m, zx_handle_t task, uint32_t topic, zx_koid_t **out,
                               size_t *count)
{
    size_t capacity = 16;
    for (;;) {
        zx_koid_t *koids = manager_alloc(m, capacity * sizeof(*koids));
        size_t actual = 0, avail = 0;
        zx_status_t st = zx_object_get_info(task, topic, koids, capacity * sizeof(*koids),
                                            &actual, &avail);
        if (st != ZX_OK) {
            manager_free(m, koids);
            return st;
        }
        if (avail <= actual) {
            *out = koids;
            *count = actual;
            return ZX_OK;
        }
        manager_free(m, koids);
        capacity = avail * 2;
    }
}

static void close_all(zx_handle_t *handles, size_t from, size_t count)
{
    for (size_t i = from; i < count; i++)
        zx_handle_close(handles[i]);
}

/* The second half of a pass: wait until every thread of each newly suspended process reports
 * it is suspended. On an error the processes not yet visited are dropped. */
static zx_status_t wait_threads(manager_t *m, zx_handle_t *processes, size_t count)
{
    for (size_t p = 0; p < count; p++) {
        zx_koid_t *threads;
        size_t thread_count;
        if (child_koids(m, processes[p], ZX_INFO_PROCESS_THREADS, &threads, &thread_count) !=
            ZX_OK)
            MANAGER_PANIC("failed to get threads");
        for (size_t i = 0; i < thread_count; i++) {
            manager_trace_duration(MANAGER_EV_SUSPEND_KERNEL, threads[i],
                                   (int64_t)threads[i], NULL, true);
            zx_handle_t thread;
            zx_status_t st = zx_object_get_child(processes[p], threads[i],
                                                 ZX_RIGHT_SAME_RIGHTS, &thread);
            if (st == ZX_OK) {
                st = m->ops->wait_thread(m, processes[p], thread, threads[i]);
                zx_handle_close(thread);
            } else {
                st = ZX_OK; /* if let Ok(thread) = get_child(...): a gone thread is skipped */
            }
            manager_trace_duration(MANAGER_EV_SUSPEND_KERNEL, threads[i],
                                   (int64_t)threads[i], NULL, false);
            if (st != ZX_OK) {
                manager_free(m, threads);
                close_all(processes, p, count);
                return st;
            }
        }
        manager_free(m, threads);
        zx_handle_close(processes[p]);
    }
    return ZX_OK;
}

/* One pass over the job's process list: suspends every process not seen yet. Returns the
 * processes it suspended (to be waited on) in `processes`, and whether any was new. */
static zx_status_t suspend_new_processes(manager_t *m, zx_handle_t job, suspend_tokens_t *t,
                                         zx_handle_t **processes, size_t *count,
                                         bool *found_new_process)
{
    zx_koid_t *koids;
    size_t koid_count;
    if (child_koids(m, job, ZX_INFO_JOB_PROCESSES, &koids, &koid_count) != ZX_OK)
        MANAGER_PANIC("failed to get processes");
    *processes = manager_alloc(m, (koid_count + 1) * sizeof(zx_handle_t));
    *count = 0;
    *found_new_process = false;
    for (size_t i = 0; i < koid_count; i++) {
        if (tokens_contain(t, koids[i]))
            continue;
        *found_new_process = true;
        zx_handle_t process, token;
        if (zx_object_get_child(job, koids[i], ZX_RIGHT_SAME_RIGHTS, &process) != ZX_OK)
            continue;
        zx_status_t st = zx_task_suspend(process, &token);
        if (st == ZX_ERR_BAD_STATE) {
            /* The process was already dead or dying, and thus can't be suspended. */
            zx_handle_close(process);
            continue;
        }
        if (st != ZX_OK) {
            MANAGER_WARN("Failed process suspension: %s", zx_status_get_string(st));
            zx_handle_close(process);
            close_all(*processes, 0, *count);
            manager_free(m, *processes);
            manager_free(m, koids);
            return st;
        }
        tokens_insert(m, t, koids[i], token);
        (*processes)[(*count)++] = process;
    }
    manager_free(m, koids);
    return ZX_OK;
}

/* Port of suspend_job() in suspend.rs: suspends each process of the job until a pass finds no
 * new one. Only direct child processes are listed (sub-jobs keep running: R22); a dying process
 * still listed makes every pass "find" it again (R9). On error every token taken is dropped. */
static zx_status_t suspend_job(manager_t *m, zx_handle_t kernel_job, suspend_tokens_t *out)
{
    suspend_tokens_t handles = {0};
    for (;;) {
        zx_handle_t *processes;
        size_t count;
        bool found_new_process;
        zx_status_t st =
            suspend_new_processes(m, kernel_job, &handles, &processes, &count,
                                  &found_new_process);
        if (st != ZX_OK) {
            tokens_drop(m, &handles);
            return st;
        }
        st = wait_threads(m, processes, count);
        manager_free(m, processes);
        if (st != ZX_OK) {
            tokens_drop(m, &handles);
            return st;
        }
        if (!found_new_process)
            break;
    }
    tokens_into_values(&handles);
    *out = handles;
    return ZX_OK;
}

/* ---- suspend_container ---------------------------------------------------------------------- */

/* The wake-lock poll: wait_one(EVENT_SIGNALED, MonotonicInstant::ZERO). Any error (TIMED_OUT,
 * PEER_CLOSED alone, BAD_HANDLE) counts as "no wake lock". Consumes payload->wake_locks (the
 * if-let binding drops at the end of its block). */
static bool wake_locks_exist(fidl_suspend_container_req_t *payload, uint64_t attempt)
{
    zx_handle_t wake_locks = payload->wake_locks;
    payload->wake_locks = ZX_HANDLE_INVALID;
    if (wake_locks == ZX_HANDLE_INVALID) {
        manager_phase(MANAGER_PHASE_WAKE_LOCK_CHECK, attempt, 0, 0, 0, NULL);
        return false;
    }
    zx_status_t st = zx_object_wait_one(wake_locks, ZX_EVENT_SIGNALED, 0, NULL);
    manager_phase(MANAGER_PHASE_WAKE_LOCK_CHECK, attempt, st == ZX_OK, 1, st, NULL);
    if (st == ZX_OK) {
        /* There were wake locks active after suspending all processes: resume and fail. */
        MANAGER_WARN("error suspending container: Linux wake locks exist");
        manager_trace_instant(MANAGER_EV_SUSPEND_FAILED_WITH_WAKE_LOCKS, 0, NULL);
    }
    zx_handle_close(wake_locks);
    return st == ZX_OK;
}

/* The block that holds wake_sources: build the wait items, wait, compute the resume reason. */
static char *wait_for_wake(manager_t *m, uint64_t attempt)
{
    wake_sources_t *ws = &m->suspend_context.wake_sources;
    kmutex_lock(&ws->lock);
    size_t count = ws->count;
    size_t *order = manager_alloc(m, (count + 1) * sizeof(*order));
    zx_wait_item_t *items = manager_alloc(m, (count + 1) * sizeof(*items));
    wake_sources_order(ws, order);
    for (size_t i = 0; i < count; i++) {
        const wake_source_t *source = &ws->entries[order[i]];
        items[i] = (zx_wait_item_t){.handle = source->handle, .waitfor = source->signals};
    }
    /* TODO upstream: a Port-based wait would lift the 64-item limit and free this thread. */
    manager_trace_duration(MANAGER_EV_WAITING_ON_CONTAINER_WAKE, 0, (int64_t)count, NULL, true);
    manager_phase(MANAGER_PHASE_WAIT_BEGUN, attempt, (int64_t)count, 0, 0, NULL);
    zx_status_t wait_status = ZX_OK;
    if (count > 0) {
        MANAGER_INFO("Waiting on container to receive incoming message on wake proxies");
        wait_status = zx_object_wait_many(items, count, m->ops->wake_deadline());
        if (wait_status != ZX_OK)
            MANAGER_WARN("error waiting for wake event %s", zx_status_get_string(wait_status));
    }
    manager_trace_duration(MANAGER_EV_WAITING_ON_CONTAINER_WAKE, 0, (int64_t)count, NULL,
                           false);
    manager_phase(MANAGER_PHASE_WOKEN, attempt, (int64_t)count, 0, wait_status, NULL);
    MANAGER_INFO("Finished waiting on container wake proxies.");
    char *reason = m->ops->resume_reason(m, ws, order, items, count, wait_status);
    kmutex_unlock(&ws->lock);
    manager_free(m, items);
    manager_free(m, order);
    return reason;
}

static void lease_log(manager_t *m, const char *line)
{
    if (m->ops->lease_logs)
        MANAGER_INFO("%s", line);
}

static void fail(suspend_result_t *out, fidl_suspend_error_t error)
{
    out->outcome = SUSPEND_OUTCOME_ERROR;
    out->error = error;
}

static void fail_err(suspend_result_t *out, zx_status_t status)
{
    out->outcome = SUSPEND_OUTCOME_FAILED;
    out->status = status;
}

/* From the frozen job to the reply: every exit leaves the tokens to the caller to drop. */
static void suspend_frozen(manager_t *m, fidl_suspend_container_req_t *payload,
                           zx_handle_t container_job, uint64_t attempt, suspend_result_t *out)
{
    const manager_variant_ops_t *ops = m->ops;
    wake_watchers_t *watchers = &m->suspend_context.wake_watchers;
    zx_instant_boot_t suspend_start = zx_clock_get_boot();
    /* Locks are taken in a scope that closes before the first await. */
    if (wake_locks_exist(payload, attempt)) {
        fail(out, FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST);
        return;
    }

    MANAGER_INFO("Notifying wake watchers of container suspend.");
    kmutex_lock(&watchers->lock);
    zx_status_t st = ops->notify_watchers(m, AWAKE_SIGNAL, ASLEEP_SIGNAL, "suspension");
    kmutex_unlock(&watchers->lock);
    if (st != ZX_OK) {
        fail_err(out, st);
        return;
    }
    manager_phase(MANAGER_PHASE_WATCHERS_ASLEEP, attempt, 0, 0, 0, NULL);
    lease_log(m, "Pre-drop wake lease");
    st = kernels_drop_wake_lease(m, container_job);
    if (st != ZX_OK) {
        fail_err(out, st);
        return;
    }
    lease_log(m, "Post-drop wake lease");
    manager_phase(MANAGER_PHASE_LEASE_DROPPED, attempt, 0, 0, 0, NULL);

    char *resume_reason = wait_for_wake(m, attempt);

    lease_log(m, "Pre-acquire wake lease");
    st = kernels_acquire_wake_lease(m, container_job); /* .await */
    if (st != ZX_OK) {
        manager_free(m, resume_reason);
        fail_err(out, st);
        return;
    }
    lease_log(m, "Post-acquire wake lease");
    manager_phase(MANAGER_PHASE_LEASE_ACQUIRED, attempt, 0, 0, 0, NULL);

    MANAGER_INFO("Notifying wake watchers of container wakeup.");
    kmutex_lock(&watchers->lock); /* the function-scope guard: held until return */
    st = ops->notify_watchers(m, ASLEEP_SIGNAL, AWAKE_SIGNAL, "wakeup");
    if (st != ZX_OK) {
        kmutex_unlock(&watchers->lock);
        manager_free(m, resume_reason);
        fail_err(out, st);
        return;
    }
    manager_phase(MANAGER_PHASE_WATCHERS_AWAKE, attempt, 0, 0, 0, NULL);
    MANAGER_INFO("Returning successfully from suspend container");
    out->outcome = SUSPEND_OUTCOME_OK;
    out->suspend_time = zx_clock_get_boot() - suspend_start;
    out->resume_reason = resume_reason;
    kmutex_unlock(&watchers->lock);
}

/* Port of suspend_container() in suspend.rs. Consumes the payload's handles; the result owns
 * its resume_reason. */
void suspend_container(manager_t *m, fidl_suspend_container_req_t *payload, uint64_t attempt,
                       suspend_result_t *out)
{
    *out = (suspend_result_t){.outcome = SUSPEND_OUTCOME_OK};
    manager_trace_duration(MANAGER_EV_SUSPENDING_CONTAINER, 0, (int64_t)attempt, NULL, true);
    zx_handle_t container_job = payload->container_job;
    payload->container_job = ZX_HANDLE_INVALID;
    if (container_job == ZX_HANDLE_INVALID) {
        MANAGER_WARN("error suspending container: could not find container job None");
        fail(out, FIDL_SUSPEND_ERROR_SUSPEND_FAILURE);
    } else {
        /* These handles must live until the end: dropping them resumes the kernel. */
        MANAGER_INFO("Suspending all container processes.");
        suspend_tokens_t suspend_handles = {0};
        zx_status_t st = suspend_job(m, container_job, &suspend_handles); /* .await */
        if (st != ZX_OK) {
            MANAGER_WARN("error suspending container %s", zx_status_get_string(st));
            manager_trace_instant(MANAGER_EV_SUSPEND_FAILED_ACTUAL, 0, NULL);
            fail(out, FIDL_SUSPEND_ERROR_SUSPEND_FAILURE);
        } else {
            MANAGER_INFO("Finished suspending all container processes.");
            manager_phase(MANAGER_PHASE_JOB_FROZEN, attempt, (int64_t)suspend_handles.count, 0,
                          0, NULL);
            suspend_frozen(m, payload, container_job, attempt, out);
            tokens_drop(m, &suspend_handles);
            manager_phase(MANAGER_PHASE_THAWED, attempt, 0, 0, 0, NULL);
        }
        zx_handle_close(container_job);
    }
    fidl_suspend_container_req_close(payload); /* what is left of the payload drops */
    manager_trace_duration(MANAGER_EV_SUSPENDING_CONTAINER, 0, (int64_t)attempt, NULL, false);
}
