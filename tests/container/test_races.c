/* test_races.c - Goal: the world can provoke the races of reference section 7 and its
 * invariants see them. Method: one small scenario per race, run on the variants where the
 * race behaves differently; each test checks the symptom the reference describes and which
 * invariant fires (or that none does). */
#include "world_fixture.h"

static const world_proxy_config_t touch = {
    .name = "touch",
    .counter_start = 1,
    .decrement = WORLD_DECREMENT_ON_NEXT_READ,
    .handle_ns = 100000,
    .register_at_ns = 0,
};

/* R1: a proxy's peer closes while the container sleeps; the proxy task's exit blocks on the
 * wake-sources mutex held across the wait. */
static world_t *run_r1(const char *variant)
{
    static world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_CLOSE_PEER, .target = 0, .remote_side = true},
    };
    world_config_t c = fixture_config();
    c.variant = variant;
    c.proxies = &touch;
    c.proxy_count = 1;
    c.timeline = timeline;
    c.timeline_count = 2;
    world_run_opts_t o = fixture_opts(30 * SEC);
    world_t *w = fixture_run(&c, &o);
    fixture_dump(w);
    return w;
}

Test(races, r1_peer_close_while_suspended_v5w_wakes_at_the_deadline)
{
    world_t *w = run_r1("v5w");
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 1);
    const world_suspend_record_t *s = &r->suspends[0];
    cr_expect_eq(s->result, WORLD_SUSPEND_OK);
    cr_expect(!s->has_resume_reason, "reason %s", s->resume_reason);
    /* The wait began a few µs after 100 ms and ended exactly 9 s (monotonic = boot here) later. */
    int64_t waited = s->phase_ns[MANAGER_PHASE_WOKEN] - s->phase_ns[MANAGER_PHASE_WAIT_BEGUN];
    cr_expect_geq(waited, 9 * SEC);
    cr_expect_lt(waited, 9 * SEC + 1 * MS);
    cr_expect(r->remote_saw_peer_closed[0] == false); /* the remote closed it itself */
    cr_expect_eq(fixture_violations(w, "suspend_gets_reply"), 0);
    world_destroy(w);
}

Test(races, r1_peer_close_while_suspended_v1_never_wakes)
{
    world_t *w = run_r1("v1");
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 1);
    cr_expect_eq(r->suspends[0].result, WORLD_SUSPEND_NO_REPLY);
    cr_expect(!r->suspends[0].channel_closed);
    cr_expect_eq(r->suspends[0].reply_received_ns, -1);
    cr_expect_eq(fixture_violations(w, "suspend_gets_reply"), 1);
    world_destroy(w);
}

/* R2: 65 wake sources: object_wait_many fails with OUT_OF_RANGE at once, the runner resumes
 * immediately with no reason; the watcher flaps ASLEEP/AWAKE within microseconds. */
Test(races, r2_more_than_64_sources_resume_at_once)
{
    enum { N = 65 };
    static world_source_config_t sources[N];
    static char names[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "irq%d", i);
        sources[i] = (world_source_config_t){.name = names[i], .kind = WORLD_SOURCE_EVENT,
                                             .signals = ZX_USER_SIGNAL_0, .add_at_ns = 0};
    }
    static const world_watcher_config_t hal = {.name = "hal", .register_at_ns = 0};
    world_action_t timeline[] = {{.at_ns = 100 * MS, .kind = WORLD_ACTION_SUSPEND}};
    world_config_t c = fixture_config();
    c.sources = sources;
    c.source_count = N;
    c.watchers = &hal;
    c.watcher_count = 1;
    c.timeline = timeline;
    c.timeline_count = 1;
    world_run_opts_t o = fixture_opts(2 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fixture_dump(w);
    cr_assert_eq(r->suspend_count, 1);
    const world_suspend_record_t *s = &r->suspends[0];
    cr_expect_eq(s->result, WORLD_SUSPEND_OK);
    cr_expect(!s->has_resume_reason);
    cr_expect_lt(s->suspend_time_ns, 1 * MS, "suspend_time %lld", (long long)s->suspend_time_ns);
    cr_expect_lt(s->phase_ns[MANAGER_PHASE_WOKEN] - s->phase_ns[MANAGER_PHASE_WAIT_BEGUN],
                 100000);
    fixture_watcher_saw(w, 0, "ASA");
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

/* R6: a counter created at 0 with a handler that decrements on its next read goes to -1; the
 * next message only brings it back to 0 (NON_POSITIVE), so it does not wake the container. */
Test(races, r6_counter_zero_with_decrement_on_next_read_loses_the_wake)
{
    world_proxy_config_t p = touch;
    p.counter_start = 0;
    world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 8},
    };
    world_config_t c = fixture_config();
    c.proxies = &p;
    c.proxy_count = 1;
    c.timeline = timeline;
    c.timeline_count = 2;
    world_run_opts_t o = fixture_opts(20 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fixture_dump(w);
    cr_assert_eq(r->suspend_count, 1);
    cr_assert_eq(r->message_count, 1);
    cr_expect_geq(r->messages[0].forwarded_ns, 1 * SEC);
    /* Twice below 0: the first next() (-1), and after the message the next read again. */
    cr_expect_eq(fixture_violations(w, "counter_non_negative"), 2);
    cr_expect_eq(fixture_violations(w, "message_wakes_container"), 1);
    /* The container wakes only at the 9 s deadline, with no reason. */
    cr_expect(!r->suspends[0].has_resume_reason);
    cr_expect_gt(r->suspends[0].phase_ns[MANAGER_PHASE_WOKEN], 9 * SEC);
    world_destroy(w);
}

/* R19: ProxyWakeChannel without its counter is dropped by the runner, so the remote sees
 * PEER_CLOSED at once and its later messages cannot be written; a well-formed proxy with
 * `reply` echoes every message back to its remote. */
Test(races, r19_proxy_without_counter_is_dropped)
{
    world_proxy_config_t proxies[] = {touch, touch};
    proxies[0].name = "bad";
    proxies[0].omit_counter = true;
    proxies[1].name = "echo";
    proxies[1].reply = true;
    world_action_t timeline[] = {
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_SEND, .target = 0, .count = 2, .bytes = 8},
        {.at_ns = 100 * MS, .kind = WORLD_ACTION_SEND, .target = 1, .count = 2, .bytes = 8},
    };
    world_config_t c = fixture_config();
    c.proxies = proxies;
    c.proxy_count = 2;
    c.timeline = timeline;
    c.timeline_count = 2;
    world_run_opts_t o = fixture_opts(1 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fixture_dump(w);
    cr_expect(r->remote_saw_peer_closed[0]);
    cr_expect(!r->remote_saw_peer_closed[1]);
    cr_expect_eq(r->remote_received[1], 2);
    cr_assert_eq(r->message_count, 2, "only the echo proxy's messages were written");
    cr_expect_eq(r->messages[0].proxy, 1);
    cr_expect_geq(r->messages[1].handled_ns, 0);
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}
