/* port.c - Ports: zx_port_create, zx_port_queue, zx_port_wait, zx_port_cancel, and the
 * observers behind zx_object_wait_async. Port of Zircon's port_dispatcher.cc and
 * syscalls/port.cc.
 *
 * Packets. A port keeps one FIFO of packets: user packets (pool nodes, at most
 * PORT_USER_PACKETS_MAX queued, then SHOULD_WAIT), signal packets embedded in their observer
 * (as Zircon's PortObserver embeds its PortPacket), and packets owned by other kernel files
 * (page requests), given back through their release hook.
 *
 * Waiters. Zircon's Dequeue waits on a counting semaphore that each queued packet posts: a
 * post wakes the oldest waiter (which then pops the head of the queue) or, with no waiter,
 * counts up. A waiter that finds the queue empty after all (its packet was canceled) waits
 * again. So each packet releases exactly one waiter, in FIFO order.
 *
 * Observers. wait_async registers a one-shot observer through the source handle: with a
 * trigger already active (and no EDGE) its packet is queued at once; otherwise when a trigger
 * bit becomes active. Closing the source handle removes the observer but not a packet already
 * queued. Closing the port's last handle frees its queued packets and removes its observers.
 */
#include "kernel_int.h"

#include <string.h>

/* kMaxAllocatedPacketCountPerPort; upstream refuses the packet once more than this many are
 * queued (and raises a policy exception the model does not have). */
#define PORT_USER_PACKETS_MAX 4096u

enum { ORIGIN_EXTERNAL = 0, ORIGIN_USER = 1, ORIGIN_OBSERVER = 2 };

typedef struct port_waiter port_waiter_t;
typedef struct port_observer port_observer_t;

typedef struct kport {
    kobj_t obj;
    uint32_t options;
    kport_packet_t *head, *tail; /* queued packets, FIFO */
    uint32_t user_packets;       /* queued user packets */
    uint64_t sema;               /* posts not yet taken by a waiter */
    port_waiter_t *waiters_head, *waiters_tail;
    port_observer_t *observers;  /* registrations not yet triggered or canceled */
    bool zero_handles;
} kport_t;

struct port_waiter {
    kblock_t block;
    port_waiter_t *next;
    bool linked;
};

struct port_observer {
    kobj_observer_t obs;  /* on the watched object */
    kport_packet_t pkt;   /* queued when it triggers */
    kport_t *port;        /* a reference */
    kobj_t *target;       /* the watched object, while `obs` is linked */
    port_observer_t *prev, *next; /* in port->observers while registered */
    uint32_t options;
    bool registered;
};

typedef struct user_packet {
    kport_packet_t pkt;
} user_packet_t;

static void port_on_zero_handles(kobj_t *obj);

static const kobj_ops_t port_ops = {
    .type = ZX_OBJ_TYPE_PORT,
    .default_rights = ZX_DEFAULT_PORT_RIGHTS,
    .on_zero_handles = port_on_zero_handles,
};

static kport_t *port_of(kobj_t *obj)
{
    SIM_ASSERT(obj->ops == &port_ops);
    return (kport_t *)obj;
}

/* The kernel's pools for port nodes are set up on first use (kernel.c knows no port types). */
static kpool_t *lazy_pool(kpool_t *p, size_t size)
{
    if (p->node_size == 0)
        kpool_init(p, size);
    return p;
}

/* ---- Observers ------------------------------------------------------------------------------ */

static void observer_unregister(kport_t *port, port_observer_t *o)
{
    if (!o->registered)
        return;
    if (o->prev)
        o->prev->next = o->next;
    else
        port->observers = o->next;
    if (o->next)
        o->next->prev = o->prev;
    o->prev = o->next = NULL;
    o->registered = false;
}

static void observer_free(port_observer_t *o)
{
    kport_t *port = o->port;
    kernel_t *k = port->obj.k;
    observer_unregister(port, o);
    kpool_free(&k->port_observer_pool, o);
    kobj_unref(&port->obj);
}

static void packet_release(kport_t *port, kport_packet_t *pkt)
{
    switch (pkt->origin) {
    case ORIGIN_USER:
        port->user_packets--;
        kpool_free(&port->obj.k->port_packet_pool, KCONTAINER_OF(pkt, user_packet_t, pkt));
        break;
    case ORIGIN_OBSERVER:
        observer_free(KCONTAINER_OF(pkt, port_observer_t, pkt));
        break;
    default:
        if (pkt->release)
            pkt->release(pkt);
        break;
    }
}

static void observer_matched(kobj_observer_t *obs, zx_signals_t signals)
{
    port_observer_t *o = KCONTAINER_OF(obs, port_observer_t, obs);
    kport_t *port = o->port;
    observer_unregister(port, o);
    zx_packet_signal_t *sig = &o->pkt.packet.signal;
    if (o->options & ZX_WAIT_ASYNC_TIMESTAMP)
        sig->timestamp = (uint64_t)sim_now_mono(port->obj.k->s);
    else if (o->options & ZX_WAIT_ASYNC_BOOT_TIMESTAMP)
        sig->timestamp = (uint64_t)sim_now_boot(port->obj.k->s);
    sig->observed = signals;
    sig->count = 1; /* deprecated; 1 for compatibility (QueuePacketLocked) */
    if (port_queue_packet(&port->obj, &o->pkt) != ZX_OK)
        observer_free(o); /* the port's last handle is gone */
}

static void observer_canceled(kobj_observer_t *obs, zx_signals_t signals)
{
    (void)signals;
    observer_free(KCONTAINER_OF(obs, port_observer_t, obs));
}

zx_status_t port_observe(khandle_t *source, kobj_t *port_obj, uint64_t key,
                         zx_signals_t signals, uint32_t options)
{
    kport_t *port = port_of(port_obj);
    kernel_t *k = port_obj->k;
    port_observer_t *o = kpool_alloc(lazy_pool(&k->port_observer_pool, sizeof(port_observer_t)));
    if (!o)
        return ZX_ERR_NO_MEMORY;
    o->obs.on_match = observer_matched;
    o->obs.on_cancel = observer_canceled;
    o->port = port;
    kobj_ref(port_obj);
    o->target = source->obj;
    o->options = options;
    o->pkt.packet = (zx_port_packet_t){.key = key, .type = ZX_PKT_TYPE_SIGNAL_ONE};
    o->pkt.packet.signal.trigger = signals;
    o->pkt.origin = ORIGIN_OBSERVER;
    o->pkt.handle = source;
    o->pkt.source_koid = source->obj->koid;
    o->registered = true;
    o->next = port->observers;
    if (port->observers)
        port->observers->prev = o;
    port->observers = o;
    bool edge = (options & ZX_WAIT_ASYNC_EDGE) != 0;
    zx_status_t st = kobj_observer_add(source->obj, &o->obs, source, signals, edge);
    if (st != ZX_OK)
        observer_free(o);
    return st;
}

/* ---- Queue ---------------------------------------------------------------------------------- */

/* Semaphore post: hand the unit to the oldest waiter that can still take it, else count it. */
static void post(kport_t *port)
{
    while (port->waiters_head) {
        port_waiter_t *w = port->waiters_head;
        port->waiters_head = w->next;
        if (!port->waiters_head)
            port->waiters_tail = NULL;
        w->next = NULL;
        w->linked = false;
        if (kblock_wake(port->obj.k, &w->block, ZX_OK))
            return;
    }
    port->sema++;
}

zx_status_t port_queue_packet(kobj_t *port_obj, kport_packet_t *pkt)
{
    kport_t *port = port_of(port_obj);
    if (port->zero_handles)
        return ZX_ERR_BAD_HANDLE;
    SIM_ASSERT(!pkt->queued);
    pkt->next = NULL;
    pkt->prev = port->tail;
    if (port->tail)
        port->tail->next = pkt;
    else
        port->head = pkt;
    port->tail = pkt;
    pkt->queued = true;
    kernel_trace(port_obj->k, KERNEL_EV_PORT_PACKET, port_obj->koid, pkt->packet.type,
                 (int64_t)pkt->packet.key, (int64_t)pkt->source_koid, 0, pkt->packet.status,
                 NULL);
    post(port);
    return ZX_OK;
}

static void unqueue(kport_t *port, kport_packet_t *pkt)
{
    SIM_ASSERT(pkt->queued);
    if (pkt->prev)
        pkt->prev->next = pkt->next;
    else
        port->head = pkt->next;
    if (pkt->next)
        pkt->next->prev = pkt->prev;
    else
        port->tail = pkt->prev;
    pkt->prev = pkt->next = NULL;
    pkt->queued = false;
}

bool port_dequeue_packet(kobj_t *port_obj, kport_packet_t *pkt)
{
    kport_t *port = port_of(port_obj);
    if (!pkt->queued)
        return false;
    unqueue(port, pkt);
    packet_release(port, pkt);
    return true;
}

static void port_on_zero_handles(kobj_t *obj)
{
    kport_t *port = port_of(obj);
    port->zero_handles = true;
    while (port->head) {
        kport_packet_t *pkt = port->head;
        unqueue(port, pkt);
        packet_release(port, pkt);
    }
    while (port->observers) {
        port_observer_t *o = port->observers;
        (void)kobj_observer_remove(o->target, &o->obs, NULL);
        observer_free(o);
    }
}

/* ---- Syscalls ------------------------------------------------------------------------------- */

/* zx_port_create */
static zx_status_t sys_port_create(const kctx_t *c, uint32_t options, zx_handle_t *out)
{
    if (options != 0 && options != ZX_PORT_BIND_TO_INTERRUPT)
        return ZX_ERR_INVALID_ARGS;
    kobj_t *obj;
    zx_status_t st = kobj_create(c->k, &port_ops, sizeof(kport_t), 0, &obj);
    if (st != ZX_OK)
        return st;
    port_of(obj)->options = options;
    kobj_created(obj, c->proc->obj.koid, 0);
    st = kobj_handle_install(c, obj, port_ops.default_rights, out);
    kobj_unref(obj);
    return st;
}

zx_status_t zx_port_create(uint32_t options, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_port_create, ZX_HANDLE_INVALID);
    zx_status_t st = sys_port_create(&call.ctx, options, out);
    return kcall_end(&call, st, options, st == ZX_OK ? *out : 0, 0, 0);
}

/* zx_port_queue */
static zx_status_t sys_port_queue(const kctx_t *c, zx_handle_t handle,
                                  const zx_port_packet_t *packet)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    if (!packet)
        return ZX_ERR_INVALID_ARGS; /* copy_from_user fails */
    kport_t *port = port_of(h->obj);
    if (port->user_packets > PORT_USER_PACKETS_MAX)
        return ZX_ERR_SHOULD_WAIT;
    kernel_t *k = c->k;
    user_packet_t *u = kpool_alloc(lazy_pool(&k->port_packet_pool, sizeof(user_packet_t)));
    if (!u)
        return ZX_ERR_NO_MEMORY;
    u->pkt.packet = *packet;
    u->pkt.packet.type = ZX_PKT_TYPE_USER; /* QueueUser forces the type */
    u->pkt.origin = ORIGIN_USER;
    port->user_packets++;
    st = port_queue_packet(h->obj, &u->pkt);
    SIM_ASSERT(st == ZX_OK); /* a port reached through a handle has handles */
    return st;
}

zx_status_t zx_port_queue(zx_handle_t handle, const zx_port_packet_t *packet)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_port_queue, handle);
    zx_status_t st = sys_port_queue(&call.ctx, handle, packet);
    return kcall_end(&call, st, packet ? (int64_t)packet->key : 0, handle, 0, 0);
}

static void waiter_unlink(kport_t *port, port_waiter_t *w)
{
    port_waiter_t **pp = &port->waiters_head;
    port_waiter_t *prev = NULL;
    while (*pp != w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    *pp = w->next;
    if (port->waiters_tail == w)
        port->waiters_tail = prev;
    w->next = NULL;
    w->linked = false;
}

/* Waits for a semaphore unit (Zircon's sema_.Wait). */
static zx_status_t sema_wait(const kctx_t *c, kport_t *port, zx_instant_mono_t deadline)
{
    if (port->sema > 0) {
        port->sema--;
        return ZX_OK;
    }
    port_waiter_t w = {.linked = true};
    kblock_init(&w.block, c, KBLOCK_WAIT);
    if (port->waiters_tail)
        port->waiters_tail->next = &w;
    else
        port->waiters_head = &w;
    port->waiters_tail = &w;
    zx_status_t st = kblock_park(c, &w.block, ZX_THREAD_STATE_BLOCKED_PORT, port->obj.koid,
                                 deadline);
    if (w.linked)
        waiter_unlink(port, &w);
    return st;
}

/* zx_port_wait */
static zx_status_t sys_port_wait(const kctx_t *c, zx_handle_t handle, zx_instant_mono_t deadline,
                                 zx_port_packet_t *out)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_READ, &h);
    if (st != ZX_OK)
        return st;
    kport_t *port = port_of(h->obj);
    kobj_ref(&port->obj); /* the handle may be closed while we wait */
    for (;;) {
        st = sema_wait(c, port, deadline);
        if (st != ZX_OK)
            break;
        kport_packet_t *pkt = port->head;
        if (!pkt)
            continue; /* its packet was canceled in between: wait again */
        unqueue(port, pkt);
        if (out)
            *out = pkt->packet;
        packet_release(port, pkt);
        break;
    }
    kobj_unref(&port->obj);
    return st;
}

zx_status_t zx_port_wait(zx_handle_t handle, zx_instant_mono_t deadline, zx_port_packet_t *packet)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_port_wait, handle);
    zx_status_t st;
    KCALL_RESTART(&call, st, sys_port_wait(&call.ctx, handle, deadline, packet));
    int64_t key = st == ZX_OK && packet ? (int64_t)packet->key : 0;
    int64_t type = st == ZX_OK && packet ? (int64_t)packet->type : -1;
    return kcall_end(&call, st, deadline, key, type, handle);
}

struct cancel_key {
    kport_t *port;
    uint64_t key;
};

static bool observer_has_key(kobj_observer_t *obs, void *arg)
{
    const struct cancel_key *ck = arg;
    if (obs->on_match != observer_matched)
        return false; /* not a port registration (a wait in progress) */
    port_observer_t *o = KCONTAINER_OF(obs, port_observer_t, obs);
    return o->port == ck->port && o->pkt.packet.key == ck->key;
}

/* CancelQueued: drops the queued packets that came through `source` with `key`. */
static bool cancel_queued(kport_t *port, const khandle_t *source, uint64_t key)
{
    bool any = false;
    kport_packet_t *pkt = port->head;
    while (pkt) {
        kport_packet_t *next = pkt->next;
        if (pkt->handle == source && pkt->packet.key == key) {
            unqueue(port, pkt);
            packet_release(port, pkt);
            any = true;
        }
        pkt = next;
    }
    return any;
}

/* zx_port_cancel */
static zx_status_t sys_port_cancel(const kctx_t *c, zx_handle_t handle, zx_handle_t source,
                                   uint64_t key)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    khandle_t *watched = handle_table_lookup(c->proc, source);
    if (!watched)
        return ZX_ERR_BAD_HANDLE;
    if (!(watched->rights & ZX_RIGHT_WAIT))
        return ZX_ERR_ACCESS_DENIED;
    if (!kobj_is_waitable(watched->obj))
        return ZX_ERR_NOT_SUPPORTED;
    kport_t *port = port_of(h->obj);
    struct cancel_key ck = {.port = port, .key = key};
    bool had_observer = kobj_observers_cancel_if(watched->obj, watched, observer_has_key, &ck);
    bool packet_removed = cancel_queued(port, watched, key);
    return had_observer || packet_removed ? ZX_OK : ZX_ERR_NOT_FOUND;
}

zx_status_t zx_port_cancel(zx_handle_t handle, zx_handle_t source, uint64_t key)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_port_cancel, handle);
    zx_status_t st = sys_port_cancel(&call.ctx, handle, source, key);
    return kcall_end(&call, st, (int64_t)key, handle, source, 0);
}
