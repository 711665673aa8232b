/* test_mutex.c - The kernel model's mutex (wakesim/mutex.h), the stand-in for Rust's
 * fuchsia_sync::Mutex in the manager port.
 *
 * Goal: the contract in mutex.h: lock/try_lock/unlock, FIFO handoff among waiters, a
 * contended lock blocking the whole simulated thread (its sibling tasks included, unlike an
 * await: race R1), a lock held across a blocking wait, suspension of waiters and holders,
 * killed waiters, self-deadlock (same task, and a sibling task holding the lock across an
 * await) traced without aborting and ending the run `stalled`, and the trace events from
 * which reports rebuild hold intervals and contention.
 *
 * Method: simulated threads of the fixture's test process (and of a second process where a
 * kill must spare the others) lock one mutex at known virtual times with zero syscall costs;
 * they record what they observe in globals, checked after sim_run, and the memory trace sink
 * is searched for the KERNEL_EV_MUTEX_* events of the mutex's name.
 */
#include "kernel_fixture.h"

#include <wakesim/mutex.h>

static kfix_t f;
static kmutex_t m;

#define NAME "wake_sources"

static void setup(void)
{
    kfix_init(&f);
    kmutex_init(&m, NAME);
}

/* The n-th (from 0) event of `kind` for the test mutex, or NULL. */
static const sim_trace_event_t *mutex_event(uint32_t kind, size_t n)
{
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        if (ev->kind == kind && ev->text && strcmp(ev->text, NAME) == 0 && n-- == 0)
            return ev;
    }
    return NULL;
}

static const sim_trace_event_t *must_event(uint32_t kind, size_t n)
{
    const sim_trace_event_t *ev = mutex_event(kind, n);
    cr_assert_not_null(ev, "no event %u #%zu for \"%s\"", kind, n, NAME);
    return ev;
}

static zx_koid_t koid_of(zx_handle_t h)
{
    return kfix_koid(h);
}

/* ---- Basics -------------------------------------------------------------------------------- */

static void lock_hold_40(void *arg)
{
    (void)arg;
    kmutex_lock(&m);
    cr_assert(kmutex_is_held(&m), "holder does not hold");
    kfix_sleep_until(40);
    kmutex_unlock(&m);
    cr_assert(!kmutex_is_held(&m), "still held after unlock");
}

Test(mutex, uncontended_lock_and_unlock_are_traced_with_the_hold_time)
{
    setup();
    zx_handle_t t = kfix_thread(&f, "holder", lock_hold_40, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    zx_koid_t k = koid_of(t);
    const sim_trace_event_t *lock = must_event(KERNEL_EV_MUTEX_LOCK, 0);
    const sim_trace_event_t *acq = must_event(KERNEL_EV_MUTEX_ACQUIRE, 0);
    const sim_trace_event_t *unl = must_event(KERNEL_EV_MUTEX_UNLOCK, 0);
    cr_assert_eq(lock->arg[0], 0, "holder at the call %" PRId64 ", want 0 (free)", lock->arg[0]);
    cr_assert(acq->arg[0] == 0 && acq->arg[1] == 0, "waited %" PRId64 " contended %" PRId64,
              acq->arg[0], acq->arg[1]);
    cr_assert_eq(acq->arg[3], (int64_t)k, "acquirer %" PRId64 ", want %" PRIu64, acq->arg[3], k);
    cr_assert_eq(unl->arg[0], 40, "held %" PRId64 " ns, want 40", unl->arg[0]);
    cr_assert_eq(unl->arg[1], 0, "handed to %" PRId64 ", want nobody", unl->arg[1]);
    cr_assert_eq(acq->time_mono_ns, 0, "acquired at %" PRId64, acq->time_mono_ns);
    cr_assert_eq(unl->time_mono_ns, 40, "unlocked at %" PRId64, unl->time_mono_ns);
    cr_assert_null(mutex_event(KERNEL_EV_MUTEX_CONTENDED, 0), "no contention");
    cr_assert(!m.locked, "left locked");
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

Test(mutex, try_lock_takes_a_free_mutex_and_fails_without_blocking_otherwise)
{
    setup();
    /* Setup code counts as one thread. */
    cr_assert(kmutex_try_lock(&m), "try_lock of a free mutex failed");
    cr_assert(kmutex_is_held(&m), "not held after try_lock");
    cr_assert(!kmutex_try_lock(&m), "try_lock by the holder must fail, not deadlock");
    kmutex_unlock(&m);
    kmutex_lock(&m);
    kmutex_unlock(&m);
    const sim_trace_event_t *acq = must_event(KERNEL_EV_MUTEX_ACQUIRE, 0);
    cr_assert_eq(acq->arg[2], 1, "first acquisition is a try_lock: %" PRId64, acq->arg[2]);
    must_event(KERNEL_EV_MUTEX_TRY_FAIL, 0);
    cr_assert_null(mutex_event(KERNEL_EV_MUTEX_DEADLOCK, 0), "try_lock never deadlocks");
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

static bool try_result = true;

static void try_at_10(void *arg)
{
    (void)arg;
    kfix_sleep_until(10);
    try_result = kmutex_try_lock(&m);
}

Test(mutex, try_lock_of_a_mutex_held_by_another_thread_fails_and_names_the_holder)
{
    setup();
    zx_handle_t h = kfix_thread(&f, "holder", lock_hold_40, NULL);
    kfix_thread(&f, "trier", try_at_10, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert(!try_result, "try_lock succeeded on a held mutex");
    const sim_trace_event_t *ev = must_event(KERNEL_EV_MUTEX_TRY_FAIL, 0);
    cr_assert_eq(ev->arg[0], (int64_t)koid_of(h), "holder %" PRId64 ", want %" PRIu64,
                 ev->arg[0], koid_of(h));
    cr_assert_eq(ev->time_mono_ns, 10, "at %" PRId64, ev->time_mono_ns);
    kfix_deinit(&f);
}

/* ---- FIFO handoff -------------------------------------------------------------------------- */

typedef struct locker_plan {
    const char *name;
    zx_instant_mono_t lock_at, hold_ns;
    zx_instant_mono_t acquired_at; /* result */
} locker_plan_t;

static int order[8];
static int order_len;

static void planned_locker(void *arg)
{
    locker_plan_t *p = arg;
    kfix_sleep_until(p->lock_at);
    kmutex_lock(&m);
    p->acquired_at = zx_clock_get_monotonic();
    order[order_len++] = p->name[0];
    kfix_sleep_until(p->acquired_at + p->hold_ns);
    kmutex_unlock(&m);
}

Test(mutex, waiters_get_the_lock_in_the_order_they_asked)
{
    setup();
    order_len = 0;
    /* Created A, B, C but asking in the order B (10), C (20), A (30). */
    locker_plan_t plans[4] = {{"H", 0, 100, 0}, {"A", 30, 10, 0}, {"B", 10, 10, 0},
                              {"C", 20, 10, 0}};
    for (int i = 0; i < 4; i++)
        kfix_thread(&f, plans[i].name, planned_locker, &plans[i]);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(order_len, 4, "acquisitions %d", order_len);
    cr_assert(order[0] == 'H' && order[1] == 'B' && order[2] == 'C' && order[3] == 'A',
              "order %c%c%c%c, want HBCA", order[0], order[1], order[2], order[3]);
    cr_assert_eq(plans[2].acquired_at, 100, "B at %" PRId64 ", want 100", plans[2].acquired_at);
    cr_assert_eq(plans[3].acquired_at, 110, "C at %" PRId64 ", want 110", plans[3].acquired_at);
    cr_assert_eq(plans[1].acquired_at, 120, "A at %" PRId64 ", want 120", plans[1].acquired_at);
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

Test(mutex, contention_is_traced_with_the_holder_and_the_wait)
{
    setup();
    order_len = 0;
    locker_plan_t plans[2] = {{"H", 0, 100, 0}, {"W", 30, 5, 0}};
    zx_handle_t h = kfix_thread(&f, "H", planned_locker, &plans[0]);
    zx_handle_t w = kfix_thread(&f, "W", planned_locker, &plans[1]);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    const sim_trace_event_t *lock_w = must_event(KERNEL_EV_MUTEX_LOCK, 1);
    cr_assert_eq(lock_w->arg[0], (int64_t)koid_of(h), "holder at W's call %" PRId64,
                 lock_w->arg[0]);
    const sim_trace_event_t *c = must_event(KERNEL_EV_MUTEX_CONTENDED, 0);
    cr_assert_eq(c->arg[0], (int64_t)koid_of(h), "holder %" PRId64 ", want %" PRIu64, c->arg[0],
                 koid_of(h));
    cr_assert_gt(c->arg[1], 0, "holder's engine thread id %" PRId64, c->arg[1]);
    cr_assert_eq(c->arg[3], (int64_t)koid_of(w), "waiter %" PRId64, c->arg[3]);
    cr_assert_eq(c->time_mono_ns, 30, "contended at %" PRId64, c->time_mono_ns);
    const sim_trace_event_t *unl = must_event(KERNEL_EV_MUTEX_UNLOCK, 0);
    cr_assert_eq(unl->arg[0], 100, "H held %" PRId64 ", want 100", unl->arg[0]);
    cr_assert_eq(unl->arg[1], (int64_t)koid_of(w), "handed to %" PRId64 ", want W",
                 unl->arg[1]);
    const sim_trace_event_t *acq = must_event(KERNEL_EV_MUTEX_ACQUIRE, 1);
    cr_assert(acq->arg[0] == 70 && acq->arg[1] == 1, "W waited %" PRId64 " (contended %" PRId64
              "), want 70 (1)", acq->arg[0], acq->arg[1]);
    const sim_trace_event_t *unl_w = must_event(KERNEL_EV_MUTEX_UNLOCK, 1);
    cr_assert_eq(unl_w->arg[0], 5, "W held %" PRId64 ", want 5", unl_w->arg[0]);
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

/* ---- Held across a blocking wait: the whole thread stops (R1) ------------------------------ */

static struct {
    zx_handle_t ev, ev2, proxy;
    bool contend;
    zx_instant_mono_t locked_at, sibling_at;
    zx_thread_state_t proxy_state_at_50;
} r1;

static void r1_holder(void *arg)
{
    (void)arg;
    kmutex_lock(&m);
    /* suspend_container waits in object_wait_many with wake_sources locked. */
    ASSERT_ST(zx_object_wait_one(r1.ev, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, NULL), ZX_OK);
    kmutex_unlock(&m);
}

static void r1_sibling(void *arg)
{
    (void)arg;
    ASSERT_ST(kernel_await_one(r1.ev2, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, NULL), ZX_OK);
    r1.sibling_at = zx_clock_get_monotonic();
}

static void r1_proxy(void *arg)
{
    (void)arg;
    ASSERT_ST(kernel_task_spawn("other-proxy", r1_sibling, NULL), ZX_OK);
    /* An await, so the sibling runs meanwhile. */
    ASSERT_ST(kernel_await_many(NULL, 0, 10), ZX_ERR_TIMED_OUT);
    if (r1.contend) {
        kmutex_lock(&m); /* the proxy's exit path: wake_sources.lock() */
        r1.locked_at = zx_clock_get_monotonic();
        kmutex_unlock(&m);
    }
}

static void r1_driver(void *arg)
{
    (void)arg;
    kfix_sleep_until(20);
    ASSERT_ST(zx_object_signal(r1.ev2, 0, ZX_EVENT_SIGNALED), ZX_OK);
    kfix_sleep_until(50);
    r1.proxy_state_at_50 = kfix_thread_state(r1.proxy);
    kfix_sleep_until(100);
    ASSERT_ST(zx_object_signal(r1.ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

static void run_r1(bool contend)
{
    setup();
    memset(&r1, 0, sizeof(r1));
    r1.contend = contend;
    zx_handle_t ev, ev2;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_event_create(0, &ev2), ZX_OK);
    r1.ev = kfix_give(&f, ev);
    r1.ev2 = kfix_give(&f, ev2);
    kfix_thread(&f, "main", r1_holder, NULL);
    zx_handle_t proxy = kfix_thread(&f, "proxy_thread", r1_proxy, NULL);
    r1.proxy = kfix_share(&f, proxy);
    kfix_thread(&f, "driver", r1_driver, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
}

Test(mutex, a_lock_held_across_a_blocking_wait_blocks_another_thread_and_its_sibling_task)
{
    run_r1(true);
    cr_assert_eq(r1.locked_at, 100, "proxy locked at %" PRId64 ", want 100", r1.locked_at);
    cr_assert_eq(r1.proxy_state_at_50, ZX_THREAD_STATE_BLOCKED_FUTEX, "proxy state %#x at 50",
                 r1.proxy_state_at_50);
    /* The sibling's await was satisfied at 20, but its thread was blocked in the lock. */
    cr_assert_eq(r1.sibling_at, 100, "sibling ran at %" PRId64 ", want 100", r1.sibling_at);
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

Test(mutex, without_the_contended_lock_the_sibling_runs_when_its_await_is_satisfied)
{
    run_r1(false);
    cr_assert_eq(r1.sibling_at, 20, "sibling ran at %" PRId64 ", want 20", r1.sibling_at);
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

/* ---- Suspension and death ------------------------------------------------------------------ */

static struct {
    zx_handle_t target, victim_proc;
    zx_instant_mono_t suspend_at, resume_at, kill_at;
    zx_thread_state_t state_at_120;
} ctl;

static void controller(void *arg)
{
    (void)arg;
    zx_handle_t token = ZX_HANDLE_INVALID;
    if (ctl.kill_at) {
        kfix_sleep_until(ctl.kill_at);
        ASSERT_ST(zx_task_kill(ctl.victim_proc), ZX_OK);
        return;
    }
    kfix_sleep_until(ctl.suspend_at);
    ASSERT_ST(zx_task_suspend(ctl.target, &token), ZX_OK);
    kfix_sleep_until(120);
    ctl.state_at_120 = kfix_thread_state(ctl.target);
    kfix_sleep_until(ctl.resume_at);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(mutex, a_suspended_waiter_leaves_the_queue_and_queues_again_after_resume)
{
    setup();
    order_len = 0;
    memset(&ctl, 0, sizeof(ctl));
    /* H holds 0-100; W asks at 10, is suspended 50-150; X asks at 60 and holds to 200. */
    locker_plan_t plans[3] = {{"H", 0, 100, 0}, {"W", 10, 1, 0}, {"X", 60, 100, 0}};
    kfix_thread(&f, "H", planned_locker, &plans[0]);
    zx_handle_t w = kfix_thread(&f, "W", planned_locker, &plans[1]);
    kfix_thread(&f, "X", planned_locker, &plans[2]);
    ctl.target = kfix_share(&f, w);
    ctl.suspend_at = 50;
    ctl.resume_at = 150;
    kfix_thread(&f, "ctl", controller, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(ctl.state_at_120, ZX_THREAD_STATE_SUSPENDED, "W state %#x at 120",
                 ctl.state_at_120);
    cr_assert_eq(plans[2].acquired_at, 100, "X at %" PRId64 ", want 100 (W was suspended)",
                 plans[2].acquired_at);
    cr_assert_eq(plans[1].acquired_at, 200, "W at %" PRId64 ", want 200 (behind X)",
                 plans[1].acquired_at);
    cr_assert(order[0] == 'H' && order[1] == 'X' && order[2] == 'W', "order %c%c%c", order[0],
              order[1], order[2]);
    /* W asked twice: once before the suspend, once after the resume. */
    cr_assert_not_null(mutex_event(KERNEL_EV_MUTEX_CONTENDED, 2), "three contentions");
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

Test(mutex, a_thread_suspended_while_holding_keeps_the_lock)
{
    setup();
    order_len = 0;
    memset(&ctl, 0, sizeof(ctl));
    locker_plan_t plans[2] = {{"H", 0, 100, 0}, {"W", 60, 1, 0}};
    zx_handle_t h = kfix_thread(&f, "H", planned_locker, &plans[0]);
    kfix_thread(&f, "W", planned_locker, &plans[1]);
    ctl.target = kfix_share(&f, h);
    ctl.suspend_at = 50;
    ctl.resume_at = 300;
    kfix_thread(&f, "ctl", controller, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    /* H's sleep (deadline 100) is re-issued at the resume and returns at once. */
    cr_assert_eq(plans[1].acquired_at, 300, "W at %" PRId64 ", want 300", plans[1].acquired_at);
    const sim_trace_event_t *unl = must_event(KERNEL_EV_MUTEX_UNLOCK, 0);
    cr_assert_eq(unl->arg[0], 300, "H held %" PRId64 ", want 300", unl->arg[0]);
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

Test(mutex, a_killed_waiter_leaves_the_queue)
{
    setup();
    order_len = 0;
    memset(&ctl, 0, sizeof(ctl));
    locker_plan_t plans[2] = {{"H", 0, 100, 0}, {"V", 10, 1, 0}};
    kfix_thread(&f, "H", planned_locker, &plans[0]);
    zx_handle_t victim, t;
    ASSERT_ST(kernel_process_create(f.job, "victim", &victim), ZX_OK);
    ASSERT_ST(kernel_thread_create(victim, "V", planned_locker, &plans[1], NULL, &t), ZX_OK);
    ctl.victim_proc = kfix_share(&f, victim);
    ctl.kill_at = 50;
    kfix_thread(&f, "ctl", controller, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(plans[1].acquired_at, 0, "the victim never gets the lock");
    const sim_trace_event_t *unl = must_event(KERNEL_EV_MUTEX_UNLOCK, 0);
    cr_assert_eq(unl->arg[1], 0, "handed to %" PRId64 ", want nobody", unl->arg[1]);
    cr_assert(!m.locked && m.waiters == 0, "locked %d with %u waiters", m.locked, m.waiters);
    kmutex_deinit(&m);
    kfix_deinit(&f);
}

/* ---- Deadlock ------------------------------------------------------------------------------ */

static bool after_relock;

static void relocker(void *arg)
{
    (void)arg;
    kmutex_lock(&m);
    kmutex_lock(&m);
    after_relock = true;
}

Test(mutex, relocking_from_the_holding_thread_is_a_traced_deadlock_and_the_run_stalls)
{
    setup();
    after_relock = false;
    zx_handle_t t = kfix_thread(&f, "relocker", relocker, NULL);
    sim_end_t end = kfix_run(&f);
    cr_assert_eq(end, SIM_END_STALLED, "run ended %s, want stalled", sim_end_name(end));
    cr_assert(!after_relock, "the second lock returned");
    const sim_trace_event_t *ev = must_event(KERNEL_EV_MUTEX_DEADLOCK, 0);
    cr_assert_eq(ev->arg[0], (int64_t)koid_of(t), "holder %" PRId64, ev->arg[0]);
    cr_assert_eq(ev->arg[1], 0, "the same task holds it: %" PRId64, ev->arg[1]);
    cr_assert_eq(kfix_thread_state(t), ZX_THREAD_STATE_BLOCKED_FUTEX, "state %#x",
                 kfix_thread_state(t));
    kfix_deinit(&f);
}

static struct {
    zx_handle_t ev;
    bool holder_resumed, sibling_locked;
} sib;

static void sibling_locker(void *arg)
{
    (void)arg;
    kmutex_lock(&m); /* its thread's other task holds it across an await */
    sib.sibling_locked = true;
}

static void await_holder(void *arg)
{
    (void)arg;
    kmutex_lock(&m);
    ASSERT_ST(kernel_task_spawn("sibling", sibling_locker, NULL), ZX_OK);
    ASSERT_ST(kernel_await_one(sib.ev, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, NULL), ZX_OK);
    sib.holder_resumed = true;
    kmutex_unlock(&m);
}

static void signal_at_50(void *arg)
{
    (void)arg;
    kfix_sleep_until(50);
    ASSERT_ST(zx_object_signal(sib.ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

Test(mutex, a_sibling_task_holding_the_lock_across_an_await_deadlocks_the_thread)
{
    setup();
    memset(&sib, 0, sizeof(sib));
    zx_handle_t ev;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    sib.ev = kfix_give(&f, ev);
    kfix_thread(&f, "executor", await_holder, NULL);
    kfix_thread(&f, "signaler", signal_at_50, NULL);
    sim_end_t end = kfix_run(&f);
    cr_assert_eq(end, SIM_END_STALLED, "run ended %s, want stalled", sim_end_name(end));
    /* The holder's await was satisfied at 50, but its thread is stuck in the futex. */
    cr_assert(!sib.holder_resumed && !sib.sibling_locked, "resumed %d locked %d",
              sib.holder_resumed, sib.sibling_locked);
    const sim_trace_event_t *ev_dl = must_event(KERNEL_EV_MUTEX_DEADLOCK, 0);
    cr_assert_eq(ev_dl->arg[1], 1, "a sibling task holds it: %" PRId64, ev_dl->arg[1]);
    kfix_deinit(&f);
}
