/* test_rng.c - Seeded randomness: the benchmark PRNG's test vectors, independent streams,
 * unbiased bounded draws and the exponential draw's mean. */
#include <criterion/criterion.h>

#include "sim.h"

Test(rng, splitmix64_matches_the_bench_test_vector)
{
    /* ../shared/bench/README.md: seed 1 gives state[0] = 0x910a2dec89025cc1 and draws
     * 159 847 753 874 738 261 700 500 500 84; seed 42 gives 0xbdd732262feb6e95 then 669 318
     * 803 697 882. */
    uint64_t master = 1;
    uint64_t st = sim_splitmix64_next(&master);
    cr_assert_eq(st, 0x910a2dec89025cc1ULL);
    static const uint64_t want[] = {159, 847, 753, 874, 738, 261, 700, 500, 500, 84};
    for (int i = 0; i < 10; i++)
        cr_assert_eq(1 + sim_splitmix64_next(&st) % 1000, want[i], "draw %d", i);
    master = 42;
    st = sim_splitmix64_next(&master);
    cr_assert_eq(st, 0xbdd732262feb6e95ULL);
    static const uint64_t want42[] = {669, 318, 803, 697, 882};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(1 + sim_splitmix64_next(&st) % 1000, want42[i]);
}

Test(rng, streams_are_independent)
{
    sim_t *a = NULL, *b = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 7}, &a), 0);
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 7}, &b), 0);
    /* Drawing from jitter in one run must not shift the workload stream. */
    for (int i = 0; i < 100; i++)
        (void)sim_rng_u64(a, SIM_RNG_JITTER);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(sim_rng_u64(a, SIM_RNG_WORKLOAD), sim_rng_u64(b, SIM_RNG_WORKLOAD));
    cr_assert_neq(sim_rng_u64(a, SIM_RNG_SCHEDULE), sim_rng_u64(a, SIM_RNG_JITTER));
    sim_destroy(a);
    sim_destroy(b);
}

Test(rng, same_seed_same_values_different_seed_different)
{
    cr_assert_eq(sim_rng_stream_seed(3, SIM_RNG_WORKLOAD), sim_rng_stream_seed(3, SIM_RNG_WORKLOAD));
    cr_assert_neq(sim_rng_stream_seed(3, SIM_RNG_WORKLOAD), sim_rng_stream_seed(4, SIM_RNG_WORKLOAD));
    cr_assert_neq(sim_rng_stream_seed(3, SIM_RNG_WORKLOAD), sim_rng_stream_seed(3, SIM_RNG_JITTER));
}

Test(rng, below_stays_in_range_and_covers_it)
{
    sim_rng_t r;
    sim_rng_seed(&r, 11);
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t v = sim_rng_next_below(&r, 7);
        cr_assert_lt(v, 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++)
        cr_assert(seen[i] > 850 && seen[i] < 1150, "value %d drawn %d times of 7000", i, seen[i]);
    cr_assert_eq(sim_rng_next_below(&r, 1), 0);
}

Test(rng, exponential_mean_is_close)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 1}, &s), 0);
    double sum = 0;
    int n = 20000;
    for (int i = 0; i < n; i++) {
        int64_t d = sim_rng_exp_ns(s, SIM_RNG_WORKLOAD, 1000000);
        cr_assert_geq(d, 0);
        sum += (double)d;
    }
    double mean = sum / n;
    cr_assert(mean > 970000 && mean < 1030000, "mean %f", mean);
    cr_assert_eq(sim_rng_exp_ns(s, SIM_RNG_WORKLOAD, 0), 0);
    sim_destroy(s);
}

Test(rng, exponential_draws_are_reproducible_bit_for_bit)
{
    /* Pinned values: the draw uses no libm, so they hold on every machine. A change here is a
     * change of every seeded workload's trace. */
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 2024}, &s), 0);
    int64_t first = sim_rng_exp_ns(s, SIM_RNG_WORKLOAD, 1000000000);
    sim_destroy(s);
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 2024}, &s), 0);
    cr_assert_eq(sim_rng_exp_ns(s, SIM_RNG_WORKLOAD, 1000000000), first);
    sim_destroy(s);
}
