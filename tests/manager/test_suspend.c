/* test_suspend.c - SuspendContainer end to end: suspend_job, the wake-lock check, watchers, the
 * lease, the wait on wake sources and the reply, for the v5w (default), v1 and v6 variants.
 *
 * Goal: each path of suspend_container (reference 4.4) gives upstream's reply and side effects:
 * the container job with no process, a request without job, with and without wake_locks, a
 * wake lock held (WAKE_LOCKS_EXIST, watchers untouched), no wake source (immediate resume),
 * a resume by a proxied message, by an AddWakeSource signal, by two sources at once, the 9 s
 * deadline, more than 64 sources (R2), a proxy peer closing while suspended (R1), watchers
 * (AWAKE at registration, ASLEEP then AWAKE around a suspend, a closed one pruned), and a
 * worker queue that is closed. Method: the fixture's world (manager_fixture.h) runs a scenario
 * thread that talks FIDL to the runner; results are recorded and asserted after the run, with
 * the phases the runner traces (MANAGER_EV_SUSPEND_PHASE) and the container's thread states.
 */
#include "manager_fixture.h"

#include "../../model/manager/manager_int.h"

static fx_reply_t reply[4];
static fx_watcher_t watcher[3];
static zx_thread_state_t frozen_state;
static int64_t counter_value;
static zx_signals_t peer_signals;

static void fini(void)
{
    fx_fini();
}

TestSuite(suspend, .fini = fini, .timeout = 60);

/* ---- Basic paths ---------------------------------------------------------------------------- */

static void no_sources(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("kernel-a");
    FX_CHECK(fx_watch(mgr, &watcher[0]) == ZX_OK);
    fx_sleep_until(FX_MSEC(1));
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_MSEC(2));
}

Test(suspend, no_wake_sources_resumes_at_once)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(no_sources), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    cr_assert(reply[0].resp.has_suspend_time);
    cr_assert_eq(reply[0].resp.suspend_time, 0, "zero costs: no time passes");
    cr_assert_not(reply[0].resp.has_resume_reason);
    cr_assert_str_eq(watcher[0].seen, "ASA");
    const sim_trace_event_t *wait = fx_phase(MANAGER_PHASE_WAIT_BEGUN, 1);
    cr_assert_not_null(wait);
    cr_assert_eq(wait->arg[2], 0, "no wait item");
    cr_assert_not_null(fx_phase(MANAGER_PHASE_THAWED, 1));
    /* The lease: taken at Start, dropped before the wait, a new one after. */
    cr_assert_eq(fx.lease_count, 2u);
    cr_assert_eq(fx.leases[0].dropped_boot, FX_MSEC(1));
    cr_assert_eq(fx.leases[1].dropped_boot, -1);
    cr_assert_str_eq(fx.leases[1].name, "starnix-kernel-kernel-a");
}

static void job_without_process(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

Test(suspend, container_job_with_no_processes)
{
    fx_init("v5w");
    zx_task_kill(fx.init);
    cr_assert_eq(fx_run(job_without_process), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    cr_assert_eq(fx_phase(MANAGER_PHASE_JOB_FROZEN, 1)->arg[2], 0, "no suspend token");
}

static void without_job(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    FX_CHECK(fx_watch(mgr, &watcher[0]) == ZX_OK);
    reply[0] = fx_suspend(mgr, false, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_MSEC(1));
}

Test(suspend, without_job_fails)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(without_job), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert(reply[0].resp.is_error);
    cr_assert_eq(reply[0].resp.error, FIDL_SUSPEND_ERROR_SUSPEND_FAILURE);
    cr_assert_str_eq(watcher[0].seen, "A", "a failed suspend never touches watchers");
    cr_assert_null(fx_phase(MANAGER_PHASE_JOB_FROZEN, 1));
}

static zx_handle_t locks_reader, locks_writer;

static void with_wake_locks(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    FX_CHECK(fx_watch(mgr, &watcher[0]) == ZX_OK);
    FX_CHECK(zx_eventpair_create(0, &locks_reader, &locks_writer) == ZX_OK);
    reply[0] = fx_suspend(mgr, true, locks_reader); /* no lock held */
    zx_object_signal_peer(locks_writer, 0, ZX_EVENT_SIGNALED); /* a Linux wake lock */
    reply[1] = fx_suspend(mgr, true, locks_reader);
    fx_sleep_until(FX_MSEC(1));
}

Test(suspend, wake_locks_held_fail_and_leave_watchers)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(with_wake_locks), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    ASSERT_ST(reply[1].status, ZX_OK);
    cr_assert(reply[1].resp.is_error);
    cr_assert_eq(reply[1].resp.error, FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST);
    cr_assert_str_eq(watcher[0].seen, "ASA", "only the first suspend reached the watchers");
    cr_assert_eq(fx_phase(MANAGER_PHASE_WAKE_LOCK_CHECK, 2)->arg[2], 1);
    cr_assert_not_null(fx_phase(MANAGER_PHASE_THAWED, 2), "the job thaws on failure");
    cr_assert_null(fx_phase(MANAGER_PHASE_WATCHERS_ASLEEP, 2));
    cr_assert_eq(fx_count(MANAGER_EV_SUSPEND_FAILED_WITH_WAKE_LOCKS, NULL), 1u);
    cr_assert_eq(fx.lease_count, 2u, "the failed suspend kept the lease");
}

/* ---- Resume by a wake source ---------------------------------------------------------------- */

static void by_message(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t container_end, remote_end, counter;
    fx_proxy(mgr, "touch", &container_end, &remote_end, &counter, NULL);
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_SEC(1));
    zx_info_thread_t info;
    zx_object_get_info(fx.idle, ZX_INFO_THREAD, &info, sizeof(info), NULL, NULL);
    frozen_state = info.state;
    fx_write(remote_end, "tap");
    reply[0] = fx_wait_suspend(mgr, txid, ZX_TIME_INFINITE);
    counter_value = fx_counter(counter);
    peer_signals = fx_signals(container_end);
}

Test(suspend, resumed_by_a_proxied_message)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(by_message), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    cr_assert_str_eq(reply[0].resp.resume_reason, "touch");
    cr_assert_eq(reply[0].resp.suspend_time, FX_SEC(1));
    cr_assert_eq(frozen_state, ZX_THREAD_STATE_SUSPENDED, "frozen while waiting");
    cr_assert_eq(counter_value, 1, "incremented before the write, never decremented");
    cr_assert(peer_signals & ZX_CHANNEL_READABLE, "the message reached the container");
    cr_assert_eq(fx_count(MANAGER_EV_COUNTER_INCREMENTED, "touch"), 1u);
}

static void by_source(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t ev = fx_add_source(mgr, "nanohub", ZX_USER_SIGNAL_2);
    zx_handle_t other = fx_add_source(mgr, "other", ZX_USER_SIGNAL_2);
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_MSEC(500));
    zx_object_signal(ev, 0, ZX_USER_SIGNAL_1); /* not in the mask: no wake */
    fx_sleep_until(FX_SEC(2));
    zx_object_signal(ev, 0, ZX_USER_SIGNAL_2);
    reply[0] = fx_wait_suspend(mgr, txid, ZX_TIME_INFINITE);
    (void)other;
}

Test(suspend, resumed_by_an_added_wake_source)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(by_source), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_str_eq(reply[0].resp.resume_reason, "nanohub");
    cr_assert_eq(reply[0].resp.suspend_time, FX_SEC(2));
    cr_assert_eq(fx_phase(MANAGER_PHASE_WAIT_BEGUN, 1)->arg[2], 2, "two wait items");
}

static void two_at_once(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t a = fx_add_source(mgr, "alpha", ZX_USER_SIGNAL_0);
    zx_handle_t b = fx_add_source(mgr, "beta", ZX_EVENT_SIGNALED);
    zx_handle_t container_end, remote_end, counter;
    fx_proxy(mgr, "gamma", &container_end, &remote_end, &counter, NULL);
    fx_add_source(mgr, "quiet", ZX_USER_SIGNAL_0);
    zx_object_signal(a, 0, ZX_USER_SIGNAL_0); /* already up when the wait starts */
    zx_object_signal(b, 0, ZX_EVENT_SIGNALED);
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

/* One seed in a child process: 1 if the reason is the set {alpha, beta}. */
static uint64_t two_at_once_child(void *arg)
{
    static const char *const want[] = {"alpha", "beta"};
    fx_init_costs("v5w", false, *(uint64_t *)arg, "random");
    if (fx_run(two_at_once) != SIM_END_COMPLETE || reply[0].status != ZX_OK)
        return 0;
    return fx_reason_is(reply[0].resp.resume_reason, want, 2) &&
           reply[0].resp.suspend_time == 0;
}

Test(suspend, two_sources_at_once_are_both_reasons)
{
    for (uint64_t seed = 1; seed <= 4; seed++)
        cr_assert_eq(fx_in_child(two_at_once_child, &seed), 1u, "seed %" PRIu64, seed);
}

static void deadline(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    fx_add_source(mgr, "never", ZX_USER_SIGNAL_0);
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

Test(suspend, deadline_without_reason_v5w)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(deadline), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    cr_assert_eq(reply[0].resp.suspend_time, FX_SEC(9));
    cr_assert_not(reply[0].resp.has_resume_reason);
    cr_assert_eq(fx_phase(MANAGER_PHASE_WOKEN, 1)->status, ZX_ERR_TIMED_OUT);
}

Test(suspend, deadline_reason_v6)
{
    fx_init("v6");
    cr_assert_eq(fx_run(deadline), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_eq(reply[0].resp.suspend_time, FX_SEC(9));
    cr_assert_str_eq(reply[0].resp.resume_reason, "starnix-container-timeout");
    cr_assert_eq(fx_count(MANAGER_EV_INSPECT, "suspend_attempts_count"), 1u);
    cr_assert_eq(fx_count(MANAGER_EV_INSPECT, "suspend_successes_count"), 1u);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Pre-acquire wake lease"), 1u);
}

static void many_sources(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    for (int i = 0; i < 65; i++) {
        char name[16];
        snprintf(name, sizeof(name), "src-%d", i);
        fx_add_source(mgr, name, ZX_USER_SIGNAL_0);
    }
    FX_CHECK(fx_watch(mgr, &watcher[0]) == ZX_OK);
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

Test(suspend, more_than_64_sources_resume_at_once)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(many_sources), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    cr_assert_eq(reply[0].resp.suspend_time, 0);
    cr_assert_not(reply[0].resp.has_resume_reason);
    cr_assert_eq(fx_phase(MANAGER_PHASE_WOKEN, 1)->status, ZX_ERR_OUT_OF_RANGE);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "error waiting for wake event"), 1u);
    cr_assert_str_eq(watcher[0].seen, "ASA", "watchers flap");
}

/* ---- R1: a proxy exits while the container is suspended -------------------------------------- */

static void r1(void)
{
    bool v1 = strcmp(fx.variant, "v1") == 0;
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t a_container, a_remote, b_container, b_remote, b_counter = ZX_HANDLE_INVALID;
    zx_handle_t a_k = ZX_HANDLE_INVALID, b_k = ZX_HANDLE_INVALID;
    fx_proxy(mgr, "a", &a_container, &a_remote, v1 ? NULL : &b_counter, v1 ? &a_k : NULL);
    fx_proxy(mgr, "b", &b_container, &b_remote, v1 ? NULL : &b_counter, v1 ? &b_k : NULL);
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_SEC(1));
    zx_handle_close(a_remote); /* proxy "a" exits: it needs wake_sources, held by the wait */
    fx_sleep_until(FX_SEC(2));
    fx_write(b_remote, "wake"); /* cannot be forwarded: the proxy thread is blocked */
    reply[0] = fx_wait_suspend(mgr, txid, FX_SEC(30));
    fx_sleep_until(zx_clock_get_monotonic() + FX_MSEC(1));
    peer_signals = fx_signals(b_container);
}

Test(suspend, r1_proxy_exit_during_wait_v5w_wakes_at_deadline)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(r1), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_eq(reply[0].resp.suspend_time, FX_SEC(9), "only the deadline ends the wait");
    cr_assert_not(reply[0].resp.has_resume_reason);
    cr_assert(peer_signals & ZX_CHANNEL_READABLE, "forwarded after the wait, in a burst");
    cr_assert_eq(fx_count(MANAGER_EV_PROXY_LOOP_EXIT, "a"), 1u);
}

Test(suspend, r1_proxy_exit_during_wait_v1_never_wakes)
{
    fx_init("v1");
    cr_assert_eq(fx_run(r1), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_ERR_TIMED_OUT);
    cr_assert_not(peer_signals & ZX_CHANNEL_READABLE, "the proxy thread stays blocked");
    cr_assert_eq(fx_count(KERNEL_EV_MUTEX_CONTENDED, "wake_sources"), 1u);
}

/* ---- v1: the resume-event handshake ------------------------------------------------------- */

static void v1_handshake(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t container_end, remote_end, k;
    fx_proxy(mgr, "input", &container_end, &remote_end, NULL, &k);
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_SEC(1));
    fx_write(remote_end, "key");
    reply[0] = fx_wait_suspend(mgr, txid, ZX_TIME_INFINITE);
    peer_signals = fx_signals(container_end);
    /* The kernel handles the message: K raises KERNEL_SIGNAL and clears RUNNER_SIGNAL on R,
     * which ends the proxy thread's synchronous wait. */
    zx_object_signal_peer(k, ZX_USER_SIGNAL_0, ZX_USER_SIGNAL_1);
    fx_sleep_until(FX_SEC(3));
    reply[1] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

Test(suspend, v1_resume_event_handshake)
{
    fx_init("v1");
    sim_end_t end = fx_run(v1_handshake);
    cr_assert_eq(end, SIM_END_STALLED, "the second suspend waits forever: %s",
                 sim_end_name(end));
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_eq(reply[0].resp.suspend_time, FX_SEC(1));
    cr_assert_not(reply[0].resp.has_resume_reason, "v1 logs the reason only");
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Woke from sleep for: input"), 1u);
    cr_assert(peer_signals & ZX_CHANNEL_READABLE, "forwarded to the container");
    cr_assert_eq(reply[1].status, 0, "no reply recorded: INFINITE wait, nothing signals R");
}

/* ---- Watchers ----------------------------------------------------------------------------- */

static void watchers(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    FX_CHECK(fx_watch(mgr, &watcher[0]) == ZX_OK);
    FX_CHECK(fx_watch(mgr, &watcher[1]) == ZX_OK);
    fx_sleep_until(FX_MSEC(1));
    zx_handle_close(watcher[1].hal_end); /* a HAL that died */
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
    if (reply[0].status == ZX_OK)
        reply[1] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_MSEC(2));
}

Test(suspend, watchers_see_asleep_then_awake_and_closed_ones_are_pruned)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(watchers), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    ASSERT_ST(reply[1].status, ZX_OK);
    cr_assert_str_eq(watcher[0].seen, "ASASA");
    cr_assert_eq(fx.m->suspend_context.wake_watchers.count, 1u, "the closed watcher is gone");
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Failed to signal wake watcher"), 0u);
}

Test(suspend, v1_closed_watcher_aborts_the_suspend)
{
    fx_init("v1");
    sim_end_t end = fx_run(watchers);
    cr_assert_eq(end, SIM_END_COMPLETE, "%s", sim_end_name(end));
    ASSERT_ST(reply[0].status, ZX_ERR_PEER_CLOSED); /* `?`: no reply, the channel closes */
    cr_assert_not_null(fx_phase(MANAGER_PHASE_THAWED, 1));
    cr_assert_eq(fx_phase(MANAGER_PHASE_REPLY, 1)->status, ZX_ERR_CANCELED);
    cr_assert_eq(fx_count(MANAGER_EV_PANIC, "failed to serve starnix manager"), 1u,
                 "main.rs's .expect of that era");
}

/* ---- The worker queue ------------------------------------------------------------------------ */

static void queue_closed(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    fx_sleep_until(FX_MSEC(1));
    /* White box: the worker's receiver is gone (upstream: only if the worker ended). */
    async_channel_receiver_drop(&fx.m->suspend_queue);
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

Test(suspend, closed_worker_queue_drops_the_responder)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(queue_closed), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_ERR_PEER_CLOSED);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "failed to send suspend request to worker"), 1u);
    cr_assert_eq(fx_phase(MANAGER_PHASE_REPLY, 1)->status, ZX_ERR_CANCELED);
    cr_assert_null(fx_phase(MANAGER_PHASE_WORKER_PICKED, 1));
}

static void queued_twice(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t mgr2 = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t ev = fx_add_source(mgr, "button", ZX_USER_SIGNAL_0);
    uint32_t t1 = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    uint32_t t2 = fx_send_suspend(mgr2, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_SEC(1));
    zx_object_signal(ev, 0, ZX_USER_SIGNAL_0);
    reply[0] = fx_wait_suspend(mgr, t1, ZX_TIME_INFINITE);
    reply[1] = fx_wait_suspend(mgr2, t2, ZX_TIME_INFINITE);
}

Test(suspend, worker_runs_requests_one_at_a_time)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(queued_twice), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    ASSERT_ST(reply[1].status, ZX_OK);
    cr_assert_str_eq(reply[0].resp.resume_reason, "button");
    cr_assert_str_eq(reply[1].resp.resume_reason, "button", "the source is still up (R20)");
    cr_assert(fx_phase(MANAGER_PHASE_WORKER_PICKED, 2)->index >
                  fx_phase(MANAGER_PHASE_REPLY, 1)->index,
              "the second request waits for the first reply");
}

/* ---- A thread slow to suspend: R8/R12 and V6's watchdog ---------------------------------- */

static void burn_15s(void *arg)
{
    (void)arg;
    kernel_thread_burn(FX_SEC(15)); /* the suspend takes effect at the end of the burst */
    zx_object_wait_many(NULL, 0, ZX_TIME_INFINITE);
}

static int64_t watcher_reply_boot;

static void slow_thread(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t other = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    fx_sleep_until(FX_SEC(1));
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_SEC(2));
    FX_CHECK(fx_watch(other, &watcher[0]) == ZX_OK); /* served once the main thread is free */
    watcher_reply_boot = zx_clock_get_boot();
    reply[0] = fx_wait_suspend(mgr, txid, ZX_TIME_INFINITE);
}

static void add_busy_process(void)
{
    zx_handle_t busy, t;
    cr_assert_eq(kernel_process_create(fx.container_job, "busy", &busy), ZX_OK);
    kernel_thread_opts_t daemon = {.daemon = true};
    cr_assert_eq(kernel_thread_create(busy, "burner", burn_15s, NULL, &daemon, &t), ZX_OK);
    zx_handle_close(t);
    zx_handle_close(busy);
}

Test(suspend, slow_thread_blocks_the_main_thread_v5w)
{
    fx_init("v5w");
    add_busy_process();
    cr_assert_eq(fx_run(slow_thread), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_eq(fx_phase(MANAGER_PHASE_JOB_FROZEN, 1)->time_mono_ns, FX_SEC(15));
    cr_assert_geq(watcher_reply_boot, FX_SEC(15), "R12: the request waited for the freeze");
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "SUSPEND_WATCHDOG"), 0u);
}

Test(suspend, slow_thread_logs_the_v6_watchdog)
{
    fx_init("v6");
    add_busy_process();
    cr_assert_eq(fx_run(slow_thread), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_eq(fx_phase(MANAGER_PHASE_JOB_FROZEN, 1)->time_mono_ns, FX_SEC(15));
    cr_assert_geq(watcher_reply_boot, FX_SEC(15));
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "[SUSPEND_WATCHDOG] Timeout waiting"), 1u,
                 "100 slices of 100 ms: one line at ~11 s");
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Name: 'burner', Process: 'busy'"), 1u);
}

/* R8: the thread suspend_job waits for dies instead (killed mid-burst). */
static zx_handle_t busy_w; /* world: the busy process */

static void killed_while_waited(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    fx_sleep_until(FX_SEC(1));
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_SEC(5));
    zx_task_kill(busy_w);
    reply[0] = fx_wait_suspend(mgr, txid, FX_SEC(40));
}

static void add_killable_busy_process(void)
{
    zx_handle_t busy, t;
    cr_assert_eq(kernel_process_create(fx.container_job, "busy", &busy), ZX_OK);
    kernel_thread_opts_t daemon = {.daemon = true};
    cr_assert_eq(kernel_thread_create(busy, "burner", burn_15s, NULL, &daemon, &t), ZX_OK);
    zx_handle_close(t);
    busy_w = fx_give(busy);
}

Test(suspend, r8_thread_dying_mid_wait_hangs_v5w)
{
    fx_init("v5w");
    add_killable_busy_process();
    cr_assert_eq(fx_run(killed_while_waited), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_ERR_TIMED_OUT);
    cr_assert_null(fx_phase(MANAGER_PHASE_JOB_FROZEN, 1), "waits for SUSPENDED forever");
}

Test(suspend, r8_thread_dying_mid_wait_accepted_v6)
{
    fx_init("v6");
    add_killable_busy_process();
    cr_assert_eq(fx_run(killed_while_waited), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error);
    cr_assert_eq(fx_phase(MANAGER_PHASE_JOB_FROZEN, 1)->time_mono_ns, FX_SEC(5),
                 "TERMINATED ends V6's wait");
}
