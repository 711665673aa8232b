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
