/* strategy_fifo.c - The default strategy: the thread made ready first runs first. */
#include "sim_int.h"

static int fifo_init(sim_t *s, const sim_config_t *config)
{
    (void)s;
    (void)config;
    return 0;
}

static uint32_t fifo_choose(sim_t *s, uint32_t n)
{
    (void)s;
    (void)n;
    return 0;
}

const sim_strategy_ops_t sim__strategy_fifo = {
    .name = "fifo",
    .init = fifo_init,
    .choose = fifo_choose,
};
