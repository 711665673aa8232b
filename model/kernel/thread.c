/* thread.c - Kernel threads: their cooperative tasks, blocking (kblock), safe points, CPU
 * bursts, suspension and death. Port of the parts of Zircon's thread_dispatcher.cc and of
 * "Kernel Thread Signaling" that the model needs.
 *
 * A kernel thread wraps one engine thread; each of its cooperative tasks (a local executor's
 * futures) is an engine task that starts in ktask_entry() with a ktask record at the bottom of
 * its own stack. The engine task's data slot points at that record, which is how a syscall
 * finds its caller.
 *
 * Safe points and suspension. A task is "active" while it runs user code or non-blocking
 * kernel code, and "at a safe point" while it is parked in the kernel (a blocking wait, an
 * await, a suspension park) or not yet started. A thread none of whose tasks is active
 * stops at once when suspended: SUSPENDED is asserted in the zx_task_suspend call itself,
 * and a task blocked in a syscall (KBLOCK_WAIT) is woken with ZX_ERR_INTERNAL_INTR_RETRY; it
 * unwinds to its zx_ wrapper, parks there until the thread resumes, then issues the same call
 * again with the same arguments (Zircon's vDSO retry, so absolute deadlines are kept). A
 * thread with an active task reaches SUSPENDED only at that task's next safe point: the end of
 * its CPU burst (kernel_thread_burn), its next syscall entry or exit, or its next park. A wait
 * that was already satisfied when the suspend came keeps its result and returns it after
 * resume. Awaits (KBLOCK_AWAIT) are not interrupted: they model an executor's wait_async
 * registrations, which stay armed; a task woken while its thread is suspended parks at its
 * safe point until the resume.
 *
 * Death. zx_task_kill marks the thread killed and wakes every parked task with
 * ZX_ERR_INTERNAL_INTR_KILLED (a CPU burst ends at once). Each task then unwinds with longjmp
 * to its ktask_entry frame at its next safe point, never returning to the modelled code, as a
 * killed thread never returns to user mode. Kernel records on the stack (waiters, observers)
 * are always unlinked before a safe point, so nothing dangles; locks the modelled code held
 * are abandoned, as on Zircon. The thread is DEAD when its last task has returned.
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

struct kspawn {
    kspawn_t *next;
    kthread_t *thread;
    kernel_thread_fn fn;
    void *arg;
};

static zx_status_t thread_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                   size_t buffer_size, size_t *actual, size_t *avail);
static zx_koid_t thread_related_koid(const kobj_t *obj);
static void thread_destroy(kobj_t *obj);
static void thread_teardown(kobj_t *obj);

static const kobj_ops_t thread_ops = {
    .type = ZX_OBJ_TYPE_THREAD,
    .default_rights = ZX_DEFAULT_THREAD_RIGHTS,
    .has_name = true,
    .related_koid = thread_related_koid,
    .get_info = thread_get_info,
    .destroy = thread_destroy,
    .teardown = thread_teardown,
};

kthread_t *kthread_from(kobj_t *obj)
{
    SIM_ASSERT(obj->ops == &thread_ops);
    return (kthread_t *)obj;
}

static void trace_state(kthread_t *t, zx_thread_state_t state)
{
    kernel_trace(t->obj.k, KERNEL_EV_THREAD_STATE, t->obj.koid, state, 0, 0, 0, 0, NULL);
}

/* ---- Suspension ---------------------------------------------------------------------------- */

static bool should_suspend(const kthread_t *t)
{
    /* Zircon's Suspending(): a dying thread does not suspend. */
    return t->lifecycle == KTHREAD_RUNNING && (t->suspend_count + t->proc->suspend_count) > 0;
}

/* The thread stops at a safe point: SUSPENDED, and a task blocked in a syscall unwinds. */
static void enter_suspended(kthread_t *t)
{
    t->suspended = true;
    kobj_signal(&t->obj, ZX_THREAD_RUNNING, ZX_THREAD_SUSPENDED);
    trace_state(t, ZX_THREAD_STATE_SUSPENDED);
    for (ktask_t *task = t->tasks_head; task; task = task->next) {
        if (task->block && task->block->kind == KBLOCK_WAIT)
            kblock_wake(t->obj.k, task->block, ZX_ERR_INTERNAL_INTR_RETRY);
    }
}

static void leave_suspended(kthread_t *t)
{
    t->suspended = false;
    kobj_signal(&t->obj, ZX_THREAD_SUSPENDED, ZX_THREAD_RUNNING);
    trace_state(t, ZX_THREAD_STATE_RUNNING);
    for (ktask_t *task = t->tasks_head; task; task = task->next) {
        if (task->block && task->block->kind == KBLOCK_SUSPENDED)
            kblock_wake(t->obj.k, task->block, ZX_OK);
    }
}

void kthread_suspend_update(kthread_t *t)
{
    if (t->lifecycle != KTHREAD_RUNNING)
        return;
    if (should_suspend(t)) {
        /* With an active task the suspend stays pending until that task's safe point. */
        if (!t->suspended && t->tasks_active == 0)
            enter_suspended(t);
    } else if (t->suspended) {
        leave_suspended(t);
    }
}

zx_status_t kthread_suspend(kthread_t *t)
{
    if (t->lifecycle != KTHREAD_RUNNING)
        return ZX_ERR_BAD_STATE;
    t->suspend_count++;
    kthread_suspend_update(t);
    return ZX_OK;
}

void kthread_resume(kthread_t *t)
{
    SIM_ASSERT(t->suspend_count > 0);
    t->suspend_count--;
    kthread_suspend_update(t);
}

/* ---- Activity accounting ------------------------------------------------------------------- */

static void task_activate(ktask_t *task)
{
    SIM_ASSERT(!task->active);
    task->active = true;
    task->thread->tasks_active++;
}

static void task_deactivate(ktask_t *task)
{
    SIM_ASSERT(task->active);
    task->active = false;
    kthread_t *t = task->thread;
    SIM_ASSERT(t->tasks_active > 0);
    /* The last active task parking leaves the thread at a safe point: a pending suspend
     * takes effect now. */
    if (--t->tasks_active == 0)
        kthread_suspend_update(t);
}

/* ---- Blocking ------------------------------------------------------------------------------ */

void kblock_init(kblock_t *b, const kctx_t *c, kblock_kind_t kind)
{
    *b = (kblock_t){.task = c->sim_task, .status = ZX_OK, .kind = (uint8_t)kind};
}

bool kblock_wake(kernel_t *k, kblock_t *b, zx_status_t status)
{
    if (b->woken)
        return false;
    if (b->task && sim_task_is_parked(b->task)) {
        b->woken = true;
        b->status = status;
        sim_wake(k->s, b->task, 0);
        return true;
    }
    /* Not parked: either the caller's own block while it sets its wait up (a level-triggered
     * observer matched at once: nobody to wake), or a block whose deadline already fired (too
     * late). Timer callbacks run on a parked task's stack, where sim_task_self() still names
     * that task, hence the callback check. */
    bool own = !b->task || (b->task == sim_task_self(k->s) && sim__may_block(k->s));
    if (!own)
        return false;
    b->woken = true;
    b->status = status;
    return true;
}

/* Parks without a kernel thread (outside tasks: only a poll is allowed). */
static zx_status_t park_bare(const kctx_t *c, kblock_t *b, zx_instant_mono_t deadline)
{
    sim_t *s = c->k->s;
    if (!c->sim_task) {
        /* Setup code is not a simulated thread: it cannot wait. */
        SIM_ASSERT(deadline <= sim_now_mono(s));
        return ZX_ERR_TIMED_OUT;
    }
    sim_park_mode_t mode = b->kind == KBLOCK_AWAIT ? SIM_PARK_TASK : SIM_PARK_THREAD;
    (void)sim_park_until(s, mode, SIM_CLOCK_MONO, deadline, 0);
    return b->woken ? b->status : ZX_ERR_TIMED_OUT;
}

zx_status_t kblock_park(const kctx_t *c, kblock_t *b, zx_thread_state_t reason, zx_koid_t koid,
                        zx_instant_mono_t deadline)
{
    if (b->woken)
        return b->status; /* satisfied while the wait was being set up */
    kthread_t *t = c->thread;
    if (!t)
        return park_bare(c, b, deadline);
    if (t->killed)
        return ZX_ERR_INTERNAL_INTR_KILLED;
    if (b->kind == KBLOCK_WAIT && should_suspend(t))
        return ZX_ERR_INTERNAL_INTR_RETRY;
    sim_t *s = c->k->s;
    if (deadline <= sim_now_mono(s))
        return ZX_ERR_TIMED_OUT;
    ktask_t *task = c->task;
    /* A burst is the task running; a task not started yet is at a safe point already. */
    bool counts = b->kind != KBLOCK_BURN && task->active;
    sim_park_mode_t mode = b->kind == KBLOCK_AWAIT ? SIM_PARK_TASK : SIM_PARK_THREAD;
    task->block = b;
    if (b->kind == KBLOCK_WAIT)
        t->blocked_reason = reason;
    if (counts)
        task_deactivate(task);
    if (b->kind != KBLOCK_BURN)
        kernel_trace(c->k, KERNEL_EV_BLOCK, koid, reason, deadline, mode, t->obj.koid, 0, NULL);
    if (!b->woken) /* nothing woke it while it was getting ready to park */
        (void)sim_park_until(s, mode, SIM_CLOCK_MONO, deadline, 0);
    task->block = NULL;
    if (b->kind == KBLOCK_WAIT)
        t->blocked_reason = 0;
    if (counts)
        task_activate(task);
    zx_status_t st = b->woken ? b->status : ZX_ERR_TIMED_OUT;
    /* An executor woken while its thread is suspended returns from its port wait only after
     * the resume: the await completes then. */
    if (b->kind == KBLOCK_AWAIT)
        kthread_suspend_wait(c);
    if (b->kind != KBLOCK_BURN)
        kernel_trace(c->k, KERNEL_EV_WAKE, koid, reason, deadline, mode, t->obj.koid, st, NULL);
    return st;
}

/* ---- Safe points, bursts, exit ------------------------------------------------------------- */

void kthread_suspend_wait(const kctx_t *c)
{
    kthread_t *t = c->thread;
    if (!t)
        return;
    while (!t->killed && should_suspend(t)) {
        if (!t->suspended)
            enter_suspended(t);
        kblock_t b;
        kblock_init(&b, c, KBLOCK_SUSPENDED);
        (void)kblock_park(c, &b, 0, t->obj.koid, ZX_TIME_INFINITE);
    }
}

void kthread_safe_point(const kctx_t *c)
{
    kthread_suspend_wait(c);
    if (c->thread && c->thread->killed)
        kthread_exit_task(c);
}

static zx_instant_mono_t deadline_after(sim_t *s, zx_duration_t duration)
{
    int64_t now = sim_now_mono(s);
    return duration > INT64_MAX - now ? ZX_TIME_INFINITE : now + duration;
}

/* Parks the running task for a CPU burst of `duration`; ends it if the thread is killed. */
static void burn(const kctx_t *c, zx_duration_t duration, bool user)
{
    kthread_t *t = c->thread;
    kernel_trace(c->k, KERNEL_EV_BURN, t->obj.koid, duration, user, 0, 0, 0, NULL);
    kblock_t b;
    kblock_init(&b, c, KBLOCK_BURN);
    zx_status_t st = kblock_park(c, &b, 0, t->obj.koid, deadline_after(c->k->s, duration));
    if (st == ZX_ERR_INTERNAL_INTR_KILLED)
        kthread_exit_task(c);
}

void kthread_charge(const kctx_t *c, zx_duration_t duration)
{
    if (!c->thread || duration <= 0)
        return;
    burn(c, duration, false);
}

void kernel_thread_burn(zx_duration_t duration)
{
    kctx_t c;
    kctx_current(&c);
    if (duration < 0)
        duration = 0;
    if (!c.sim_task)
        return;
    if (!c.thread) {
        sim_sleep(c.k->s, SIM_CLOCK_MONO, duration);
        return;
    }
    if (duration > 0)
        burn(&c, duration, true);
    kthread_safe_point(&c);
}

_Noreturn void kthread_exit_task(const kctx_t *c)
{
    ktask_t *task = c->task;
    SIM_ASSERT(task != NULL);
    SIM_ASSERT(task->block == NULL);
    if (task->active)
        task_deactivate(task);
    longjmp(task->exit_jmp, 1);
}

/* ---- Death --------------------------------------------------------------------------------- */

void kthread_kill(kthread_t *t)
{
    if (t->lifecycle != KTHREAD_RUNNING)
        return;
    t->killed = true;
    t->lifecycle = KTHREAD_DYING; /* DYING leaves RUNNING/SUSPENDED as they are */
    trace_state(t, ZX_THREAD_STATE_DYING);
    for (ktask_t *task = t->tasks_head; task; task = task->next) {
        if (task->block)
            kblock_wake(t->obj.k, task->block, ZX_ERR_INTERNAL_INTR_KILLED);
    }
}

/* ThreadDispatcher::ExitingCurrent: DEAD, then out of the process (which may die with it). */
static void thread_die(kthread_t *t)
{
    if (t->lifecycle == KTHREAD_RUNNING) {
        t->lifecycle = KTHREAD_DYING;
        trace_state(t, ZX_THREAD_STATE_DYING);
    }
    t->lifecycle = KTHREAD_DEAD;
    t->suspended = false;
    trace_state(t, ZX_THREAD_STATE_DEAD);
    kobj_signal(&t->obj, ZX_THREAD_RUNNING | ZX_THREAD_SUSPENDED, ZX_THREAD_TERMINATED);
    kproc_thread_remove(t->proc, t); /* drops the process's reference: `t` may be gone */
}

/* ---- Tasks --------------------------------------------------------------------------------- */

static void task_link(kthread_t *t, ktask_t *task)
{
    task->prev = t->tasks_tail;
    if (t->tasks_tail)
        t->tasks_tail->next = task;
    else
        t->tasks_head = task;
    t->tasks_tail = task;
}

static void task_unlink(kthread_t *t, ktask_t *task)
{
    if (task->prev)
        task->prev->next = task->next;
    else
        t->tasks_head = task->next;
    if (task->next)
        task->next->prev = task->prev;
    else
        t->tasks_tail = task->prev;
}

/* Runs the task's function. Kept out of line so that `task` lives in the caller's frame, not
 * in the frame that calls setjmp (its fields change before a longjmp). */
static __attribute__((noinline)) void task_run(sim_t *s, ktask_t *task, kspawn_t *spawn)
{
    sim_task_set_data(sim_task_self(s), task);
    task_link(task->thread, task);
    if (setjmp(task->exit_jmp) != 0)
        return; /* killed or exited */
    kctx_t c;
    kctx_current(&c);
    kthread_safe_point(&c); /* a suspended thread stops before its first instruction */
    task_activate(task);
    spawn->fn(spawn->arg);
    task_deactivate(task);
}

static void task_entry(sim_t *s, void *arg)
{
    kspawn_t *spawn = arg;
    ktask_t task = {.magic = KTASK_MAGIC, .thread = spawn->thread};
    task_run(s, &task, spawn);
    kthread_t *t = task.thread;
    SIM_ASSERT(!task.active);
    task_unlink(t, &task);
    sim_task_set_data(sim_task_self(s), NULL);
    SIM_ASSERT(t->tasks_alive > 0);
    if (--t->tasks_alive == 0)
        thread_die(t);
}

static kspawn_t *spawn_record(kthread_t *t, kernel_thread_fn fn, void *arg)
{
    kspawn_t *spawn = calloc(1, sizeof(*spawn));
    if (!spawn)
        return NULL;
    *spawn = (kspawn_t){.next = t->spawns, .thread = t, .fn = fn, .arg = arg};
    t->spawns = spawn;
    return spawn;
}

zx_status_t kernel_task_spawn(const char *name, kernel_thread_fn fn, void *arg)
{
    kctx_t c;
    kctx_current(&c);
    SIM_ASSERT(c.thread != NULL); /* only a kernel thread has an executor to spawn on */
    kthread_t *t = c.thread;
    kspawn_t *spawn = spawn_record(t, fn, arg);
    if (!spawn)
        return ZX_ERR_NO_MEMORY;
    if (sim_task_spawn(c.k->s, t->sim_thread, name, task_entry, spawn, NULL) != 0)
        return ZX_ERR_NO_MEMORY;
    t->tasks_alive++;
    return ZX_OK;
}

/* ---- Creation ------------------------------------------------------------------------------ */

static zx_status_t start(const kctx_t *c, kthread_t *t, const char *name,
                         const kernel_thread_opts_t *opts, kspawn_t *spawn)
{
    sim_thread_opts_t so = {0};
    if (opts) {
        so.stack_size = opts->stack_size;
        so.daemon = opts->daemon;
    }
    if (sim_thread_create(c->k->s, name, task_entry, spawn, &so, &t->sim_thread) != 0)
        return ZX_ERR_NO_MEMORY;
    sim_thread_set_data(t->sim_thread, t);
    t->tasks_alive = 1;
    return ZX_OK;
}

zx_status_t kthread_create(const kctx_t *c, kproc_t *p, const char *name, kernel_thread_fn fn,
                           void *arg, const kernel_thread_opts_t *opts, kthread_t **out)
{
    if (p->state != KERNEL_PROCESS_INITIAL && p->state != KERNEL_PROCESS_RUNNING)
        return ZX_ERR_BAD_STATE;
    kobj_t *obj;
    zx_status_t st = kobj_create(c->k, &thread_ops, sizeof(kthread_t), 0, &obj);
    if (st != ZX_OK)
        return st;
    kthread_t *t = (kthread_t *)obj;
    t->proc = p;
    kobj_ref(&p->obj);
    kobj_set_name(obj, name, name ? strlen(name) : 0);
    kspawn_t *spawn = spawn_record(t, fn, arg);
    st = spawn ? kproc_thread_add(p, t) : ZX_ERR_NO_MEMORY;
    if (st != ZX_OK) {
        kobj_unref(obj);
        return st;
    }
    st = start(c, t, name ? name : "thread", opts, spawn);
    SIM_ASSERT(st == ZX_OK); /* the engine failing to map a stack is not a modelled error */
    kobj_created(obj, p->obj.koid, sim_thread_id(t->sim_thread));
    /* MakeRunnable: RUNNING now; SUSPENDED before the first instruction if the process is. */
    t->lifecycle = KTHREAD_RUNNING;
    kobj_signal(obj, 0, ZX_THREAD_RUNNING);
    trace_state(t, ZX_THREAD_STATE_RUNNING);
    kthread_suspend_update(t);
    *out = t;
    return ZX_OK;
}

/* ---- Object hooks -------------------------------------------------------------------------- */

zx_thread_state_t kthread_state(const kthread_t *t)
{
    if (t->lifecycle == KTHREAD_DEAD)
        return ZX_THREAD_STATE_DEAD;
    if (t->lifecycle == KTHREAD_DYING)
        return ZX_THREAD_STATE_DYING;
    if (t->suspended)
        return ZX_THREAD_STATE_SUSPENDED;
    if (t->blocked_reason)
        return t->blocked_reason;
    /* Every task awaiting: the executor is blocked in its port wait [inf]. */
    uint32_t awaiting = 0;
    for (const ktask_t *task = t->tasks_head; task; task = task->next) {
        if (!task->block || task->block->kind != KBLOCK_AWAIT)
            return ZX_THREAD_STATE_RUNNING;
        awaiting++;
    }
    return awaiting && awaiting == t->tasks_alive ? ZX_THREAD_STATE_BLOCKED_PORT
                                                  : ZX_THREAD_STATE_RUNNING;
}

static zx_status_t thread_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                   size_t buffer_size, size_t *actual, size_t *avail)
{
    (void)rights;
    SIM_ASSERT(topic == ZX_INFO_THREAD);
    zx_info_thread_t info = {.state = kthread_state(kthread_from(obj))};
    return kobj_info_single(buffer, buffer_size, actual, avail, &info, sizeof(info));
}

static zx_koid_t thread_related_koid(const kobj_t *obj)
{
    return ((const kthread_t *)obj)->proc->obj.koid;
}

static void thread_teardown(kobj_t *obj)
{
    kthread_t *t = kthread_from(obj);
    while (t->spawns) {
        kspawn_t *next = t->spawns->next;
        free(t->spawns);
        t->spawns = next;
    }
}

static void thread_destroy(kobj_t *obj)
{
    kthread_t *t = kthread_from(obj);
    thread_teardown(obj);
    kobj_unref(&t->proc->obj);
}

zx_koid_t kernel_thread_self_koid(void)
{
    kctx_t c;
    kctx_current(&c);
    return c.thread ? c.thread->obj.koid : ZX_KOID_INVALID;
}
