/* test_bench.c - The bench workloads reproduce the peers' numbers and are deterministic.
 *
 * Method: compute the expected events and final virtual time independently, as
 * ../shared/bench/tools/expected.c does (no simulator: sums of the drawn sleeps), and compare
 * with what the engine's run reports; rerun to compare fingerprints. */
#include <criterion/criterion.h>

#include "bench.h"

static int64_t expected_timers_ns(uint64_t actors, uint64_t iters, uint64_t seed)
{
    uint64_t master = seed, max_ns = 0;
    for (uint64_t i = 0; i < actors; i++) {
        uint64_t st = sim_splitmix64_next(&master), t = 0;
        for (uint64_t k = 0; k < iters; k++)
            t += (1 + sim_splitmix64_next(&st) % 1000) * 1000;
        if (t > max_ns)
            max_ns = t;
    }
    return (int64_t)max_ns;
}

static bench_result_t run(const char *workload, uint64_t a, uint64_t k, const char *strategy,
                          bool park)
{
    bench_opts_t o;
    bench_opts_default(&o);
    o.workload = workload;
    o.actors = o.pairs = a;
    o.iters = o.rounds = k;
    o.strategy = strategy;
    o.park = park;
    bench_result_t r;
    cr_assert_eq(bench_run(&o, &r), 0);
    cr_assert_eq(r.end, SIM_END_COMPLETE, "ended as %s", sim_end_name(r.end));
    return r;
}

Test(bench, timers_matches_the_reference_answer)
{
    bench_result_t r = run("timers", 100, 1000, NULL, false);
    cr_assert_eq(r.events, 100000);
    cr_assert_eq(r.sim_time_ns, 532785000, "sim_time_ns %lld", (long long)r.sim_time_ns);
    cr_assert_eq(r.sim_time_ns, expected_timers_ns(100, 1000, 1));
    bench_result_t r42 = run("timers", 30, 200, NULL, false);
    cr_assert_eq(r42.sim_time_ns, expected_timers_ns(30, 200, 1));
}

Test(bench, pingpong_matches_the_reference_answer)
{
    bench_result_t r = run("pingpong", 50, 1000, NULL, false);
    cr_assert_eq(r.events, 100000);
    cr_assert_eq(r.sim_time_ns, 2000000);
    bench_result_t p = run("pingpong", 50, 1000, NULL, true);
    cr_assert_eq(p.events, 100000, "park/wake gives the same counts");
    cr_assert_eq(p.sim_time_ns, 2000000);
}

Test(bench, reruns_have_the_same_fingerprint)
{
    bench_result_t a = run("timers", 50, 200, NULL, false), b = run("timers", 50, 200, NULL, false);
    cr_assert_eq(a.fingerprint, b.fingerprint);
    bench_result_t c = run("pingpong", 20, 100, NULL, false),
                   d = run("pingpong", 20, 100, NULL, false);
    cr_assert_eq(c.fingerprint, d.fingerprint);
    cr_assert_neq(a.fingerprint, c.fingerprint);
}

Test(bench, random_strategy_changes_interleaving_not_results)
{
    bench_result_t f = run("pingpong", 20, 100, NULL, false);
    bench_result_t r1 = run("pingpong", 20, 100, "random", false);
    bench_result_t r2 = run("pingpong", 20, 100, "random", false);
    cr_assert_eq(r1.events, f.events);
    cr_assert_eq(r1.sim_time_ns, f.sim_time_ns);
    cr_assert_eq(r1.fingerprint, r2.fingerprint, "same seed, same interleaving");
    cr_assert_neq(r1.fingerprint, f.fingerprint, "random differs from fifo");
}
