/* bench_scenario.h - One timed run of a scenario, with or without the SQLite trace. */
#ifndef WAKESIM_TOOLS_BENCH_SCENARIO_H
#define WAKESIM_TOOLS_BENCH_SCENARIO_H

#include <stdint.h>

#include "sim.h"

/* The scenario does not load; its problems are on stderr, as `wakesim run` prints them. */
#define BENCH_SCENARIO_INVALID 1    /* the file is not a valid scenario */
#define BENCH_SCENARIO_UNREADABLE 2 /* the file cannot be read */

typedef struct bench_scenario_result {
    uint64_t trace_events; /* events traced (the `events` rows with --db) */
    int64_t sim_time_ns;   /* the boot clock when the run ended */
    uint64_t fingerprint;
    sim_end_t end;
    double wall_s;     /* host time of world_run: the run and, with a file, its last commit */
    double db_open_s;  /* host time to open (or create) the file */
    double db_close_s; /* host time to close it (the WAL checkpoint) */
    char error[SIM_TRACE_SQLITE_ERR_SIZE];
} bench_scenario_result_t;

/* Runs the scenario at `path` as `wakesim run` would (its seed, strategy and manager), into
 * the trace file `db_path` if not NULL. Returns 0, BENCH_SCENARIO_INVALID or _UNREADABLE, or a
 * SIM_E* error with a one-line message in out->error. */
int bench_scenario_run(const char *path, const char *db_path, bench_scenario_result_t *out);

#endif
