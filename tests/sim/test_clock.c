/* test_clock.c - Boot and monotonic clocks, including a paused monotonic clock.
 *
 * Method: a thread sleeps on one clock while the other is observed, and a boot timer pauses and
 * resumes the monotonic clock, as the simulated system does when it suspends. */
#include <criterion/criterion.h>

#include "sim.h"

static sim_t *make_sim(void)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 1}, &s), 0);
    return s;
}

typedef struct obs {
    int64_t mono[4], boot[4];
} obs_t;

static obs_t obs;

static void pause_cb(sim_t *s, sim_timer_t *t)
{
    (void)t;
    sim_mono_pause(s);
}

static void resume_cb(sim_t *s, sim_timer_t *t)
{
    (void)t;
    sim_mono_resume(s);
}

static void mono_sleeper(sim_t *s, void *arg)
{
    (void)arg;
    obs.mono[0] = sim_now_mono(s);
    obs.boot[0] = sim_now_boot(s);
    sim_sleep(s, SIM_CLOCK_MONO, 100); /* paused from 50 to 250 boot: wakes at boot 300 */
    obs.mono[1] = sim_now_mono(s);
    obs.boot[1] = sim_now_boot(s);
}

Test(clock, both_start_at_zero_and_agree_until_paused)
{
    sim_t *s = make_sim();
    cr_assert_eq(sim_now_mono(s), 0);
    cr_assert_eq(sim_now_boot(s), 0);
    cr_assert_not(sim_mono_is_paused(s));
    sim_destroy(s);
}

Test(clock, paused_monotonic_delays_mono_deadlines_only)
{
    sim_t *s = make_sim();
    static sim_timer_t tp, tr;
    sim_timer_init(&tp, pause_cb, NULL);
    sim_timer_init(&tr, resume_cb, NULL);
    sim_timer_start(s, &tp, SIM_CLOCK_BOOT, 50);
    sim_timer_start(s, &tr, SIM_CLOCK_BOOT, 250);
    cr_assert_eq(sim_thread_create(s, "sleeper", mono_sleeper, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_eq(obs.boot[1], 300, "boot at wake: %lld", (long long)obs.boot[1]);
    cr_assert_eq(obs.mono[1], 100, "mono at wake: %lld", (long long)obs.mono[1]);
    cr_assert_eq(sim_now_boot(s) - sim_now_mono(s), 200);
    sim_destroy(s);
}

static void boot_sleeper(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_BOOT, 100);
    obs.mono[2] = sim_now_mono(s);
    obs.boot[2] = sim_now_boot(s);
}

Test(clock, boot_deadlines_fire_while_monotonic_is_paused)
{
    sim_t *s = make_sim();
    static sim_timer_t tp;
    sim_timer_init(&tp, pause_cb, NULL);
    sim_timer_start(s, &tp, SIM_CLOCK_BOOT, 30);
    cr_assert_eq(sim_thread_create(s, "sleeper", boot_sleeper, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_eq(obs.boot[2], 100);
    cr_assert_eq(obs.mono[2], 30, "monotonic stays where it paused");
    cr_assert(sim_mono_is_paused(s));
    sim_destroy(s);
}

static void pauser(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_BOOT, 10);
    sim_mono_pause(s);
    sim_mono_pause(s); /* idempotent */
    sim_sleep(s, SIM_CLOCK_BOOT, 1000);
    obs.mono[3] = sim_now_mono(s);
    sim_mono_resume(s);
    sim_mono_resume(s);
    sim_sleep(s, SIM_CLOCK_BOOT, 5);
    obs.boot[3] = sim_now_mono(s);
}

Test(clock, pause_and_resume_are_idempotent)
{
    sim_t *s = make_sim();
    cr_assert_eq(sim_thread_create(s, "pauser", pauser, NULL, NULL, NULL), 0);
    sim_run(s);
    cr_assert_eq(obs.mono[3], 10);
    cr_assert_eq(obs.boot[3], 15);
    sim_destroy(s);
}

static void mono_waiter(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 100);
}

Test(clock, mono_timer_never_fires_while_paused_forever)
{
    sim_t *s = make_sim();
    static sim_timer_t tp;
    sim_timer_init(&tp, pause_cb, NULL);
    sim_timer_start(s, &tp, SIM_CLOCK_BOOT, 1);
    cr_assert_eq(sim_thread_create(s, "w", mono_waiter, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_STALLED, "a mono sleep cannot end while the clock stops");
    sim_destroy(s);
}
