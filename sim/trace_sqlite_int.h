/* trace_sqlite_int.h - What the SQLite sink's files share (trace_sqlite.c,
 * trace_sqlite_engine.c). Not part of the engine's API. */
#ifndef WAKESIM_SIM_TRACE_SQLITE_INT_H
#define WAKESIM_SIM_TRACE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* The engine's derived tables (threads, objects, violations) of the open run, built from its
 * events as the sink receives them (trace_sqlite_engine.c). */
typedef struct sim_engine_tables sim_engine_tables_t;

int sim__engine_tables_create(sim_engine_tables_t **out);
void sim__engine_tables_destroy(sim_engine_tables_t *t);
/* Forgets the events of the last run. */
void sim__engine_tables_reset(sim_engine_tables_t *t);
/* Whether events of `kind` feed the tables (a handful of the engine's kinds). */
bool sim__engine_tables_wants(uint32_t kind);
/* Keeps a copy of one such event; call them in the run's order. 0 or SIM_ENOMEM. */
int sim__engine_tables_event(sim_engine_tables_t *t, const sim_trace_event_t *ev);
/* Inserts the run's rows of the three tables (the caller's transaction; the run is new, so
 * there is nothing to delete). 0, or SIM_EIO with SQLite's message in err. Reorders the kept
 * events: call it once per run, then reset. */
int sim__engine_tables_write(sim_engine_tables_t *t, sqlite3 *db, int64_t run_id, char *err,
                             size_t err_size);

#endif
