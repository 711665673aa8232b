/* trace_file.h - The SQLite trace file as wakesim writes it: the engine's sink
 * (sim/trace_sqlite.c) with the manager-level derived tables of reports/derive.h, which the
 * sink feeds with each event as it is traced and has write its rows in each run's last
 * transaction (and rebuild a run, or an older file's runs, from the file alone). */
#ifndef WAKESIM_TOOLS_TRACE_FILE_H
#define WAKESIM_TOOLS_TRACE_FILE_H

#include <stddef.h>

#include "sim.h"

typedef struct trace_deriver trace_deriver_t;

typedef struct trace_file {
    sim_trace_sqlite_t *db;    /* every sim_trace_sqlite_* call but open and close */
    trace_deriver_t *deriver;  /* private */
} trace_file_t;

/* sim_trace_sqlite_open with the deriver: the same errors, plus SIM_ENOMEM. */
int trace_file_open(trace_file_t *f, const char *path, char *err, size_t err_size);
/* sim_trace_sqlite_close, then frees the deriver. A zeroed trace_file_t is fine. */
int trace_file_close(trace_file_t *f, char *err, size_t err_size);

#endif
