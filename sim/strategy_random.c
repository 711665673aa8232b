/* strategy_random.c - Uniform choice among the alternatives, from the schedule stream.
 * The same seed gives the same choices; a different seed explores another interleaving. */
#include "sim_int.h"

static int random_init(sim_t *s, const sim_config_t *config)
{
    (void)s;
    (void)config;
    return 0;
}

static uint32_t random_choose(sim_t *s, uint32_t n)
{
    return (uint32_t)sim_rng_below(s, SIM_RNG_SCHEDULE, n);
}

const sim_strategy_ops_t sim__strategy_random = {
    .name = "random",
    .init = random_init,
    .choose = random_choose,
};
