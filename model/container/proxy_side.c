/* proxy_side.c - Both ends of a proxied channel (reference 6.2): the Starnix kernel registering
 * it and handling its messages inside the container, and the remote peer outside.
 *
 *   remote peer (platform) <-> remote_channel <-> runner's proxy <-> container_channel
 *                                                                    <-> kernel_end (handler)
 *
 * Registration (kernel worker, at register_at_ns): create_proxy_for_wake_events_counter[_zero]:
 * a new channel pair and a counter, ProxyWakeChannel{container_job, container_channel,
 * remote_channel, name, counter} one-way on a new Manager connection, then counter.add(1) when
 * counter_start is 1 (so the first "decrement before the first message" lands at 0). With
 * omit_counter the request lacks field 5 (R19: the runner drops it and the remote sees
 * PEER_CLOSED). The kernel keeps a duplicate of the counter for its own decrements.
 *
 * Handler (thread "handler:<name>" of starnix_kernel, frozen with the container). Per
 * `counter_decrement`:
 *   after_handle  wait, read, handle for handle_ns, decrement          (correct)
 *   on_next_read  decrement, wait, read, handle                        (ContainerWakingStream::
 *                 next: the decrement for message k happens when read k+1 is issued, and the
 *                 very first next() decrements too, R6)
 *   never         wait, read, handle                                   (a bug)
 * With `reply` the handler answers each message with one message to the remote.
 *
 * K-A (manager variant v1, the eventpair era): registration sends resume_event (field 6), the
 * runner's end R of a new eventpair whose end K the kernel keeps, and no counter; where K-B
 * decrements, K-A calls clear_wake_proxy_signal(K): signal_peer(clear USER_0, set USER_1),
 * which releases the runner's proxy thread waiting for KERNEL_SIGNAL.
 *
 * Remote peer (platform). Writes happen from the timeline driver ("send") and the Poisson
 * thread, each message carrying its world-wide id; thread "remote:<name>" reads what the
 * container sends back and notices PEER_CLOSED. Both sides may close their end (close_peer).
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const world_proxy_config_t *pcfg(const world_t *w, int p)
{
    return &w->cfg->proxies[p];
}

static void peer_trace(world_t *w, int p, world_peer_event_t what)
{
    world_trace(w, WORLD_EV_PEER, 0, p, what, 0, 0, pcfg(w, p)->name);
}

/* ---- Container side: handler ----------------------------------------------------------------- */

static void decrement(world_proxy_t *px, uint64_t id, bool has_id)
{
    if (px->w->kernel_era_a)
        (void)zx_object_signal_peer(px->resume_k, ZX_USER_SIGNAL_0, ZX_USER_SIGNAL_1);
    else
        (void)zx_counter_add(px->counter, -1);
    if (has_id)
        records_message_step(px->w, id, WORLD_MESSAGE_DECREMENTED);
}

/* Waits for and reads one message; false when the handler must stop. */
static bool handler_read(world_proxy_t *px, uint64_t *id)
{
    for (;;) {
        zx_signals_t observed = 0;
        zx_status_t st = zx_object_wait_one(px->kernel_end,
                                            ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                                            ZX_TIME_INFINITE, &observed);
        if (st != ZX_OK)
            return false; /* CANCELED or BAD_HANDLE: the container closed its end */
        uint32_t actual_bytes = 0, actual_handles = 0;
        st = zx_channel_read(px->kernel_end, 0, px->buf, NULL,
                             ZX_CHANNEL_MAX_MSG_BYTES, 0, &actual_bytes, &actual_handles);
        if (st == ZX_ERR_SHOULD_WAIT)
            continue;
        if (st != ZX_OK)
            return false; /* PEER_CLOSED: the runner dropped the proxy */
        *id = UINT64_MAX;
        if (actual_bytes >= sizeof(*id))
            memcpy(id, px->buf, sizeof(*id));
        return true;
    }
}

static void handler_main(void *arg)
{
    world_proxy_t *px = arg;
    world_t *w = px->w;
    const world_proxy_config_t *c = pcfg(w, px->index);
    uint64_t last = 0;
    bool has_last = false;
    /* Bounded by the messages the world writes: each iteration consumes one. */
    for (;;) {
        if (c->decrement == WORLD_DECREMENT_ON_NEXT_READ) {
            decrement(px, last, has_last);
            has_last = false;
        }
        uint64_t id;
        if (!handler_read(px, &id))
            break;
        records_message_step(w, id, WORLD_MESSAGE_READ);
        kernel_thread_burn(c->handle_ns);
        records_message_step(w, id, WORLD_MESSAGE_HANDLED);
        if (c->reply)
            (void)zx_channel_write(px->kernel_end, 0, &id, sizeof(id), NULL, 0);
        if (c->decrement == WORLD_DECREMENT_AFTER_HANDLE)
            decrement(px, id, true);
        else if (c->decrement == WORLD_DECREMENT_ON_NEXT_READ)
            last = id, has_last = true;
    }
    peer_trace(w, px->index, WORLD_PEER_HANDLER_EXIT);
}

/* ---- Container side: kernel worker ----------------------------------------------------------- */

static zx_koid_t koid_of(zx_handle_t h)
{
    zx_info_handle_basic_t info = {0};
    if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK)
        return ZX_KOID_INVALID;
    return info.koid;
}

/* Sends ProxyWakeChannel (one-way) on a new connection, which is then dropped. */
static void send_proxy_wake_channel(world_t *w, int p, zx_handle_t container_channel,
                                    zx_handle_t resume_r)
{
    world_proxy_t *px = &w->proxies[p];
    fidl_proxy_wake_channel_req_t req = {.container_channel = container_channel};
    (void)zx_handle_duplicate(w->kside.job, ZX_RIGHT_SAME_RIGHTS, &req.container_job);
    req.remote_channel = px->remote_channel;
    px->remote_channel = ZX_HANDLE_INVALID;
    fidl_string_set(req.name, &req.has_name, pcfg(w, p)->name);
    if (w->kernel_era_a)
        req.resume_event = resume_r;
    else if (!pcfg(w, p)->omit_counter)
        (void)zx_handle_duplicate(px->counter, ZX_RIGHT_SAME_RIGHTS, &req.counter);
    zx_handle_t ch = world_connect(w->kside.svc, MANAGER_PROTOCOL);
    if (ch != ZX_HANDLE_INVALID)
        (void)fidl_proxy_wake_channel_req_write(ch, 0, &req);
    fidl_proxy_wake_channel_req_close(&req);
    zx_handle_close(ch);
}

void proxy_register(world_t *w, int p)
{
    world_proxy_t *px = &w->proxies[p];
    const world_proxy_config_t *c = pcfg(w, p);
    if (px->registered || px->container_closed)
        return;
    zx_handle_t container_channel, resume_r = ZX_HANDLE_INVALID;
    if (zx_channel_create(0, &px->kernel_end, &container_channel) != ZX_OK)
        return;
    px->kernel_end_koid = koid_of(px->kernel_end);
    zx_status_t st = w->kernel_era_a ? zx_eventpair_create(0, &px->resume_k, &resume_r)
                                     : zx_counter_create(0, &px->counter);
    if (st != ZX_OK) {
        zx_handle_close(container_channel);
        return;
    }
    if (!w->kernel_era_a) {
        px->counter_koid = koid_of(px->counter);
        px->counter_value = 0;
    }
    send_proxy_wake_channel(w, p, container_channel, resume_r);
    if (!w->kernel_era_a && c->counter_start != 0)
        (void)zx_counter_add(px->counter, c->counter_start);
    px->registered = true;
    peer_trace(w, p, WORLD_PEER_REGISTERED);
    char name[64];
    snprintf(name, sizeof(name), "handler:%s", c->name);
    world_thread_start(w->kside.self, name, handler_main, px);
}

void proxy_close_container(world_t *w, int p)
{
    world_proxy_t *px = &w->proxies[p];
    if (px->container_closed)
        return;
    px->container_closed = true;
    /* Before registration the kernel's end is the one to the remote. */
    if (px->registered)
        zx_handle_close(px->kernel_end);
    else
        zx_handle_close(px->remote_channel);
    px->kernel_end = px->remote_channel = ZX_HANDLE_INVALID;
    peer_trace(w, p, WORLD_PEER_CONTAINER_CLOSED);
}

void proxy_counter_add(world_t *w, int p, int64_t delta)
{
    world_proxy_t *px = &w->proxies[p];
    if (px->registered && !w->kernel_era_a)
        (void)zx_counter_add(px->counter, delta);
}

/* ---- Remote peer ----------------------------------------------------------------------------- */

void proxy_send(world_t *w, int p, uint32_t count, uint32_t bytes, uint8_t *payload)
{
    world_proxy_t *px = &w->proxies[p];
    uint32_t size = bytes < sizeof(uint64_t) ? sizeof(uint64_t) : bytes;
    if (size > ZX_CHANNEL_MAX_MSG_BYTES)
        size = ZX_CHANNEL_MAX_MSG_BYTES;
    for (uint32_t i = 0; i < count && !px->remote_closed; i++) {
        uint64_t id = records_message_id(w);
        memcpy(payload, &id, sizeof(id));
        if (zx_channel_write(px->peer_end, 0, payload, size, NULL, 0) != ZX_OK)
            break; /* the runner closed the proxy (or never took it) */
        records_message_sent(w, p, id);
    }
}

void proxy_close_remote(world_t *w, int p)
{
    world_proxy_t *px = &w->proxies[p];
    if (px->remote_closed)
        return;
    px->remote_closed = true;
    zx_handle_close(px->peer_end);
    px->peer_end = ZX_HANDLE_INVALID;
    peer_trace(w, p, WORLD_PEER_REMOTE_CLOSED);
}

static void remote_main(void *arg)
{
    world_proxy_t *px = arg;
    world_t *w = px->w;
    for (;;) {
        zx_signals_t observed = 0;
        if (zx_object_wait_one(px->peer_end, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                               ZX_TIME_INFINITE, &observed) != ZX_OK)
            return; /* the remote closed its own end */
        uint32_t actual_bytes = 0, actual_handles = 0;
        zx_status_t st = zx_channel_read(px->peer_end, 0, px->remote_buf,
                                         NULL, ZX_CHANNEL_MAX_MSG_BYTES, 0, &actual_bytes,
                                         &actual_handles);
        if (st == ZX_OK) {
            w->res.remote_received[px->index]++;
        } else if (st == ZX_ERR_PEER_CLOSED) {
            w->res.remote_saw_peer_closed[px->index] = true;
            peer_trace(w, px->index, WORLD_PEER_REMOTE_SAW_CLOSED);
            return;
        } else if (st != ZX_ERR_SHOULD_WAIT) {
            return;
        }
    }
}

/* ---- Setup ----------------------------------------------------------------------------------- */

void proxy_setup(world_t *w)
{
    for (size_t p = 0; p < w->cfg->proxy_count; p++) {
        world_proxy_t *px = &w->proxies[p];
        px->w = w;
        px->index = (int)p;
        zx_handle_t peer_end, remote_channel;
        zx_status_t st = zx_channel_create(0, &peer_end, &remote_channel);
        SIM_ASSERT(st == ZX_OK);
        px->peer_end = world_give(peer_end, w->platform_proc);
        px->remote_channel = world_give(remote_channel, w->starnix_proc);
        px->buf = world_alloc(ZX_CHANNEL_MAX_MSG_BYTES);
        px->remote_buf = world_alloc(ZX_CHANNEL_MAX_MSG_BYTES);
        w->res.counter_end[p] = INT64_MIN;
        char name[64];
        snprintf(name, sizeof(name), "remote:%s", pcfg(w, (int)p)->name);
        world_thread_start(w->platform_proc, name, remote_main, px);
    }
}

void proxy_teardown(world_t *w)
{
    for (size_t p = 0; p < w->proxy_count; p++) {
        free(w->proxies[p].buf);
        free(w->proxies[p].remote_buf);
        free(w->proxies[p].msgs);
    }
}
