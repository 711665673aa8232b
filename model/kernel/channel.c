/* channel.c - Channels: two peered endpoints, each with a queue of whole messages that carry
 * bytes and handles; zx_channel_create, zx_channel_write, zx_channel_read, zx_channel_call.
 * Port of Zircon's object/channel_dispatcher.cc, syscalls/channel.cc and the transfer checks
 * of object/user_handles.cc (read in misttech/fuchsia, both the C++ files and their 2026 Rust
 * rewrites, which agree on everything modelled here).
 *
 * Queues. A write puts the message on the *peer's* queue (or hands it straight to a
 * zx_channel_call waiting on the peer for that txid); READABLE is asserted while a queue is
 * not empty. When the last handle of one endpoint closes, the other endpoint loses WRITABLE
 * and gains PEER_CLOSED, and its queue stays readable: zx_channel_read returns PEER_CLOSED only
 * once the queue is empty. The closed endpoint's own queue lives until the endpoint object is
 * destroyed (its last reference, normally at once), and then every message in it is destroyed
 * with the handles it carries: those objects see the real consequences (an eventpair inside an
 * undelivered message gives its peer PEER_CLOSED).
 *
 * Handles in transit. zx_channel_write takes every listed handle out of the writer's table,
 * on success and on failure alike (Zircon's RemoveUserHandles and msg_put_handles). A handle
 * in a message is the same khandle_t, detached (owner NULL): it keeps its object's reference
 * and handle count, so a peer does not see PEER_CLOSED while the only handle to its other end
 * is in flight, and it keeps its rights. Waits made through a handle before it was sent are
 * canceled when it is read out (as msg_get_handles does), or when it is closed with its
 * message. The per-handle checks run in the order of get_handle_for_message_locked(): not in
 * the table (which is also how a handle listed twice fails) => BAD_HANDLE; no TRANSFER =>
 * ACCESS_DENIED; the channel's own handle => NOT_SUPPORTED. The first failure is the result,
 * the failing handle is closed at once and the others are closed with the discarded message.
 *
 * The queue limit. Zircon has no per-channel byte limit, but a "temporary hack" of 3500
 * messages (kMaxPendingMessageCount [src: channel_dispatcher.cc/.rs]). The write that takes a
 * queue over it still succeeds and queues its message, and then raises the policy exception
 * ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE on the writing thread at syscall exit. The model has
 * no exception handlers, so the exception goes unhandled and kills the writer's process with
 * ZX_TASK_RETCODE_EXCEPTION_KILL [inf: what an unhandled exception does]; the calling thread
 * ends at the syscall's exit and never sees the ZX_OK. Setup code outside kernel threads has
 * no process to kill: the event is traced and the write stands.
 *
 * zx_channel_call. The vDSO's call is zx_channel_call_noretry (write the request with a fresh
 * kernel txid in [0x80000000, 0xFFFFFFFF], register a waiter, wait) followed, if a suspend
 * interrupted the wait, by zx_channel_call_finish after the resume (wait again on the same
 * waiter, without resending). The waiter record stays registered on the channel while the
 * thread is suspended, so a reply that arrives meanwhile is delivered to it and not queued;
 * it therefore lives on the heap, not on the caller's stack, and a caller that dies while
 * suspended orphans it: the record watches its thread's TERMINATED signal and is freed when
 * the endpoint's last handle closes (the dead process's handles are closed at its death) or,
 * failing that, by an engine timer at the same instant (a signal callback must not run
 * zero-handles steps). A reply matches only a waiting record with its txid; one that
 * arrives after the deadline lands in the normal queue. Closing the caller's endpoint cancels
 * the wait with CANCELED, closing the peer with PEER_CLOSED.
 *
 * Memory: messages are allocated when written, one block each (header, 64 handle slots and
 * the bytes). Blocks of up to CHANNEL_SMALL_BYTES are recycled through a cache of at most
 * CHANNEL_CACHE_MAX blocks per endpoint, so a steady request/reply flow allocates nothing.
 * The bound: an endpoint holds at most 3501 messages from kernel threads before the writer is
 * killed, i.e. about 3501 * (64 KiB + 0.6 KiB) = 232 MiB for the worst possible endpoint; a
 * scenario's memory is that times the number of flooded endpoints. Setup code is trusted.
 *
 * Not modelled: zx_channel_read_etc / write_etc / call_etc (handle dispositions and infos),
 * ZX_CHANNEL_WRITE_USE_IOVEC (returns NOT_SUPPORTED), ZX_INFO_CHANNEL, job policies
 * (ZX_POL_NEW_CHANNEL). Null user pointers stand for faulting ones (INVALID_ARGS where
 * Zircon's copy would fault), except that the actual_* outputs are optional everywhere.
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

/* Zircon's kMaxPendingMessageCount [src: zircon/kernel/object/channel_dispatcher.cc]. */
#define CHANNEL_MAX_PENDING_MESSAGES 3500u
/* Zircon's kMinKernelGeneratedTxid: part of the zx_channel_call contract [src]. */
#define CHANNEL_MIN_KERNEL_TXID 0x80000000u
/* Blocks for messages up to this size are recycled (FIDL requests are mostly small). */
#define CHANNEL_SMALL_BYTES 512u
#define CHANNEL_CACHE_MAX 8u

/* Why a message was destroyed unread (KERNEL_EV_CHANNEL_DISCARD arg[2]). */
enum {
    CHANNEL_DISCARD_MAY_DISCARD = 0, /* too large for a ZX_CHANNEL_READ_MAY_DISCARD read */
    CHANNEL_DISCARD_CLOSED = 1,      /* still queued when its endpoint was destroyed */
    CHANNEL_DISCARD_FAULT = 2,       /* the reader's buffer pointer was bad (INVALID_ARGS) */
    CHANNEL_DISCARD_CALL = 3,        /* a reply the caller could not take (too small, died) */
};

typedef struct kmsg kmsg_t;
struct kmsg {
    kmsg_t *next;
    uint64_t seq;         /* 1, 2, ... per receiving endpoint: pairs WRITE with READ events */
    uint32_t num_bytes;
    uint32_t num_handles;
    uint32_t capacity;    /* bytes available in `bytes` */
    khandle_t *handles[ZX_CHANNEL_MAX_MSG_HANDLES]; /* in transit (owner NULL), or NULL */
    uint8_t bytes[];
};

typedef struct channel_waiter channel_waiter_t;

typedef struct kchannel {
    kobj_t obj;                 /* first, as every object */
    kmsg_t *head, *tail;        /* messages written by the peer, oldest first */
    uint32_t count;             /* messages in the queue */
    uint32_t count_max;         /* high-water mark (Zircon's max_message_count_) */
    uint64_t seq_last;          /* seq of the last message written toward this endpoint */
    kmsg_t *cache;              /* free small blocks for messages toward this endpoint */
    uint32_t cache_count;
    channel_waiter_t *calls;    /* zx_channel_call records on this endpoint, oldest first */
    uint32_t txid_last;         /* low bits of the last kernel txid handed out */
} kchannel_t;

/* One zx_channel_call in progress (Zircon's MessageWaiter). On the heap: it stays registered
 * while its thread is suspended outside the syscall body. */
struct channel_waiter {
    channel_waiter_t *prev, *next; /* in ch->calls until the call ends */
    kchannel_t *ch;                /* a reference, until the call ends */
    kthread_t *thread;             /* the caller; NULL outside kernel threads or once dead */
    kobj_observer_t death;         /* on the caller's ZX_THREAD_TERMINATED */
    sim_timer_t reaper;            /* frees an orphaned record (caller died) */
    kblock_t *block;               /* the caller's park while it waits in the body */
    kmsg_t *reply;                 /* delivered reply, owned */
    zx_status_t status;            /* outcome once decided (waiting == false) */
    uint32_t txid;
    bool waiting;                  /* matches replies (Zircon: in waiters_) */
    bool orphan;                   /* the caller died: the reaper frees the record */
};

static void channel_on_zero_handles(kobj_t *obj);
static void channel_on_peer_zero_handles(kobj_t *obj);
static void channel_destroy(kobj_t *obj);
static void channel_teardown(kobj_t *obj);

static const kobj_ops_t channel_ops = {
    .type = ZX_OBJ_TYPE_CHANNEL,
    .default_rights = ZX_DEFAULT_CHANNEL_RIGHTS,
    .extra_user_signals = 0, /* only the user signals are settable on a channel */
    .peered = true,
    .on_zero_handles = channel_on_zero_handles,
    .on_peer_zero_handles = channel_on_peer_zero_handles,
    .destroy = channel_destroy,
    .teardown = channel_teardown,
};

_Static_assert(ZX_CHANNEL_MAX_MSG_HANDLES <= UINT16_MAX, "Zircon stores the count in 16 bits");
_Static_assert(CHANNEL_SMALL_BYTES <= ZX_CHANNEL_MAX_MSG_BYTES, "small blocks are messages");

static kchannel_t *channel_from(kobj_t *obj)
{
    SIM_ASSERT(obj->ops == &channel_ops);
    return (kchannel_t *)obj;
}

static bool is_channel(const kobj_t *obj)
{
    return obj->ops == &channel_ops;
}

/* ---- Messages ------------------------------------------------------------------------------ */

/* A block for a message of `num_bytes` toward `to` (NULL: no cache); NULL on OOM. */
static kmsg_t *msg_alloc(kchannel_t *to, uint32_t num_bytes)
{
    kmsg_t *msg;
    if (num_bytes <= CHANNEL_SMALL_BYTES && to && to->cache) {
        msg = to->cache;
        to->cache = msg->next;
        to->cache_count--;
    } else {
        uint32_t capacity = num_bytes > CHANNEL_SMALL_BYTES ? num_bytes : CHANNEL_SMALL_BYTES;
        msg = malloc(sizeof(*msg) + capacity);
        if (!msg)
            return NULL;
        msg->capacity = capacity;
    }
    uint32_t capacity = msg->capacity;
    memset(msg, 0, sizeof(*msg));
    msg->capacity = capacity;
    msg->num_bytes = num_bytes;
    return msg;
}

/* Frees the block of a message whose handles are gone, into `owner`'s cache if it fits. */
static void msg_release(kchannel_t *owner, kmsg_t *msg)
{
    SIM_ASSERT(msg->num_handles == 0);
    if (owner && msg->capacity == CHANNEL_SMALL_BYTES && owner->cache_count < CHANNEL_CACHE_MAX) {
        msg->next = owner->cache;
        owner->cache = msg;
        owner->cache_count++;
        return;
    }
    free(msg);
}

/* Destroys a message that nobody will read: closes the handles it carries, then frees it.
 * Closing runs arbitrary zero-handles steps; `msg` is already out of every queue. */
static void msg_destroy(kchannel_t *owner, kmsg_t *msg)
{
    for (uint32_t i = 0; i < msg->num_handles; i++) {
        khandle_t *h = msg->handles[i];
        msg->handles[i] = NULL;
        if (h)
            khandle_destroy(h);
    }
    msg->num_handles = 0;
    msg_release(owner, msg);
}

static uint32_t msg_txid(const kmsg_t *msg)
{
    uint32_t txid = 0;
    if (msg->num_bytes >= sizeof(zx_txid_t))
        memcpy(&txid, msg->bytes, sizeof(txid));
    return txid;
}

static void trace_discard(const kchannel_t *ch, const kmsg_t *msg, int64_t reason)
{
    kernel_trace(ch->obj.k, KERNEL_EV_CHANNEL_DISCARD, ch->obj.koid, msg->num_bytes,
                 msg->num_handles, reason, (int64_t)msg->seq, ZX_OK, NULL);
}

/* ---- Queues -------------------------------------------------------------------------------- */

/* Takes the oldest message off `ch`'s queue; READABLE goes with the last one. */
static kmsg_t *queue_pop(kchannel_t *ch)
{
    kmsg_t *msg = ch->head;
    SIM_ASSERT(msg != NULL);
    SIM_ASSERT(ch->count > 0);
    ch->head = msg->next;
    if (!ch->head)
        ch->tail = NULL;
    msg->next = NULL;
    if (--ch->count == 0)
        kobj_signal(&ch->obj, ZX_CHANNEL_READABLE, 0);
    return msg;
}

/* The queue went over kMaxPendingMessageCount: Zircon's CHANNEL_FULL_WRITE policy exception,
 * unhandled in the model, kills the writer's process (see the file comment). */
static void channel_full(const kctx_t *c, kchannel_t *ch)
{
    bool kill = c->thread != NULL;
    kernel_trace(c->k, KERNEL_EV_CHANNEL_FULL, ch->obj.koid, ch->count, (int64_t)c->proc->obj.koid,
                 kill, 0, ZX_OK, NULL);
    if (kill)
        kproc_kill(c->proc, ZX_TASK_RETCODE_EXCEPTION_KILL);
}

/* ChannelDispatcher::WriteSelf: queues `msg` on `ch` and raises READABLE. */
static void write_self(const kctx_t *c, kchannel_t *ch, kmsg_t *msg)
{
    msg->next = NULL;
    if (ch->tail)
        ch->tail->next = msg;
    else
        ch->head = msg;
    ch->tail = msg;
    ch->count++;
    if (ch->count > ch->count_max)
        ch->count_max = ch->count;
    kernel_trace(c->k, KERNEL_EV_CHANNEL_WRITE, ch->obj.koid, msg->num_bytes, msg->num_handles,
                 ch->count, (int64_t)msg->seq, ZX_OK, NULL);
    kobj_signal(&ch->obj, 0, ZX_CHANNEL_READABLE);
    if (ch->count > CHANNEL_MAX_PENDING_MESSAGES)
        channel_full(c, ch);
}

/* ---- zx_channel_call waiters ----------------------------------------------------------------- */

/* Decides a waiting call: removed from matching, its caller (if parked in the body) woken. */
static void waiter_decide(kchannel_t *ch, channel_waiter_t *w, zx_status_t status)
{
    SIM_ASSERT(w->waiting);
    w->waiting = false;
    w->status = status;
    if (w->block)
        (void)kblock_wake(ch->obj.k, w->block, status);
}

/* TryWriteToMessageWaiter: a reply with a kernel txid goes to the call waiting for it. */
static bool deliver_to_waiter(const kctx_t *c, kchannel_t *ch, kmsg_t *msg)
{
    uint32_t txid = msg_txid(msg);
    if (!ch->calls || txid < CHANNEL_MIN_KERNEL_TXID)
        return false;
    for (channel_waiter_t *w = ch->calls; w; w = w->next) {
        if (!w->waiting || w->txid != txid)
            continue;
        w->reply = msg;
        kernel_trace(c->k, KERNEL_EV_CHANNEL_WRITE, ch->obj.koid, msg->num_bytes,
                     msg->num_handles, -1, (int64_t)msg->seq, ZX_OK, NULL);
        waiter_decide(ch, w, ZX_OK);
        return true;
    }
    return false;
}

/* Ends every call waiting on `ch` with `status` (both endpoints' zero-handles steps). */
static void cancel_waiters(kchannel_t *ch, zx_status_t status)
{
    for (channel_waiter_t *w = ch->calls; w; w = w->next) {
        if (w->waiting)
            waiter_decide(ch, w, status);
    }
}

static void waiter_unlink(kchannel_t *ch, channel_waiter_t *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        ch->calls = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
}

/* Frees a record whose call is over; drops its reply (closing the handles) if still there.
 * Drops the record's reference to the channel, which may destroy it. */
static void waiter_free(channel_waiter_t *w)
{
    kchannel_t *ch = w->ch;
    waiter_unlink(ch, w);
    if (w->thread)
        (void)kobj_observer_remove(&w->thread->obj, &w->death, NULL);
    kmsg_t *reply = w->reply;
    w->reply = NULL;
    if (reply) {
        trace_discard(ch, reply, CHANNEL_DISCARD_CALL);
        msg_destroy(ch, reply);
    }
    free(w);
    kobj_unref(&ch->obj);
}

/* The engine timer armed by caller_died: frees the orphan outside the signal callback. */
static void reap_orphan(sim_t *s, sim_timer_t *timer)
{
    (void)s;
    waiter_free(timer->data);
}

/* The caller's thread died (TERMINATED) while the record was registered, necessarily outside
 * the body (a task parked in the body unwinds through it): nobody will end the call. */
static void caller_died(kobj_observer_t *o, zx_signals_t signals)
{
    (void)signals;
    channel_waiter_t *w = KCONTAINER_OF(o, channel_waiter_t, death);
    SIM_ASSERT(w->block == NULL);
    w->thread = NULL; /* its observer is already unlinked; the thread may go away */
    w->orphan = true;
    if (w->waiting) {
        w->waiting = false; /* a late reply now goes to the queue */
        w->status = ZX_ERR_CANCELED;
    }
    sim_t *s = w->ch->obj.k->s;
    sim_timer_start(s, &w->reaper, SIM_CLOCK_BOOT, sim_now_boot(s));
}

static void caller_watch_canceled(kobj_observer_t *o, zx_signals_t signals)
{
    (void)o;
    (void)signals; /* registered without a handle: nothing cancels it */
}

/* A fresh kernel txid not used by a waiting call of `ch` (GenerateTxid + the reuse check). */
static uint32_t txid_alloc(kchannel_t *ch)
{
    for (;;) {
        ch->txid_last++;
        uint32_t txid = ch->txid_last | CHANNEL_MIN_KERNEL_TXID;
        bool used = false;
        for (const channel_waiter_t *w = ch->calls; w && !used; w = w->next)
            used = w->waiting && w->txid == txid;
        if (!used)
            return txid;
    }
}

/* ---- Object hooks -------------------------------------------------------------------------- */

/* (3A): our last handle closed; calls waiting on this endpoint are canceled. Records of
 * callers that died (their process is closing its handles now) are freed at once rather than
 * by their reaper, so that the endpoint goes in the same instant even if the run ends there. */
static void channel_on_zero_handles(kobj_t *obj)
{
    kchannel_t *ch = channel_from(obj);
    cancel_waiters(ch, ZX_ERR_CANCELED);
    channel_waiter_t *w = ch->calls;
    while (w) {
        channel_waiter_t *next = w->next;
        if (w->orphan) {
            (void)sim_timer_cancel(obj->k->s, &w->reaper);
            waiter_free(w); /* our handle's reference keeps `ch` alive */
        }
        w = next;
    }
}

/* (3B): the peer's last handle closed. Queued messages stay readable. */
static void channel_on_peer_zero_handles(kobj_t *obj)
{
    kobj_signal(obj, ZX_CHANNEL_WRITABLE, ZX_CHANNEL_PEER_CLOSED);
    cancel_waiters(channel_from(obj), ZX_ERR_PEER_CLOSED);
}

static void cache_free(kchannel_t *ch)
{
    while (ch->cache) {
        kmsg_t *next = ch->cache->next;
        free(ch->cache);
        ch->cache = next;
    }
    ch->cache_count = 0;
}

/* ~ChannelDispatcher: the messages nobody read are destroyed with their handles. */
static void channel_destroy(kobj_t *obj)
{
    kchannel_t *ch = channel_from(obj);
    SIM_ASSERT(ch->calls == NULL); /* each call record holds a reference */
    kmsg_t *msg = ch->head;
    ch->head = ch->tail = NULL;
    ch->count = 0;
    while (msg) {
        kmsg_t *next = msg->next;
        trace_discard(ch, msg, CHANNEL_DISCARD_CLOSED);
        msg_destroy(NULL, msg);
        msg = next;
    }
    cache_free(ch);
}

/* kernel_destroy: memory only (handles and objects are freed wholesale by the kernel). */
static void channel_teardown(kobj_t *obj)
{
    kchannel_t *ch = channel_from(obj);
    while (ch->head) {
        kmsg_t *next = ch->head->next;
        free(ch->head);
        ch->head = next;
    }
    while (ch->calls) {
        channel_waiter_t *w = ch->calls;
        ch->calls = w->next;
        (void)sim_timer_cancel(obj->k->s, &w->reaper);
        free(w->reply);
        free(w);
    }
    cache_free(ch);
}

/* ---- Handles in messages ------------------------------------------------------------------- */

/* RemoveUserHandles: an early failure still consumes every listed handle that is valid. */
static void remove_user_handles(const kctx_t *c, const zx_handle_t *handles, uint32_t count)
{
    if (!handles)
        return; /* the list cannot be read: nothing is consumed */
    for (uint32_t i = 0; i < count; i++) {
        khandle_t *h = handle_table_detach(c->proc, handles[i]);
        if (h)
            khandle_destroy(h);
    }
}

/* common_handle_checks_locked() for a move with ZX_RIGHT_SAME_RIGHTS. */
static zx_status_t transfer_check(const khandle_t *h, const kchannel_t *ch)
{
    if (!(h->rights & ZX_RIGHT_TRANSFER))
        return ZX_ERR_ACCESS_DENIED;
    if (h->obj == &ch->obj)
        return ZX_ERR_NOT_SUPPORTED;
    return ZX_OK;
}

/* msg_put_handles(): moves every listed handle out of the caller's table into `msg`. A handle
 * that fails is closed at once; the first failure is returned and the caller then destroys
 * `msg` with the handles that passed. */
static zx_status_t put_handles(const kctx_t *c, const kchannel_t *ch, kmsg_t *msg,
                               const zx_handle_t *handles, uint32_t count)
{
    zx_status_t result = ZX_OK;
    msg->num_handles = count;
    for (uint32_t i = 0; i < count; i++) {
        khandle_t *h = handle_table_detach(c->proc, handles[i]);
        zx_status_t st = h ? transfer_check(h, ch) : ZX_ERR_BAD_HANDLE;
        if (st == ZX_OK) {
            msg->handles[i] = h;
            continue;
        }
        if (result == ZX_OK)
            result = st;
        if (h)
            khandle_destroy(h);
    }
    return result;
}

/* msg_get_handles(): the handles leave the message for the caller's table, with the rights
 * they were sent with; `out` receives their new values. Waits made through them before they
 * were sent end here, as do zx_channel_call waits on a channel among them ([unconfirmed]
 * status: CANCELED). */
static zx_status_t get_handles(const kctx_t *c, kmsg_t *msg, zx_handle_t *out)
{
    for (uint32_t i = 0; i < msg->num_handles; i++) {
        khandle_t *h = msg->handles[i];
        if (!kobj_is_waitable(h->obj))
            continue;
        kobj_observers_cancel(h->obj, h);
        if (is_channel(h->obj))
            cancel_waiters(channel_from(h->obj), ZX_ERR_CANCELED);
    }
    zx_status_t result = ZX_OK;
    for (uint32_t i = 0; i < msg->num_handles; i++) {
        khandle_t *h = msg->handles[i];
        msg->handles[i] = NULL;
        zx_status_t st = handle_table_attach(c->proc, h, &out[i]);
        if (st != ZX_OK) {
            out[i] = ZX_HANDLE_INVALID;
            khandle_destroy(h);
            result = st;
        }
    }
    msg->num_handles = 0;
    return result;
}

/* ---- Writing ------------------------------------------------------------------------------- */

/* Fills a new message with the caller's bytes (MessagePacket::Create). Checks the limits
 * first: OUT_OF_RANGE, then INVALID_ARGS for an unreadable buffer, NO_MEMORY. */
static zx_status_t msg_create(kchannel_t *ch, const void *bytes, uint32_t num_bytes,
                              uint32_t num_handles, kmsg_t **out)
{
    if (num_bytes > ZX_CHANNEL_MAX_MSG_BYTES || num_handles > ZX_CHANNEL_MAX_MSG_HANDLES)
        return ZX_ERR_OUT_OF_RANGE;
    if (num_bytes && !bytes)
        return ZX_ERR_INVALID_ARGS;
    kchannel_t *to = ch->obj.peer ? channel_from(ch->obj.peer) : NULL;
    kmsg_t *msg = msg_alloc(to, num_bytes);
    if (!msg)
        return ZX_ERR_NO_MEMORY;
    if (num_bytes)
        memcpy(msg->bytes, bytes, num_bytes);
    *out = msg;
    return ZX_OK;
}

/* The head of prepare_write(): the options, then the handle (WRITE, and READ for a call).
 * Returns a reference to the channel. */
static zx_status_t channel_for_write(const kctx_t *c, zx_handle_t handle, zx_rights_t rights,
                                     uint32_t options, kchannel_t **out)
{
    if (options & ~ZX_CHANNEL_WRITE_USE_IOVEC)
        return ZX_ERR_INVALID_ARGS;
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_CHANNEL, rights, &h);
    if (st != ZX_OK)
        return st;
    if (options & ZX_CHANNEL_WRITE_USE_IOVEC)
        return ZX_ERR_NOT_SUPPORTED; /* the model has no iovec writes */
    *out = channel_from(h->obj);
    kobj_ref(&(*out)->obj); /* `h` may be among the handles sent: not used after this */
    return ZX_OK;
}

/* prepare_write() of the syscalls: the checks shared by write and call, in Zircon's order.
 * On success `*out_ch` holds a reference and `*out_msg` the message with its handles. On
 * failure every listed handle has been consumed (unless the list itself is unreadable). */
static zx_status_t prepare_write(const kctx_t *c, zx_handle_t handle, zx_rights_t rights,
                                 uint32_t options, const void *bytes, uint32_t num_bytes,
                                 const zx_handle_t *handles, uint32_t num_handles,
                                 uint32_t min_bytes, kchannel_t **out_ch, kmsg_t **out_msg)
{
    kchannel_t *ch = NULL;
    kmsg_t *msg = NULL;
    zx_status_t st = channel_for_write(c, handle, rights, options, &ch);
    if (st == ZX_OK)
        st = msg_create(ch, bytes, num_bytes, num_handles, &msg);
    if (st == ZX_OK && num_bytes < min_bytes) {
        msg_release(NULL, msg);
        st = ZX_ERR_INVALID_ARGS;
    }
    if (st != ZX_OK) { /* the syscall's cleanup: RemoveUserHandles */
        remove_user_handles(c, handles, num_handles);
        if (ch)
            kobj_unref(&ch->obj);
        return st;
    }
    /* From here msg_put_handles consumes the handles, or nothing can (unreadable list). */
    if (num_handles)
        st = handles ? put_handles(c, ch, msg, handles, num_handles) : ZX_ERR_INVALID_ARGS;
    if (st != ZX_OK) {
        msg_destroy(NULL, msg);
        kobj_unref(&ch->obj);
        return st;
    }
    *out_ch = ch;
    *out_msg = msg;
    return ZX_OK;
}

/* ChannelDispatcher::Write: to a call waiting on the peer for this txid, else onto the peer's
 * queue. PEER_CLOSED if the peer's last handle is gone. */
static zx_status_t write_msg(const kctx_t *c, kchannel_t *ch, kmsg_t *msg)
{
    if (!ch->obj.peer)
        return ZX_ERR_PEER_CLOSED;
    kchannel_t *peer = channel_from(ch->obj.peer);
    msg->seq = ++peer->seq_last;
    if (!deliver_to_waiter(c, peer, msg))
        write_self(c, peer, msg);
    return ZX_OK;
}

/* zx_channel_write */
static zx_status_t sys_channel_write(const kctx_t *c, zx_handle_t handle, uint32_t options,
                                     const void *bytes, uint32_t num_bytes,
                                     const zx_handle_t *handles, uint32_t num_handles)
{
    kchannel_t *ch;
    kmsg_t *msg;
    zx_status_t st = prepare_write(c, handle, ZX_RIGHT_WRITE, options, bytes, num_bytes,
                                   handles, num_handles, 0, &ch, &msg);
    if (st != ZX_OK)
        return st;
    st = write_msg(c, ch, msg);
    if (st != ZX_OK)
        msg_destroy(NULL, msg);
    kobj_unref(&ch->obj);
    return st;
}

zx_status_t zx_channel_write(zx_handle_t handle, uint32_t options, const void *bytes,
                             uint32_t num_bytes, const zx_handle_t *handles,
                             uint32_t num_handles)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_channel_write, handle);
    zx_status_t st = sys_channel_write(&call.ctx, handle, options, bytes, num_bytes, handles,
                                       num_handles);
    return kcall_end(&call, st, num_bytes, num_handles, options, 0);
}

/* ---- Creating ------------------------------------------------------------------------------ */

static zx_status_t endpoint_create(kernel_t *k, kchannel_t **out)
{
    kobj_t *obj;
    /* Peered and writable from the start (ChannelDispatcher's constructor). */
    zx_status_t st = kobj_create(k, &channel_ops, sizeof(kchannel_t), ZX_CHANNEL_WRITABLE, &obj);
    if (st == ZX_OK)
        *out = channel_from(obj);
    return st;
}

/* zx_channel_create */
static zx_status_t sys_channel_create(const kctx_t *c, uint32_t options, zx_handle_t *out0,
                                      zx_handle_t *out1)
{
    if (options != 0)
        return ZX_ERR_INVALID_ARGS;
    if (!out0 || !out1)
        return ZX_ERR_INVALID_ARGS;
    kchannel_t *a, *b;
    zx_status_t st = endpoint_create(c->k, &a);
    if (st != ZX_OK)
        return st;
    st = endpoint_create(c->k, &b);
    if (st != ZX_OK) {
        kobj_unref(&a->obj);
        return st;
    }
    kobj_peer_init(&a->obj, &b->obj);
    kobj_created(&a->obj, c->proc->obj.koid, 0);
    kobj_created(&b->obj, c->proc->obj.koid, 0);
    st = kobj_handle_install(c, &a->obj, ZX_DEFAULT_CHANNEL_RIGHTS, out0);
    if (st == ZX_OK) {
        st = kobj_handle_install(c, &b->obj, ZX_DEFAULT_CHANNEL_RIGHTS, out1);
        if (st != ZX_OK) /* the first handle is not handed out either */
            khandle_destroy(handle_table_detach(c->proc, *out0));
    }
    /* Without handles the peers still reference each other: kobj_zero_handles never ran. */
    if (st != ZX_OK && a->obj.handle_count == 0 && a->obj.peer)
        kobj_zero_handles(&a->obj);
    if (st != ZX_OK && b->obj.handle_count == 0 && b->obj.peer)
        kobj_zero_handles(&b->obj);
    kobj_unref(&a->obj);
    kobj_unref(&b->obj);
    return st;
}

zx_status_t zx_channel_create(uint32_t options, zx_handle_t *out0, zx_handle_t *out1)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_channel_create, ZX_HANDLE_INVALID);
    zx_status_t st = sys_channel_create(&call.ctx, options, out0, out1);
    return kcall_end(&call, st, options, st == ZX_OK ? *out0 : 0, st == ZX_OK ? *out1 : 0, 0);
}

/* ---- Reading ------------------------------------------------------------------------------- */

/* Copies a message popped from `ch` out to the caller (the tail of channel_read()). */
static zx_status_t read_out(const kctx_t *c, kchannel_t *ch, kmsg_t *msg, void *bytes,
                            zx_handle_t *handles)
{
    if ((msg->num_bytes && !bytes) || (msg->num_handles && !handles)) {
        trace_discard(ch, msg, CHANNEL_DISCARD_FAULT);
        msg_destroy(ch, msg);
        return ZX_ERR_INVALID_ARGS;
    }
    if (msg->num_bytes)
        memcpy(bytes, msg->bytes, msg->num_bytes);
    kernel_trace(c->k, KERNEL_EV_CHANNEL_READ, ch->obj.koid, msg->num_bytes, msg->num_handles,
                 ch->count, (int64_t)msg->seq, ZX_OK, NULL);
    zx_status_t st = get_handles(c, msg, handles);
    msg_release(ch, msg);
    return st;
}

/* zx_channel_read */
static zx_status_t sys_channel_read(const kctx_t *c, zx_handle_t handle, uint32_t options,
                                    void *bytes, zx_handle_t *handles, uint32_t num_bytes,
                                    uint32_t num_handles, uint32_t *actual_bytes,
                                    uint32_t *actual_handles)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_CHANNEL, ZX_RIGHT_READ, &h);
    if (st != ZX_OK)
        return st;
    if (options & ~ZX_CHANNEL_READ_MAY_DISCARD) /* the only option */
        return ZX_ERR_NOT_SUPPORTED;
    kchannel_t *ch = channel_from(h->obj);
    kmsg_t *msg = ch->head;
    if (!msg)
        return ch->obj.peer ? ZX_ERR_SHOULD_WAIT : ZX_ERR_PEER_CLOSED;
    /* The sizes are reported on BUFFER_TOO_SMALL too, so the caller can retry. */
    if (actual_bytes)
        *actual_bytes = msg->num_bytes;
    if (actual_handles)
        *actual_handles = msg->num_handles;
    bool too_small = msg->num_bytes > num_bytes || msg->num_handles > num_handles;
    if (too_small && !(options & ZX_CHANNEL_READ_MAY_DISCARD))
        return ZX_ERR_BUFFER_TOO_SMALL; /* the message stays queued */
    kobj_ref(&ch->obj); /* closing handles below may close the caller's last other one */
    msg = queue_pop(ch);
    if (too_small) {
        trace_discard(ch, msg, CHANNEL_DISCARD_MAY_DISCARD);
        msg_destroy(ch, msg);
        st = ZX_ERR_BUFFER_TOO_SMALL;
    } else {
        st = read_out(c, ch, msg, bytes, handles);
    }
    kobj_unref(&ch->obj);
    return st;
}

zx_status_t zx_channel_read(zx_handle_t handle, uint32_t options, void *bytes,
                            zx_handle_t *handles, uint32_t num_bytes, uint32_t num_handles,
                            uint32_t *actual_bytes, uint32_t *actual_handles)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_channel_read, handle);
    zx_status_t st = sys_channel_read(&call.ctx, handle, options, bytes, handles, num_bytes,
                                      num_handles, actual_bytes, actual_handles);
    return kcall_end(&call, st, num_bytes, num_handles, options, 0);
}

/* ---- zx_channel_call ----------------------------------------------------------------------- */

/* ChannelDispatcher::Call up to the wait: registers a waiter with a fresh txid, then writes
 * the request straight onto the peer's queue (never to the peer's own call waiters). */
static zx_status_t call_begin(const kctx_t *c, kchannel_t *ch, kmsg_t *msg,
                              zx_instant_mono_t deadline, channel_waiter_t **out)
{
    if (!ch->obj.peer) {
        msg_destroy(NULL, msg);
        return ZX_ERR_PEER_CLOSED;
    }
    channel_waiter_t *w = calloc(1, sizeof(*w));
    if (!w) {
        msg_destroy(NULL, msg);
        return ZX_ERR_NO_MEMORY;
    }
    *w = (channel_waiter_t){.ch = ch, .thread = c->thread, .txid = txid_alloc(ch),
                            .status = ZX_ERR_TIMED_OUT, .waiting = true};
    sim_timer_init(&w->reaper, reap_orphan, w);
    kobj_ref(&ch->obj);
    channel_waiter_t **tail = &ch->calls;
    while (*tail) {
        w->prev = *tail;
        tail = &(*tail)->next;
    }
    *tail = w;
    if (w->thread) {
        w->death = (kobj_observer_t){.on_match = caller_died, .on_cancel = caller_watch_canceled};
        zx_status_t st = kobj_observer_add(&w->thread->obj, &w->death, NULL,
                                           ZX_THREAD_TERMINATED, false);
        SIM_ASSERT(st == ZX_OK && w->death.linked); /* a thread in a syscall is alive */
    }
    memcpy(msg->bytes, &w->txid, sizeof(w->txid));
    kernel_trace(c->k, KERNEL_EV_CHANNEL_CALL_BEGIN, ch->obj.koid, w->txid, deadline, 0, 0,
                 ZX_OK, NULL);
    kchannel_t *peer = channel_from(ch->obj.peer);
    msg->seq = ++peer->seq_last;
    write_self(c, peer, msg);
    *out = w;
    return ZX_OK;
}

/* ResumeInterruptedCall's wait: the outcome, or INTR_RETRY with the waiter still registered
 * (the thread is being suspended), or INTR_KILLED. */
static zx_status_t call_wait(const kctx_t *c, channel_waiter_t *w, zx_instant_mono_t deadline)
{
    if (!w->waiting)
        return w->status; /* decided while the thread was suspended */
    kblock_t b;
    kblock_init(&b, c, KBLOCK_WAIT);
    w->block = &b;
    zx_status_t st =
        kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_CHANNEL, w->ch->obj.koid, deadline);
    w->block = NULL;
    if (st == ZX_ERR_INTERNAL_INTR_RETRY || st == ZX_ERR_INTERNAL_INTR_KILLED)
        return st;
    if (w->waiting) { /* (4): the deadline passed first; leaving the list is our job */
        w->waiting = false;
        w->status = ZX_ERR_TIMED_OUT;
    }
    return w->status;
}

/* channel_call_epilogue(): the reply goes to the caller's buffers; a reply that does not fit
 * is dropped with its handles (BUFFER_TOO_SMALL, sizes not reported). */
static zx_status_t call_read_out(const kctx_t *c, kchannel_t *ch, kmsg_t *reply,
                                 const zx_channel_call_args_t *args, uint32_t *actual_bytes,
                                 uint32_t *actual_handles)
{
    if (args->rd_num_bytes < reply->num_bytes || args->rd_num_handles < reply->num_handles) {
        trace_discard(ch, reply, CHANNEL_DISCARD_CALL);
        msg_destroy(ch, reply);
        return ZX_ERR_BUFFER_TOO_SMALL;
    }
    if (actual_bytes)
        *actual_bytes = reply->num_bytes;
    if (actual_handles)
        *actual_handles = reply->num_handles;
    return read_out(c, ch, reply, args->rd_bytes, args->rd_handles);
}

/* The waiting half (zx_channel_call_finish after a suspend). Ends the call unless the thread
 * is being suspended; `*pw` is then cleared. */
static zx_status_t call_finish(const kctx_t *c, zx_instant_mono_t deadline,
                               const zx_channel_call_args_t *args, uint32_t *actual_bytes,
                               uint32_t *actual_handles, channel_waiter_t **pw)
{
    channel_waiter_t *w = *pw;
    zx_status_t st = call_wait(c, w, deadline);
    if (st == ZX_ERR_INTERNAL_INTR_RETRY)
        return st;
    if (w->waiting) { /* killed while waiting */
        w->waiting = false;
        w->status = st;
    }
    kchannel_t *ch = w->ch;
    kmsg_t *reply = NULL;
    if (st == ZX_OK) { /* only a delivery decides ZX_OK */
        reply = w->reply;
        w->reply = NULL;
        SIM_ASSERT(reply != NULL);
    }
    kobj_ref(&ch->obj);
    kernel_trace(c->k, KERNEL_EV_CHANNEL_CALL_END, ch->obj.koid, w->txid,
                 reply ? (int64_t)reply->seq : 0, 0, 0, st, NULL);
    waiter_free(w);
    *pw = NULL;
    if (reply)
        st = call_read_out(c, ch, reply, args, actual_bytes, actual_handles);
    kobj_unref(&ch->obj);
    return st;
}

/* zx_channel_call */
static zx_status_t sys_channel_call(const kctx_t *c, zx_handle_t handle, uint32_t options,
                                    zx_instant_mono_t deadline,
                                    const zx_channel_call_args_t *args, uint32_t *actual_bytes,
                                    uint32_t *actual_handles, channel_waiter_t **pw)
{
    if (*pw) /* re-issued after a suspend: wait again, without resending */
        return call_finish(c, deadline, args, actual_bytes, actual_handles, pw);
    if (!args)
        return ZX_ERR_INVALID_ARGS;
    kchannel_t *ch;
    kmsg_t *msg;
    zx_status_t st = prepare_write(c, handle, ZX_RIGHT_WRITE | ZX_RIGHT_READ, options,
                                   args->wr_bytes, args->wr_num_bytes, args->wr_handles,
                                   args->wr_num_handles, sizeof(zx_txid_t), &ch, &msg);
    if (st != ZX_OK)
        return st;
    st = call_begin(c, ch, msg, deadline, pw);
    kobj_unref(&ch->obj); /* the waiter holds its own reference */
    if (st != ZX_OK)
        return st;
    return call_finish(c, deadline, args, actual_bytes, actual_handles, pw);
}

zx_status_t zx_channel_call(zx_handle_t handle, uint32_t options, zx_instant_mono_t deadline,
                            const zx_channel_call_args_t *args, uint32_t *actual_bytes,
                            uint32_t *actual_handles)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_channel_call, handle);
    channel_waiter_t *w = NULL; /* the record survives a suspend between two issues */
    zx_status_t st;
    KCALL_RESTART(&call, st,
                  sys_channel_call(&call.ctx, handle, options, deadline, args, actual_bytes,
                                   actual_handles, &w));
    SIM_ASSERT(w == NULL);
    return kcall_end(&call, st, deadline, args ? args->wr_num_bytes : 0,
                     args ? args->wr_num_handles : 0, options);
}
