/* test_task.c - Jobs, processes, threads, zx_task_suspend with its tokens, zx_task_kill.
 *
 * Method: contracts of task.fidl / object.fidl and "Kernel Thread Signaling" (reference 1.10,
 * 4.5). Worker threads of the test process block, burn CPU or await, while a controller (a
 * bare engine thread, which acts as the bootstrap process and holds the setup handles)
 * suspends, resumes and kills at known virtual times. Costs are zero unless a test is about
 * costs, so every time is exact. Covered: thread and process signals and states, the suspend
 * of a blocked thread (at once) and of a thread mid-burst (at the end of the burst), the
 * re-issued wait with its original absolute deadline, a result obtained before the suspend,
 * several tokens, new threads of a suspended process, kill of a suspended or waiting process,
 * the dying window, enumeration, get_child, exits, costs, and every documented error in order.
 */
#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

static kfix_t f;
static zx_handle_t ev;   /* event in bootstrap */
static zx_handle_t ev_p; /* the same event, in the test process */
static zx_handle_t worker;
static zx_handle_t token, token2;

typedef struct rec {
    zx_status_t st;
    zx_instant_mono_t at;
    bool done;
    zx_signals_t observed;
} rec_t;

static rec_t w, c0, c1, c2;

static void setup(void)
{
    kfix_init(&f);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ev_p = kfix_share(&f, ev);
    memset(&w, 0, sizeof(w));
    memset(&c0, 0, sizeof(c0));
    memset(&c1, 0, sizeof(c1));
    memset(&c2, 0, sizeof(c2));
    token = token2 = ZX_HANDLE_INVALID;
}

static void start_controller_with(sim_task_fn fn, intptr_t arg)
{
    cr_assert_eq(sim_thread_create(f.s, "controller", fn, (void *)arg, NULL, NULL), 0);
}

static void start_controller(sim_task_fn fn)
{
    start_controller_with(fn, 0);
}

/* Waits (from the controller) until `h` asserts `signals`; records when. */
static void wait_for(zx_handle_t h, zx_signals_t signals, rec_t *r)
{
    r->st = zx_object_wait_one(h, signals, ZX_TIME_INFINITE, &r->observed);
    r->at = zx_clock_get_monotonic();
    r->done = true;
}

/* ---- Workers ------------------------------------------------------------------------------- */

/* Waits for the event until the deadline `arg` (an integer), or forever when arg is NULL. */
static void worker_wait_until(void *arg)
{
    zx_instant_mono_t deadline = arg ? (zx_instant_mono_t)(intptr_t)arg : ZX_TIME_INFINITE;
    w.st = zx_object_wait_one(ev_p, ZX_EVENT_SIGNALED, deadline, &w.observed);
    w.at = zx_clock_get_monotonic();
    w.done = true;
}

static void worker_wait_infinite(void *arg)
{
    (void)arg;
    worker_wait_until(NULL);
}

static void worker_burn_100(void *arg)
{
    (void)arg;
    kernel_thread_burn(100);
    w.at = zx_clock_get_monotonic();
    w.done = true;
}

static void worker_returns(void *arg)
{
    (void)arg;
    w.at = zx_clock_get_monotonic();
    w.done = true;
}

/* ---- Thread and process life ---------------------------------------------------------------- */

static void ctl_observe_life(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(5);
    c0.observed = kfix_signals(worker);
    c1.st = (zx_status_t)kfix_thread_state(worker);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
    wait_for(worker, ZX_THREAD_TERMINATED, &c2);
}

Test(task, a_thread_is_running_blocked_then_dead_and_its_process_ends_with_it)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    cr_assert_eq(kfix_signals(worker), ZX_THREAD_RUNNING, "at creation %#x", kfix_signals(worker));
    start_controller(ctl_observe_life);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c0.observed, ZX_THREAD_RUNNING, "while blocked %#x", c0.observed);
    cr_assert_eq(c1.st, (zx_status_t)ZX_THREAD_STATE_BLOCKED_WAIT_ONE, "state %#x", c1.st);
    ASSERT_ST(c2.st, ZX_OK);
    cr_assert_eq(c2.observed, ZX_THREAD_TERMINATED, "at death %#x (RUNNING cleared)",
                 c2.observed);
    cr_assert_eq(kfix_thread_state(worker), ZX_THREAD_STATE_DEAD);
    /* The last thread left: the process is dead, exited with 0, out of the job's list. */
    cr_assert(kfix_signals(f.proc) & ZX_PROCESS_TERMINATED);
    zx_info_process_t info;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.flags, ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED,
                 "flags %#x", info.flags);
    cr_assert_eq(info.return_code, 0);
    zx_koid_t koids[4];
    size_t actual = 0, avail = 0;
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    for (size_t i = 0; i < actual; i++)
        cr_assert_neq(koids[i], kfix_koid(f.proc), "a dead process is still listed");
    kfix_deinit(&f);
}

Test(task, process_info_before_start)
{
    setup();
    zx_info_process_t info;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.flags, 0, "flags %#x", info.flags);
    zx_info_handle_basic_t basic;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_HANDLE_BASIC, &basic, sizeof(basic), NULL, NULL),
              ZX_OK);
    cr_assert_eq(basic.related_koid, kfix_koid(f.job), "a process's related koid is its job");
    kfix_deinit(&f);
}

/* ---- Suspend: a blocked thread -------------------------------------------------------------- */

static void ctl_suspend_blocked(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    wait_for(worker, ZX_THREAD_SUSPENDED, &c0);
    c1.st = (zx_status_t)kfix_thread_state(worker);
    kfix_sleep_until(20);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
    kfix_sleep_until(30);
    c2.done = w.done; /* still parked while suspended */
    ASSERT_ST(zx_handle_close(token), ZX_OK);
    c2.observed = kfix_signals(worker);
}

Test(task, a_blocked_thread_is_suspended_at_once_and_resumes_on_token_close)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    start_controller(ctl_suspend_blocked);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(c0.st, ZX_OK);
    cr_assert_eq(c0.at, 10, "SUSPENDED at %" PRId64 ", want 10 (at once)", c0.at);
    cr_assert_eq(c0.observed, ZX_THREAD_SUSPENDED, "RUNNING is cleared: %#x", c0.observed);
    cr_assert_eq(c1.st, (zx_status_t)ZX_THREAD_STATE_SUSPENDED, "state %#x", c1.st);
    cr_assert_not(c2.done, "the wait returned while the thread was suspended");
    cr_assert_eq(c2.observed, ZX_THREAD_RUNNING, "after the last token %#x", c2.observed);
    ASSERT_ST(w.st, ZX_OK);
    cr_assert_eq(w.at, 30, "the re-issued wait returned at %" PRId64 ", want 30", w.at);
    kfix_deinit(&f);
}

/* Suspends the worker at 10 and resumes it at `arg` (an integer). */
static void ctl_suspend_10_resume_at(sim_t *s, void *arg)
{
    (void)s;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(worker, &token), ZX_OK);
    kfix_sleep_until((zx_instant_mono_t)(intptr_t)arg);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, the_reissued_wait_keeps_its_absolute_deadline)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_until, (void *)100);
    start_controller_with(ctl_suspend_10_resume_at, 50);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(w.st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(w.at, 100, "timed out at %" PRId64 ", want the original 100", w.at);
    kfix_deinit(&f);
}

Test(task, a_deadline_that_passed_during_the_suspend_times_out_at_resume)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_until, (void *)100);
    start_controller_with(ctl_suspend_10_resume_at, 150);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(w.st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(w.at, 150, "returned at %" PRId64 ", want the resume at 150", w.at);
    kfix_deinit(&f);
}

static void ctl_pulse_while_suspended(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(worker, &token), ZX_OK);
    kfix_sleep_until(20);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
    kfix_sleep_until(25);
    ASSERT_ST(zx_object_signal(ev, ZX_EVENT_SIGNALED, 0), ZX_OK);
    kfix_sleep_until(30);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, a_pulse_during_the_suspend_is_not_seen_by_the_reissued_wait)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_until, (void *)200);
    start_controller(ctl_pulse_while_suspended);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(w.st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(w.at, 200, "returned at %" PRId64, w.at);
    kfix_deinit(&f);
}

static void ctl_signal_then_suspend(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK); /* the worker is now ready */
    ASSERT_ST(zx_task_suspend(worker, &token), ZX_OK);             /* ... but has not run */
    wait_for(worker, ZX_THREAD_SUSPENDED, &c0);
    ASSERT_ST(zx_object_signal(ev, ZX_EVENT_SIGNALED, 0), ZX_OK);
    kfix_sleep_until(30);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, a_wait_satisfied_before_the_suspend_returns_its_result_after_resume)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_until, (void *)200);
    start_controller(ctl_signal_then_suspend);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c0.at, 10);
    ASSERT_ST(w.st, ZX_OK);
    cr_assert_eq(w.at, 30, "returned at %" PRId64 ", want the resume at 30", w.at);
    cr_assert(w.observed & ZX_EVENT_SIGNALED, "observed %#x", w.observed);
    kfix_deinit(&f);
}

/* ---- Suspend: a thread mid-burst ------------------------------------------------------------ */

static void ctl_suspend_mid_burst(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    c1.observed = kfix_signals(worker); /* still RUNNING: the burst goes on */
    wait_for(worker, ZX_THREAD_SUSPENDED, &c0);
    kfix_sleep_until(150);
    c2.done = w.done;
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, a_running_thread_is_suspended_at_the_end_of_its_burst)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_burn_100, NULL);
    start_controller(ctl_suspend_mid_burst);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c1.observed, ZX_THREAD_RUNNING, "right after the call %#x", c1.observed);
    cr_assert_eq(c0.at, 100, "SUSPENDED at %" PRId64 ", want the burst's end 100", c0.at);
    cr_assert_not(c2.done, "code after the burst ran while suspended");
    cr_assert_eq(w.at, 150, "resumed at %" PRId64, w.at);
    kfix_deinit(&f);
}

/* ---- Tokens ---------------------------------------------------------------------------------- */

static void ctl_two_tokens(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    ASSERT_ST(zx_task_suspend_token(worker, &token2), ZX_OK);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
    kfix_sleep_until(30);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
    c0.observed = kfix_signals(worker);
    kfix_sleep_until(40);
    c0.done = w.done;
    ASSERT_ST(zx_handle_close(token2), ZX_OK);
}

Test(task, the_task_stays_suspended_while_any_token_is_open)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    start_controller(ctl_two_tokens);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c0.observed, ZX_THREAD_SUSPENDED, "after the first close %#x", c0.observed);
    cr_assert_not(c0.done);
    cr_assert_eq(w.at, 40, "resumed at %" PRId64 ", want the second close at 40", w.at);
    cr_assert_eq(kfix_count(&f, KERNEL_EV_SUSPEND_TOKEN_CREATE, NULL), 2);
    cr_assert_eq(kfix_count(&f, KERNEL_EV_SUSPEND_TOKEN_CLOSE, NULL), 2);
    kfix_deinit(&f);
}

Test(task, a_token_is_a_suspend_token_that_cannot_be_waited_on_or_duplicated)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_returns, NULL);
    ASSERT_ST(zx_task_suspend(worker, &token), ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(token, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL),
              ZX_OK);
    cr_assert_eq(info.type, ZX_OBJ_TYPE_SUSPEND_TOKEN);
    cr_assert_eq(info.rights, ZX_RIGHT_TRANSFER | ZX_RIGHT_INSPECT, "rights %#x", info.rights);
    zx_handle_t dup;
    ASSERT_ST(zx_object_wait_one(token, ZX_USER_SIGNAL_0, 0, NULL), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_handle_duplicate(token, ZX_RIGHT_SAME_RIGHTS, &dup), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
    kfix_deinit(&f);
}

/* ---- New threads of a suspended process ----------------------------------------------------- */

static void ctl_release_at_50(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(50);
    c0.done = w.done;
    c0.observed = kfix_signals(worker);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, a_new_thread_of_a_suspended_process_starts_suspended)
{
    setup();
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK); /* before any thread exists */
    worker = kfix_thread(&f, "worker", worker_returns, NULL);
    cr_assert_eq(kfix_signals(worker), ZX_THREAD_SUSPENDED, "at creation %#x",
                 kfix_signals(worker));
    start_controller(ctl_release_at_50);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_not(c0.done, "the thread ran code while its process was suspended");
    cr_assert_eq(c0.observed, ZX_THREAD_SUSPENDED);
    cr_assert_eq(w.at, 50, "first instruction at %" PRId64, w.at);
    kfix_deinit(&f);
}

static void ctl_suspend_then_spawn(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    zx_handle_t late = kfix_thread(&f, "late", worker_returns, NULL);
    c1.observed = kfix_signals(late);
    kfix_sleep_until(20);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

Test(task, a_thread_started_in_a_running_but_suspended_process_starts_suspended)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    start_controller(ctl_suspend_then_spawn);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c1.observed, ZX_THREAD_SUSPENDED, "late thread %#x", c1.observed);
    kfix_deinit(&f);
}

/* ---- Kill ------------------------------------------------------------------------------------ */

static void ctl_kill_suspended(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    kfix_sleep_until(20);
    ASSERT_ST(zx_task_kill(f.proc), ZX_OK);
    wait_for(f.proc, ZX_PROCESS_TERMINATED, &c0);
    wait_for(worker, ZX_THREAD_TERMINATED, &c1);
}

Test(task, killing_a_suspended_process_works)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    start_controller(ctl_kill_suspended);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c0.at, 20, "TERMINATED at %" PRId64, c0.at);
    cr_assert_eq(c1.at, 20);
    cr_assert_not(w.done, "a killed thread returned from its wait");
    zx_info_process_t info;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.return_code, ZX_TASK_RETCODE_SYSCALL_KILL, "retcode %" PRId64,
                 info.return_code);
    kfix_deinit(&f);
}

static void ctl_kill_during_wait(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_kill(f.proc), ZX_OK);
    wait_for(f.proc, ZX_PROCESS_TERMINATED, &c0);
    zx_info_handle_count_t count;
    ASSERT_ST(zx_object_get_info(ev, ZX_INFO_HANDLE_COUNT, &count, sizeof(count), NULL, NULL),
              ZX_OK);
    c1.st = (zx_status_t)count.handle_count;
}

Test(task, process_death_during_a_wait_ends_the_thread_and_closes_its_handles)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    start_controller(ctl_kill_during_wait);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c0.at, 10);
    cr_assert_not(w.done, "the wait returned into killed code");
    cr_assert_eq(c1.st, 1, "the process's event handle was not closed (%d left)", c1.st);
    cr_assert_eq(kfix_thread_state(worker), ZX_THREAD_STATE_DEAD);
    kfix_deinit(&f);
}

static void ctl_kill_mid_burst(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_kill(f.proc), ZX_OK);
    /* Dying: still listed by its job, and a suspend is refused with BAD_STATE. */
    zx_koid_t koids[4];
    size_t actual = 0, avail = 0;
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    for (size_t i = 0; i < actual; i++)
        c1.done |= koids[i] == kfix_koid(f.proc);
    c1.st = zx_task_suspend(f.proc, &token);
    c1.observed = (zx_signals_t)kfix_thread_state(worker);
    wait_for(f.proc, ZX_PROCESS_TERMINATED, &c0);
    c2.st = zx_task_suspend(f.proc, &token);
    c2.done = true;
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    for (size_t i = 0; i < actual; i++)
        c2.done &= koids[i] != kfix_koid(f.proc);
}

Test(task, a_dying_process_is_still_listed_and_refuses_suspend)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_burn_100, NULL);
    start_controller(ctl_kill_mid_burst);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert(c1.done, "the dying process is not listed");
    ASSERT_ST(c1.st, ZX_ERR_BAD_STATE);
    cr_assert_eq(c1.observed, ZX_THREAD_STATE_DYING, "thread state %#x", c1.observed);
    cr_assert_eq(c0.at, 10, "a kill ends a burst at once; TERMINATED at %" PRId64, c0.at);
    ASSERT_ST(c2.st, ZX_ERR_BAD_STATE);
    cr_assert(c2.done, "the dead process is still listed");
    cr_assert_not(w.done, "code after the burst ran");
    kfix_deinit(&f);
}

Test(task, kill_errors_in_order)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_returns, NULL);
    zx_handle_t no_destroy, e;
    ASSERT_ST(zx_task_kill(0x7773), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(f.proc, ZX_RIGHT_INSPECT, &no_destroy), ZX_OK);
    ASSERT_ST(zx_task_kill(no_destroy), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_task_kill(worker), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_task_kill(e), ZX_ERR_ACCESS_DENIED); /* events have no DESTROY */
    kctx_t c;
    kctx_current(&c);
    zx_handle_t odd;
    ASSERT_ST(kobj_handle_install(&c, handle_table_lookup(c.proc, e)->obj, ZX_RIGHT_DESTROY,
                                  &odd),
              ZX_OK);
    ASSERT_ST(zx_task_kill(odd), ZX_ERR_WRONG_TYPE);
    kfix_deinit(&f);
}

/* ---- Suspend errors -------------------------------------------------------------------------- */

static zx_handle_t self_thread_p, self_proc_p;
static zx_status_t self_thread_st, self_proc_st;

static void worker_suspends_itself(void *arg)
{
    (void)arg;
    zx_handle_t t;
    self_thread_st = zx_task_suspend(self_thread_p, &t);
    self_proc_st = zx_task_suspend(self_proc_p, &t);
}

Test(task, suspending_yourself_or_your_process_is_not_supported)
{
    setup();
    zx_handle_t dup;
    ASSERT_ST(zx_handle_duplicate(f.proc, ZX_RIGHT_SAME_RIGHTS, &dup), ZX_OK);
    self_proc_p = kfix_give(&f, dup);
    worker = kfix_thread(&f, "worker", worker_suspends_itself, NULL);
    self_thread_p = kfix_share(&f, worker);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(self_thread_st, ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(self_proc_st, ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

Test(task, suspend_errors_in_order)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_returns, NULL);
    zx_handle_t no_write, counter, out;
    ASSERT_ST(zx_task_suspend(0x7773, &out), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(f.proc, ZX_RIGHT_INSPECT, &no_write), ZX_OK);
    ASSERT_ST(zx_task_suspend(no_write, &out), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_task_suspend(ev, &out), ZX_ERR_ACCESS_DENIED); /* events have no WRITE */
    ASSERT_ST(zx_counter_create(0, &counter), ZX_OK);
    ASSERT_ST(zx_task_suspend(counter, &out), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_task_suspend(f.job, &out), ZX_ERR_WRONG_TYPE); /* jobs cannot be suspended */
    /* The bootstrap process is the caller's own process. */
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(zx_task_suspend(worker, &out), ZX_ERR_BAD_STATE); /* dead thread */
    ASSERT_ST(zx_task_suspend(f.proc, &out), ZX_ERR_BAD_STATE); /* dead process */
    kfix_deinit(&f);
}

/* ---- Cooperative tasks under suspend -------------------------------------------------------- */

static void awaiting(void *arg)
{
    (void)arg;
    w.st = kernel_await_one(ev_p, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &w.observed);
    w.at = zx_clock_get_monotonic();
    w.done = true;
}

static void executor_main(void *arg)
{
    (void)arg;
    ASSERT_ST(kernel_task_spawn("awaiting", awaiting, NULL), ZX_OK);
    zx_handle_t never;
    ASSERT_ST(zx_event_create(0, &never), ZX_OK);
    c2.st = kernel_await_one(never, ZX_EVENT_SIGNALED, 60, NULL);
}

static void ctl_suspend_executor(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    c1.st = (zx_status_t)kfix_thread_state(worker);
    ASSERT_ST(zx_task_suspend(worker, &token), ZX_OK);
    wait_for(worker, ZX_THREAD_SUSPENDED, &c0);
    kfix_sleep_until(20);
    ASSERT_ST(zx_object_signal(ev, 0, ZX_EVENT_SIGNALED), ZX_OK);
    kfix_sleep_until(30);
    c1.done = w.done;
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, an_idle_executor_suspends_at_once_and_its_awaits_complete_after_resume)
{
    setup();
    worker = kfix_thread(&f, "executor", executor_main, NULL);
    start_controller(ctl_suspend_executor);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c1.st, (zx_status_t)ZX_THREAD_STATE_BLOCKED_PORT, "idle executor state %#x",
                 c1.st);
    cr_assert_eq(c0.at, 10, "SUSPENDED at %" PRId64, c0.at);
    cr_assert_not(c1.done, "an await completed while its thread was suspended");
    ASSERT_ST(w.st, ZX_OK);
    cr_assert_eq(w.at, 30, "await completed at %" PRId64, w.at);
    /* The other await kept its registration and deadline through the suspend. */
    ASSERT_ST(c2.st, ZX_ERR_TIMED_OUT);
    kfix_deinit(&f);
}

static int awaits_returned;

static void await_forever(void *arg)
{
    (void)arg;
    (void)kernel_await_one(ev_p, ZX_USER_SIGNAL_7, ZX_TIME_INFINITE, NULL);
    awaits_returned++;
}

static void executor_of_two(void *arg)
{
    (void)arg;
    ASSERT_ST(kernel_task_spawn("second", await_forever, NULL), ZX_OK);
    await_forever(NULL);
}

static void ctl_kill_executor(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_kill(f.proc), ZX_OK);
    wait_for(worker, ZX_THREAD_TERMINATED, &c0);
}

Test(task, killing_an_executor_ends_all_its_awaiting_tasks)
{
    setup();
    awaits_returned = 0;
    worker = kfix_thread(&f, "executor", executor_of_two, NULL);
    start_controller(ctl_kill_executor);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(c0.at, 10, "TERMINATED at %" PRId64, c0.at);
    cr_assert_eq(awaits_returned, 0, "%d awaits returned into killed code", awaits_returned);
    kfix_deinit(&f);
}

/* ---- Enumeration and get_child ----------------------------------------------------------- */

static void worker_blocks(void *arg)
{
    (void)arg;
    (void)zx_object_wait_one(ev_p, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, NULL);
}

Test(task, job_processes_lists_direct_children_only)
{
    setup();
    zx_handle_t sub, p2;
    ASSERT_ST(zx_job_create(f.job, 0, &sub), ZX_OK);
    ASSERT_ST(kernel_process_create(sub, "grandchild", &p2), ZX_OK);
    zx_koid_t koids[8];
    size_t actual = 0, avail = 0;
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    cr_assert_eq(actual, 2, "bootstrap and test, got %zu", actual);
    cr_assert_eq(avail, 2);
    for (size_t i = 0; i < actual; i++)
        cr_assert_neq(koids[i], kfix_koid(p2), "a sub-job's process is listed");
    cr_assert_eq(koids[1], kfix_koid(f.proc), "creation order");
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_JOB_CHILDREN, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    cr_assert_eq(actual, 1);
    cr_assert_eq(koids[0], kfix_koid(sub));
    ASSERT_ST(zx_object_get_info(sub, ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    cr_assert_eq(actual, 1);
    cr_assert_eq(koids[0], kfix_koid(p2));
    /* A buffer with room for one: actual 1, avail 2. */
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_JOB_PROCESSES, koids, sizeof(zx_koid_t),
                                 &actual, &avail),
              ZX_OK);
    cr_assert_eq(actual, 1);
    cr_assert_eq(avail, 2);
    cr_assert_eq(kfix_signals(sub) & (ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES), ZX_JOB_NO_JOBS);
    kfix_deinit(&f);
}

Test(task, process_threads_lists_live_threads_and_get_child_finds_them)
{
    setup();
    zx_handle_t t1 = kfix_thread(&f, "one", worker_blocks, NULL);
    zx_handle_t t2 = kfix_thread(&f, "two", worker_blocks, NULL);
    zx_koid_t koids[4];
    size_t actual = 0, avail = 0;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS_THREADS, koids, sizeof(zx_koid_t),
                                 &actual, &avail),
              ZX_OK);
    cr_assert_eq(actual, 1);
    cr_assert_eq(avail, 2, "avail %zu", avail);
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS_THREADS, koids, sizeof(koids), &actual,
                                 &avail),
              ZX_OK);
    cr_assert_eq(actual, 2);
    cr_assert_eq(koids[0], kfix_koid(t1));
    cr_assert_eq(koids[1], kfix_koid(t2));
    zx_handle_t child, proc_child;
    ASSERT_ST(zx_object_get_child(f.proc, koids[1], ZX_RIGHT_SAME_RIGHTS, &child), ZX_OK);
    cr_assert_eq(kfix_koid(child), koids[1]);
    ASSERT_ST(zx_object_get_child(f.job, kfix_koid(f.proc), ZX_RIGHT_INSPECT, &proc_child),
              ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(proc_child, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL,
                                 NULL),
              ZX_OK);
    cr_assert_eq(info.rights, ZX_RIGHT_INSPECT);
    ASSERT_ST(zx_task_kill(f.proc), ZX_OK);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    kfix_deinit(&f);
}

Test(task, get_child_errors_in_order)
{
    setup();
    zx_handle_t out, no_enum, weak;
    ASSERT_ST(zx_object_get_child(0x7773, 1, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(f.job, ZX_RIGHT_INSPECT, &no_enum), ZX_OK);
    ASSERT_ST(zx_object_get_child(no_enum, kfix_koid(f.proc), ZX_RIGHT_SAME_RIGHTS, &out),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_handle_duplicate(f.job, ZX_RIGHT_ENUMERATE | ZX_RIGHT_INSPECT, &weak), ZX_OK);
    ASSERT_ST(zx_object_get_child(weak, kfix_koid(f.proc), ZX_RIGHT_DESTROY, &out),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_object_get_child(weak, kfix_koid(f.proc), ZX_RIGHT_INSPECT, &out), ZX_OK);
    ASSERT_ST(zx_object_get_child(f.job, 999999, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_NOT_FOUND);
    ASSERT_ST(zx_object_get_child(f.proc, 999999, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_NOT_FOUND);
    kctx_t c;
    kctx_current(&c);
    zx_handle_t odd;
    ASSERT_ST(kobj_handle_install(&c, handle_table_lookup(c.proc, ev)->obj, ZX_RIGHT_ENUMERATE,
                                  &odd),
              ZX_OK);
    ASSERT_ST(zx_object_get_child(odd, 1, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_WRONG_TYPE);
    kfix_deinit(&f);
}

Test(task, job_create_errors_and_kill)
{
    setup();
    zx_handle_t sub, out, no_manage;
    ASSERT_ST(zx_job_create(f.job, 1, &out), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_job_create(0x7773, 0, &out), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_job_create(ev, 0, &out), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(f.job, ZX_RIGHT_INSPECT, &no_manage), ZX_OK);
    ASSERT_ST(zx_job_create(no_manage, 0, &out), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_job_create(f.job, 0, &sub), ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(sub, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL),
              ZX_OK);
    cr_assert_eq(info.related_koid, kfix_koid(f.job));
    ASSERT_ST(zx_task_kill(sub), ZX_OK);
    cr_assert(kfix_signals(sub) & ZX_JOB_TERMINATED, "an empty killed job is dead at once");
    ASSERT_ST(zx_job_create(sub, 0, &out), ZX_ERR_BAD_STATE);
    ASSERT_ST(kernel_process_create(sub, "late", &out), ZX_ERR_BAD_STATE);
    kfix_deinit(&f);
}

/* ---- Exits ----------------------------------------------------------------------------------- */

static void worker_process_exit(void *arg)
{
    (void)arg;
    zx_process_exit(7);
}

Test(task, process_exit_ends_every_thread_with_its_return_code)
{
    setup();
    zx_handle_t blocked = kfix_thread(&f, "blocked", worker_blocks, NULL);
    worker = kfix_thread(&f, "exiting", worker_process_exit, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(kfix_thread_state(blocked), ZX_THREAD_STATE_DEAD);
    zx_info_process_t info;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.return_code, 7, "retcode %" PRId64, info.return_code);
    kfix_deinit(&f);
}

static void worker_thread_exit(void *arg)
{
    (void)arg;
    zx_thread_exit();
}

Test(task, thread_exit_ends_only_the_calling_thread)
{
    setup();
    zx_handle_t blocked = kfix_thread(&f, "blocked", worker_blocks, NULL);
    worker = kfix_thread(&f, "exiting", worker_thread_exit, NULL);
    ASSERT_ST(zx_object_signal(ev, 0, 0), ZX_OK);
    cr_assert_eq(kfix_run(&f), SIM_END_STALLED);
    cr_assert_eq(kfix_thread_state(worker), ZX_THREAD_STATE_DEAD);
    cr_assert_eq(kfix_thread_state(blocked), ZX_THREAD_STATE_BLOCKED_WAIT_ONE);
    cr_assert_not(kfix_signals(f.proc) & ZX_PROCESS_TERMINATED);
    kfix_deinit(&f);
}

/* ---- Costs ----------------------------------------------------------------------------------- */

static void worker_creates_an_event(void *arg)
{
    (void)arg;
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    w.at = zx_clock_get_monotonic();
    kernel_thread_burn(1000);
    w.observed = (zx_signals_t)zx_clock_get_monotonic();
}

Test(task, syscalls_charge_their_cost_to_the_calling_thread_only)
{
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    kfix_init_costs(&f, &costs);
    memset(&w, 0, sizeof(w));
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    cr_assert_eq(zx_clock_get_monotonic(), 0, "setup code is charged nothing");
    worker = kfix_thread(&f, "worker", worker_creates_an_event, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    int64_t cost = kernel_costs(f.k)->syscall_ns[KERNEL_SYSCALL_event_create];
    cr_assert_eq(w.at, cost, "after zx_event_create: %" PRId64 ", want %" PRId64, w.at, cost);
    cr_assert_eq((int64_t)w.observed, cost + 1000);
    kfix_deinit(&f);
}

static void worker_adds(void *arg)
{
    (void)arg;
    zx_handle_t c;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    w.at = zx_clock_get_monotonic();
}

static zx_instant_mono_t jittered_run(uint64_t seed)
{
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    costs.jitter_permille = 100;
    sim_config_t cfg = {.seed = seed};
    cr_assert_eq(sim_create(&cfg, &f.s), 0);
    cr_assert_eq(sim_trace_mem_create(&f.mem), 0);
    kernel_config_t kc = {.costs = &costs};
    ASSERT_ST(kernel_create(f.s, &kc, &f.k), ZX_OK);
    ASSERT_ST(kernel_process_create(kernel_root_job(f.k), "test", &f.proc), ZX_OK);
    memset(&w, 0, sizeof(w));
    kfix_thread(&f, "worker", worker_adds, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    zx_instant_mono_t at = w.at;
    kfix_deinit(&f);
    return at;
}

Test(task, cost_jitter_is_seeded_and_bounded)
{
    int64_t cost = 700; /* zx_counter_create's default */
    zx_instant_mono_t a = jittered_run(7), b = jittered_run(7);
    cr_assert_eq(a, b, "same seed, %" PRId64 " vs %" PRId64, a, b);
    for (uint64_t seed = 1; seed < 20; seed++) {
        zx_instant_mono_t at = jittered_run(seed);
        cr_assert(at >= cost * 9 / 10 && at <= cost * 11 / 10, "seed %" PRIu64 ": %" PRId64,
                  seed, at);
    }
}

static zx_handle_t counter, counter_p;

static void worker_adds_once(void *arg)
{
    (void)arg;
    ASSERT_ST(zx_counter_add(counter_p, 1), ZX_OK);
    w.at = zx_clock_get_monotonic();
    w.done = true;
}

static void ctl_suspend_during_the_cost(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(100); /* the worker is inside zx_counter_add's 300 ns */
    ASSERT_ST(zx_task_suspend(worker, &token), ZX_OK);
    wait_for(worker, ZX_THREAD_SUSPENDED, &c0);
    ASSERT_ST(zx_counter_read(counter, &c1.at), ZX_OK);
    c1.done = w.done;
    kfix_sleep_until(1000);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(task, a_suspend_during_a_syscall_takes_effect_when_the_call_returns)
{
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    kfix_init_costs(&f, &costs);
    memset(&w, 0, sizeof(w));
    memset(&c0, 0, sizeof(c0));
    memset(&c1, 0, sizeof(c1));
    ASSERT_ST(zx_counter_create(0, &counter), ZX_OK);
    counter_p = kfix_share(&f, counter);
    worker = kfix_thread(&f, "worker", worker_adds_once, NULL);
    start_controller(ctl_suspend_during_the_cost);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    int64_t cost = costs.syscall_ns[KERNEL_SYSCALL_counter_add];
    cr_assert_eq(c0.at, cost, "SUSPENDED at %" PRId64 ", want the call's end %" PRId64, c0.at,
                 cost);
    cr_assert_eq(c1.at, 1, "the call took effect before the thread stopped");
    cr_assert_not(c1.done, "the call returned to user code while suspended");
    cr_assert_eq(w.at, 1000);
    kfix_deinit(&f);
}

/* ---- Determinism ----------------------------------------------------------------------------- */

static uint64_t suspend_scenario(void)
{
    setup();
    worker = kfix_thread(&f, "worker", worker_wait_infinite, NULL);
    kfix_thread(&f, "burner", worker_burn_100, NULL);
    start_controller(ctl_suspend_blocked);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    uint64_t fp = sim_fingerprint(f.s);
    kfix_deinit(&f);
    return fp;
}

Test(task, a_suspend_scenario_has_a_stable_fingerprint)
{
    uint64_t a = suspend_scenario();
    uint64_t b = suspend_scenario();
    cr_assert_eq(a, b, "%016" PRIx64 " vs %016" PRIx64, a, b);
}
