/* sim.c - A run's life: create, destroy, counted allocation, statistics.
 *
 * Everything a run allocates goes through sim__alloc, which counts, so a test can show that
 * the event loop and the context switch allocate nothing once the run is set up.
 */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *sim__alloc(sim_t *s, size_t size)
{
    s->stats.allocations++;
    return calloc(1, size);
}

void *sim__realloc(sim_t *s, void *p, size_t size)
{
    s->stats.allocations++;
    return realloc(p, size);
}

void sim__free(void *p)
{
    free(p);
}

char *sim__strdup(sim_t *s, const char *str)
{
    size_t n = strlen(str) + 1;
    char *copy = sim__alloc(s, n);
    if (copy)
        memcpy(copy, str, n);
    return copy;
}

static const sim_strategy_ops_t *const strategies[] = {
    &sim__strategy_fifo,
    &sim__strategy_random,
    &sim__strategy_replay,
};

const char *const *sim_strategy_names(void)
{
    static const char *const names[] = {"fifo", "random", "replay", NULL};
    return names;
}

static const sim_strategy_ops_t *strategy_find(const char *name)
{
    for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++) {
        if (strcmp(strategies[i]->name, name) == 0)
            return strategies[i];
    }
    return NULL;
}

#define READY_CAPACITY_INITIAL 64u

int sim_create(const sim_config_t *config, sim_t **out)
{
    static const sim_config_t defaults = {0};
    if (!config)
        config = &defaults;
    const char *name = config->strategy ? config->strategy : "fifo";
    const sim_strategy_ops_t *strategy = strategy_find(name);
    if (!strategy || config->time_limit_ns < 0)
        return SIM_EINVAL;
    sim_t *s = calloc(1, sizeof(*s));
    if (!s)
        return SIM_ENOMEM;
    s->stats.allocations = 1;
    s->seed = config->seed;
    s->time_limit_ns = config->time_limit_ns;
    s->events_max = config->events_max;
    s->stack_size = config->stack_size ? config->stack_size : SIM_STACK_SIZE_DEFAULT;
    s->fingerprint = SIM_FINGERPRINT_SEED;
    s->strategy = strategy;
    sim__rng_init(s, config->seed);
    s->ready_capacity = READY_CAPACITY_INITIAL;
    s->ready = sim__alloc(s, s->ready_capacity * sizeof(*s->ready));
    int rc = s->ready ? 0 : SIM_ENOMEM;
    if (rc == 0)
        rc = sim__slots_init(s);
    if (rc == 0)
        rc = sim__queue_init(s, &s->queue[SIM_CLOCK_MONO]);
    if (rc == 0)
        rc = sim__queue_init(s, &s->queue[SIM_CLOCK_BOOT]);
    if (rc == 0)
        rc = strategy->init(s, config);
    if (rc != 0) {
        s->strategy = NULL;
        sim_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sim_destroy(sim_t *s)
{
    if (!s)
        return;
    SIM_ASSERT(s->current == NULL);
    if (s->strategy && s->strategy->deinit)
        s->strategy->deinit(s);
    sim__task_free_all(s);
    sim__queue_deinit(&s->queue[SIM_CLOCK_MONO]);
    sim__queue_deinit(&s->queue[SIM_CLOCK_BOOT]);
    sim__slots_deinit(s);
    sim__invariants_free(s);
    sim__free(s->ready);
    sim__free(s->choices);
    free(s);
}

void sim_get_stats(const sim_t *s, sim_stats_t *out)
{
    *out = s->stats;
}

uint64_t sim_seed(const sim_t *s)
{
    return s->seed;
}

const char *sim_strategy_name(const sim_t *s)
{
    return s->strategy->name;
}

int sim_choices_to_hex(const uint8_t *choices, size_t size, char **out)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(2 * size + 1);
    if (!hex)
        return SIM_ENOMEM;
    for (size_t i = 0; i < size; i++) {
        hex[2 * i] = digits[choices[i] >> 4];
        hex[2 * i + 1] = digits[choices[i] & 15];
    }
    hex[2 * size] = '\0';
    *out = hex;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sim_choices_from_hex(const char *hex, uint8_t **out, size_t *size)
{
    size_t n = strlen(hex);
    if (n % 2)
        return SIM_EINVAL;
    uint8_t *bytes = malloc(n / 2 + 1);
    if (!bytes)
        return SIM_ENOMEM;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(bytes);
            return SIM_EINVAL;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = bytes;
    *size = n / 2;
    return 0;
}
