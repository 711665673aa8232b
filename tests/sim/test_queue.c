/* test_queue.c - The event queue orders timers by (deadline, arming order) and cancels.
 *
 * Method: arm timers from outside any task, run, and record the order in which their
 * callbacks fire; compare with the order the contract in sim.h promises. */
#include <criterion/criterion.h>
#include <string.h>

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

/* ---- White box: the wheel of near-future buckets (queue.c) ---- */

/* Timers re-armed from their own callbacks as time runs, at distances from a few ns (ties and
 * shared buckets) through the wheel's span to well past it, while others are cancelled, and
 * the monotonic clock optionally paused and resumed: the wheel's buckets wrap around many
 * times. Each firing must be the earliest (deadline, arming order) of the live timers of a
 * reference kept beside the queue. */
enum { ROLL_N = 300, ROLL_FIRES = 30000 };

typedef struct roll {
    sim_t *s;
    sim_clock_t clock;
    sim_rng_t rng;
    probe_t p[ROLL_N];
    int64_t deadline[ROLL_N];
    uint64_t seq[ROLL_N];
    bool live[ROLL_N];
    uint64_t arms;
    int fires;
    sim_timer_t pauser;
} roll_t;

static roll_t roll;

static int64_t roll_distance(void)
{
    switch (sim_rng_next_below(&roll.rng, 6)) {
    case 0: return (int64_t)sim_rng_next_below(&roll.rng, 4);              /* ties */
    case 1: return (int64_t)sim_rng_next_below(&roll.rng, 1 << SIM_WHEEL_SHIFT);
    case 2: return (int64_t)sim_rng_next_below(&roll.rng, 1100000);        /* the span */
    case 3: return 1048000 + (int64_t)sim_rng_next_below(&roll.rng, 2000); /* its edge */
    case 4: return (int64_t)sim_rng_next_below(&roll.rng, 5000000);
    default: return 1000 * (int64_t)sim_rng_next_below(&roll.rng, 300);
    }
}

static void roll_arm(int i)
{
    int64_t now = sim_now(roll.s, roll.clock);
    roll.deadline[i] = now + roll_distance();
    roll.seq[i] = roll.arms++;
    roll.live[i] = true;
    sim_timer_start(roll.s, &roll.p[i].timer, roll.clock, roll.deadline[i]);
}

static void roll_fire(sim_t *s, sim_timer_t *t)
{
    int id = ((probe_t *)t->data)->id;
    cr_assert(roll.live[id], "timer %d fired but was not armed", id);
    for (int j = 0; j < ROLL_N; j++) {
        bool earlier = roll.deadline[j] < roll.deadline[id] ||
                       (roll.deadline[j] == roll.deadline[id] && roll.seq[j] < roll.seq[id]);
        cr_assert(!(roll.live[j] && earlier), "fire %d: timer %d (t=%lld) before %d (t=%lld)",
                  roll.fires, id, (long long)roll.deadline[id], j, (long long)roll.deadline[j]);
    }
    cr_assert_eq(roll.deadline[id], sim_now(s, roll.clock));
    roll.live[id] = false;
    if (++roll.fires >= ROLL_FIRES)
        return;
    if (roll.fires % 97 == 0)
        cr_assert(sim__queue_ok(s, &s->queue[roll.clock]), "fire %d", roll.fires);
    roll_arm(id);
    /* Now and then cancel or re-arm another one. */
    int other = (int)sim_rng_next_below(&roll.rng, ROLL_N);
    switch (sim_rng_next_below(&roll.rng, 8)) {
    case 0:
        cr_assert_eq(sim_timer_cancel(s, &roll.p[other].timer), roll.live[other]);
        roll.live[other] = false;
        break;
    case 1:
        roll_arm(other);
        break;
    default:
        break;
    }
}

/* Boot-clock timer that toggles the monotonic clock every 0.7 ms. */
static void roll_pause(sim_t *s, sim_timer_t *t)
{
    if (sim_mono_is_paused(s))
        sim_mono_resume(s);
    else
        sim_mono_pause(s);
    if (roll.fires < ROLL_FIRES)
        sim_timer_start(s, t, SIM_CLOCK_BOOT, sim_now_boot(s) + 700000);
}

static void roll_run(sim_clock_t clock, bool pause, uint64_t seed)
{
    sim_t *s = make_sim();
    memset(&roll, 0, sizeof(roll));
    roll.s = s;
    roll.clock = clock;
    sim_rng_seed(&roll.rng, seed);
    for (int i = 0; i < ROLL_N; i++) {
        roll.p[i].id = i;
        sim_timer_init(&roll.p[i].timer, roll_fire, &roll.p[i]);
        roll_arm(i);
    }
    if (pause) {
        sim_timer_init(&roll.pauser, roll_pause, NULL);
        sim_timer_start(s, &roll.pauser, SIM_CLOCK_BOOT, 700000);
    }
    sim_run(s);
    cr_assert_geq(roll.fires, ROLL_FIRES);
    sim_destroy(s);
}

Test(queue, wheel_rolls_in_reference_order_mono)
{
    roll_run(SIM_CLOCK_MONO, false, 5);
}

Test(queue, wheel_rolls_in_reference_order_boot)
{
    roll_run(SIM_CLOCK_BOOT, false, 6);
}

Test(queue, wheel_rolls_in_reference_order_with_mono_paused)
{
    roll_run(SIM_CLOCK_MONO, true, 7);
}

/* Many deadlines in one bucket armed in decreasing order: the walk back from the bucket's tail
 * is cut short and the rest go to the heap; the order is unchanged. */
Test(queue, crowded_bucket_spills_to_the_heap)
{
    sim_t *s = make_sim();
    enum { N = 200 };
    static probe_t p[N];
    static int64_t deadline[N];
    static bool live[N];
    for (int i = 0; i < N; i++) {
        p[i].id = i;
        sim_timer_init(&p[i].timer, on_fire, &p[i]);
        /* One far timer first, so the rest are not monotone (not the FIFO's). */
        deadline[i] = i == 0 ? 5000000 : 900 - (i % 100) * 3;
        sim_timer_start(s, &p[i].timer, SIM_CLOCK_MONO, deadline[i]);
        live[i] = true;
    }
    const sim_queue_t *q = &s->queue[SIM_CLOCK_MONO];
    cr_assert(sim__queue_ok(s, q));
    cr_assert_gt(q->wheel.count, 0, "some went to the wheel");
    cr_assert_gt(q->heap.count, 0, "some spilled to the heap");
    for (int i = 1; i < N; i += 7) {
        cr_assert(sim_timer_cancel(s, &p[i].timer));
        live[i] = false;
    }
    cr_assert(sim__queue_ok(s, q));
    sim_run(s);
    assert_fired_in_order(deadline, live, N);
    sim_destroy(s);
}
