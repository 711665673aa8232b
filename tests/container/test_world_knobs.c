/* test_world_knobs.c - Goal: the world's knobs for races R5, R10 and R11 do what their scenario
 * keys say: a tool's SuspendContainer (kernel_side.c) is a second client that is never frozen
 * and does not count in the kernel's stats; the governor's lease_failures (sag.c) fail exactly
 * the listed TakeApplicationActivityLease requests; stop_container (timeline.c, world.c)
 * closes the kernel's controller, which the runner watches. Method: small configs run to the
 * end; each test checks the records and, against a control run without the knob, that the
 * knob is what made the difference. */
#include "world_fixture.h"

static const world_proxy_config_t touch = {.name = "touch", .handle_ns = 100000};

/* The config every test here starts from: one proxy and a timeline. */
static world_config_t one_proxy(const world_proxy_config_t *proxy, const world_action_t *timeline,
                                size_t timeline_count)
{
    world_config_t c = fixture_config();
    c.proxies = proxy;
    c.proxy_count = 1;
    c.timeline = timeline;
    c.timeline_count = timeline_count;
    return c;
}

/* R5: the tool's request queues behind the kernel's and is served once that one is replied. */
Test(world_knobs, tool_suspend_is_a_second_client_served_after_the_first)
{
    world_action_t timeline[] = {
        {.at_ns = 10 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 500 * MS, .kind = WORLD_ACTION_SUSPEND, .from_tool = true},
        {.at_ns = 2 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 16},
    };
    world_config_t c = one_proxy(&touch, timeline, 3);
    world_run_opts_t o = fixture_opts(5 * SEC);
    world_t *w = fixture_run(&c, &o);
    fixture_dump(w);
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 2);
    cr_expect_eq(r->suspends[1].sent_ns, 500 * MS + 1800);
    cr_expect_eq(r->suspends[1].result, WORLD_SUSPEND_OK);
    /* Dispatched only once the kernel's wait ended, frozen again after its thaw. */
    cr_expect_gt(r->suspends[1].phase_ns[MANAGER_PHASE_RECEIVED], 2 * SEC);
    cr_expect_gt(r->suspends[1].phase_ns[MANAGER_PHASE_JOB_FROZEN],
                 r->suspends[0].phase_ns[MANAGER_PHASE_THAWED]);
    cr_expect_eq(r->success_count, 1, "the tool's success is not the kernel's");
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

/* R10: request 1 (the first re-acquire) fails; request 0 (Kernels::start) and later ones work. */
static fixture_outcome_t run_lease(const uint32_t *failures, size_t count)
{
    static world_action_t timeline[] = {
        {.at_ns = 10 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 16},
        {.at_ns = 2 * SEC, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 3 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 16},
    };
    world_config_t c = one_proxy(&touch, timeline, 4);
    c.system_suspend_delay_ns = 1 * MS;
    c.lease_failures = failures;
    c.lease_failure_count = count;
    world_run_opts_t o = fixture_opts(5 * SEC);
    return fixture_in_child(&c, &o, NULL, NULL);
}

Test(world_knobs, lease_failures_fail_only_the_listed_requests)
{
    static const uint32_t one[] = {1};
    fixture_outcome_t none = run_lease(NULL, 0);
    fixture_outcome_t failed = run_lease(one, 1);
    cr_expect_neq(none.fingerprint, failed.fingerprint, "the failure changed nothing");
    cr_expect_eq(none.violations[0], 0);
    /* A failure index past every request changes nothing at all. */
    static const uint32_t late[] = {99};
    fixture_outcome_t unused = run_lease(late, 1);
    cr_expect_eq(unused.fingerprint, none.fingerprint);
}

Test(world_knobs, a_refused_lease_leaves_the_runner_without_one)
{
    static const uint32_t one[] = {1};
    world_action_t timeline[] = {
        {.at_ns = 10 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 16},
    };
    world_proxy_config_t slow = touch;
    slow.handle_ns = 3 * MS;
    world_config_t c = one_proxy(&slow, timeline, 2);
    c.system_suspend_delay_ns = 1 * MS;
    c.lease_failures = one;
    c.lease_failure_count = 1;
    world_run_opts_t o = fixture_opts(2 * SEC);
    world_t *w = fixture_run(&c, &o);
    fixture_dump(w);
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 1);
    cr_expect_eq(r->suspends[0].result, WORLD_SUSPEND_OK, "acquire_wake_lease returns Ok(())");
    cr_expect_eq(r->success_count, 1);
    /* No lease: the system suspends again under the thawed container, whose handler read the
     * message but never gets the 3ms it needs to handle it. */
    cr_assert_eq(r->message_count, 1);
    cr_expect_geq(r->messages[0].read_by_container_ns, 0);
    cr_expect_eq(r->messages[0].handled_ns, -1);
    world_destroy(w);
}

/* R11: the runner's on_stop task sees the controller close and removes the kernel; with no
 * suspension in progress nothing else happens. */
Test(world_knobs, stop_container_closes_the_controller)
{
    world_action_t timeline[] = {
        {.at_ns = 10 * MS, .kind = WORLD_ACTION_STOP_CONTAINER},
        {.at_ns = 20 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 16},
    };
    world_config_t c = one_proxy(&touch, timeline, 3);
    world_run_opts_t o = fixture_opts(2 * SEC);
    world_t *w = fixture_run(&c, &o);
    fixture_dump(w);
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 1);
    /* The kernel was removed before the suspend: no lease to drop or take, the cycle works. */
    cr_expect_eq(r->suspends[0].result, WORLD_SUSPEND_OK);
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

Test(world_knobs, stop_container_during_the_lease_await_deadlocks_the_runner)
{
    world_action_t timeline[] = {
        {.at_ns = 10 * MS, .kind = WORLD_ACTION_SUSPEND},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_SEND, .target = 0, .count = 1, .bytes = 16},
        {.at_ns = 1 * SEC, .kind = WORLD_ACTION_STOP_CONTAINER},
    };
    world_config_t c = one_proxy(&touch, timeline, 3);
    world_run_opts_t o = fixture_opts(2 * SEC);
    world_t *w = fixture_run(&c, &o);
    fixture_dump(w);
    const world_results_t *r = world_results(w);
    cr_assert_eq(r->suspend_count, 1);
    cr_expect_eq(r->suspends[0].result, WORLD_SUSPEND_NO_REPLY);
    cr_expect_eq(r->suspends[0].phase_ns[MANAGER_PHASE_LEASE_ACQUIRED], -1);
    cr_expect_eq(r->suspends[0].phase_ns[MANAGER_PHASE_THAWED], -1, "still frozen");
    cr_assert_eq(r->message_count, 1);
    cr_expect_eq(r->messages[0].read_by_container_ns, -1);
    world_destroy(w);
}
