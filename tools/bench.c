/* bench.c - The peer benchmarks' two workloads on the engine (used by `wakesim bench`).
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
#include "bench.h"
#include "trace_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_STACK_SIZE (64u * 1024u)

double bench_wall_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t bench_events; /* one counter for all actors: they never run concurrently */
static bool bench_trace;      /* --trace or --db: each wake-up is also a trace event */

/* A layer's kind (sim.h): the bench's wake-up, object = actor or pair, arg0 = iteration. */
#define BENCH_EV_WAKE (SIM_TRACE_KIND_USER + 900)

static void wake_traced(sim_t *s, uint64_t actor, uint64_t iteration)
{
    bench_events++;
    if (bench_trace)
        sim_trace(s, BENCH_EV_WAKE, "bench.wake", actor, (int64_t)iteration, 0, 0, NULL);
}

/* ---- timers --------------------------------------------------------------------------------- */

typedef struct timer_actor {
    uint64_t state; /* this actor's splitmix64 stream */
    uint64_t iters;
    uint64_t id;
} timer_actor_t;

static void timer_actor_run(sim_t *s, void *arg)
{
    timer_actor_t *a = arg;
    for (uint64_t k = 0; k < a->iters; k++) {
        uint64_t d_us = 1 + sim_splitmix64_next(&a->state) % 1000;
        sim_sleep(s, SIM_CLOCK_MONO, (int64_t)(d_us * 1000));
        wake_traced(s, a->id, k);
    }
}

/* ---- pingpong ------------------------------------------------------------------------------- */

typedef struct pp_pair {
    sim_sem_t to_a, to_b;
    sim_task_t *a, *b; /* for --prim=park */
    uint64_t rounds;
    uint64_t id;
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
        wake_traced(s, p->id, r);
    }
}

static void pp_b_run(sim_t *s, void *arg)
{
    pp_pair_t *p = arg;
    p->b = sim_task_self(s);
    for (uint64_t r = 0; r < p->rounds; r++) {
        pp_wait(s, p, &p->to_b);
        wake_traced(s, p->id, r);
        sim_sleep(s, SIM_CLOCK_MONO, HOP_NS);
        pp_signal(s, p, &p->to_a, p->a);
    }
}

/* ---- Running -------------------------------------------------------------------------------- */

void bench_opts_default(bench_opts_t *o)
{
    *o = (bench_opts_t){.actors = 1000, .iters = 1000, .seed = 1, .pairs = 500, .rounds = 1000};
}

static int bench_spawn(sim_t *s, const bench_opts_t *o, void *mem)
{
    sim_thread_opts_t topts = {.stack_size = BENCH_STACK_SIZE};
    char name[32];
    if (strcmp(o->workload, "timers") == 0) {
        timer_actor_t *actors = mem;
        uint64_t master = o->seed;
        for (uint64_t i = 0; i < o->actors; i++) {
            actors[i] = (timer_actor_t){
                .state = sim_splitmix64_next(&master), .iters = o->iters, .id = i};
            snprintf(name, sizeof(name), "t%llu", (unsigned long long)i);
            int rc = sim_thread_create(s, name, timer_actor_run, &actors[i], &topts, NULL);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    pp_pair_t *pairs = mem;
    for (uint64_t i = 0; i < o->pairs; i++) {
        pp_pair_t *p = &pairs[i];
        *p = (pp_pair_t){.rounds = o->rounds, .id = i, .park = o->park};
        sim_sem_init(&p->to_a, 0);
        sim_sem_init(&p->to_b, 0);
        snprintf(name, sizeof(name), "a%llu", (unsigned long long)i);
        int rc = sim_thread_create(s, name, pp_a_run, p, &topts, NULL);
        snprintf(name, sizeof(name), "b%llu", (unsigned long long)i);
        if (rc == 0)
            rc = sim_thread_create(s, name, pp_b_run, p, &topts, NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* --db: opens the trace file as `wakesim run` does (with the deriver: an older file is
 * upgraded the same way) and begins the run in it, before the timed part (constant costs);
 * the events, the run's derive step and its commits are timed with the run. */
static int bench_db_begin(const bench_opts_t *o, sim_t *s, trace_file_t *file,
                          bench_result_t *out)
{
    int rc = trace_file_open(file, o->db, out->error, sizeof(out->error));
    if (rc != 0)
        return rc;
    char scenario[64];
    snprintf(scenario, sizeof(scenario), "bench %s", o->workload);
    sim_trace_sqlite_run_info_t info = {.scenario = scenario};
    rc = sim_trace_sqlite_run_begin(file->db, s, &info, NULL);
    if (rc != 0)
        snprintf(out->error, sizeof(out->error), "%s", sim_trace_sqlite_errmsg(file->db));
    return rc;
}

/* Closes the trace file (timed apart: the WAL checkpoint of the last connection). */
static int bench_db_end(trace_file_t *file, int rc, bench_result_t *out)
{
    sim_trace_sqlite_t *db = file->db;
    if (rc == 0 && out->end == SIM_END_SINK_ERROR) {
        snprintf(out->error, sizeof(out->error), "%s", sim_trace_sqlite_errmsg(db));
        rc = SIM_EIO;
    }
    double t0 = bench_wall_now_s();
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    int close_rc = trace_file_close(file, err, sizeof(err));
    out->db_close_s = bench_wall_now_s() - t0;
    if (rc == 0 && close_rc != 0) {
        snprintf(out->error, sizeof(out->error), "%s", err);
        rc = close_rc;
    }
    return rc;
}

int bench_run(const bench_opts_t *o, bench_result_t *out)
{
    bool timers = strcmp(o->workload, "timers") == 0;
    if (!timers && strcmp(o->workload, "pingpong") != 0)
        return SIM_EINVAL;
    *out = (bench_result_t){.end = SIM_END_NONE};
    size_t count = timers ? o->actors : o->pairs;
    void *mem = calloc(count ? count : 1, timers ? sizeof(timer_actor_t) : sizeof(pp_pair_t));
    sim_config_t cfg = {.seed = o->seed, .strategy = o->strategy};
    sim_t *s = NULL;
    int rc = mem ? sim_create(&cfg, &s) : SIM_ENOMEM;
    if (rc != 0) {
        free(mem);
        return rc;
    }
    trace_file_t file = {0};
    if (o->db)
        rc = bench_db_begin(o, s, &file, out);
    bench_events = 0;
    bench_trace = o->trace || o->db;
    double t0 = bench_wall_now_s();
    if (rc == 0)
        rc = bench_spawn(s, o, mem);
    if (rc == 0) {
        out->end = sim_run(s);
        out->wall_s = bench_wall_now_s() - t0;
        out->events = bench_events;
        out->sim_time_ns = sim_now_boot(s);
        out->fingerprint = sim_fingerprint(s);
        out->trace_events = sim_trace_count(s);
        sim_get_stats(s, &out->stats);
    }
    sim_destroy(s);
    free(mem);
    return file.db ? bench_db_end(&file, rc, out) : rc;
}
