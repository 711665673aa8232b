/* cmd_bench.c - `wakesim bench`: the engine on the peer benchmarks' two workloads.
 *
 * The workloads are those of ../shared/bench/README.md, with the same definitions, PRNG,
 * seeds and parameters as the SimGrid and SimPy peers, so `events` and `sim_time_ns` must
 * equal theirs. Actors are simulated threads that really sleep on the engine's timers and
 * signal/wait through its semaphores (or park/wake); nothing is short-cut.
 *
 * wall_s is host wall-clock time from a monotonic clock, from just before the first actor is
 * created until sim_run returns, as the README defines it. The host clock is read only here,
 * never inside a run.
 */
#include "cli.h"
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_STACK_SIZE (64u * 1024u)

static double wall_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t bench_events; /* one counter for all actors: they never run concurrently */

/* ---- timers --------------------------------------------------------------------------------- */

typedef struct timer_actor {
    uint64_t state; /* this actor's splitmix64 stream */
    uint64_t iters;
} timer_actor_t;

static void timer_actor_run(sim_t *s, void *arg)
{
    timer_actor_t *a = arg;
    for (uint64_t k = 0; k < a->iters; k++) {
        uint64_t d_us = 1 + sim_splitmix64_next(&a->state) % 1000;
        sim_sleep(s, SIM_CLOCK_MONO, (int64_t)(d_us * 1000));
        bench_events++;
    }
}

/* ---- pingpong ------------------------------------------------------------------------------- */

typedef struct pp_pair {
    sim_sem_t to_a, to_b;
    sim_task_t *a, *b; /* for --prim=park */
    uint64_t rounds;
    bool park;
} pp_pair_t;

#define HOP_NS 1000

static void pp_signal(sim_t *s, pp_pair_t *p, sim_sem_t *sem, sim_task_t *peer)
{
    if (p->park)
        sim_wake(s, peer, 0);
    else
        sim_sem_post(s, sem);
}

static void pp_wait(sim_t *s, pp_pair_t *p, sim_sem_t *sem)
{
    if (p->park)
        (void)sim_park(s, SIM_PARK_THREAD);
    else
        sim_sem_wait(s, sem);
}

static void pp_a_run(sim_t *s, void *arg)
{
    pp_pair_t *p = arg;
    p->a = sim_task_self(s);
    for (uint64_t r = 0; r < p->rounds; r++) {
        sim_sleep(s, SIM_CLOCK_MONO, HOP_NS);
        pp_signal(s, p, &p->to_b, p->b);
        pp_wait(s, p, &p->to_a);
        bench_events++;
    }
}

static void pp_b_run(sim_t *s, void *arg)
{
    pp_pair_t *p = arg;
    p->b = sim_task_self(s);
    for (uint64_t r = 0; r < p->rounds; r++) {
        pp_wait(s, p, &p->to_b);
        bench_events++;
        sim_sleep(s, SIM_CLOCK_MONO, HOP_NS);
        pp_signal(s, p, &p->to_a, p->a);
    }
}

/* ---- Running -------------------------------------------------------------------------------- */

typedef struct bench_opts {
    const char *workload;
    uint64_t actors, iters, seed, pairs, rounds;
    const char *prim;
    const char *strategy;
} bench_opts_t;

static int bench_spawn(sim_t *s, const bench_opts_t *o, void *mem)
{
    sim_thread_opts_t topts = {.stack_size = BENCH_STACK_SIZE};
    char name[32];
    if (strcmp(o->workload, "timers") == 0) {
        timer_actor_t *actors = mem;
        uint64_t master = o->seed;
        for (uint64_t i = 0; i < o->actors; i++) {
            actors[i] = (timer_actor_t){.state = sim_splitmix64_next(&master), .iters = o->iters};
            snprintf(name, sizeof(name), "t%llu", (unsigned long long)i);
            if (sim_thread_create(s, name, timer_actor_run, &actors[i], &topts, NULL) != 0)
                return -1;
        }
        return 0;
    }
    pp_pair_t *pairs = mem;
    for (uint64_t i = 0; i < o->pairs; i++) {
        pp_pair_t *p = &pairs[i];
        *p = (pp_pair_t){.rounds = o->rounds, .park = strcmp(o->prim, "park") == 0};
        sim_sem_init(&p->to_a, 0);
        sim_sem_init(&p->to_b, 0);
        snprintf(name, sizeof(name), "a%llu", (unsigned long long)i);
        if (sim_thread_create(s, name, pp_a_run, p, &topts, NULL) != 0)
            return -1;
        snprintf(name, sizeof(name), "b%llu", (unsigned long long)i);
        if (sim_thread_create(s, name, pp_b_run, p, &topts, NULL) != 0)
            return -1;
    }
    return 0;
}

static int bench_run(const bench_opts_t *o)
{
    bool timers = strcmp(o->workload, "timers") == 0;
    size_t count = timers ? o->actors : o->pairs;
    void *mem = calloc(count ? count : 1, timers ? sizeof(timer_actor_t) : sizeof(pp_pair_t));
    sim_config_t cfg = {.seed = o->seed, .strategy = o->strategy};
    sim_t *s = NULL;
    if (!mem || sim_create(&cfg, &s) != 0) {
        free(mem);
        cli_error("bench: cannot set up the run (out of memory)");
        return CLI_EXIT_INTERNAL;
    }
    bench_events = 0;
    double t0 = wall_now_s();
    if (bench_spawn(s, o, mem) != 0) {
        sim_destroy(s);
        free(mem);
        cli_error("bench: cannot create the actors (out of memory)");
        return CLI_EXIT_INTERNAL;
    }
    sim_end_t end = sim_run(s);
    double wall = wall_now_s() - t0;
    int rc = CLI_EXIT_OK;
    if (end != SIM_END_COMPLETE && !(count == 0 && end == SIM_END_QUIESCENT)) {
        cli_error("bench: the run ended as '%s' (%s)", sim_end_name(end),
                  sim_end_description(end));
        rc = CLI_EXIT_INTERNAL;
    }
    printf("events=%llu sim_time_ns=%lld wall_s=%.6f events_per_s=%.0f\n",
           (unsigned long long)bench_events, (long long)sim_now_boot(s), wall,
           wall > 0 ? (double)bench_events / wall : 0.0);
    fflush(stdout);
    sim_destroy(s);
    free(mem);
    return rc;
}

static void bench_help(void)
{
    printf("usage: wakesim bench timers   [--actors=A] [--iters=K] [--seed=S]\n"
           "       wakesim bench pingpong [--pairs=P] [--rounds=R] [--prim=sem|park]\n\n"
           "Runs one workload of ../shared/bench/README.md on the engine and prints one line:\n"
           "  events=N sim_time_ns=T wall_s=W events_per_s=R\n\n"
           "  timers    A actors each sleep K times a duration of 1..1000 us drawn from\n"
           "            splitmix64 (defaults A=1000 K=1000 S=1)\n"
           "  pingpong  P pairs pass a signal back and forth R times with a 1 us sleep\n"
           "            before each signal (defaults P=500 R=1000); --prim=sem (default)\n"
           "            signals through a semaphore with memory, --prim=park wakes the\n"
           "            parked peer directly (memoryless)\n"
           "  --strategy=fifo|random   scheduling strategy (default fifo)\n");
}

static int bench_parse_u64(const char *opt, const char *value, uint64_t *out)
{
    if (!cli_parse_u64(value, out))
        return cli_usage_error("bench", "--%s expects a non-negative integer, got '%s'", opt,
                               value ? value : "");
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    bench_opts_t o = {.actors = 1000, .iters = 1000, .seed = 1, .pairs = 500, .rounds = 1000,
                      .prim = "sem", .strategy = "fifo"};
    for (int i = 1; i < argc; i++) {
        const char *v;
        int rc = 0;
        if (cli_is_help(argv[i])) {
            bench_help();
            return CLI_EXIT_OK;
        } else if (argv[i][0] != '-' && !o.workload) {
            o.workload = argv[i];
        } else if (cli_option(argc, argv, &i, "actors", &v)) {
            rc = bench_parse_u64("actors", v, &o.actors);
        } else if (cli_option(argc, argv, &i, "iters", &v)) {
            rc = bench_parse_u64("iters", v, &o.iters);
        } else if (cli_option(argc, argv, &i, "seed", &v)) {
            rc = bench_parse_u64("seed", v, &o.seed);
        } else if (cli_option(argc, argv, &i, "pairs", &v)) {
            rc = bench_parse_u64("pairs", v, &o.pairs);
        } else if (cli_option(argc, argv, &i, "rounds", &v)) {
            rc = bench_parse_u64("rounds", v, &o.rounds);
        } else if (cli_option(argc, argv, &i, "prim", &v)) {
            if (!v || (strcmp(v, "sem") != 0 && strcmp(v, "park") != 0))
                return cli_usage_error("bench", "--prim expects sem or park, got '%s'",
                                       v ? v : "");
            o.prim = v;
        } else if (cli_option(argc, argv, &i, "strategy", &v)) {
            if (!v || (strcmp(v, "fifo") != 0 && strcmp(v, "random") != 0))
                return cli_usage_error("bench", "--strategy expects fifo or random, got '%s'",
                                       v ? v : "");
            o.strategy = v;
        } else {
            return cli_usage_error("bench", "unexpected argument '%s'", argv[i]);
        }
        if (rc)
            return rc;
    }
    if (!o.workload)
        return cli_usage_error("bench", "no workload given (timers or pingpong)");
    if (strcmp(o.workload, "timers") != 0 && strcmp(o.workload, "pingpong") != 0)
        return cli_usage_error("bench", "unknown workload '%s' (timers or pingpong)", o.workload);
    if (o.actors > 10000000 || o.pairs > 5000000)
        return cli_usage_error("bench", "too many actors (at most 10000000)");
    return bench_run(&o);
}
