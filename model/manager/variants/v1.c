/* v1.c - The resume-event revision (reference section 5, V1: mist-os kernel_manager lib.rs
 * @14e35a9c, split as proxy.rs + lib.rs @804a80a3). What differs from v5w:
 *  - ProxyWakeChannel carries `resume_event` (field 6), the runner's endpoint R of an eventpair
 *    whose other end K the kernel keeps; R (a duplicate) is the wake source, waited for
 *    RUNNER_SIGNAL (USER_0). There is no counter, no AddWakeSource, RemoveWakeSource or
 *    CreatePager (those requests fall into `_ => {}`), and no pager.
 *  - Forwarding into the container is a handshake on R: clear KERNEL_SIGNAL and raise
 *    RUNNER_SIGNAL, write, then wait *synchronously* for KERNEL_SIGNAL (or PEER_CLOSED), which
 *    blocks the proxy thread and every proxy on it (R13), then clear KERNEL_SIGNAL. RUNNER_SIGNAL
 *    stays up until the kernel clears it (signal_peer from K).
 *  - suspend_container waits with an INFINITE deadline; the names of the sources that woke it
 *    are logged, the reply has no resume_reason.
 *  - Watchers are signalled with `?`: the first failing watcher aborts the suspend (R7).
 *  - SuspendContainer is awaited inline in the connection task, and main.rs of that era wraps
 *    serve_starnix_manager in `.expect`, so an Err panics the runner [inf: the V1-era main.rs was
 *    not read; the versions before (V0) and after (V3) both use .expect].
 * Deviation: V1's proxy trace names differ slightly ("starnix-runner:start-proxy:loop", ...);
 * the port emits the V5w names for every variant so that reports compare like with like.
 */
#include "../manager_int.h"

#define RUNNER_SIGNAL ZX_USER_SIGNAL_0 /* a message was handed to the kernel: keep awake */
#define KERNEL_SIGNAL ZX_USER_SIGNAL_1 /* the kernel handled it */

/* ProxyWakeChannel of V1 (lib.rs @804a80a3). */
static zx_status_t v1_proxy_wake_channel(manager_t *m, fidl_proxy_wake_channel_req_t *req)
{
    if (!req->container_job || !req->remote_channel || !req->container_channel ||
        !req->resume_event || !req->has_name) {
        fidl_proxy_wake_channel_req_close(req); /* `continue` */
        return ZX_OK;
    }
    zx_handle_close(req->counter); /* field 5 is not part of this revision's table */
    req->counter = ZX_HANDLE_INVALID;

    channel_proxy_t *proxy = manager_alloc(m, sizeof(*proxy));
    *proxy = (channel_proxy_t){.container_channel = req->container_channel,
                               .remote_channel = req->remote_channel,
                               .resume_event = req->resume_event,
                               .name = manager_strdup(m, req->name)};
    req->container_channel = req->remote_channel = req->resume_event = ZX_HANDLE_INVALID;

    wake_sources_t *ws = &m->suspend_context.wake_sources;
    kmutex_lock(&ws->lock);
    zx_koid_t koid;
    if (manager_koid(proxy->resume_event, &koid) != ZX_OK)
        MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (resume_event koid)");
    zx_handle_t dup;
    if (zx_handle_duplicate(proxy->resume_event, ZX_RIGHT_SAME_RIGHTS, &dup) != ZX_OK)
        MANAGER_PANIC("failed");
    wake_sources_insert(m, ws, koid, dup, proxy->name, RUNNER_SIGNAL);
    kmutex_unlock(&ws->lock);

    proxy_request_t *item = manager_alloc(m, sizeof(*item));
    *item = (proxy_request_t){.proxy = proxy, .wake_sources = ws};
    if (!async_channel_try_send(&m->proxy_queue, item))
        MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (proxy queue closed)");
    fidl_proxy_wake_channel_req_close(req);
    return ZX_OK;
}

/* forward_message() of V1 (proxy.rs @804a80a3) for the remote-to-container direction, where
 * `event` is Some(resume_event). */
static zx_status_t v1_forward_message(zx_signals_t signals, channel_proxy_t *proxy,
                                      uint8_t *bytes, zx_handle_t *handles)
{
    zx_handle_t read_channel = proxy->remote_channel, write_channel = proxy->container_channel;
    zx_handle_t event = proxy->resume_event;
    const char *name = proxy->name;
    manager_trace_duration(MANAGER_EV_FORWARD_MESSAGE, 0, 0, name, true);
    zx_status_t st = ZX_OK;
    if (signals & ZX_CHANNEL_READABLE) {
        uint32_t actual_bytes = 0, actual_handles = 0;
        st = zx_channel_read(read_channel, 0, bytes, handles, ZX_CHANNEL_MAX_MSG_BYTES,
                             ZX_CHANNEL_MAX_MSG_HANDLES, &actual_bytes, &actual_handles);
        if (st != ZX_OK)
            goto out;
        /* K=0, R=1: a message is being handed to the kernel. */
        st = zx_object_signal(event, KERNEL_SIGNAL, RUNNER_SIGNAL);
        if (st != ZX_OK)
            goto out;
        st = zx_channel_write(write_channel, 0, bytes, actual_bytes, handles, actual_handles);
        if (st != ZX_OK)
            goto out;
        /* Wait for K=1: handled, safe to suspend again. A blocking wait: the thread stops. */
        zx_signals_t observed = 0;
        st = zx_object_wait_one(event, KERNEL_SIGNAL | ZX_EVENTPAIR_PEER_CLOSED,
                                ZX_TIME_INFINITE, &observed);
        if (st != ZX_OK) {
            MANAGER_WARN("Failed to wait on proxied channels in runner: %s",
                         zx_status_get_string(st));
            goto out; /* Err("Failed to wait on signal from kernel") */
        }
        if (observed & ZX_EVENTPAIR_PEER_CLOSED) {
            st = ZX_ERR_PEER_CLOSED; /* Err("Proxy eventpair was closed") */
            goto out;
        }
        st = zx_object_signal(event, KERNEL_SIGNAL, 0); /* K=0, R stays until the kernel */
        if (st != ZX_OK)
            goto out;
    }
    if (signals & ZX_CHANNEL_PEER_CLOSED)
        st = ZX_ERR_PEER_CLOSED;
out:
    manager_trace_duration(MANAGER_EV_FORWARD_MESSAGE, 0, 0, name, false);
    return st;
}

/* V1 logs the sources that woke the container and replies without a reason. */
static char *v1_resume_reason(manager_t *m, wake_sources_t *ws, const size_t *order,
                              const zx_wait_item_t *items, size_t count,
                              zx_status_t wait_status)
{
    (void)m, (void)order, (void)wait_status;
    for (size_t i = 0; i < count; i++) {
        if (!(items[i].pending & RUNNER_SIGNAL))
            continue;
        zx_koid_t koid;
        if (manager_koid(items[i].handle, &koid) != ZX_OK)
            MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (wait item koid)");
        wake_source_t *source = wake_sources_get(ws, koid);
        if (source)
            MANAGER_INFO("Woke from sleep for: %s", source->name);
    }
    return NULL;
}

const manager_variant_ops_t manager_variant_v1 = {
    .name = "v1",
    .queue_mode = MANAGER_QUEUE_INLINE,
    .serve_error_panics = true,
    .proxy_wake_channel = v1_proxy_wake_channel,
    .add_wake_source_signals = NULL,
    .serves_remove_wake_source = false,
    .serves_create_pager = false,
    .wake_deadline = suspend_deadline_infinite,
    .notify_watchers = suspend_watchers_propagate,
    .wait_thread = suspend_wait_thread_infinite,
    .resume_reason = v1_resume_reason,
    .lease_logs = false,
    .forward_into_container = v1_forward_message,
    .readahead = pager_readahead_old,
    .on_suspend_attempt = NULL,
    .on_suspend_result = NULL,
};
