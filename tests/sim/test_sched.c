/* test_sched.c - Strategies, recorded choices, replay, and how runs end.
 *
 * Method: N threads all ready at the same instants append their id to a log at each step; the
 * interleaving is the log. fifo must give the creation order every time; random must give
 * the same log for the same seed and (with overwhelming probability) different logs for
 * different seeds; replay of a random run's choices must give its log and fingerprint. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim.h"

#define N_THREADS 6
#define N_STEPS 8

static char order[N_THREADS * N_STEPS + 1];
static int order_len;

static void stepper(sim_t *s, void *arg)
{
    char id = (char)(intptr_t)arg;
    for (int i = 0; i < N_STEPS; i++) {
        order[order_len++] = id;
        order[order_len] = '\0';
        sim_sleep(s, SIM_CLOCK_MONO, 10); /* everyone wakes at the same instants */
    }
}

typedef struct run_result {
    char order[N_THREADS * N_STEPS + 1];
    uint64_t fingerprint;
    uint8_t choices[4096];
    size_t choices_size;
    sim_end_t end;
} run_result_t;

static void run_steppers(const sim_config_t *cfg, run_result_t *out)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(cfg, &s), 0);
    order_len = 0;
    order[0] = '\0';
    for (int i = 0; i < N_THREADS; i++)
        cr_assert_eq(sim_thread_create(s, "step", stepper, (void *)(intptr_t)('a' + i), NULL, NULL),
                     0);
    out->end = sim_run(s);
    strcpy(out->order, order);
    out->fingerprint = sim_fingerprint(s);
    size_t n;
    const uint8_t *c = sim_choices(s, &n);
    cr_assert_leq(n, sizeof(out->choices));
    memcpy(out->choices, c, n);
    out->choices_size = n;
    sim_destroy(s);
}

Test(sched, fifo_runs_in_order_made_ready)
{
    run_result_t r;
    run_steppers(&(sim_config_t){.seed = 1}, &r);
    cr_assert_eq(r.end, SIM_END_COMPLETE);
    for (int step = 0; step < N_STEPS; step++)
        cr_assert_eq(strncmp(r.order + step * N_THREADS, "abcdef", N_THREADS), 0, "order %s",
                     r.order);
}

Test(sched, fifo_is_the_same_for_every_seed)
{
    run_result_t a, b;
    run_steppers(&(sim_config_t){.seed = 1}, &a);
    run_steppers(&(sim_config_t){.seed = 77}, &b);
    cr_assert_str_eq(a.order, b.order);
    cr_assert_eq(a.fingerprint, b.fingerprint);
}

Test(sched, random_same_seed_same_interleaving)
{
    run_result_t a, b;
    run_steppers(&(sim_config_t){.seed = 5, .strategy = "random"}, &a);
    run_steppers(&(sim_config_t){.seed = 5, .strategy = "random"}, &b);
    cr_assert_str_eq(a.order, b.order);
    cr_assert_eq(a.fingerprint, b.fingerprint, "%016llx vs %016llx",
                 (unsigned long long)a.fingerprint, (unsigned long long)b.fingerprint);
}

Test(sched, random_different_seeds_differ)
{
    run_result_t a, b, fifo;
    run_steppers(&(sim_config_t){.seed = 1}, &fifo);
    run_steppers(&(sim_config_t){.seed = 1, .strategy = "random"}, &a);
    run_steppers(&(sim_config_t){.seed = 2, .strategy = "random"}, &b);
    cr_assert_str_neq(a.order, b.order, "seeds 1 and 2 gave %s", a.order);
    cr_assert_str_neq(a.order, fifo.order);
    cr_assert_neq(a.fingerprint, b.fingerprint);
    /* Every thread still ran every step. */
    for (int i = 0; i < N_THREADS; i++) {
        int count = 0;
        for (int j = 0; a.order[j]; j++)
            count += a.order[j] == 'a' + i;
        cr_assert_eq(count, N_STEPS);
    }
}

Test(sched, choices_are_recorded_only_where_there_was_a_choice)
{
    run_result_t r;
    run_steppers(&(sim_config_t){.seed = 1}, &r);
    /* At the start and after each of the N_STEPS sleeps, 6, 5, 4, 3, 2 threads are ready when
     * one is picked: 5 choices a round, N_STEPS + 1 rounds. */
    cr_assert_eq(r.choices_size, (size_t)5 * (N_STEPS + 1), "%zu choices", r.choices_size);
    for (size_t i = 0; i < r.choices_size; i++)
        cr_assert_eq(r.choices[i], 0, "fifo always picks the first");
}

Test(sched, replay_reproduces_a_random_run)
{
    run_result_t a, b;
    run_steppers(&(sim_config_t){.seed = 9, .strategy = "random"}, &a);
    run_steppers(&(sim_config_t){.seed = 12345,
                                 .strategy = "replay",
                                 .replay_choices = a.choices,
                                 .replay_choices_size = a.choices_size},
                 &b);
    cr_assert_eq(b.end, SIM_END_COMPLETE);
    cr_assert_str_eq(a.order, b.order);
    cr_assert_eq(a.choices_size, b.choices_size);
    cr_assert_eq(memcmp(a.choices, b.choices, a.choices_size), 0);
}

Test(sched, replay_of_too_few_choices_diverges)
{
    run_result_t a, b;
    run_steppers(&(sim_config_t){.seed = 9, .strategy = "random"}, &a);
    run_steppers(&(sim_config_t){.strategy = "replay",
                                 .replay_choices = a.choices,
                                 .replay_choices_size = a.choices_size / 2},
                 &b);
    cr_assert_eq(b.end, SIM_END_DIVERGED, "got %s", sim_end_name(b.end));
}

Test(sched, replay_of_an_impossible_choice_diverges)
{
    static const uint8_t bad[] = {9}; /* index 9 among 6 ready threads */
    run_result_t b;
    run_steppers(&(sim_config_t){.strategy = "replay", .replay_choices = bad,
                                 .replay_choices_size = 1},
                 &b);
    cr_assert_eq(b.end, SIM_END_DIVERGED);
}

Test(sched, choices_hex_round_trip)
{
    static const uint8_t bytes[] = {0, 1, 0x7f, 0x80, 0xff};
    char *hex;
    cr_assert_eq(sim_choices_to_hex(bytes, sizeof(bytes), &hex), 0);
    cr_assert_str_eq(hex, "00017f80ff");
    uint8_t *back;
    size_t n;
    cr_assert_eq(sim_choices_from_hex(hex, &back, &n), 0);
    cr_assert_eq(n, sizeof(bytes));
    cr_assert_eq(memcmp(back, bytes, n), 0);
    cr_assert_eq(sim_choices_from_hex("0g", &back, &n), SIM_EINVAL);
    cr_assert_eq(sim_choices_from_hex("123", &back, &n), SIM_EINVAL);
    free(hex);
}

Test(sched, unknown_strategy_is_refused)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.strategy = "telepathy"}, &s), SIM_EINVAL);
    cr_assert_null(s);
}

Test(sched, sim_choose_from_model_code_is_recorded)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 3, .strategy = "random"}, &s), 0);
    uint32_t picks[20];
    for (int i = 0; i < 20; i++) {
        picks[i] = sim_choose(s, 10);
        cr_assert_lt(picks[i], 10);
    }
    cr_assert_eq(sim_choose(s, 1), 0, "one alternative is not a choice");
    cr_assert_eq(sim_choices_count(s), 20);
    size_t n;
    const uint8_t *c = sim_choices(s, &n);
    cr_assert_eq(n, 20);
    for (int i = 0; i < 20; i++)
        cr_assert_eq(c[i], picks[i]);
    sim_destroy(s);
}

/* ---- How runs end ---- */

static void forever(sim_t *s, void *arg)
{
    (void)arg;
    for (;;)
        sim_sleep(s, SIM_CLOCK_MONO, 1000);
}

Test(sched, time_limit_ends_the_run_at_the_limit)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.time_limit_ns = 10500}, &s), 0);
    cr_assert_eq(sim_thread_create(s, "forever", forever, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_TIME_LIMIT);
    cr_assert_eq(sim_now_boot(s), 10500);
    cr_assert_str_eq(sim_end_name(sim_end_reason(s)), "time_limit");
    sim_destroy(s);
}

Test(sched, event_budget_ends_the_run)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.events_max = 101}, &s), 0);
    cr_assert_eq(sim_thread_create(s, "forever", forever, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_EVENT_BUDGET);
    sim_stats_t st;
    sim_get_stats(s, &st);
    cr_assert_eq(st.events, 101);
    /* One dispatch to start, then a timer and a dispatch per sleep: 50 sleeps done. */
    cr_assert_eq(sim_now_mono(s), 50 * 1000);
    sim_destroy(s);
}

static void park_forever(sim_t *s, void *arg)
{
    (void)arg;
    (void)sim_park(s, SIM_PARK_THREAD);
}

Test(sched, parked_threads_with_nothing_scheduled_stall)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_thread_create(s, "stuck", park_forever, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_STALLED);
    sim_destroy(s);
}

Test(sched, parked_daemons_alone_are_quiescent)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    sim_thread_opts_t d = {.daemon = true};
    cr_assert_eq(sim_thread_create(s, "server", park_forever, NULL, &d, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_QUIESCENT);
    sim_destroy(s);
}

static void brief(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 5);
}

Test(sched, run_completes_when_non_daemons_finish_even_if_daemons_loop)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    sim_thread_opts_t d = {.daemon = true};
    cr_assert_eq(sim_thread_create(s, "ticker", forever, NULL, &d, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "main", brief, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_eq(sim_now_boot(s), 5);
    sim_destroy(s);
}

static void stopper(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 3000);
    sim_stop(s, SIM_END_STOPPED);
    sim_sleep(s, SIM_CLOCK_MONO, 1); /* never returns: the run ends at this park */
    cr_assert_fail("resumed after stop");
}

Test(sched, stop_ends_at_the_next_scheduling_point)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_thread_create(s, "forever", forever, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "stopper", stopper, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_STOPPED);
    cr_assert_eq(sim_now_mono(s), 3000);
    sim_destroy(s);
}

static void yielder(sim_t *s, void *arg)
{
    char id = (char)(intptr_t)arg;
    for (int i = 0; i < 3; i++) {
        order[order_len++] = id;
        order[order_len] = '\0';
        sim_yield(s);
    }
}

Test(sched, yield_lets_the_other_ready_threads_of_the_instant_run)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    order_len = 0;
    cr_assert_eq(sim_thread_create(s, "x", yielder, (void *)(intptr_t)'x', NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "y", yielder, (void *)(intptr_t)'y', NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_str_eq(order, "xyxyxy");
    cr_assert_eq(sim_now_boot(s), 0);
    sim_destroy(s);
}

/* ---- The hot path allocates nothing ---- */

static sim_sem_t pp_sem[2];

static void pinger(sim_t *s, void *arg)
{
    intptr_t rounds = (intptr_t)arg;
    for (intptr_t i = 0; i < rounds; i++) {
        sim_sleep(s, SIM_CLOCK_MONO, 1000);
        sim_sem_post(s, &pp_sem[1]);
        sim_sem_wait(s, &pp_sem[0]);
    }
}

static void ponger(sim_t *s, void *arg)
{
    intptr_t rounds = (intptr_t)arg;
    for (intptr_t i = 0; i < rounds; i++) {
        sim_sem_wait(s, &pp_sem[1]);
        sim_sleep(s, SIM_CLOCK_MONO, 1000);
        sim_sem_post(s, &pp_sem[0]);
    }
}

static uint64_t allocations_for(intptr_t rounds)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.strategy = "random", .seed = 4}, &s), 0);
    sim_sem_init(&pp_sem[0], 0);
    sim_sem_init(&pp_sem[1], 0);
    cr_assert_eq(sim_thread_create(s, "ping", pinger, (void *)rounds, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "pong", ponger, (void *)rounds, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    sim_stats_t st;
    sim_get_stats(s, &st);
    cr_assert_geq(st.switches, (uint64_t)rounds * 2);
    sim_destroy(s);
    return st.allocations;
}

Test(sched, event_loop_and_switches_allocate_nothing)
{
    /* Ten and ten thousand rounds must allocate the same: nothing per event or per switch.
     * (Recording choices grows a buffer by doubling; with two threads there are no choices.) */
    uint64_t small = allocations_for(10), big = allocations_for(10000);
    cr_assert_eq(small, big, "10 rounds: %llu allocations, 10000 rounds: %llu",
                 (unsigned long long)small, (unsigned long long)big);
}
