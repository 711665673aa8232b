/* test_queue.c - The event queue orders timers by (deadline, arming order) and cancels.
 *
 * Method: arm timers from outside any task, run, and record the order in which their
 * callbacks fire; compare with the order the contract in sim.h promises. */
#include <criterion/criterion.h>

#include "sim.h"

#define MAX_FIRED 8192

typedef struct fire_log {
    int ids[MAX_FIRED];
    int64_t at[MAX_FIRED];
    int count;
} fire_log_t;

static fire_log_t fired;

typedef struct probe {
    sim_timer_t timer;
    int id;
} probe_t;

static void on_fire(sim_t *s, sim_timer_t *t)
{
    probe_t *p = t->data;
    fired.ids[fired.count] = p->id;
    fired.at[fired.count] = sim_now_boot(s);
    fired.count++;
}

static sim_t *make_sim(void)
{
    sim_t *s = NULL;
    sim_config_t cfg = {.seed = 1};
    cr_assert_eq(sim_create(&cfg, &s), 0);
    fired.count = 0;
    return s;
}

/* Every live timer fired once, and in (deadline, arming order): the queue's contract. */
static void assert_fired_in_order(const int64_t *deadline, const bool *live, int n)
{
    int expect = 0;
    for (int i = 0; i < n; i++)
        expect += live[i];
    cr_assert_eq(fired.count, expect);
    for (int i = 1; i < fired.count; i++) {
        int a = fired.ids[i - 1], b = fired.ids[i];
        cr_assert(deadline[a] < deadline[b] || (deadline[a] == deadline[b] && a < b),
                  "timer %d (t=%lld) fired before %d (t=%lld)", a, (long long)deadline[a], b,
                  (long long)deadline[b]);
    }
}

Test(queue, pops_in_deadline_order)
{
    sim_t *s = make_sim();
    static probe_t p[5];
    int64_t deadlines[5] = {50, 10, 40, 20, 30};
    for (int i = 0; i < 5; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_MONO, deadlines[i]);
    }
    cr_assert_eq(sim_run(s), SIM_END_QUIESCENT);
    int want[5] = {1, 3, 4, 2, 0};
    cr_assert_eq(fired.count, 5);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(fired.ids[i], want[i], "position %d: got timer %d, want %d", i,
                     fired.ids[i], want[i]);
        cr_assert_eq(fired.at[i], deadlines[want[i]]);
    }
    sim_destroy(s);
}

Test(queue, equal_times_pop_in_push_order)
{
    sim_t *s = make_sim();
    static probe_t p[100];
    for (int i = 0; i < 100; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        /* Two deadlines, interleaved: each group must keep its arming order. */
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_MONO, (i % 2) ? 200 : 100);
    }
    sim_run(s);
    cr_assert_eq(fired.count, 100);
    for (int i = 0; i < 50; i++) {
        cr_assert_eq(fired.ids[i], 2 * i, "slot %d got %d", i, fired.ids[i]);
        cr_assert_eq(fired.ids[50 + i], 2 * i + 1, "slot %d got %d", 50 + i, fired.ids[50 + i]);
    }
    sim_destroy(s);
}

Test(queue, rearming_moves_to_the_back_of_its_instant)
{
    sim_t *s = make_sim();
    static probe_t p[3];
    for (int i = 0; i < 3; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_BOOT, 7);
    }
    sim_timer_start(s, &p[0].timer, SIM_CLOCK_BOOT, 7); /* re-arm: new sequence number */
    sim_run(s);
    cr_assert_eq(fired.count, 3, "a re-armed timer fires once");
    cr_assert_eq(fired.ids[0], 1);
    cr_assert_eq(fired.ids[1], 2);
    cr_assert_eq(fired.ids[2], 0);
    sim_destroy(s);
}

Test(queue, cancel_removes_only_that_timer)
{
    sim_t *s = make_sim();
    static probe_t p[64];
    for (int i = 0; i < 64; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_MONO, 1000 - i * 7 % 64);
    }
    for (int i = 0; i < 64; i += 3) {
        cr_assert(sim_timer_cancel(s, &p[i].timer));
        cr_assert_not(sim_timer_is_armed(&p[i].timer));
        cr_assert_not(sim_timer_cancel(s, &p[i].timer), "a second cancel reports not armed");
    }
    sim_run(s);
    cr_assert_eq(fired.count, 64 - 22);
    for (int i = 0; i < fired.count; i++) {
        cr_assert_neq(fired.ids[i] % 3, 0, "cancelled timer %d fired", fired.ids[i]);
        if (i > 0)
            cr_assert_geq(fired.at[i], fired.at[i - 1]);
    }
    sim_destroy(s);
}

/* A pseudo-random mix of arms and cancels against a reference ordering. */
Test(queue, random_mix_matches_reference_order)
{
    sim_t *s = make_sim();
    static probe_t p[MAX_FIRED];
    static int64_t deadline[MAX_FIRED];
    static bool live[MAX_FIRED];
    sim_rng_t rng;
    sim_rng_seed(&rng, 99);
    int n = 2000;
    for (int i = 0; i < n; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        deadline[i] = (int64_t)sim_rng_next_below(&rng, 500);
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_MONO, deadline[i]);
        live[i] = true;
        if (i > 10 && sim_rng_next_below(&rng, 4) == 0) {
            int victim = (int)sim_rng_next_below(&rng, (uint64_t)i);
            bool was = sim_timer_cancel(s, &p[victim].timer);
            cr_assert_eq(was, live[victim]);
            live[victim] = false;
        }
    }
    sim_run(s);
    assert_fired_in_order(deadline, live, n);
    sim_destroy(s);
}

Test(queue, past_deadline_fires_at_the_current_instant)
{
    sim_t *s = make_sim();
    static probe_t p;
    p.id = 0;
    sim_timer_init(&p.timer, on_fire, &p);
    sim_timer_start(s, &p.timer, SIM_CLOCK_MONO, -5);
    sim_run(s);
    cr_assert_eq(fired.count, 1);
    cr_assert_eq(fired.at[0], 0);
    sim_destroy(s);
}

/* ---- White box: the sorted FIFO beside the heap (queue.c) ---- */

#include "sim_int.h"

/* Monotone arming goes to the FIFO; cancelling most of it leaves tombstones that are skipped
 * and compacted; interleaved out-of-order arming goes to the heap; the firing order is still
 * exactly (deadline, arming order). */
Test(queue, fifo_tombstones_and_heap_keep_one_order)
{
    sim_t *s = make_sim();
    enum { N = 3000 };
    static probe_t p[N];
    static int64_t deadline[N];
    static bool live[N];
    for (int i = 0; i < N; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        /* Mostly increasing (FIFO), every 7th one earlier (heap), runs of equal deadlines. */
        deadline[i] = (i % 7 == 0) ? (i / 2) : (int64_t)(i / 3) * 10;
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_MONO, deadline[i]);
        live[i] = true;
    }
    cr_assert(sim__queue_ok(s, &s->queue[SIM_CLOCK_MONO]));
    for (int i = 0; i < N; i++) {
        if (i % 5 != 0) {
            cr_assert(sim_timer_cancel(s, &p[i].timer));
            live[i] = false;
        }
        if (i % 100 == 0)
            cr_assert(sim__queue_ok(s, &s->queue[SIM_CLOCK_MONO]), "after cancel %d", i);
    }
    cr_assert_lt(s->queue[SIM_CLOCK_MONO].fifo.tail - s->queue[SIM_CLOCK_MONO].fifo.head, 1000,
                 "tombstones were compacted");
    sim_run(s);
    assert_fired_in_order(deadline, live, N);
    sim_destroy(s);
}

/* More timers than the initial capacities: the FIFO ring, the heap and the slot table grow
 * while entries are live, and positions stay right. */
Test(queue, growth_keeps_positions)
{
    sim_t *s = make_sim();
    enum { N = 5000 };
    static probe_t p[N];
    for (int i = 0; i < N; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_BOOT, (i % 2) ? i : N - i);
    }
    cr_assert(sim__queue_ok(s, &s->queue[SIM_CLOCK_BOOT]));
    for (int i = 0; i < N; i += 10)
        cr_assert(sim_timer_cancel(s, &p[i].timer));
    cr_assert(sim__queue_ok(s, &s->queue[SIM_CLOCK_BOOT]));
    sim_run(s);
    cr_assert_eq(fired.count, N - N / 10);
    sim_destroy(s);
}
