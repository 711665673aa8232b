/* kernel_side.c - The Starnix kernel's power manager (src/starnix/kernel/power/manager.rs,
 * reference 6.1-6.3), in process "starnix_kernel" of the container job, so that the runner
 * freezes it with the rest of the container.
 *
 * Wake locks (6.1). The kernel keeps (active_lock_reader, active_lock_writer); the runner gets
 * a duplicate of the reader as `wake_locks`. While any Linux wake lock is held the writer sets
 * ZX_EVENT_SIGNALED on the reader (signal_peer), and clears it when the last one goes.
 *
 * Suspend loop (6.3, thread "suspend_loop"). Each request opens a new Manager connection (as
 * connect_to_protocol_sync does), sends SuspendContainer with the fields the scenario asks
 * for, and waits synchronously for the reply. The thread is a container thread: the runner
 * freezes it in the middle of its own call and it resumes afterwards, reading the reply then,
 * which is what happens on a device. One-shot mode answers the timeline's "suspend" actions;
 * autosuspend asks again `auto_delay_ns` after a success, or after a backoff that doubles per
 * failure up to `auto_backoff_max_ns` (monotonic waits: they stand still while the system
 * sleeps). This is K-B's path: no kernel-side pre-check, the runner's wake-lock check decides.
 *
 * SuspendStats (6.3): success -> success_count, last_time_in_suspend_operations (boot now -
 * start), last_time_in_sleep (the reply's suspend_time, 0 if absent), last_resume_reason
 * "0 <reason>" or None; failure (a SuspendError or any FIDL error) -> fail_count, reason None,
 * except WAKE_LOCKS_EXIST: "Abort: <held locks joined by ' '>" and wakeup_count += locks held
 * (K-D's accounting).
 *
 * A tool (thread "tool" of the platform process, only when a "suspend" action has "client":
 * "tool"): a second SuspendContainer client outside the container, never frozen (R5).
 *
 * Kernel worker (thread "kernel_worker"): the container-side actions of the timeline, one at a
 * time, in order (wake locks, ProxyWakeChannel, AddWakeSource/RemoveWakeSource, closing the
 * container's end of a proxy, counter adds, file reads). Commands arrive on a channel from the
 * timeline driver, so a frozen kernel runs them only after it is thawed.
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Wake locks (6.1) ------------------------------------------------------------------------ */

static size_t lock_find(const world_kside_t *ks, const char *name)
{
    for (size_t i = 0; i < ks->lock_count; i++) {
        if (!strcmp(ks->locks[i], name))
            return i;
    }
    return SIZE_MAX;
}

/* Adds `name` to the held set; returns whether it was not held before. */
static bool lock_insert(world_kside_t *ks, const char *name)
{
    if (lock_find(ks, name) != SIZE_MAX)
        return false;
    world_grow((void **)&ks->locks, &ks->lock_capacity, ks->lock_count + 1, sizeof(*ks->locks));
    ks->locks[ks->lock_count++] = name;
    return true;
}

static void lock_acquire(world_t *w, const char *name)
{
    world_kside_t *ks = &w->kside;
    if (!lock_insert(ks, name))
        return; /* Linux wake_lock with a held name only re-arms it */
    if (ks->lock_count == 1)
        (void)zx_object_signal_peer(ks->lock_writer, 0, ZX_EVENT_SIGNALED);
    world_trace(w, WORLD_EV_WAKE_LOCK, 0, 1, (int64_t)ks->lock_count, 0, 0, name);
}

static void lock_release(world_t *w, const char *name)
{
    world_kside_t *ks = &w->kside;
    size_t i = lock_find(ks, name);
    if (i == SIZE_MAX)
        return;
    memmove(&ks->locks[i], &ks->locks[i + 1], (ks->lock_count - i - 1) * sizeof(*ks->locks));
    ks->lock_count--;
    if (ks->lock_count == 0)
        (void)zx_object_signal_peer(ks->lock_writer, ZX_EVENT_SIGNALED, 0);
    world_trace(w, WORLD_EV_WAKE_LOCK, 0, 0, (int64_t)ks->lock_count, 0, 0, name);
}

/* ---- SuspendStats (6.3) ---------------------------------------------------------------------- */

static void stats_abort_reason(world_t *w)
{
    world_results_t *r = &w->res;
    const world_kside_t *ks = &w->kside;
    size_t n = (size_t)snprintf(r->last_resume_reason, sizeof(r->last_resume_reason), "Abort:");
    for (size_t i = 0; i < ks->lock_count && n < sizeof(r->last_resume_reason); i++)
        n += (size_t)snprintf(r->last_resume_reason + n, sizeof(r->last_resume_reason) - n, " %s",
                              ks->locks[i]);
    r->has_last_resume_reason = true;
    r->wakeup_count += ks->lock_count;
}

static void stats_update(world_t *w, world_suspend_result_t result,
                         const fidl_suspend_container_resp_t *resp, int64_t start_boot_ns)
{
    world_results_t *r = &w->res;
    r->has_last_resume_reason = false;
    r->last_resume_reason[0] = '\0';
    if (result != WORLD_SUSPEND_OK) {
        r->fail_count++;
        if (result == WORLD_SUSPEND_WAKE_LOCKS_EXIST)
            stats_abort_reason(w);
        return;
    }
    r->success_count++;
    r->last_time_in_suspend_operations_ns = zx_clock_get_boot() - start_boot_ns;
    r->last_time_in_sleep_ns = resp->has_suspend_time ? resp->suspend_time : 0;
    if (resp->has_resume_reason) {
        snprintf(r->last_resume_reason, sizeof(r->last_resume_reason), "0 %s",
                 resp->resume_reason);
        r->has_last_resume_reason = true;
    }
}

/* ---- SuspendContainer (6.3) ------------------------------------------------------------------ */

static zx_status_t await_response(world_msgbuf_t *buf, zx_handle_t ch,
                                  fidl_suspend_container_resp_t *resp)
{
    for (int i = 0; i < 16; i++) {
        fidl_message_t msg;
        zx_status_t st = world_await_reply(ch, buf->bytes, buf->handles, &msg);
        if (st != ZX_OK)
            return st;
        if (msg.header.ordinal != FIDL_MANAGER_SUSPEND_CONTAINER) {
            fidl_message_close(&msg);
            continue;
        }
        /* A malformed reply is a FIDL error: the client drops the channel. */
        st = fidl_suspend_container_resp_decode(&msg, resp);
        return st == ZX_OK ? ZX_OK : ZX_ERR_PEER_CLOSED;
    }
    return ZX_ERR_PEER_CLOSED;
}

static world_suspend_result_t result_of(zx_status_t st, const fidl_suspend_container_resp_t *r)
{
    if (st != ZX_OK)
        return WORLD_SUSPEND_NO_REPLY;
    if (!r->is_error)
        return WORLD_SUSPEND_OK;
    return r->error == FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST ? WORLD_SUSPEND_WAKE_LOCKS_EXIST
                                                          : WORLD_SUSPEND_FAILURE;
}

/* Who sends a SuspendContainer: the kernel's suspend loop, or a tool outside the container. */
typedef struct suspend_client {
    zx_handle_t svc;        /* the client's /svc */
    zx_handle_t job;        /* duplicated as container_job (if valid) */
    zx_handle_t wake_locks; /* duplicated as wake_locks (if valid) */
    world_msgbuf_t *buf;
} suspend_client_t;

/* One SuspendContainer round trip on a new connection; the record's result. May block (a
 * kernel thread is frozen in the middle of it). */
static world_suspend_result_t suspend_call(world_t *w, const suspend_client_t *c,
                                           fidl_suspend_container_resp_t *resp)
{
    size_t rec = records_suspend_begin(w);
    fidl_suspend_container_req_t req = {0};
    if (c->job != ZX_HANDLE_INVALID)
        (void)zx_handle_duplicate(c->job, ZX_RIGHT_SAME_RIGHTS, &req.container_job);
    if (c->wake_locks != ZX_HANDLE_INVALID)
        (void)zx_handle_duplicate(c->wake_locks, ZX_RIGHT_SAME_RIGHTS, &req.wake_locks);
    zx_handle_t ch = world_connect(c->svc, MANAGER_PROTOCOL);
    zx_status_t st = ZX_ERR_PEER_CLOSED;
    if (ch != ZX_HANDLE_INVALID)
        st = fidl_suspend_container_req_write(ch, 1, &req);
    fidl_suspend_container_req_close(&req);
    if (st == ZX_OK)
        st = await_response(c->buf, ch, resp);
    zx_handle_close(ch);
    records_suspend_end(w, rec, st, resp);
    return result_of(st, resp);
}

/* One SuspendContainer round trip, as SuspendResumeManager::suspend. May block (frozen). */
static world_suspend_result_t suspend_once(world_t *w)
{
    const world_suspend_config_t *sc = &w->cfg->container.suspend;
    world_kside_t *ks = &w->kside;
    int64_t start_boot_ns = zx_clock_get_boot();
    suspend_client_t c = {.svc = ks->svc,
                          .job = sc->send_container_job ? ks->job : ZX_HANDLE_INVALID,
                          .wake_locks = sc->send_wake_locks ? ks->lock_reader : ZX_HANDLE_INVALID,
                          .buf = &ks->buf};
    fidl_suspend_container_resp_t resp = {0};
    world_suspend_result_t result = suspend_call(w, &c, &resp);
    stats_update(w, result, &resp, start_boot_ns);
    return result;
}

/* Reads one command word; false when the channel is closed and empty. */
static bool command_read(zx_handle_t ch, uint32_t *word, bool *got)
{
    uint32_t actual_bytes = 0, actual_handles = 0;
    *got = false;
    zx_status_t st = zx_channel_read(ch, 0, word, NULL, sizeof(*word), 0, &actual_bytes,
                                     &actual_handles);
    if (st == ZX_ERR_SHOULD_WAIT)
        return true;
    if (st != ZX_OK)
        return false;
    *got = actual_bytes == sizeof(*word);
    return true;
}

static int64_t after(int64_t duration)
{
    return zx_deadline_after(duration > 0 ? duration : 0);
}

static void suspend_main(void *arg)
{
    world_t *w = arg;
    const world_suspend_config_t *sc = &w->cfg->container.suspend;
    bool autosuspend = sc->mode == WORLD_SUSPEND_AUTO;
    zx_instant_mono_t next = autosuspend ? sc->auto_start_ns : ZX_TIME_INFINITE;
    int64_t backoff = sc->auto_backoff_ns;
    bool open = true;
    for (;;) {
        zx_signals_t observed = 0;
        zx_status_t st = ZX_ERR_TIMED_OUT;
        if (open)
            st = zx_object_wait_one(w->kside.sctl, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                                    next, &observed);
        else if (next != ZX_TIME_INFINITE)
            st = zx_object_wait_many(NULL, 0, next);
        else
            return;
        bool got = false;
        if (st == ZX_OK)
            open = command_read(w->kside.sctl, &(uint32_t){0}, &got);
        else if (st != ZX_ERR_TIMED_OUT)
            return;
        if (st == ZX_OK && !got)
            continue;
        world_suspend_result_t r = suspend_once(w);
        if (!autosuspend)
            continue;
        if (r == WORLD_SUSPEND_OK) {
            next = after(sc->auto_delay_ns);
            backoff = sc->auto_backoff_ns;
        } else {
            next = after(backoff);
            int64_t cap = sc->auto_backoff_max_ns > 0 ? sc->auto_backoff_max_ns : INT64_MAX / 4;
            backoff = backoff > cap / 2 ? cap : backoff * 2;
        }
    }
}

/* ---- A tool's SuspendContainer (R5) ---------------------------------------------------------- */

/* Thread "tool" of the platform process: a client outside the container (a test, a debugging
 * tool) that sends SuspendContainer with the container's job and no wake_locks, one request at
 * a time, in timeline order. It is never frozen, so it can ask while the container sleeps. Its
 * replies do not count in the kernel's SuspendStats. */
static void tool_main(void *arg)
{
    world_t *w = arg;
    world_kside_t *ks = &w->kside;
    for (;;) {
        zx_signals_t observed = 0;
        if (zx_object_wait_one(ks->tool_rx, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                               ZX_TIME_INFINITE, &observed) != ZX_OK)
            return;
        uint32_t index = 0;
        bool got = false;
        if (!command_read(ks->tool_rx, &index, &got))
            return;
        if (!got)
            continue;
        suspend_client_t c = {.svc = w->tl.svc, .job = w->tl.job, .buf = &ks->tool_buf};
        fidl_suspend_container_resp_t resp = {0};
        (void)suspend_call(w, &c, &resp);
    }
}

void kside_tool_suspend(world_t *w, uint32_t index)
{
    (void)zx_channel_write(w->kside.tool_tx, 0, &index, sizeof(index), NULL, 0);
}

/* The tool's thread and command channel exist only when the timeline uses it, so that other
 * runs trace nothing more. */
static void tool_setup(world_t *w)
{
    const world_config_t *c = w->cfg;
    bool used = false;
    for (size_t i = 0; i < c->timeline_count && !used; i++)
        used = c->timeline[i].kind == WORLD_ACTION_SUSPEND && c->timeline[i].from_tool;
    if (!used)
        return;
    zx_handle_t a, b;
    zx_status_t st = zx_channel_create(0, &a, &b);
    SIM_ASSERT(st == ZX_OK);
    w->kside.tool_tx = world_give(a, w->platform_proc);
    w->kside.tool_rx = world_give(b, w->platform_proc);
    world_msgbuf_init(&w->kside.tool_buf);
    world_thread_start(w->platform_proc, "tool", tool_main, w);
}

/* ---- Kernel worker --------------------------------------------------------------------------- */

void kside_execute(world_t *w, const world_entry_t *e)
{
    const world_action_t *a = e->action;
    switch (e->kind) {
    case WORLD_ENTRY_REGISTER_PROXY:
        proxy_register(w, e->target);
        break;
    case WORLD_ACTION_WAKE_LOCK_ACQUIRE:
        lock_acquire(w, a->name);
        break;
    case WORLD_ACTION_WAKE_LOCK_RELEASE:
        lock_release(w, a->name);
        break;
    case WORLD_ACTION_ADD_WAKE_SOURCE:
        source_add(w, e->target);
        break;
    case WORLD_ACTION_REMOVE_WAKE_SOURCE:
        source_remove(w, e->target);
        break;
    case WORLD_ACTION_CLOSE_PEER:
        proxy_close_container(w, e->target);
        break;
    case WORLD_ACTION_COUNTER_ADD:
        proxy_counter_add(w, e->target, a->delta);
        break;
    case WORLD_ACTION_READ_FILE:
        files_read_action(w, a);
        break;
    default:
        SIM_ASSERT(!"not a container-side action");
    }
}

static void worker_main(void *arg)
{
    world_t *w = arg;
    for (;;) {
        zx_signals_t observed = 0;
        if (zx_object_wait_one(w->kside.kctl, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                               ZX_TIME_INFINITE, &observed) != ZX_OK)
            return;
        uint32_t index = 0;
        bool got = false;
        if (!command_read(w->kside.kctl, &index, &got))
            return;
        if (!got)
            continue;
        SIM_ASSERT(index < w->tl.count);
        kside_execute(w, &w->tl.entries[index]);
    }
}

/* ---- Setup ----------------------------------------------------------------------------------- */

static void command_channel(world_t *w, zx_handle_t *starnix_end, zx_handle_t *platform_end)
{
    zx_handle_t a, b;
    zx_status_t st = zx_channel_create(0, &a, &b);
    SIM_ASSERT(st == ZX_OK);
    *starnix_end = world_give(a, w->starnix_proc);
    *platform_end = world_give(b, w->platform_proc);
}

void kside_setup(world_t *w)
{
    world_kside_t *ks = &w->kside;
    const world_container_config_t *c = &w->cfg->container;
    zx_handle_t reader, writer;
    zx_status_t st = zx_eventpair_create(0, &reader, &writer);
    SIM_ASSERT(st == ZX_OK);
    for (size_t i = 0; i < c->wake_locks_held_count; i++)
        (void)lock_insert(ks, c->wake_locks_held[i]);
    if (ks->lock_count)
        (void)zx_object_signal_peer(writer, 0, ZX_EVENT_SIGNALED);
    ks->lock_reader = world_give(reader, w->starnix_proc);
    ks->lock_writer = world_give(writer, w->starnix_proc);
    ks->svc = world_give(ks->svc, w->starnix_proc);
    ks->job = world_give_dup(w->container_job, w->starnix_proc);
    ks->self = world_give_dup(w->starnix_proc, w->starnix_proc);
    command_channel(w, &ks->kctl, &w->tl.kctl);
    command_channel(w, &ks->sctl, &w->tl.sctl);
    world_msgbuf_init(&ks->buf);
    world_thread_start(w->starnix_proc, "suspend_loop", suspend_main, w);
    world_thread_start(w->starnix_proc, "kernel_worker", worker_main, w);
    tool_setup(w);
}

void kside_teardown(world_t *w)
{
    free(w->kside.locks);
    world_msgbuf_deinit(&w->kside.buf);
    world_msgbuf_deinit(&w->kside.tool_buf);
}
