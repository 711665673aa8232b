/* object_wait.c - zx_object_wait_one, zx_object_wait_many, zx_object_wait_async, and their
 * cooperative twins kernel_await_one / kernel_await_many. Port of Zircon's
 * syscalls/object_wait.cc and wait_signal_observer.cc.
 *
 * A wait puts one observer per item on the objects (WaitSignalObserver::Begin) and parks the
 * calling task; the first observer that matches (or is canceled by a handle close) wakes it.
 * End() then gives each item its signals: those seen when its observer fired, or, for an
 * observer still linked, the object's signals at removal. So `pending` is the full signal word
 * of every item, on OK as on TIMED_OUT. Waiter records live on the waiting task's stack: no
 * allocation per wait. Each object is referenced for the duration of the wait.
 */
#include "kernel_int.h"

#include <string.h>

typedef struct wait_slot {
    kobj_observer_t obs;
    kblock_t *block;
    kobj_t *obj;           /* a reference while the wait is set up */
    zx_signals_t final;    /* signals when the observer fired (OnMatch / OnCancel) */
} wait_slot_t;

static void slot_matched(kobj_observer_t *obs, zx_signals_t signals)
{
    wait_slot_t *slot = KCONTAINER_OF(obs, wait_slot_t, obs);
    slot->final = signals;
    kblock_wake(slot->obj->k, slot->block, ZX_OK);
}

static void slot_canceled(kobj_observer_t *obs, zx_signals_t signals)
{
    wait_slot_t *slot = KCONTAINER_OF(obs, wait_slot_t, obs);
    slot->final = signals | ZX_SIGNAL_HANDLE_CLOSED;
    kblock_wake(slot->obj->k, slot->block, ZX_ERR_CANCELED);
}

/* WaitSignalObserver::Begin: looks the handle up and registers the observer. */
static zx_status_t slot_begin(const kctx_t *c, wait_slot_t *slot, kblock_t *b,
                              zx_handle_t handle, zx_signals_t signals)
{
    khandle_t *h = handle_table_lookup(c->proc, handle);
    if (!h)
        return ZX_ERR_BAD_HANDLE;
    if (!(h->rights & ZX_RIGHT_WAIT))
        return ZX_ERR_ACCESS_DENIED;
    *slot = (wait_slot_t){.block = b, .obj = h->obj};
    slot->obs.on_match = slot_matched;
    slot->obs.on_cancel = slot_canceled;
    zx_status_t st = kobj_observer_add(h->obj, &slot->obs, h, signals, false);
    if (st != ZX_OK)
        return st;
    kobj_ref(h->obj);
    return ZX_OK;
}

/* WaitSignalObserver::End: the item's final signals. */
static zx_signals_t slot_end(wait_slot_t *slot)
{
    zx_signals_t signals;
    bool removed = kobj_observer_remove(slot->obj, &slot->obs, &signals);
    kobj_unref(slot->obj);
    return removed ? signals : slot->final;
}

zx_status_t object_wait_one(const kctx_t *c, zx_handle_t handle, zx_signals_t signals,
                            zx_instant_mono_t deadline, zx_signals_t *observed,
                            kblock_kind_t kind)
{
    kblock_t b;
    kblock_init(&b, c, kind);
    wait_slot_t slot;
    zx_status_t st = slot_begin(c, &slot, &b, handle, signals);
    if (st != ZX_OK)
        return st;
    st = kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_WAIT_ONE, slot.obj->koid, deadline);
    zx_signals_t final = slot_end(&slot);
    if (observed)
        *observed = final;
    if (final & ZX_SIGNAL_HANDLE_CLOSED)
        return ZX_ERR_CANCELED;
    return st;
}

zx_status_t object_wait_many(const kctx_t *c, zx_wait_item_t *items, size_t count,
                             zx_instant_mono_t deadline, kblock_kind_t kind)
{
    kblock_t b;
    kblock_init(&b, c, kind);
    if (count == 0) {
        /* Sleeps until the deadline (interruptible), then TIMED_OUT. */
        zx_status_t st = kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_WAIT_MANY, 0, deadline);
        return st == ZX_OK ? ZX_ERR_TIMED_OUT : st;
    }
    if (count > ZX_WAIT_MANY_MAX_ITEMS)
        return ZX_ERR_OUT_OF_RANGE;
    if (!items)
        return ZX_ERR_INVALID_ARGS; /* copy_array_from_user fails */
    wait_slot_t slots[ZX_WAIT_MANY_MAX_ITEMS];
    size_t added = 0;
    zx_status_t st = ZX_OK;
    for (; added < count; added++) {
        st = slot_begin(c, &slots[added], &b, items[added].handle, items[added].waitfor);
        if (st != ZX_OK)
            break;
    }
    if (st != ZX_OK) {
        for (size_t i = 0; i < added; i++)
            (void)slot_end(&slots[i]);
        return st;
    }
    st = kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_WAIT_MANY, slots[0].obj->koid, deadline);
    zx_signals_t combined = 0;
    for (size_t i = 0; i < count; i++)
        combined |= (items[i].pending = slot_end(&slots[i]));
    if (combined & ZX_SIGNAL_HANDLE_CLOSED)
        return ZX_ERR_CANCELED;
    return st;
}

_Static_assert(ZX_WAIT_MANY_MAX_ITEMS == ZX_CHANNEL_MAX_MSG_HANDLES,
               "upstream ties the two limits together (object_wait.cc)");

/* zx_object_wait_one */
zx_status_t zx_object_wait_one(zx_handle_t handle, zx_signals_t signals,
                               zx_instant_mono_t deadline, zx_signals_t *observed)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_wait_one, handle);
    zx_status_t st;
    zx_signals_t seen = 0;
    KCALL_RESTART(&call, st,
                  object_wait_one(&call.ctx, handle, signals, deadline, &seen, KBLOCK_WAIT));
    if (observed && (st == ZX_OK || st == ZX_ERR_TIMED_OUT || st == ZX_ERR_CANCELED))
        *observed = seen;
    return kcall_end(&call, st, signals, deadline, seen, handle);
}

/* zx_object_wait_many */
zx_status_t zx_object_wait_many(zx_wait_item_t *items, size_t count, zx_instant_mono_t deadline)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_wait_many,
                count && items && count <= ZX_WAIT_MANY_MAX_ITEMS ? items[0].handle : 0);
    zx_status_t st;
    KCALL_RESTART(&call, st, object_wait_many(&call.ctx, items, count, deadline, KBLOCK_WAIT));
    return kcall_end(&call, st, (int64_t)count, deadline, 0, 0);
}

/* zx_object_wait_async */
static zx_status_t sys_object_wait_async(const kctx_t *c, zx_handle_t handle, zx_handle_t port,
                                         uint64_t key, zx_signals_t signals, uint32_t options)
{
    const uint32_t known = ZX_WAIT_ASYNC_TIMESTAMP | ZX_WAIT_ASYNC_BOOT_TIMESTAMP |
                           ZX_WAIT_ASYNC_EDGE;
    if (options & ~known)
        return ZX_ERR_INVALID_ARGS;
    /* Asking for both a monotonic and a boot timestamp is invalid. */
    if ((options & ZX_WAIT_ASYNC_TIMESTAMP) && (options & ZX_WAIT_ASYNC_BOOT_TIMESTAMP))
        return ZX_ERR_INVALID_ARGS;
    khandle_t *ph;
    zx_status_t st = kobj_lookup(c, port, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE, &ph);
    if (st != ZX_OK)
        return st;
    khandle_t *h = handle_table_lookup(c->proc, handle);
    if (!h)
        return ZX_ERR_BAD_HANDLE;
    if (!(h->rights & ZX_RIGHT_WAIT))
        return ZX_ERR_ACCESS_DENIED;
    return port_observe(h, ph->obj, key, signals, options);
}

zx_status_t zx_object_wait_async(zx_handle_t handle, zx_handle_t port, uint64_t key,
                                 zx_signals_t signals, uint32_t options)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_wait_async, handle);
    zx_status_t st = sys_object_wait_async(&call.ctx, handle, port, key, signals, options);
    return kcall_end(&call, st, (int64_t)key, signals, options, port);
}

/* ---- Cooperative awaits (wakesim/kernel.h) -------------------------------------------------- */

zx_status_t kernel_await_one(zx_handle_t handle, zx_signals_t signals,
                             zx_instant_mono_t deadline, zx_signals_t *observed)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_kernel_await, handle);
    zx_signals_t seen = 0;
    zx_status_t st = object_wait_one(&call.ctx, handle, signals, deadline, &seen, KBLOCK_AWAIT);
    if (observed && (st == ZX_OK || st == ZX_ERR_TIMED_OUT || st == ZX_ERR_CANCELED))
        *observed = seen;
    return kcall_end(&call, st, signals, deadline, seen, 1);
}

zx_status_t kernel_await_many(zx_wait_item_t *items, size_t count, zx_instant_mono_t deadline)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_kernel_await,
                count && items && count <= ZX_WAIT_MANY_MAX_ITEMS ? items[0].handle : 0);
    zx_status_t st = object_wait_many(&call.ctx, items, count, deadline, KBLOCK_AWAIT);
    return kcall_end(&call, st, (int64_t)count, deadline, 0, (int64_t)count);
}
