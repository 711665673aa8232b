/* async.c - The executor constructs the upstream runner is written with, built on the kernel's
 * API only: async_channel::unbounded() queues, futures::select! over two OnSignals futures,
 * task spawning, and the pieces of a FIDL server (a served channel shared by its request stream
 * and its responders, and the responder's reply-or-shut-down rule).
 *
 * Awaiting. A Rust `.await` on a signal (OnSignals, a queue's recv, a FIDL stream's next) is
 * kernel_await_one/many: the calling task parks, its sibling tasks on the same thread run, and
 * the cost of the executor's wait_async registrations is charged. A blocking call (a
 * zx_object_wait_* syscall, a fuchsia_sync::Mutex lock) parks the whole thread instead; the
 * port keeps the two apart exactly where upstream does, since races R1, R8, R11 and R12 live in
 * that difference.
 *
 * Unspecified orders. futures::select! polls its branches in random order, so when both are
 * ready one is drawn with kernel_choose() (recorded in the schedule, replayed exactly).
 */
#include <string.h>

#include "manager_int.h"

/* ---- async_channel::unbounded() ------------------------------------------------------------ */

#define QUEUE_CAPACITY_INITIAL 8u

zx_status_t async_channel_init(async_channel_t *ch, manager_t *m, const char *name)
{
    *ch = (async_channel_t){.m = m, .name = name, .senders = 1, .receivers = 1};
    zx_status_t st = zx_event_create(0, &ch->event);
    if (st != ZX_OK)
        return st;
    ch->capacity = QUEUE_CAPACITY_INITIAL;
    ch->items = manager_alloc(m, ch->capacity * sizeof(void *));
    return ZX_OK;
}

/* Raises or lowers the waker so that it is SIGNALED exactly while recv would not wait. */
static void update_waker(async_channel_t *ch)
{
    bool ready = ch->count > 0 || ch->senders == 0;
    zx_object_signal(ch->event, ready ? 0 : ZX_EVENT_SIGNALED, ready ? ZX_EVENT_SIGNALED : 0);
}

static void grow(async_channel_t *ch)
{
    size_t capacity = ch->capacity * 2;
    void **items = manager_alloc(ch->m, capacity * sizeof(void *));
    for (size_t i = 0; i < ch->count; i++)
        items[i] = ch->items[(ch->head + i) % ch->capacity];
    manager_free(ch->m, ch->items);
    ch->items = items;
    ch->head = 0;
    ch->capacity = capacity;
}

bool async_channel_try_send(async_channel_t *ch, void *item)
{
    if (ch->receivers == 0)
        return false; /* TrySendError::Closed: unbounded queues are never full */
    if (ch->count == ch->capacity)
        grow(ch);
    ch->items[(ch->head + ch->count) % ch->capacity] = item;
    ch->count++;
    if (ch->count == 1)
        update_waker(ch);
    return true;
}

zx_status_t async_channel_recv(async_channel_t *ch, void **item)
{
    for (;;) {
        if (ch->count > 0) {
            *item = ch->items[ch->head];
            ch->head = (ch->head + 1) % ch->capacity;
            ch->count--;
            if (ch->count == 0)
                update_waker(ch);
            return ZX_OK;
        }
        if (ch->senders == 0)
            return ZX_ERR_PEER_CLOSED; /* RecvError: empty and closed */
        zx_status_t st = kernel_await_one(ch->event, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE,
                                          NULL); /* .await */
        if (st != ZX_OK)
            return ZX_ERR_PEER_CLOSED;
    }
}

void async_channel_sender_clone(async_channel_t *ch)
{
    ch->senders++;
}

void async_channel_sender_drop(async_channel_t *ch)
{
    SIM_ASSERT(ch->senders > 0);
    if (--ch->senders == 0)
        update_waker(ch);
}

void async_channel_receiver_drop(async_channel_t *ch)
{
    SIM_ASSERT(ch->receivers > 0);
    ch->receivers--;
}

/* ---- futures::select! and spawning ---------------------------------------------------------- */

zx_status_t async_select2(zx_handle_t h0, zx_signals_t s0, zx_handle_t h1, zx_signals_t s1,
                          int *which, zx_signals_t *observed)
{
    zx_wait_item_t items[2] = {{.handle = h0, .waitfor = s0}, {.handle = h1, .waitfor = s1}};
    zx_status_t st = kernel_await_many(items, 2, ZX_TIME_INFINITE); /* .await */
    if (st != ZX_OK) {
        /* The branch whose OnSignals failed: the one whose handle was closed, if known. */
        *which = (items[1].pending & ZX_SIGNAL_HANDLE_CLOSED) ? 1 : 0;
        *observed = items[*which].pending;
        return st;
    }
    bool ready0 = (items[0].pending & s0) != 0;
    bool ready1 = (items[1].pending & s1) != 0;
    SIM_ASSERT(ready0 || ready1);
    if (ready0 && ready1)
        *which = (int)kernel_choose(2); /* select! picks randomly among ready branches */
    else
        *which = ready0 ? 0 : 1;
    *observed = items[*which].pending;
    return ZX_OK;
}

void async_spawn(const char *name, kernel_thread_fn fn, void *arg)
{
    if (kernel_task_spawn(name, fn, arg) != ZX_OK)
        MANAGER_PANIC("failed to spawn a task");
}

/* ---- FIDL server: connections and responders ------------------------------------------------ */

manager_conn_t *manager_conn_create(manager_t *m, zx_handle_t channel)
{
    manager_conn_t *conn = manager_alloc(m, sizeof(*conn));
    conn->m = m;
    conn->channel = channel;
    conn->refs = 1;
    conn->bytes = manager_alloc(m, ZX_CHANNEL_MAX_MSG_BYTES);
    conn->handles = manager_alloc(m, ZX_CHANNEL_MAX_MSG_HANDLES * sizeof(zx_handle_t));
    return conn;
}

static void conn_shutdown(manager_conn_t *conn)
{
    conn->shutdown = true;
    if (conn->channel != ZX_HANDLE_INVALID)
        zx_handle_close(conn->channel);
    conn->channel = ZX_HANDLE_INVALID;
}

void manager_conn_unref(manager_conn_t *conn)
{
    SIM_ASSERT(conn->refs > 0);
    if (--conn->refs > 0)
        return;
    if (conn->channel != ZX_HANDLE_INVALID)
        zx_handle_close(conn->channel);
    manager_t *m = conn->m;
    manager_free(m, conn->bytes);
    manager_free(m, conn->handles);
    manager_free(m, conn);
}

zx_status_t manager_conn_next(manager_conn_t *conn, fidl_message_t *msg)
{
    for (;;) {
        if (conn->shutdown)
            return ZX_ERR_PEER_CLOSED; /* the stream ends: Ok(None) */
        zx_status_t st = fidl_message_read(conn->channel, conn->bytes, conn->handles, msg);
        if (st != ZX_ERR_SHOULD_WAIT)
            return st; /* OK, PEER_CLOSED (end), or a transport/decode error */
        st = kernel_await_one(conn->channel, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                              ZX_TIME_INFINITE, NULL); /* .await */
        if (st != ZX_OK && !conn->shutdown)
            return st;
    }
}

manager_responder_t manager_responder_make(manager_conn_t *conn, const fidl_message_t *msg)
{
    conn->refs++;
    return (manager_responder_t){
        .conn = conn, .txid = msg->header.txid, .ordinal = msg->header.ordinal};
}

void manager_responder_drop(manager_responder_t *r)
{
    if (!r->conn)
        return;
    manager_conn_t *conn = r->conn;
    r->conn = NULL;
    conn_shutdown(conn); /* fidlgen: Drop without a reply calls control_handle.shutdown() */
    manager_conn_unref(conn);
}

/* The end of a send: a failed write shuts the channel down, as the generated send() does. */
static zx_status_t responder_sent(manager_responder_t *r, zx_status_t st)
{
    manager_conn_t *conn = r->conn;
    r->conn = NULL;
    manager_trace(MANAGER_EV_REPLY, 0, (int64_t)r->ordinal, r->txid, 0, 0, st, NULL);
    if (st != ZX_OK)
        conn_shutdown(conn);
    manager_conn_unref(conn);
    return st;
}

zx_status_t manager_responder_send_suspend(manager_responder_t *r,
                                           fidl_suspend_container_resp_t *resp)
{
    SIM_ASSERT(r->conn != NULL);
    zx_status_t st = ZX_ERR_PEER_CLOSED;
    if (r->conn->channel != ZX_HANDLE_INVALID)
        st = fidl_suspend_container_resp_write(r->conn->channel, r->txid, resp);
    return responder_sent(r, st);
}

zx_status_t manager_responder_send_empty(manager_responder_t *r)
{
    SIM_ASSERT(r->conn != NULL);
    zx_status_t st = ZX_ERR_PEER_CLOSED;
    if (r->conn->channel != ZX_HANDLE_INVALID)
        st = fidl_empty_resp_write(r->conn->channel, r->txid, r->ordinal);
    return responder_sent(r, st);
}

zx_status_t manager_responder_send_register_file(manager_responder_t *r,
                                                 fidl_register_file_resp_t *resp)
{
    SIM_ASSERT(r->conn != NULL);
    zx_status_t st = ZX_ERR_PEER_CLOSED;
    if (r->conn->channel != ZX_HANDLE_INVALID)
        st = fidl_register_file_resp_write(r->conn->channel, r->txid, resp);
    else
        fidl_register_file_resp_close(resp);
    return responder_sent(r, st);
}
