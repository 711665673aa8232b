/* strategy_replay.c - Replays recorded choices (sim_choices of an earlier run), one per choice
 * point. A recorded index that does not fit the alternatives offered, or running out of
 * recorded choices, means the run is not the recorded one: the run ends as `diverged`. */
#include "sim_int.h"

static int replay_init(sim_t *s, const sim_config_t *config)
{
    if (!config->replay_choices && config->replay_choices_size)
        return SIM_EINVAL;
    s->replay = config->replay_choices;
    s->replay_size = config->replay_choices_size;
    s->replay_pos = 0;
    return 0;
}

static uint32_t replay_choose(sim_t *s, uint32_t n)
{
    uint64_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (s->replay_pos >= s->replay_size)
            return n; /* exhausted */
        uint8_t byte = s->replay[s->replay_pos++];
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return value < n ? (uint32_t)value : n;
    }
    return n; /* malformed varint */
}

const sim_strategy_ops_t sim__strategy_replay = {
    .name = "replay",
    .init = replay_init,
    .choose = replay_choose,
};
