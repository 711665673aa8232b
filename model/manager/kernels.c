/* kernels.c - The containers the runner started, and their application-activity leases. Port
 * of kernel_manager/src/kernels.rs (misttech/fuchsia @31a722b4: Kernels::start,
 * drop_wake_lease, acquire_wake_lease) with lib.rs's generate_kernel_name.
 *
 * The lease. While a container runs the runner holds an ActivityGovernor
 * TakeApplicationActivityLease token for it; suspend_container drops it before the wait (the
 * system may then suspend) and takes a new one after. The governor is a server in the world,
 * reached through the runner's /svc (manager_connect_to_protocol) with a two-way call awaited
 * on the main executor.
 *
 * Lock rules (kernels_t in manager_int.h): acquire_wake_lease holds `kernels.lock` across the
 * await on the governor, because upstream's `if let Some(kernel) = self.kernels.lock().get(..)`
 * keeps the guard alive through the body. A sibling task of the main executor that locks
 * `kernels` meanwhile (Kernels::start, the on_stop cleanup) blocks the thread on a lock its
 * own thread holds: a deadlock (R11), which mutex.c traces as KERNEL_EV_MUTEX_DEADLOCK.
 *
 * Deviations: the component framework is not modelled. Start receives the container's job (and
 * optionally a name and a controller channel) instead of creating a kernel component and asking
 * it for its job; the realm connection (`.expect("Failed to connect to realm.")`) is left out.
 * A StarnixKernel is named by the request's name when there is one, for readable traces;
 * otherwise by a second generated name, as StarnixKernel::create does upstream.
 */
#include <string.h>

#include "manager_int.h"

#define KERNEL_NAME_LEN 7u

void kernels_new(kernels_t *kernels)
{
    *kernels = (kernels_t){0};
    kmutex_init(&kernels->lock, "kernels");
}

/* Port of generate_kernel_name() in lib.rs: 7 random alphanumerics, drawn here from the
 * schedule stream (fifo: "AAAAAAA"). */
static char *generate_kernel_name(manager_t *m)
{
    static const char alphanumeric[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *name = manager_alloc(m, KERNEL_NAME_LEN + 1);
    for (size_t i = 0; i < KERNEL_NAME_LEN; i++)
        name[i] = alphanumeric[kernel_choose(sizeof(alphanumeric) - 1)];
    return name;
}

/* Port of create_lease_name(). */
static void create_lease_name(const char *kernel_name, char out[FIDL_STRING_MAX + 1],
                              bool *has)
{
    char name[FIDL_STRING_MAX + 1];
    size_t n = strlen("starnix-kernel-");
    memcpy(name, "starnix-kernel-", n);
    size_t k = strnlen(kernel_name, FIDL_STRING_MAX - n);
    memcpy(name + n, kernel_name, k);
    name[n + k] = '\0';
    fidl_string_set(out, has, name);
}

/* ActivityGovernorProxy::take_application_activity_lease(name).await: a two-way call on the
 * client channel `governor`. A FIDL error (the channel closed, a malformed reply, a reply
 * without its token) is returned as a status; the lease token is the caller's. */
static zx_status_t take_application_activity_lease(manager_t *m, zx_handle_t governor,
                                                   const char *kernel_name, zx_handle_t *lease)
{
    uint32_t txid = m->txid_next++;
    if (m->txid_next == 0)
        m->txid_next = 1;
    fidl_take_lease_req_t req = {0};
    create_lease_name(kernel_name, req.name, &req.has_name);
    zx_status_t st = fidl_take_lease_req_write(governor, txid, &req);
    if (st != ZX_OK)
        return st;
    uint8_t *bytes = manager_alloc(m, ZX_CHANNEL_MAX_MSG_BYTES);
    zx_handle_t *handles = manager_alloc(m, ZX_CHANNEL_MAX_MSG_HANDLES * sizeof(zx_handle_t));
    for (;;) {
        fidl_message_t msg;
        st = fidl_message_read(governor, bytes, handles, &msg);
        if (st == ZX_ERR_SHOULD_WAIT) {
            st = kernel_await_one(governor, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                                  ZX_TIME_INFINITE, NULL); /* .await */
            if (st != ZX_OK)
                break;
            continue;
        }
        if (st != ZX_OK)
            break;
        if (msg.header.txid != txid) {
            fidl_message_close(&msg); /* not our reply (ActivityGovernor sends no events) */
            continue;
        }
        fidl_take_lease_resp_t resp;
        st = fidl_take_lease_resp_decode(&msg, &resp);
        if (st == ZX_ERR_NOT_SUPPORTED)
            fidl_message_close(&msg);
        if (st == ZX_OK && resp.token == ZX_HANDLE_INVALID)
            st = ZX_ERR_INVALID_ARGS; /* the token is not optional: a decode error */
        if (st == ZX_OK)
            *lease = resp.token;
        else
            st = ZX_ERR_INVALID_ARGS;
        break;
    }
    manager_free(m, bytes);
    manager_free(m, handles);
    return st;
}

static starnix_kernel_t *find_kernel(kernels_t *kernels, zx_koid_t job_koid, size_t *index)
{
    for (size_t i = 0; i < kernels->count; i++) {
        if (kernels->entries[i]->job_koid == job_koid) {
            if (index)
                *index = i;
            return kernels->entries[i];
        }
    }
    return NULL;
}

static void kernel_drop(manager_t *m, starnix_kernel_t *kernel)
{
    zx_handle_close(kernel->wake_lease);
    zx_handle_close(kernel->job);
    manager_free(m, kernel->name);
    manager_free(m, kernel);
}

/* HashMap::insert under the caller's lock; an entry with the same job koid is replaced. */
static void kernels_insert(manager_t *m, kernels_t *kernels, starnix_kernel_t *kernel)
{
    size_t index;
    starnix_kernel_t *old = find_kernel(kernels, kernel->job_koid, &index);
    if (old) {
        kernels->entries[index] = kernel;
        kernel_drop(m, old);
        return;
    }
    if (kernels->count == kernels->capacity) {
        kernels->capacity = kernels->capacity ? kernels->capacity * 2 : 4;
        kernels->entries = manager_realloc(m, kernels->entries,
                                           kernels->capacity * sizeof(*kernels->entries));
    }
    kernels->entries[kernels->count++] = kernel;
}

typedef struct on_stop_task {
    manager_t *m;
    zx_handle_t controller; /* owned: the future's controller channel */
    zx_koid_t job_koid;
} on_stop_task_t;

/* The background task of Kernels::start: `on_stop.await; kernels.lock().remove(&koid)`. */
static void on_stop(void *arg)
{
    on_stop_task_t *task = arg;
    manager_t *m = task->m;
    kernel_await_one(task->controller, ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE,
                     NULL); /* .await */
    zx_handle_close(task->controller); /* the on_stop future completes and drops */
    kernels_t *kernels = &m->kernels;
    kmutex_lock(&kernels->lock);
    size_t index;
    starnix_kernel_t *kernel = find_kernel(kernels, task->job_koid, &index);
    if (kernel) {
        memmove(&kernels->entries[index], &kernels->entries[index + 1],
                (kernels->count - index - 1) * sizeof(*kernels->entries));
        kernels->count--;
        kernel_drop(m, kernel);
    }
    kmutex_unlock(&kernels->lock);
    manager_free(m, task);
}

/* The wake lease of Kernels::start: None when the governor cannot be reached or refuses. */
static zx_handle_t initial_wake_lease(manager_t *m, const char *kernel_name)
{
    zx_handle_t governor, lease = ZX_HANDLE_INVALID;
    if (manager_connect_to_protocol(m, MANAGER_GOVERNOR_PROTOCOL, &governor) != ZX_OK)
        return ZX_HANDLE_INVALID; /* break 'out None */
    zx_status_t st =
        take_application_activity_lease(m, governor, kernel_name, &lease); /* .await */
    if (st != ZX_OK) {
        MANAGER_WARN("Failed to acquire application activity lease for kernel: %s",
                     zx_status_get_string(st));
        lease = ZX_HANDLE_INVALID;
    }
    zx_handle_close(governor);
    return lease;
}

/* Port of Kernels::start() in kernels.rs. Consumes the request's handles. */
zx_status_t kernels_start(manager_t *m, fidl_runner_start_req_t *req)
{
    char *kernel_name = generate_kernel_name(m);
    zx_handle_t wake_lease = initial_wake_lease(m, kernel_name);
    manager_free(m, kernel_name);

    /* StarnixKernel::create(...).await? : here the job comes with the request. */
    if (req->job == ZX_HANDLE_INVALID) {
        MANAGER_WARN("expected to find job in ControllerGetJobHandleResponse");
        zx_handle_close(wake_lease);
        fidl_runner_start_req_close(req);
        return ZX_ERR_INVALID_ARGS;
    }
    starnix_kernel_t *kernel = manager_alloc(m, sizeof(*kernel));
    kernel->name = req->has_name ? manager_strdup(m, req->name) : generate_kernel_name(m);
    kernel->job = req->job;
    kmutex_init(&kernel->wake_lease_lock, "wake_lease");
    zx_handle_t controller = req->controller;
    req->job = req->controller = ZX_HANDLE_INVALID;
    zx_status_t st = manager_koid(kernel->job, &kernel->job_koid); /* kernel.job.koid()? */
    if (st != ZX_OK) {
        zx_handle_close(wake_lease);
        zx_handle_close(controller);
        kernel_drop(m, kernel);
        return st;
    }
    kmutex_lock(&kernel->wake_lease_lock);
    kernel->wake_lease = wake_lease;
    kmutex_unlock(&kernel->wake_lease_lock);
    MANAGER_INFO("Acquired wake lease for job %llu", (unsigned long long)kernel->job_koid);

    kernels_t *kernels = &m->kernels;
    zx_koid_t job_koid = kernel->job_koid;
    kmutex_lock(&kernels->lock);
    kernels_insert(m, kernels, kernel);
    kmutex_unlock(&kernels->lock);

    /* self.background_tasks.spawn(on_stop...): no controller, no stop (fidl.h, field 3). */
    if (controller != ZX_HANDLE_INVALID) {
        on_stop_task_t *task = manager_alloc(m, sizeof(*task));
        *task = (on_stop_task_t){.m = m, .controller = controller, .job_koid = job_koid};
        async_spawn("kernel_on_stop", on_stop, task);
    }
    return ZX_OK;
}

/* Port of Kernels::drop_wake_lease() in kernels.rs. */
zx_status_t kernels_drop_wake_lease(manager_t *m, zx_handle_t container_job)
{
    manager_trace_instant(MANAGER_EV_DROP_LEASE, 0, NULL);
    zx_koid_t job_koid;
    zx_status_t st = manager_koid(container_job, &job_koid); /* container_job.koid()? */
    if (st != ZX_OK)
        return st;
    kernels_t *kernels = &m->kernels;
    kmutex_lock(&kernels->lock);
    starnix_kernel_t *kernel = find_kernel(kernels, job_koid, NULL);
    if (kernel) {
        kmutex_lock(&kernel->wake_lease_lock);
        zx_handle_t lease = kernel->wake_lease; /* .take(): dropped before the guard */
        kernel->wake_lease = ZX_HANDLE_INVALID;
        zx_handle_close(lease);
        kmutex_unlock(&kernel->wake_lease_lock);
        MANAGER_INFO("Dropped wake lease for job %llu", (unsigned long long)job_koid);
    }
    kmutex_unlock(&kernels->lock);
    return ZX_OK;
}

/* The body of acquire_wake_lease's if-let, under kernels.lock. */
static zx_status_t acquire_locked(manager_t *m, starnix_kernel_t *kernel, zx_koid_t job_koid)
{
    zx_handle_t governor, lease;
    zx_status_t st = manager_connect_to_protocol(m, MANAGER_GOVERNOR_PROTOCOL, &governor);
    if (st != ZX_OK)
        return st; /* connect_to_protocol()? */
    st = take_application_activity_lease(m, governor, kernel->name, &lease); /* .await */
    if (st != ZX_OK) {
        MANAGER_WARN("Failed to acquire application activity lease for kernel: %s",
                     zx_status_get_string(st));
        zx_handle_close(governor);
        return ZX_OK; /* return Ok(()) with no lease held (R10) */
    }
    kmutex_lock(&kernel->wake_lease_lock);
    zx_handle_t old = kernel->wake_lease; /* `*guard = Some(lease)` drops the old value */
    kernel->wake_lease = lease;
    zx_handle_close(old);
    kmutex_unlock(&kernel->wake_lease_lock);
    MANAGER_INFO("Acquired wake lease for job %llu", (unsigned long long)job_koid);
    zx_handle_close(governor);
    return ZX_OK;
}

/* Port of Kernels::acquire_wake_lease() in kernels.rs. May block (awaits the governor with
 * `kernels.lock` held). */
zx_status_t kernels_acquire_wake_lease(manager_t *m, zx_handle_t container_job)
{
    manager_trace_duration(MANAGER_EV_ACQUIRE_LEASE, 0, 0, NULL, true);
    zx_koid_t job_koid;
    zx_status_t st = manager_koid(container_job, &job_koid); /* container_job.koid()? */
    if (st == ZX_OK) {
        kernels_t *kernels = &m->kernels;
        kmutex_lock(&kernels->lock); /* the if-let guard: held through the body */
        starnix_kernel_t *kernel = find_kernel(kernels, job_koid, NULL);
        if (kernel)
            st = acquire_locked(m, kernel, job_koid);
        kmutex_unlock(&kernels->lock);
    }
    manager_trace_duration(MANAGER_EV_ACQUIRE_LEASE, 0, 0, NULL, false);
    return st;
}
