/* counter.c - Counters: zx_counter_create, zx_counter_add, zx_counter_read, zx_counter_write.
 * Port of Zircon's counter_dispatcher and syscalls/counter.
 *
 * The value is a signed 64-bit integer; exactly one of POSITIVE (value > 0) and NON_POSITIVE
 * (value <= 0) is asserted at all times, so a counter at -1 that gets +1 stays NON_POSITIVE.
 * SIGNALED is independent of the value and settable with zx_object_signal. Adding needs READ
 * and WRITE because the error and the signals reveal the value.
 */
#include "kernel_int.h"

typedef struct kcounter {
    kobj_t obj;
    int64_t value;
} kcounter_t;

static const kobj_ops_t counter_ops = {
    .type = ZX_OBJ_TYPE_COUNTER,
    .default_rights = ZX_DEFAULT_COUNTER_RIGHTS,
    .extra_user_signals = ZX_COUNTER_SIGNALED,
};

static void set_value(kcounter_t *counter, int64_t value)
{
    counter->value = value;
    if (value > 0)
        kobj_signal(&counter->obj, ZX_COUNTER_NON_POSITIVE, ZX_COUNTER_POSITIVE);
    else
        kobj_signal(&counter->obj, ZX_COUNTER_POSITIVE, ZX_COUNTER_NON_POSITIVE);
}

/* zx_counter_create */
static zx_status_t sys_counter_create(const kctx_t *c, uint32_t options, zx_handle_t *out)
{
    if (options != 0)
        return ZX_ERR_INVALID_ARGS;
    kobj_t *obj;
    zx_status_t st =
        kobj_create(c->k, &counter_ops, sizeof(kcounter_t), ZX_COUNTER_NON_POSITIVE, &obj);
    if (st != ZX_OK)
        return st;
    kobj_created(obj, c->proc->obj.koid, 0);
    st = kobj_handle_install(c, obj, counter_ops.default_rights, out);
    kobj_unref(obj);
    return st;
}

zx_status_t zx_counter_create(uint32_t options, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_counter_create, ZX_HANDLE_INVALID);
    zx_status_t st = sys_counter_create(&call.ctx, options, out);
    return kcall_end(&call, st, options, st == ZX_OK ? *out : 0, 0, 0);
}

/* zx_counter_add */
static zx_status_t sys_counter_add(const kctx_t *c, zx_handle_t handle, int64_t value,
                                   int64_t *result)
{
    khandle_t *h;
    zx_status_t st =
        kobj_lookup(c, handle, ZX_OBJ_TYPE_COUNTER, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    kcounter_t *counter = (kcounter_t *)h->obj;
    int64_t sum;
    if (__builtin_add_overflow(counter->value, value, &sum))
        return ZX_ERR_OUT_OF_RANGE; /* the value is left unchanged */
    set_value(counter, sum);
    *result = sum;
    return ZX_OK;
}

zx_status_t zx_counter_add(zx_handle_t handle, int64_t value)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_counter_add, handle);
    int64_t result = 0;
    zx_status_t st = sys_counter_add(&call.ctx, handle, value, &result);
    return kcall_end(&call, st, value, result, handle, 0);
}

/* zx_counter_read */
static zx_status_t sys_counter_read(const kctx_t *c, zx_handle_t handle, int64_t *value)
{
    if (!value)
        return ZX_ERR_INVALID_ARGS; /* checked before the handle (syscalls/counter) */
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_COUNTER, ZX_RIGHT_READ, &h);
    if (st != ZX_OK)
        return st;
    *value = ((kcounter_t *)h->obj)->value;
    return ZX_OK;
}

zx_status_t zx_counter_read(zx_handle_t handle, int64_t *value)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_counter_read, handle);
    zx_status_t st = sys_counter_read(&call.ctx, handle, value);
    return kcall_end(&call, st, st == ZX_OK ? *value : 0, 0, handle, 0);
}

/* zx_counter_write */
static zx_status_t sys_counter_write(const kctx_t *c, zx_handle_t handle, int64_t value)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_COUNTER, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    set_value((kcounter_t *)h->obj, value);
    return ZX_OK;
}

zx_status_t zx_counter_write(zx_handle_t handle, int64_t value)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_counter_write, handle);
    zx_status_t st = sys_counter_write(&call.ctx, handle, value);
    return kcall_end(&call, st, value, 0, handle, 0);
}
