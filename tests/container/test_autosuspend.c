/* test_autosuspend.c - Goal: a long autosuspend run with a Poisson message stream stays
 * consistent, and runs are deterministic. Method: the Starnix kernel's autosuspend loop
 * against a stream of messages (mean 700 ms) for 60 virtual seconds with the system
 * suspending between messages; every message must be read, handled and decremented, the
 * counter must end at 0, the stats must match the records, and no invariant may fire. The
 * same world is then run twice (same fingerprint) and with the random strategy under two
 * seeds (each passes its invariants; the seed and strategy are printed to replay it); each
 * compared run has a process of its own (fixture_in_child). */
#include "world_fixture.h"

static const world_thread_config_t threads[] = {
    {.name = "idle", .kind = WORLD_THREAD_IDLE},
    {.name = "worker", .kind = WORLD_THREAD_BUSY, .burst_ns = 1 * MS, .sleep_ns = 300 * MS},
};
static const world_process_config_t procs[] = {
    {.name = "system_server", .threads = threads, .thread_count = 2},
};
static const world_proxy_config_t touch = {
    .name = "touch",
    .counter_start = 1,
    .decrement = WORLD_DECREMENT_ON_NEXT_READ,
    .handle_ns = 500000,
    .register_at_ns = 0,
};
static const world_watcher_config_t hal = {.name = "hal", .register_at_ns = 0};

static world_config_t autosuspend_config(const world_poisson_config_t *stream)
{
    world_config_t c = fixture_config();
    c.system_suspend_delay_ns = 5 * MS;
    c.system_resume_ns = 2 * MS;
    c.container.processes = procs;
    c.container.process_count = 1;
    c.container.suspend = (world_suspend_config_t){
        .mode = WORLD_SUSPEND_AUTO,
        .auto_start_ns = 100 * MS,
        .auto_delay_ns = 20 * MS,
        .auto_backoff_ns = 10 * MS,
        .auto_backoff_max_ns = 1 * SEC,
        .send_wake_locks = true,
        .send_container_job = true,
    };
    c.proxies = &touch;
    c.proxy_count = 1;
    c.watchers = &hal;
    c.watcher_count = 1;
    c.poisson = stream;
    c.poisson_count = 1;
    return c;
}

static const world_poisson_config_t stream = {
    .proxy = 0, .mean_interval_ns = 700 * MS, .start_ns = 0, .stop_ns = 58 * SEC, .bytes = 64};

Test(autosuspend, poisson_stream_for_sixty_seconds, .timeout = 120)
{
    world_config_t c = autosuspend_config(&stream);
    world_run_opts_t o = fixture_opts(60 * SEC);
    world_t *w = fixture_run(&c, &o);
    const world_results_t *r = world_results(w);
    fprintf(stderr, "%zu suspends, %zu messages, %" PRIu64 " events\n", r->suspend_count,
            r->message_count, r->events);
    cr_expect_gt(r->message_count, 40);
    cr_expect_gt(r->suspend_count, 40);
    for (size_t m = 0; m < r->message_count; m++) {
        const world_message_record_t *rec = &r->messages[m];
        cr_expect_geq(rec->forwarded_ns, rec->sent_ns, "message %zu", m);
        cr_expect_geq(rec->read_by_container_ns, rec->forwarded_ns, "message %zu", m);
        cr_expect_geq(rec->handled_ns, rec->read_by_container_ns, "message %zu", m);
        cr_expect_geq(rec->decremented_ns, rec->handled_ns, "message %zu", m);
        cr_expect_geq(rec->container_resumed_ns, rec->sent_ns, "message %zu", m);
    }
    cr_expect_eq(r->counter_end[0], 0, "counter %lld", (long long)r->counter_end[0]);
    uint64_t ok = 0, failed = 0, answered = 0;
    for (size_t i = 0; i < r->suspend_count; i++) {
        ok += r->suspends[i].result == WORLD_SUSPEND_OK;
        failed += r->suspends[i].reply_received_ns >= 0 &&
                  r->suspends[i].result != WORLD_SUSPEND_OK;
        answered += r->suspends[i].reply_received_ns >= 0;
    }
    cr_expect_eq(r->success_count, ok);
    cr_expect_eq(r->fail_count, failed);
    cr_expect_geq(answered + 1, r->suspend_count); /* at most the last one still asleep */
    /* Every cycle is seen as ASLEEP then AWAKE after the AWAKE of the registration. */
    const world_watcher_record_t *hw = &r->watchers[0];
    cr_expect_eq(hw->total % 2, r->suspend_count == answered ? 1 : 0, "total %zu", hw->total);
    if (fixture_violations(w, NULL))
        fixture_dump(w);
    cr_expect_eq(fixture_violations(w, NULL), 0);
    world_destroy(w);
}

/* Each run in its own process (fixture_in_child); returns its fingerprint. */
static uint64_t fingerprint_of(const char *strategy, uint64_t seed, size_t *violations)
{
    world_config_t c = autosuspend_config(&stream);
    world_run_opts_t o = fixture_opts(10 * SEC);
    o.strategy = strategy;
    o.seed = seed;
    fixture_outcome_t out = fixture_in_child(&c, &o, NULL, NULL);
    *violations = out.violations[0];
    if (*violations)
        fprintf(stderr, "replay: strategy=%s seed=%" PRIu64 "\n", strategy, seed);
    return out.fingerprint;
}

Test(autosuspend, same_config_seed_and_strategy_give_the_same_fingerprint, .timeout = 120)
{
    size_t v1, v2;
    uint64_t a = fingerprint_of("fifo", 7, &v1);
    uint64_t b = fingerprint_of("fifo", 7, &v2);
    cr_expect_eq(a, b, "fingerprints %016" PRIx64 " and %016" PRIx64, a, b);
    uint64_t c = fingerprint_of("random", 7, &v1);
    uint64_t d = fingerprint_of("random", 7, &v2);
    cr_expect_eq(c, d, "fingerprints %016" PRIx64 " and %016" PRIx64, c, d);
    uint64_t e = fingerprint_of("fifo", 8, &v1);
    cr_expect_neq(a, e, "another seed draws another Poisson stream");
}

Test(autosuspend, random_strategy_with_two_seeds_passes_the_invariants, .timeout = 120)
{
    for (uint64_t seed = 11; seed <= 12; seed++) {
        size_t violations;
        uint64_t f = fingerprint_of("random", seed, &violations);
        fprintf(stderr, "strategy=random seed=%" PRIu64 " fingerprint=%016" PRIx64 "\n", seed, f);
        cr_expect_eq(violations, 0, "strategy=random seed=%" PRIu64 ": %zu violations", seed,
                     violations);
    }
}
