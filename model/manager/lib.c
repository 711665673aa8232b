/* lib.c - The runner's FIDL front door. Port of src/starnix/runner/main.rs (misttech/fuchsia
 * @0a73ab72: main, serve_component_runner) and of kernel_manager/src/lib.rs (the seed V5w
 * revision: run_suspend_worker, serve_starnix_manager).
 *
 * Threads and tasks. main() runs on the runner's main thread, a single-threaded executor:
 * the outgoing directory loop (ServiceFs + for_each_concurrent) spawns one task per incoming
 * connection, and, joined with it on the same thread, the suspend worker runs every
 * SuspendContainer one at a time. Nothing here blocks the thread except what upstream blocks
 * it with (suspend_job's waits, object_wait_many, the fuchsia_sync mutexes): every other wait
 * is an await that lets the sibling tasks run (R12 is the consequence).
 *
 * Request flow for SuspendContainer (V5w):
 *   serve_starnix_manager --try_send--> suspend_queue --recv().await--> run_suspend_worker
 *     --> suspend_container (suspend.c) --> responder.send / drop
 * and for ProxyWakeChannel:
 *   serve_starnix_manager: wake_sources.insert --try_send--> proxy_queue --> proxy_thread
 * The inline variants (v1) await suspend_container in the connection task instead.
 *
 * Deviations: the component framework is not modelled, so ServiceFs is a loop over
 * fidl_directory_open_req messages on the outgoing directory channel (unknown protocols and
 * malformed open requests are dropped, closing their server end), and ComponentRunner.Start
 * carries the container's job instead of starting a kernel component (fidl.h). A message of a
 * known method that carries the response flag is treated as a decode error (it ends the
 * connection), a message of an unknown method is dropped like `_ => {}`. main()'s
 * privacy-consent and scheduler-role calls have no observable effect here and are left out.
 */
#include <string.h>

#include "manager_int.h"

/* ---- lib.rs: run_suspend_worker ------------------------------------------------------------ */

static int32_t reply_code(const suspend_result_t *r)
{
    return r->outcome == SUSPEND_OUTCOME_OK ? 0 : (int32_t)r->error;
}

/* The reply of the worker's match on suspend_container's result (also used inline). */
void suspend_reply(manager_t *m, manager_responder_t *responder, uint64_t attempt,
                   suspend_result_t *result)
{
    (void)m;
    fidl_suspend_container_resp_t resp = {0};
    zx_status_t st;
    if (result->outcome == SUSPEND_OUTCOME_OK) {
        resp.has_suspend_time = true;
        resp.suspend_time = result->suspend_time;
        if (result->resume_reason)
            fidl_string_set(resp.resume_reason, &resp.has_resume_reason, result->resume_reason);
    } else {
        resp.is_error = true;
        resp.error = result->error;
    }
    if (result->resume_reason && strlen(result->resume_reason) > FIDL_STRING_MAX) {
        /* string:1024 does not fit: the encoder refuses the reply and send() shuts down. */
        manager_responder_drop(responder);
        st = ZX_ERR_OUT_OF_RANGE;
    } else {
        st = manager_responder_send_suspend(responder, &resp);
    }
    manager_phase(MANAGER_PHASE_REPLY, attempt, st, 0, reply_code(result),
                  result->resume_reason);
    if (st != ZX_OK)
        MANAGER_WARN("error replying to suspend request: %s", zx_status_get_string(st));
}

static void on_suspend_attempt(manager_t *m)
{
    if (m->ops->on_suspend_attempt)
        m->ops->on_suspend_attempt(m);
}

static void on_suspend_result(manager_t *m, const suspend_result_t *result)
{
    if (m->ops->on_suspend_result)
        m->ops->on_suspend_result(m, result);
}

/* Port of run_suspend_worker() in lib.rs. */
void run_suspend_worker(manager_t *m)
{
    void *item;
    while (async_channel_recv(&m->suspend_queue, &item) == ZX_OK) { /* .await */
        suspend_message_t *msg = item;
        manager_phase(MANAGER_PHASE_WORKER_PICKED, msg->attempt, 0, 0, 0, NULL);
        on_suspend_attempt(m);
        suspend_result_t result;
        suspend_container(m, &msg->payload, msg->attempt, &result); /* .await */
        on_suspend_result(m, &result);
        if (result.outcome == SUSPEND_OUTCOME_FAILED) {
            MANAGER_WARN("error executing suspend: %s", zx_status_get_string(result.status));
            result.outcome = SUSPEND_OUTCOME_ERROR;
            result.error = FIDL_SUSPEND_ERROR_SUSPEND_FAILURE;
        }
        suspend_reply(m, &msg->responder, msg->attempt, &result);
        manager_free(m, result.resume_reason);
        manager_free(m, msg);
    }
    async_channel_receiver_drop(&m->suspend_queue);
}

/* ---- lib.rs: serve_starnix_manager ---------------------------------------------------------- */

static zx_status_t on_suspend_container(manager_t *m, manager_conn_t *conn,
                                        fidl_message_t *msg)
{
    fidl_suspend_container_req_t payload;
    zx_status_t st = fidl_suspend_container_req_decode(msg, &payload);
    if (st != ZX_OK)
        return ZX_ERR_INVALID_ARGS; /* try_next()? : a decode error ends the stream */
    uint64_t attempt = ++m->suspend_requests;
    manager_phase(MANAGER_PHASE_RECEIVED, attempt, 0, 0, 0, NULL);
    manager_responder_t responder = manager_responder_make(conn, msg);
    if (m->ops->queue_mode == MANAGER_QUEUE_INLINE) {
        /* V1-V5: `suspend_container(payload, ...).await?` in the connection task. */
        manager_phase(MANAGER_PHASE_WORKER_PICKED, attempt, 0, 0, 0, NULL);
        suspend_result_t result;
        suspend_container(m, &payload, attempt, &result); /* .await */
        if (result.outcome == SUSPEND_OUTCOME_FAILED) {
            manager_responder_drop(&responder); /* `?`: the responder drops unanswered */
            manager_phase(MANAGER_PHASE_REPLY, attempt, 0, 0, ZX_ERR_CANCELED, NULL);
            return result.status;
        }
        suspend_reply(m, &responder, attempt, &result);
        manager_free(m, result.resume_reason);
        return ZX_OK;
    }
    suspend_message_t *item = manager_alloc(m, sizeof(*item));
    *item = (suspend_message_t){.payload = payload, .responder = responder, .attempt = attempt};
    if (!async_channel_try_send(&m->suspend_queue, item)) {
        MANAGER_WARN("failed to send suspend request to worker: sending into a closed channel");
        /* The error owns the message: dropping it closes the payload and the responder. */
        fidl_suspend_container_req_close(&item->payload);
        manager_responder_drop(&item->responder);
        manager_phase(MANAGER_PHASE_REPLY, attempt, 0, 0, ZX_ERR_CANCELED, NULL);
        manager_free(m, item);
    }
    return ZX_OK;
}

/* ProxyWakeChannel of V3-V6: the counter form. Returns ZX_OK for done and `continue`. */
zx_status_t lib_proxy_wake_channel_counter(manager_t *m, fidl_proxy_wake_channel_req_t *req)
{
    if (!req->container_job || !req->remote_channel || !req->container_channel ||
        !req->has_name || !req->counter) {
        fidl_proxy_wake_channel_req_close(req); /* let-else `continue`: the payload drops */
        return ZX_OK;
    }
    /* Field 6 is not part of this revision's table: its decoder would have dropped it. */
    zx_handle_close(req->resume_event);
    req->resume_event = ZX_HANDLE_INVALID;

    wake_sources_t *ws = &m->suspend_context.wake_sources;
    kmutex_lock(&ws->lock);
    zx_koid_t koid;
    if (manager_koid(req->counter, &koid) != ZX_OK)
        MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (counter koid)");
    zx_handle_t dup;
    zx_status_t st = zx_handle_duplicate(req->counter, ZX_RIGHT_SAME_RIGHTS, &dup);
    if (st != ZX_OK) {
        kmutex_unlock(&ws->lock); /* `?` drops the guard, then the arm's bindings */
        fidl_proxy_wake_channel_req_close(req);
        return st;
    }
    wake_sources_insert(m, ws, koid, dup, req->name, ZX_COUNTER_POSITIVE);
    kmutex_unlock(&ws->lock);

    channel_proxy_t *proxy = manager_alloc(m, sizeof(*proxy));
    *proxy = (channel_proxy_t){.container_channel = req->container_channel,
                               .remote_channel = req->remote_channel,
                               .message_counter = req->counter,
                               .name = manager_strdup(m, req->name)};
    req->container_channel = req->remote_channel = req->counter = ZX_HANDLE_INVALID;
    proxy_request_t *item = manager_alloc(m, sizeof(*item));
    *item = (proxy_request_t){.proxy = proxy, .wake_sources = ws};
    if (!async_channel_try_send(&m->proxy_queue, item))
        MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (proxy queue closed)");
    fidl_proxy_wake_channel_req_close(req); /* `_container_job` drops at the arm's end */
    return ZX_OK;
}

static zx_status_t on_register_wake_watcher(manager_t *m, manager_conn_t *conn,
                                            fidl_message_t *msg)
{
    fidl_register_wake_watcher_req_t payload;
    if (fidl_register_wake_watcher_req_decode(msg, &payload) != ZX_OK)
        return ZX_ERR_INVALID_ARGS;
    manager_responder_t responder = manager_responder_make(conn, msg);
    if (payload.watcher != ZX_HANDLE_INVALID) {
        zx_status_t st = zx_object_signal_peer(payload.watcher, ASLEEP_SIGNAL, AWAKE_SIGNAL);
        if (st != ZX_OK) {
            /* `?`: the watcher and the unanswered responder drop with the arm. */
            fidl_register_wake_watcher_req_close(&payload);
            manager_responder_drop(&responder);
            return st;
        }
        wake_watchers_t *w = &m->suspend_context.wake_watchers;
        kmutex_lock(&w->lock);
        wake_watchers_push(m, w, payload.watcher);
        kmutex_unlock(&w->lock);
    }
    zx_status_t st = manager_responder_send_empty(&responder);
    if (st != ZX_OK)
        MANAGER_WARN("error registering power watcher: %s", zx_status_get_string(st));
    return ZX_OK;
}

/* AddWakeSource's mask in V5+: the request's `signals`, required. Signals::from_bits_truncate
 * keeps every bit here, since every bit of the 32 is a defined signal in the zx crate
 * [unconfirmed for bits 6-22]. */
bool lib_add_wake_source_signals_given(const fidl_add_wake_source_req_t *req,
                                       zx_signals_t *signals)
{
    if (!req->has_signals)
        return false;
    *signals = req->signals;
    return true;
}

static zx_status_t on_add_wake_source(manager_t *m, fidl_message_t *msg)
{
    fidl_add_wake_source_req_t payload;
    if (fidl_add_wake_source_req_decode(msg, &payload) != ZX_OK)
        return ZX_ERR_INVALID_ARGS;
    zx_signals_t signals = 0;
    if (!m->ops->add_wake_source_signals || !payload.container_job || !payload.has_name ||
        !payload.handle || !m->ops->add_wake_source_signals(&payload, &signals)) {
        fidl_add_wake_source_req_close(&payload); /* `continue` (or `_ => {}`) */
        return ZX_OK;
    }
    wake_sources_t *ws = &m->suspend_context.wake_sources;
    kmutex_lock(&ws->lock);
    zx_koid_t koid;
    if (manager_koid(payload.handle, &koid) != ZX_OK)
        MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (wake source koid)");
    wake_sources_insert(m, ws, koid, payload.handle, payload.name, signals);
    payload.handle = ZX_HANDLE_INVALID;
    kmutex_unlock(&ws->lock);
    fidl_add_wake_source_req_close(&payload);
    return ZX_OK;
}

static zx_status_t on_remove_wake_source(manager_t *m, fidl_message_t *msg)
{
    fidl_remove_wake_source_req_t payload;
    if (fidl_remove_wake_source_req_decode(msg, &payload) != ZX_OK)
        return ZX_ERR_INVALID_ARGS;
    if (!m->ops->serves_remove_wake_source || !payload.container_job || !payload.handle) {
        fidl_remove_wake_source_req_close(&payload);
        return ZX_OK;
    }
    wake_sources_t *ws = &m->suspend_context.wake_sources;
    kmutex_lock(&ws->lock);
    zx_koid_t koid;
    if (manager_koid(payload.handle, &koid) != ZX_OK)
        MANAGER_PANIC("called `Result::unwrap()` on an `Err` value (wake source koid)");
    wake_sources_remove(m, ws, koid);
    kmutex_unlock(&ws->lock);
    fidl_remove_wake_source_req_close(&payload);
    return ZX_OK;
}

typedef struct pager_task {
    manager_t *m;
    fidl_create_pager_req_t payload;
} pager_task_t;

static void run_pager_task(void *arg)
{
    pager_task_t *task = arg;
    manager_t *m = task->m;
    run_pager(m, &task->payload, m->pager);
    manager_free(m, task);
}

static zx_status_t on_create_pager(manager_t *m, fidl_message_t *msg)
{
    pager_task_t *task = manager_alloc(m, sizeof(*task));
    task->m = m;
    if (fidl_create_pager_req_decode(msg, &task->payload) != ZX_OK) {
        manager_free(m, task);
        return ZX_ERR_INVALID_ARGS;
    }
    if (!m->ops->serves_create_pager) {
        fidl_create_pager_req_close(&task->payload);
        manager_free(m, task);
        return ZX_OK;
    }
    async_spawn("run_pager", run_pager_task, task); /* Task::spawn(run_pager(...)).detach() */
    return ZX_OK;
}

static zx_status_t dispatch(manager_t *m, manager_conn_t *conn, fidl_message_t *msg)
{
    switch (msg->header.ordinal) {
    case FIDL_MANAGER_SUSPEND_CONTAINER:
        return on_suspend_container(m, conn, msg);
    case FIDL_MANAGER_PROXY_WAKE_CHANNEL: {
        fidl_proxy_wake_channel_req_t payload;
        if (fidl_proxy_wake_channel_req_decode(msg, &payload) != ZX_OK)
            return ZX_ERR_INVALID_ARGS;
        return m->ops->proxy_wake_channel(m, &payload);
    }
    case FIDL_MANAGER_REGISTER_WAKE_WATCHER:
        return on_register_wake_watcher(m, conn, msg);
    case FIDL_MANAGER_ADD_WAKE_SOURCE:
        return on_add_wake_source(m, msg);
    case FIDL_MANAGER_REMOVE_WAKE_SOURCE:
        return on_remove_wake_source(m, msg);
    case FIDL_MANAGER_CREATE_PAGER:
        return on_create_pager(m, msg);
    default:
        fidl_message_close(msg); /* `_ => {}` (unknown flexible methods included) */
        return ZX_OK;
    }
}

/* Port of serve_starnix_manager() in lib.rs. Takes the stream's reference on `conn`. */
zx_status_t serve_starnix_manager(manager_t *m, manager_conn_t *conn)
{
    zx_status_t st;
    for (;;) {
        fidl_message_t msg;
        st = manager_conn_next(conn, &msg); /* stream.try_next().await? */
        if (st != ZX_OK) {
            if (st == ZX_ERR_PEER_CLOSED)
                st = ZX_OK; /* Ok(None): the stream ended */
            break;
        }
        manager_trace(MANAGER_EV_REQUEST, 0, (int64_t)msg.header.ordinal, msg.header.txid, 0,
                      0, 0, NULL);
        st = dispatch(m, conn, &msg);
        if (st != ZX_OK)
            break; /* an Err, whatever its status */
    }
    manager_conn_unref(conn); /* the stream drops with the function */
    return st;
}

/* ---- main.rs -------------------------------------------------------------------------------- */

/* fuchsia_component::client::connect_to_protocol: opens `protocol` in the namespace's /svc.
 * Fails when the runner has no /svc or it is closed, as fdio's service_connect does. */
zx_status_t manager_connect_to_protocol(manager_t *m, const char *protocol,
                                        zx_handle_t *client)
{
    if (m->svc == ZX_HANDLE_INVALID)
        return ZX_ERR_UNAVAILABLE;
    zx_handle_t server;
    zx_status_t st = zx_channel_create(0, client, &server);
    if (st != ZX_OK)
        return st;
    fidl_directory_open_req_t req = {.server_end = server};
    fidl_string_set(req.protocol, &req.has_protocol, protocol);
    st = fidl_directory_open_req_write(m->svc, 0, &req);
    if (st != ZX_OK) {
        zx_handle_close(*client);
        *client = ZX_HANDLE_INVALID;
    }
    return st;
}

/* Port of serve_component_runner() in main.rs. Takes the stream's reference on `conn`. */
static zx_status_t serve_component_runner(manager_t *m, manager_conn_t *conn)
{
    zx_status_t st;
    for (;;) {
        fidl_message_t msg;
        st = manager_conn_next(conn, &msg); /* stream.next().await, event.context(...)? */
        if (st != ZX_OK) {
            if (st == ZX_ERR_PEER_CLOSED)
                st = ZX_OK; /* None: the stream ended */
            break;
        }
        manager_trace(MANAGER_EV_REQUEST, 0, (int64_t)msg.header.ordinal, msg.header.txid, 0,
                      0, 0, NULL);
        if (msg.header.ordinal != FIDL_RUNNER_START) {
            MANAGER_WARN("Unknown ComponentRunner request: ordinal %#llx",
                         (unsigned long long)msg.header.ordinal);
            fidl_message_close(&msg);
            continue;
        }
        fidl_runner_start_req_t req;
        st = fidl_runner_start_req_decode(&msg, &req);
        if (st != ZX_OK)
            break;
        st = kernels_start(m, &req); /* .await? */
        if (st != ZX_OK)
            break;
    }
    manager_conn_unref(conn);
    return st;
}

typedef struct connection {
    manager_t *m;
    zx_handle_t channel;
    bool is_manager; /* Services::StarnixManager, else Services::ComponentRunner */
} connection_t;

static void connection_done(manager_t *m)
{
    SIM_ASSERT(m->connections_live > 0);
    if (--m->connections_live == 0)
        zx_object_signal(m->connections_done, 0, ZX_EVENT_SIGNALED);
}

/* One future of for_each_concurrent: the match on the service request. */
static void serve_connection(void *arg)
{
    connection_t *c = arg;
    manager_t *m = c->m;
    manager_conn_t *conn = manager_conn_create(m, c->channel);
    if (c->is_manager) {
        /* The closure's clones of proxy_sender and suspend_sender (V5w+). */
        bool worker = m->ops->queue_mode == MANAGER_QUEUE_WORKER;
        async_channel_sender_clone(&m->proxy_queue);
        if (worker)
            async_channel_sender_clone(&m->suspend_queue);
        zx_status_t st = serve_starnix_manager(m, conn);
        if (st != ZX_OK && m->ops->serve_error_panics)
            MANAGER_PANIC("failed to serve starnix manager");
        if (st != ZX_OK)
            MANAGER_ERROR("failed to serve starnix manager: %s", zx_status_get_string(st));
        if (worker)
            async_channel_sender_drop(&m->suspend_queue);
        async_channel_sender_drop(&m->proxy_queue);
    } else {
        zx_status_t st = serve_component_runner(m, conn);
        if (st != ZX_OK && m->ops->serve_error_panics)
            MANAGER_PANIC("failed to start component runner");
        if (st != ZX_OK)
            MANAGER_ERROR("failed to serve component runner: %s", zx_status_get_string(st));
    }
    manager_free(m, c);
    connection_done(m);
}

static void open_service(manager_t *m, fidl_directory_open_req_t *req)
{
    bool is_manager = strcmp(req->protocol, MANAGER_PROTOCOL) == 0;
    bool is_runner = strcmp(req->protocol, MANAGER_RUNNER_PROTOCOL) == 0;
    if (!req->has_protocol || !req->server_end || (!is_manager && !is_runner)) {
        fidl_directory_open_req_close(req); /* no such entry: the server end is dropped */
        return;
    }
    connection_t *c = manager_alloc(m, sizeof(*c));
    *c = (connection_t){.m = m, .channel = req->server_end, .is_manager = is_manager};
    req->server_end = ZX_HANDLE_INVALID;
    if (m->connections_live++ == 0)
        zx_object_signal(m->connections_done, ZX_EVENT_SIGNALED, 0);
    async_spawn(is_manager ? "serve_starnix_manager" : "serve_component_runner",
                serve_connection, c);
}

/* fs.for_each_concurrent(None, ...): serves the outgoing directory until its client closes,
 * then waits for every connection, as the combinator completes only when all futures have. */
static void fs_loop(void *arg)
{
    manager_t *m = arg;
    manager_conn_t *dir = manager_conn_create(m, m->outgoing);
    m->outgoing = ZX_HANDLE_INVALID;
    fidl_message_t msg;
    while (manager_conn_next(dir, &msg) == ZX_OK) { /* .await */
        fidl_directory_open_req_t req;
        zx_status_t st = fidl_directory_open_req_decode(&msg, &req);
        if (st == ZX_ERR_NOT_SUPPORTED)
            fidl_message_close(&msg);
        if (st == ZX_OK)
            open_service(m, &req);
    }
    manager_conn_unref(dir);
    while (m->connections_live > 0) {
        kernel_await_one(m->connections_done, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE,
                         NULL); /* .await */
    }
    /* The closure (and with it proxy_sender and suspend_sender) drops. */
    async_channel_sender_drop(&m->proxy_queue);
    if (m->ops->queue_mode == MANAGER_QUEUE_WORKER)
        async_channel_sender_drop(&m->suspend_queue);
}

/* Port of main() in runner/main.rs. */
void manager_main(void *arg)
{
    manager_t *m = arg;
    kernels_new(&m->kernels);
    if (async_channel_init(&m->proxy_queue, m, "proxy") != ZX_OK)
        MANAGER_PANIC("failed to create the proxy queue");
    run_proxy_thread(m);
    suspend_context_init(&m->suspend_context);
    if (m->ops->queue_mode == MANAGER_QUEUE_WORKER &&
        async_channel_init(&m->suspend_queue, m, "suspend") != ZX_OK)
        MANAGER_PANIC("failed to create the suspend queue");
    if (m->ops->serves_create_pager) {
        m->pager = pager_new(m); /* Pager::new()? */
        if (!m->pager) {
            MANAGER_ERROR("main: Pager::new failed");
            zx_process_exit(1); /* main returns Err: the runner exits */
        }
        pager_start_threads(m->pager);
    }
    if (zx_event_create(0, &m->connections_done) != ZX_OK)
        MANAGER_PANIC("failed to create an event");
    zx_object_signal(m->connections_done, 0, ZX_EVENT_SIGNALED);
    if (m->ops->queue_mode == MANAGER_QUEUE_WORKER) {
        /* futures::future::join(fs_loop, suspend_worker).await: both on this thread. */
        async_spawn("fs_loop", fs_loop, m);
        run_suspend_worker(m);
        /* The worker ends only once fs_loop has dropped the last sender, i.e. finished. */
    } else {
        fs_loop(m);
    }
    zx_process_exit(0); /* main returns Ok(()): the process exits */
}
