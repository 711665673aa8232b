/* test_timer.c - Timers: create, set, cancel, both clocks, and suspend of the monotonic clock.
 *
 * Method: contracts of timer.fidl (reference 1.7, 3): setup code arms timers, then a bare
 * engine thread observes SIGNALED at known virtual times and pauses the monotonic clock (the
 * simulated system's suspend): a boot timer still fires, a monotonic one waits for the resume
 * and fires at its monotonic deadline. Each documented error in Zircon's order (negative
 * slack is OUT_OF_RANGE before the handle is looked at).
 */
#include "kernel_fixture.h"

static kfix_t f;
static zx_handle_t mono_t, boot_t;
static zx_signals_t seen[8];
static int64_t seen_boot[8];

Test(timer, create_errors)
{
    kfix_init(&f);
    zx_handle_t t;
    ASSERT_ST(zx_timer_create(0, 7, &t), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_timer_create(3, ZX_CLOCK_MONOTONIC, &t), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_timer_create(ZX_TIMER_SLACK_LATE, ZX_CLOCK_BOOT, &t), ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(t, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.rights, ZX_DEFAULT_TIMER_RIGHTS, "rights %#x", info.rights);
    kfix_deinit(&f);
}

Test(timer, set_and_cancel_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t t, e, no_write;
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_MONOTONIC, &t), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_timer_set(0x1113, 10, -1), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_timer_set(0x1113, 10, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_timer_set(e, 10, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(t, ZX_RIGHT_WAIT, &no_write), ZX_OK);
    ASSERT_ST(zx_timer_set(no_write, 10, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_timer_cancel(0x1113), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_timer_cancel(e), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_timer_cancel(no_write), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_timer_cancel(t), ZX_OK); /* cancelling an idle timer is fine */
    kfix_deinit(&f);
}

static void observe(sim_t *s, void *arg)
{
    (void)arg;
    int64_t at[] = {49, 50, 100, 150, 250};
    for (int i = 0; i < 5; i++) {
        sim_sleep(s, SIM_CLOCK_BOOT, at[i] - sim_now_boot(s));
        seen[i] = kfix_signals(mono_t);
        seen_boot[i] = sim_now_boot(s);
    }
}

Test(timer, fires_at_its_deadline_and_set_rearms)
{
    kfix_init(&f);
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_MONOTONIC, &mono_t), ZX_OK);
    ASSERT_ST(zx_timer_set(mono_t, 50, 5), ZX_OK);
    zx_info_timer_t info;
    ASSERT_ST(zx_object_get_info(mono_t, ZX_INFO_TIMER, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.deadline, 50);
    cr_assert_eq(info.slack, 5);
    cr_assert_eq(sim_thread_create(f.s, "observer", observe, NULL, NULL, NULL), 0);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(seen[0], 0, "at 49: %#x", seen[0]);
    cr_assert_eq(seen[1], ZX_TIMER_SIGNALED, "at 50: %#x", seen[1]);
    ASSERT_ST(zx_object_get_info(mono_t, ZX_INFO_TIMER, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.deadline, 0, "a fired timer is not armed");
    /* Set re-arms and deasserts; cancel deasserts. */
    ASSERT_ST(zx_timer_set(mono_t, 10000, 0), ZX_OK);
    cr_assert_eq(kfix_signals(mono_t), 0);
    ASSERT_ST(zx_timer_cancel(mono_t), ZX_OK);
    kfix_deinit(&f);
}

static void pause_mono_from_20_to_120(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_BOOT, 20);
    sim_mono_pause(s);
    sim_sleep(s, SIM_CLOCK_BOOT, 40); /* boot 60 */
    seen[0] = kfix_signals(boot_t);
    seen[1] = kfix_signals(mono_t);
    sim_sleep(s, SIM_CLOCK_BOOT, 60); /* boot 120 */
    sim_mono_resume(s);               /* mono 20 again */
    sim_sleep(s, SIM_CLOCK_BOOT, 29); /* mono 49 */
    seen[2] = kfix_signals(mono_t);
    sim_sleep(s, SIM_CLOCK_BOOT, 1);  /* mono 50 */
    seen[3] = kfix_signals(mono_t);
    seen_boot[3] = sim_now_boot(s);
}

Test(timer, a_boot_timer_fires_while_monotonic_time_is_paused)
{
    kfix_init(&f);
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_MONOTONIC, &mono_t), ZX_OK);
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_BOOT, &boot_t), ZX_OK);
    ASSERT_ST(zx_timer_set(mono_t, 50, 0), ZX_OK);
    ASSERT_ST(zx_timer_set(boot_t, 50, 0), ZX_OK);
    cr_assert_eq(sim_thread_create(f.s, "suspender", pause_mono_from_20_to_120, NULL, NULL,
                                   NULL),
                 0);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(seen[0], ZX_TIMER_SIGNALED, "boot timer during the pause: %#x", seen[0]);
    cr_assert_eq(seen[1], 0, "monotonic timer fired during the pause");
    cr_assert_eq(seen[2], 0, "monotonic timer fired early (mono 49)");
    cr_assert_eq(seen[3], ZX_TIMER_SIGNALED, "monotonic timer at mono 50: %#x", seen[3]);
    cr_assert_eq(seen_boot[3], 150);
    kfix_deinit(&f);
}

static void peek_at_1(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_BOOT, 1);
    seen[0] = kfix_signals(mono_t);
}

Test(timer, a_deadline_in_the_past_fires_at_once)
{
    kfix_init(&f);
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_MONOTONIC, &mono_t), ZX_OK);
    ASSERT_ST(zx_timer_set(mono_t, -100, 0), ZX_OK);
    cr_assert_eq(sim_thread_create(f.s, "peek", peek_at_1, NULL, NULL, NULL), 0);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(seen[0], ZX_TIMER_SIGNALED);
    cr_assert_eq(kfix_count(&f, KERNEL_EV_TIMER_FIRE, NULL), 1);
    kfix_deinit(&f);
}

Test(timer, closing_the_last_handle_cancels_the_timer)
{
    kfix_init(&f);
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_MONOTONIC, &mono_t), ZX_OK);
    ASSERT_ST(zx_timer_set(mono_t, 10, 0), ZX_OK);
    ASSERT_ST(zx_handle_close(mono_t), ZX_OK);
    cr_assert_eq(kfix_run(&f), SIM_END_QUIESCENT);
    cr_assert_eq(kfix_count(&f, KERNEL_EV_TIMER_FIRE, NULL), 0);
    kfix_deinit(&f);
}

static zx_handle_t timer_p;
static zx_status_t got;
static zx_instant_mono_t got_at;

static void wait_timer(void *arg)
{
    (void)arg;
    ASSERT_ST(zx_timer_set(timer_p, zx_deadline_after(70), 0), ZX_OK);
    got = zx_object_wait_one(timer_p, ZX_TIMER_SIGNALED, ZX_TIME_INFINITE, NULL);
    got_at = zx_clock_get_monotonic();
}

Test(timer, a_thread_waits_for_its_timer)
{
    kfix_init(&f);
    zx_handle_t t;
    ASSERT_ST(zx_timer_create(0, ZX_CLOCK_MONOTONIC, &t), ZX_OK);
    timer_p = kfix_give(&f, t);
    kfix_thread(&f, "waiter", wait_timer, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(got, ZX_OK);
    cr_assert_eq(got_at, 70);
    kfix_deinit(&f);
}
