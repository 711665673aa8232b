/* test_invariants.c - Goal: the world's oracles fire on the bugs they exist for, and stay
 * silent on the revisions that fixed them. Method: R7 (a HAL that dies while the container
 * sleeps) on v1, whose `?` on the watcher loop aborts the resume, against v5w, which prunes
 * the dead watcher; and R8 (a process killed while suspend_job waits for its threads) by
 * scanning the kill time across suspend_job on v5w, whose wait for SUSPENDED never ends for a
 * dead thread, against v6, which also accepts TERMINATED (each kill time runs in a process of its
 * own: fixture_in_child). */
#include "world_fixture.h"

static const world_proxy_config_t touch = {
    .name = "touch",
    .counter_start = 1,
    .decrement = WORLD_DECREMENT_ON_NEXT_READ,
    .handle_ns = 100000,
    .register_at_ns = 0,
};

static world_t *run_r7(const char *variant)
{
    static const world_watcher_config_t hals[] = {
        {.name = "hal_a", .register_at_ns = 0},
        {.name = "hal_b", .register_at_ns = 0},
    };
    static world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 500 * MS, .kind = WORLD_ACTION_CLOSE_WATCHER, .target = 0},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 8},
    };
    world_config_t c = fixture_config();
    c.variant = variant;
    c.proxies = &touch;
    c.proxy_count = 1;
    c.watchers = hals;
    c.watcher_count = 2;
    c.timeline = timeline;
    c.timeline_count = 3;
    world_run_opts_t o = fixture_opts(5 * SEC);
    world_t *w = fixture_run(&c, &o);
    fixture_dump(w);
    return w;
}

Test(invariants, r7_dead_watcher_v1_panics_and_leaves_the_other_asleep)
{
    world_t *w = run_r7("v1");
    fixture_watcher_saw(w, 1, "AS");
    cr_expect_geq(fixture_violations(w, "no_manager_panic"), 1);
    cr_expect_eq(fixture_violations(w, "watcher_agrees"), 1);
    world_destroy(w);
}

Test(invariants, r7_dead_watcher_v5w_is_pruned)
{
    world_t *w = run_r7("v5w");
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 1);
    cr_expect_eq(r->suspends[0].result, WORLD_SUSPEND_OK);
    fixture_watcher_saw(w, 1, "ASA");
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

/* Kills a two-thread process at `kill_ns` while a suspend requested at 100 ms is under way;
 * returns the number of no_deadlock violations. */
static size_t run_r8(const char *variant, int64_t kill_ns, size_t *no_reply)
{
    static const world_thread_config_t threads[] = {
        {.name = "a", .kind = WORLD_THREAD_IDLE},
        {.name = "b", .kind = WORLD_THREAD_BUSY, .burst_ns = 50000, .sleep_ns = 10000},
    };
    static const world_process_config_t procs[] = {
        {.name = "victim", .threads = threads, .thread_count = 2},
    };
    world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = kill_ns, .kind = WORLD_ACTION_KILL_PROCESS, .target = 0},
    };
    world_config_t c = fixture_config();
    c.variant = variant;
    c.container.processes = procs;
    c.container.process_count = 1;
    c.proxies = &touch;
    c.proxy_count = 1;
    c.timeline = timeline;
    c.timeline_count = 2;
    world_run_opts_t o = fixture_opts(20 * SEC);
    fixture_outcome_t out = fixture_in_child(&c, &o, "no_deadlock", "suspend_gets_reply");
    *no_reply = out.violations[1];
    return out.violations[0];
}

Test(invariants, r8_process_dying_mid_suspend_deadlocks_v5w_not_v6, .timeout = 120)
{
    size_t hangs_v5w = 0, hangs_v6 = 0, no_reply_v5w = 0, no_reply_v6 = 0;
    for (int64_t t = 100 * MS; t < 100 * MS + 60000; t += 250) {
        size_t nr;
        hangs_v5w += run_r8("v5w", t, &nr);
        no_reply_v5w += nr;
        hangs_v6 += run_r8("v6", t, &nr);
        no_reply_v6 += nr;
    }
    fprintf(stderr, "v5w: %zu deadlocks, v6: %zu\n", hangs_v5w, hangs_v6);
    cr_expect_gt(hangs_v5w, 0, "some kill time inside suspend_job must hang v5w");
    cr_expect_eq(no_reply_v5w, hangs_v5w);
    cr_expect_eq(hangs_v6, 0);
    cr_expect_eq(no_reply_v6, 0);
}
