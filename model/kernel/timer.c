/* timer.c - Timers: zx_timer_create, zx_timer_set, zx_timer_cancel. Port of Zircon's
 * timer_dispatcher and syscalls/timer.
 *
 * A timer is an engine timer on its own clock: a monotonic timer does not fire while the
 * monotonic clock is paused (system suspended); a boot timer does (it "elapses in suspend"),
 * although the model's signal then wakes its waiters at once [unconfirmed: upstream, a boot
 * timer does not wake the system; whether its waiters run is the container world's business].
 * Slack is validated (negative: OUT_OF_RANGE) and kept for ZX_INFO_TIMER, but a timer fires
 * exactly at its deadline. Setting re-arms and deasserts SIGNALED; cancel deasserts it; the
 * last handle closing cancels the timer.
 */
#include "kernel_int.h"

typedef struct ktimer {
    kobj_t obj;
    sim_timer_t timer;
    uint32_t options;       /* slack mode */
    zx_clock_t clock_id;
    zx_time_t deadline;     /* on clock_id, while armed */
    zx_duration_t slack;
} ktimer_t;

static void timer_disarm(kobj_t *obj);
static zx_status_t timer_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                  size_t buffer_size, size_t *actual, size_t *avail);

static const kobj_ops_t timer_ops = {
    .type = ZX_OBJ_TYPE_TIMER,
    .default_rights = ZX_DEFAULT_TIMER_RIGHTS,
    .on_zero_handles = timer_disarm,
    .get_info = timer_get_info,
    .destroy = timer_disarm,
    .teardown = timer_disarm,
};

static void timer_disarm(kobj_t *obj)
{
    ktimer_t *t = (ktimer_t *)obj;
    (void)sim_timer_cancel(obj->k->s, &t->timer);
    t->deadline = 0;
    t->slack = 0;
}

/* Engine callback (scheduler context): the deadline passed. */
static void timer_fired(sim_t *s, sim_timer_t *timer)
{
    (void)s;
    ktimer_t *t = timer->data;
    kernel_trace(t->obj.k, KERNEL_EV_TIMER_FIRE, t->obj.koid, t->deadline, t->clock_id, 0, 0, 0,
                 NULL);
    t->deadline = 0;
    t->slack = 0;
    kobj_signal(&t->obj, 0, ZX_TIMER_SIGNALED);
}

/* zx_timer_create */
static zx_status_t sys_timer_create(const kctx_t *c, uint32_t options, zx_clock_t clock_id,
                                    zx_handle_t *out)
{
    if (clock_id != ZX_CLOCK_MONOTONIC && clock_id != ZX_CLOCK_BOOT)
        return ZX_ERR_INVALID_ARGS;
    if (options > ZX_TIMER_SLACK_LATE)
        return ZX_ERR_INVALID_ARGS;
    kobj_t *obj;
    zx_status_t st = kobj_create(c->k, &timer_ops, sizeof(ktimer_t), 0, &obj);
    if (st != ZX_OK)
        return st;
    ktimer_t *t = (ktimer_t *)obj;
    t->options = options;
    t->clock_id = clock_id;
    sim_timer_init(&t->timer, timer_fired, t);
    kobj_created(obj, c->proc->obj.koid, 0);
    st = kobj_handle_install(c, obj, timer_ops.default_rights, out);
    kobj_unref(obj);
    return st;
}

zx_status_t zx_timer_create(uint32_t options, zx_clock_t clock_id, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_timer_create, ZX_HANDLE_INVALID);
    zx_status_t st = sys_timer_create(&call.ctx, options, clock_id, out);
    return kcall_end(&call, st, options, clock_id, st == ZX_OK ? *out : 0, 0);
}

/* zx_timer_set */
static zx_status_t sys_timer_set(const kctx_t *c, zx_handle_t handle, zx_time_t deadline,
                                 zx_duration_t slack)
{
    if (slack < 0)
        return ZX_ERR_OUT_OF_RANGE; /* before the handle lookup (syscalls/timer) */
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    ktimer_t *t = (ktimer_t *)h->obj;
    timer_disarm(&t->obj);
    kobj_signal(&t->obj, ZX_TIMER_SIGNALED, 0);
    t->deadline = deadline;
    t->slack = slack;
    sim_clock_t clock = t->clock_id == ZX_CLOCK_BOOT ? SIM_CLOCK_BOOT : SIM_CLOCK_MONO;
    /* A deadline already past fires at the current instant, after the callbacks due now. */
    sim_timer_start(c->k->s, &t->timer, clock, deadline > 0 ? deadline : 0);
    return ZX_OK;
}

zx_status_t zx_timer_set(zx_handle_t handle, zx_time_t deadline, zx_duration_t slack)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_timer_set, handle);
    zx_status_t st = sys_timer_set(&call.ctx, handle, deadline, slack);
    return kcall_end(&call, st, deadline, slack, handle, 0);
}

/* zx_timer_cancel */
static zx_status_t sys_timer_cancel(const kctx_t *c, zx_handle_t handle)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    timer_disarm(h->obj);
    kobj_signal(h->obj, ZX_TIMER_SIGNALED, 0);
    return ZX_OK;
}

zx_status_t zx_timer_cancel(zx_handle_t handle)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_timer_cancel, handle);
    zx_status_t st = sys_timer_cancel(&call.ctx, handle);
    return kcall_end(&call, st, handle, 0, 0, 0);
}

static zx_status_t timer_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                  size_t buffer_size, size_t *actual, size_t *avail)
{
    (void)rights;
    SIM_ASSERT(topic == ZX_INFO_TIMER);
    const ktimer_t *t = (const ktimer_t *)obj;
    zx_info_timer_t info = {
        .options = t->options,
        .clock_id = t->clock_id,
        .deadline = sim_timer_is_armed(&t->timer) ? t->deadline : 0,
        .slack = sim_timer_is_armed(&t->timer) ? t->slack : 0,
    };
    return kobj_info_single(buffer, buffer_size, actual, avail, &info, sizeof(info));
}
