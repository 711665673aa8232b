/* proxy.c - Channel proxies: the runner sits between a platform component and the container on
 * each proxied channel, so that a message for a suspended container wakes it. Port of
 * kernel_manager/src/proxy.rs (misttech/fuchsia @21c540d6; the V6 Scope and V5w TaskGroup run
 * the same logic: run_proxy_thread, start_proxy, forward_message).
 *
 *   [platform] <-- remote_channel --> [runner: proxy_thread] <-- container_channel --> [container]
 *
 * Threads. "proxy_thread" is one simulated thread with its own single-threaded executor: a
 * task receives new proxies from the proxy queue and spawns one start_proxy task per proxy.
 * Every proxy awaits its two channels (the task parks, the others run), but forward_message
 * never awaits, so the thread's two bounce buffers can be shared by all proxies, as upstream
 * shares its Rc<RefCell<..>> buffers. Two things block the whole thread, hence every proxy:
 * the wake_sources lock taken when a proxy exits (R1: held by suspend_container during its
 * wait), and the V1 handshake's synchronous wait (variants/v1.c, R13).
 *
 * Counter. A message from the remote to the container increments the proxy's counter before it
 * is written (trace "...:counter_incremented"); the container decrements it when done. The
 * counter is the proxy's wake source (COUNTER_POSITIVE), registered by lib.c before the proxy
 * reaches this thread and removed here when the proxy exits.
 *
 * Deviation: when the proxy queue closes, upstream's executor drops and cancels every proxy
 * (their channels close, their wake sources stay); here the thread closes the live proxies'
 * handles itself and ends, which is what that drop does.
 */
#include "manager_int.h"

/* The proxy thread's executor state: the bounce buffers and the live proxies. */
typedef struct proxy_thread {
    manager_t *m;
    uint8_t *bounce_bytes;       /* ZX_CHANNEL_MAX_MSG_BYTES, shared by every proxy */
    zx_handle_t *bounce_handles; /* ZX_CHANNEL_MAX_MSG_HANDLES, shared by every proxy */
    channel_proxy_t *live;       /* the Scope's tasks, newest first */
} proxy_thread_t;

typedef struct start_proxy_args {
    proxy_thread_t *pt;
    channel_proxy_t *proxy;
    wake_sources_t *wake_sources;
} start_proxy_args_t;

void channel_proxy_drop(manager_t *m, channel_proxy_t *proxy)
{
    zx_handle_close(proxy->container_channel);
    zx_handle_close(proxy->remote_channel);
    zx_handle_close(proxy->message_counter);
    zx_handle_close(proxy->resume_event);
    manager_free(m, proxy->name);
    manager_free(m, proxy);
}

static void live_link(proxy_thread_t *pt, channel_proxy_t *proxy)
{
    proxy->prev = NULL;
    proxy->next = pt->live;
    if (pt->live)
        pt->live->prev = proxy;
    pt->live = proxy;
}

static void live_unlink(proxy_thread_t *pt, channel_proxy_t *proxy)
{
    if (proxy->prev)
        proxy->prev->next = proxy->next;
    else
        pt->live = proxy->next;
    if (proxy->next)
        proxy->next->prev = proxy->prev;
}

/* Port of forward_message() in proxy.rs: moves at most one message from `read_channel` to
 * `write_channel` if `signals` has READABLE, incrementing `message_counter` (if valid) before
 * the write; then fails if the peer closed, so a last message is flushed first. */
zx_status_t forward_message(zx_signals_t signals, zx_handle_t read_channel,
                            zx_handle_t write_channel, zx_handle_t message_counter,
                            uint8_t *bytes, zx_handle_t *handles, const char *name)
{
    manager_trace_duration(MANAGER_EV_FORWARD_MESSAGE, 0, 0, name, true);
    zx_status_t st = ZX_OK;
    if (signals & ZX_CHANNEL_READABLE) {
        uint32_t actual_bytes = 0, actual_handles = 0;
        st = zx_channel_read(read_channel, 0, bytes, handles, ZX_CHANNEL_MAX_MSG_BYTES,
                             ZX_CHANNEL_MAX_MSG_HANDLES, &actual_bytes, &actual_handles);
        if (st != ZX_OK)
            goto out; /* Err("Failed to read from channel") */
        if (message_counter != ZX_HANDLE_INVALID) {
            if (zx_counter_add(message_counter, 1) != ZX_OK)
                MANAGER_PANIC("Failed to add to the proxy's message counter");
            manager_trace_instant(MANAGER_EV_COUNTER_INCREMENTED, 0, name);
        }
        st = zx_channel_write(write_channel, 0, bytes, actual_bytes, handles, actual_handles);
        if (st != ZX_OK)
            goto out; /* write(...)? */
    }
    /* Checked after READABLE, in order to flush any remaining message first. */
    if (signals & ZX_CHANNEL_PEER_CLOSED)
        st = ZX_ERR_PEER_CLOSED; /* Err("Proxy peer was closed") */
out:
    manager_trace_duration(MANAGER_EV_FORWARD_MESSAGE, 0, 0, name, false);
    return st;
}

/* forward_message(&signals, &remote_channel, &container_channel, Some(&message_counter), ..)
 * of V3+: the ops' step for messages entering the container. */
zx_status_t forward_message_counter(zx_signals_t signals, channel_proxy_t *proxy,
                                    uint8_t *bytes, zx_handle_t *handles)
{
    return forward_message(signals, proxy->remote_channel, proxy->container_channel,
                           proxy->message_counter, bytes, handles, proxy->name);
}

/* Port of start_proxy() in proxy.rs. */
static void start_proxy(void *arg)
{
    start_proxy_args_t *args = arg;
    proxy_thread_t *pt = args->pt;
    manager_t *m = pt->m;
    channel_proxy_t *proxy = args->proxy;
    wake_sources_t *wake_sources = args->wake_sources;
    manager_free(m, args);
    const char *name = proxy->name;
    const zx_signals_t wanted = ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED;
    manager_trace_instant(MANAGER_EV_PROXY_LOOP_ENTER, 0, name);

    for (;;) {
        manager_trace_duration(MANAGER_EV_PROXY_WAIT_FOR_MESSAGES, 0, 0, name, true);
        int which;
        zx_signals_t signals;
        zx_status_t st = async_select2(proxy->container_channel, wanted, proxy->remote_channel,
                                       wanted, &which, &signals); /* select! .await */
        manager_trace_instant(which == 0 ? MANAGER_EV_PROXY_CONTAINER_READABLE
                                         : MANAGER_EV_PROXY_REMOTE_READABLE,
                              0, name);
        if (st != ZX_OK) {
            manager_trace_instant(MANAGER_EV_PROXY_RESULT_ERROR, 0, name);
            MANAGER_WARN("Failed to wait on proxied channels in runner: %s",
                         zx_status_get_string(st));
            manager_trace_duration(MANAGER_EV_PROXY_WAIT_FOR_MESSAGES, 0, 0, name, false);
            break;
        }
        manager_trace_duration(MANAGER_EV_PROXY_WAIT_FOR_MESSAGES, 0, 0, name, false);

        /* Only messages entering the container touch the counter: only they may wake it. */
        if (which == 0) {
            st = forward_message(signals, proxy->container_channel, proxy->remote_channel,
                                 ZX_HANDLE_INVALID, pt->bounce_bytes, pt->bounce_handles,
                                 name);
        } else {
            st = m->ops->forward_into_container(signals, proxy, pt->bounce_bytes,
                                                pt->bounce_handles);
        }
        if (st != ZX_OK) {
            MANAGER_WARN("Proxy failed to forward message %s kernel: %s; %s",
                         which == 0 ? "from" : "to", name, zx_status_get_string(st));
            break;
        }
    }

    manager_trace_instant(MANAGER_EV_PROXY_LOOP_EXIT, 0, name);
    zx_handle_t key = proxy->resume_event ? proxy->resume_event : proxy->message_counter;
    zx_koid_t koid;
    if (manager_koid(key, &koid) == ZX_OK) {
        kmutex_lock(&wake_sources->lock); /* blocks the whole proxy thread (R1) */
        wake_sources_remove(m, wake_sources, koid);
        kmutex_unlock(&wake_sources->lock);
    }
    live_unlink(pt, proxy);
    channel_proxy_drop(m, proxy);
}

/* The executor's main future: `while let Ok((proxy, events)) = new_proxies.recv().await`. */
static void proxy_thread_main(void *arg)
{
    proxy_thread_t *pt = arg;
    manager_t *m = pt->m;
    /* fuchsia_scheduler::set_role_for_this_thread(PROXY_ROLE_NAME): roles are not modelled. */
    pt->bounce_bytes = manager_alloc(m, ZX_CHANNEL_MAX_MSG_BYTES);
    pt->bounce_handles = manager_alloc(m, ZX_CHANNEL_MAX_MSG_HANDLES * sizeof(zx_handle_t));
    void *item;
    while (async_channel_recv(&m->proxy_queue, &item) == ZX_OK) { /* .await */
        proxy_request_t *request = item;
        start_proxy_args_t *args = manager_alloc(m, sizeof(*args));
        *args = (start_proxy_args_t){
            .pt = pt, .proxy = request->proxy, .wake_sources = request->wake_sources};
        manager_free(m, request);
        live_link(pt, args->proxy);
        async_spawn("start_proxy", start_proxy, args); /* tasks.spawn_local(start_proxy(..)) */
    }
    async_channel_receiver_drop(&m->proxy_queue);
    /* The executor and its task scope drop: every proxy future is cancelled. */
    while (pt->live) {
        channel_proxy_t *proxy = pt->live;
        live_unlink(pt, proxy);
        channel_proxy_drop(m, proxy);
    }
    zx_thread_exit();
}

/* Port of run_proxy_thread() in proxy.rs: `let _ = std::thread::Builder::new()...spawn(..)`. */
void run_proxy_thread(manager_t *m)
{
    proxy_thread_t *pt = manager_alloc(m, sizeof(*pt));
    pt->m = m;
    kernel_thread_opts_t opts = {.daemon = true};
    zx_handle_t thread;
    zx_status_t st =
        kernel_thread_create(m->self_process, "proxy_thread", proxy_thread_main, pt, &opts,
                             &thread);
    if (st != ZX_OK) {
        /* The spawn error is ignored; the receiver it owned drops with the closure. */
        async_channel_receiver_drop(&m->proxy_queue);
        manager_free(m, pt);
        return;
    }
    zx_handle_close(thread);
}
