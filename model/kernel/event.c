/* event.c - Events and eventpairs: zx_event_create, zx_eventpair_create. Port of Zircon's
 * event_dispatcher / event_pair_dispatcher and syscalls/event.
 *
 * Both only carry signals. An event's user-settable bits are the user signals and SIGNALED;
 * an eventpair endpoint's are the same on its own word (zx_object_signal) or its peer's
 * (zx_object_signal_peer). When the last handle of one endpoint closes, the other asserts
 * PEER_CLOSED and later signal_peer calls on it fail with PEER_CLOSED (object.c).
 */
#include "kernel_int.h"

static const kobj_ops_t event_ops = {
    .type = ZX_OBJ_TYPE_EVENT,
    .default_rights = ZX_DEFAULT_EVENT_RIGHTS,
    .extra_user_signals = ZX_EVENT_SIGNALED,
};

static void eventpair_on_peer_zero_handles(kobj_t *obj)
{
    kobj_signal(obj, 0, ZX_EVENTPAIR_PEER_CLOSED);
}

static const kobj_ops_t eventpair_ops = {
    .type = ZX_OBJ_TYPE_EVENTPAIR,
    .default_rights = ZX_DEFAULT_EVENTPAIR_RIGHTS,
    .extra_user_signals = ZX_EVENTPAIR_SIGNALED,
    .peered = true,
    .on_peer_zero_handles = eventpair_on_peer_zero_handles,
};

/* zx_event_create */
static zx_status_t sys_event_create(const kctx_t *c, uint32_t options, zx_handle_t *out)
{
    if (options != 0)
        return ZX_ERR_INVALID_ARGS;
    kobj_t *obj;
    zx_status_t st = kobj_create(c->k, &event_ops, sizeof(kobj_t), 0, &obj);
    if (st != ZX_OK)
        return st;
    kobj_created(obj, c->proc->obj.koid, 0);
    st = kobj_handle_install(c, obj, event_ops.default_rights, out);
    kobj_unref(obj);
    return st;
}

zx_status_t zx_event_create(uint32_t options, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_event_create, ZX_HANDLE_INVALID);
    zx_status_t st = sys_event_create(&call.ctx, options, out);
    return kcall_end(&call, st, options, st == ZX_OK ? *out : 0, 0, 0);
}

/* zx_eventpair_create */
static zx_status_t sys_eventpair_create(const kctx_t *c, uint32_t options, zx_handle_t *out0,
                                        zx_handle_t *out1)
{
    if (options != 0)
        return ZX_ERR_NOT_SUPPORTED; /* sic: not INVALID_ARGS (syscalls/event) */
    kobj_t *e0, *e1;
    zx_status_t st = kobj_create(c->k, &eventpair_ops, sizeof(kobj_t), 0, &e0);
    if (st != ZX_OK)
        return st;
    st = kobj_create(c->k, &eventpair_ops, sizeof(kobj_t), 0, &e1);
    if (st != ZX_OK) {
        kobj_unref(e0);
        return st;
    }
    kobj_peer_init(e0, e1);
    kobj_created(e0, c->proc->obj.koid, 0);
    kobj_created(e1, c->proc->obj.koid, 0);
    st = kobj_handle_install(c, e0, eventpair_ops.default_rights, out0);
    if (st == ZX_OK) {
        st = kobj_handle_install(c, e1, eventpair_ops.default_rights, out1);
        if (st != ZX_OK)
            khandle_destroy(handle_table_detach(c->proc, *out0));
    }
    kobj_unref(e0);
    kobj_unref(e1);
    return st;
}

zx_status_t zx_eventpair_create(uint32_t options, zx_handle_t *out0, zx_handle_t *out1)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_eventpair_create, ZX_HANDLE_INVALID);
    zx_status_t st = sys_eventpair_create(&call.ctx, options, out0, out1);
    return kcall_end(&call, st, options, st == ZX_OK ? *out0 : 0, st == ZX_OK ? *out1 : 0, 0);
}
