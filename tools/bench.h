/* bench.h - The peer benchmarks' workloads (../shared/bench/README.md) on the engine. */
#ifndef WAKESIM_TOOLS_BENCH_H
#define WAKESIM_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

typedef struct bench_opts {
    const char *workload; /* "timers" or "pingpong" */
    uint64_t actors, iters, seed; /* timers */
    uint64_t pairs, rounds;       /* pingpong */
    bool park;                    /* pingpong: memoryless park/wake instead of semaphores */
    const char *strategy;         /* NULL = fifo */
    bool trace;                   /* every wake-up is a trace event ("bench.wake") */
    const char *db;               /* a SQLite trace file for those events (implies trace) */
} bench_opts_t;

typedef struct bench_result {
    uint64_t events;      /* wake-ups counted by the workload, as the README defines them */
    int64_t sim_time_ns;  /* the clock when the run ended */
    double wall_s;        /* host time from before the first actor to the end of sim_run */
    uint64_t fingerprint; /* the run's trace fingerprint */
    sim_end_t end;
    sim_stats_t stats;
    uint64_t trace_events; /* events traced, engine's included (sim_trace_count) */
    double db_close_s;     /* host time to close the trace file after the run (WAL checkpoint) */
    char error[SIM_TRACE_SQLITE_ERR_SIZE]; /* the trace file's error when bench_run fails */
} bench_result_t;

/* Host time from a monotonic clock, in seconds: what every wall_s of `wakesim bench` is measured
 * with (never read inside a run). */
double bench_wall_now_s(void);

/* The defaults of the README: timers A=1000 K=1000 seed=1, pingpong P=500 R=1000, fifo. */
void bench_opts_default(bench_opts_t *o);
/* Runs one workload; returns 0 or a SIM_E* error (out of memory, unknown workload, SIM_EIO
 * with out->error for the trace file). */
int bench_run(const bench_opts_t *o, bench_result_t *out);

#endif /* WAKESIM_TOOLS_BENCH_H */
