/* derive.h - The manager-level derived tables of a run (suspends, messages, track, slice,
 * counter) built in C from the run's trace rows, with exactly the rows that
 * reports/derive_manager.sql builds (that file stays the specification; tests/reports/
 * test_derive.c compares both on every shipped scenario).
 *
 * reports/ sits above the model and reads trace rows only: this header needs no sim/ header.
 * Two feeders share one streaming core: the SQLite sink calls derive_kind/derive_row on the
 * live stream and derive_write in the run's last transaction; derive_run rebuilds a run from a
 * file alone.
 */
#ifndef WAKESIM_REPORTS_DERIVE_H
#define WAKESIM_REPORTS_DERIVE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Operating errors, negative like sim.h's SIM_E* and with the same values. */
enum {
    DERIVE_EINVAL = -1, /* a row out of idx order, a bad argument */
    DERIVE_ENOMEM = -2, /* out of memory */
    DERIVE_EIO = -3,    /* SQLite failed; the message says why */
};

/* One `events` row, columns as in reports/schema.sql. */
typedef struct derive_row {
    int64_t idx, time_mono_ns, time_boot_ns, thread_id, kind, object;
    int64_t arg[4];
    int64_t status;
    const char *text; /* NULL = SQL NULL; borrowed, only valid during the call */
} derive_row_t;

typedef struct derive derive_t;

/* Creates an empty core for one run in *out (the caller destroys it). Returns 0 or
 * DERIVE_ENOMEM. */
int derive_create(derive_t **out);

/* Frees the core and everything it copied. NULL is fine. */
void derive_destroy(derive_t *d);

/* The run's spelling of a kind (its `kinds` row): call it before the first row of that kind.
 * A layer kind (100 and above) is used only when spelled as derive_manager.sql's temp.wanted
 * expects; any other spelling makes the core ignore that kind, as the SQL does. The engine's
 * kinds (1..99) are used whatever their spelling, as derive_sim.sql does. `name` is borrowed.
 * Returns 0 (a NULL name counts as a different spelling). */
int derive_kind(derive_t *d, int64_t kind, const char *name);

/* Feeds one event of the run; every event, in idx order, all kinds (the engine's object and
 * thread events included). Costs a few instructions for a kind the core ignores and never
 * allocates for one; copies what it keeps (row->text is borrowed). Returns 0, DERIVE_EINVAL
 * if idx did not grow, or DERIVE_ENOMEM. Never blocks. */
int derive_row(derive_t *d, const derive_row_t *row);

/* Deletes run_id's rows of suspends, messages, track, slice and counter in `db` and inserts
 * the derived ones, inside a savepoint (so a failure leaves the tables as they were; the caller
 * owns the surrounding transaction, without one each statement would commit alone). Call once,
 * after the run's last row; `d` is left as it was fed. On error returns DERIVE_EIO or
 * DERIVE_ENOMEM and writes a one-line message (SQLite's included) to err. */
int derive_write(derive_t *d, sqlite3 *db, int64_t run_id, char *err, size_t err_size);

/* Rebuilds run_id's five tables from the file alone: reads its `kinds` and `events` rows (in
 * idx order), feeds them to a new core and writes, as derive_write does. For old files and
 * for sim_trace_sqlite_derive. A run with no events gets empty tables. Returns 0, DERIVE_EIO
 * or DERIVE_ENOMEM with err set. */
int derive_run(sqlite3 *db, int64_t run_id, char *err, size_t err_size);

#endif
