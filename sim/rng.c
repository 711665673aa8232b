/* rng.c - Seeded randomness with independent streams.
 *
 * Each stream (schedule, jitter, workload) is an xoshiro256** generator seeded from the run's
 * seed and the stream number through splitmix64, the way TigerBeetle derives per-subsystem
 * seeds: drawing from one stream never shifts another, so adding jitter does not change the
 * workload. Everything is integer arithmetic, identical on every machine; the one
 * floating-point function (the exponential draw) uses only IEEE basic operations, not libm,
 * whose last-bit accuracy differs between C libraries.
 */
#include "sim_int.h"

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(sim_rng_t *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = sim_splitmix64_next(&x);
}

uint64_t sim_rng_next(sim_rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Lemire's nearly divisionless method: unbiased, one multiplication in the common case. */
uint64_t sim_rng_next_below(sim_rng_t *rng, uint64_t n)
{
    SIM_ASSERT(n > 0);
    unsigned __int128 m = (unsigned __int128)sim_rng_next(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (unsigned __int128)sim_rng_next(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

uint64_t sim_rng_stream_seed(uint64_t seed, sim_rng_stream_t stream)
{
    uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * ((uint64_t)stream + 1));
    return sim_splitmix64_next(&x);
}

void sim__rng_init(sim_t *s, uint64_t seed)
{
    for (int i = 0; i < SIM_RNG_STREAMS; i++)
        sim_rng_seed(&s->rng[i], sim_rng_stream_seed(seed, (sim_rng_stream_t)i));
}

uint64_t sim_rng_u64(sim_t *s, sim_rng_stream_t stream)
{
    SIM_ASSERT((unsigned)stream < SIM_RNG_STREAMS);
    return sim_rng_next(&s->rng[stream]);
}

uint64_t sim_rng_below(sim_t *s, sim_rng_stream_t stream, uint64_t n)
{
    SIM_ASSERT((unsigned)stream < SIM_RNG_STREAMS);
    return sim_rng_next_below(&s->rng[stream], n);
}

double sim_rng_double(sim_t *s, sim_rng_stream_t stream)
{
    return (double)(sim_rng_u64(s, stream) >> 11) * 0x1.0p-53;
}

/* Natural logarithm of x in (0, 1], from basic IEEE operations only: x = m * 2^e with m in
 * [sqrt(1/2), sqrt(2)), ln(m) = 2 atanh(z), z = (m-1)/(m+1), |z| < 0.172, series to z^29
 * (error below 1e-17 relative). */
static double log_det(double x)
{
    int e = 0;
    while (x < 0.70710678118654752440) {
        x *= 2.0;
        e--;
    }
    double z = (x - 1.0) / (x + 1.0);
    double z2 = z * z;
    double sum = 0.0;
    for (int k = 29; k >= 1; k -= 2)
        sum = sum * z2 + 1.0 / k;
    return 2.0 * z * sum + e * 0.69314718055994530942;
}

int64_t sim_rng_exp_ns(sim_t *s, sim_rng_stream_t stream, int64_t mean_ns)
{
    SIM_ASSERT(mean_ns >= 0);
    /* u in (0, 1]: never log(0). */
    double u = (double)((sim_rng_u64(s, stream) >> 11) + 1) * 0x1.0p-53;
    double d = -(double)mean_ns * log_det(u);
    if (d >= 9.2e18)
        return INT64_MAX;
    return (int64_t)(d + 0.5);
}
