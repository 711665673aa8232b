/* trace_sqlite_int.h - What the SQLite sink's files share (trace_sqlite.c,
 * trace_sqlite_schema.c, trace_sqlite_writer.c, trace_sqlite_engine.c). Not part of the
 * engine's API. */
#ifndef WAKESIM_SIM_TRACE_SQLITE_INT_H
#define WAKESIM_SIM_TRACE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
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

/* ---- The handle (trace_sqlite.c describes the design) ---------------------------------------*/

#define VALUES 11                    /* integer columns of an event, without run_id and text */
#define CHUNK_ROWS 4096u             /* events handed to the writer at once */
#define CHUNKS 4                     /* one filling, the others queued or being written */
#define CHUNK_KINDS_MAX 32u          /* new kinds a chunk carries (more: sent early) */
#define NO_TEXT UINT32_MAX

_Static_assert(SIM_TRACE_SQLITE_BATCH_ROWS % CHUNK_ROWS == 0, "batches hold whole chunks");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomics a signal handler may touch");

/* One event as the engine's thread copies it for the writer. */
typedef struct chunk_row {
    int64_t value[VALUES]; /* the columns after run_id, in events' order, text excluded */
    uint32_t text_offset;  /* in the chunk's text */
    uint32_t text_size;    /* bytes without the NUL, or NO_TEXT */
} chunk_row_t;

/* A kind first seen in this run, to go into `kinds` before the chunk's rows. */
typedef struct chunk_kind {
    uint32_t kind;
    const char *name; /* the kind table's copy: lives until the run ends */
} chunk_kind_t;

typedef struct chunk {
    uint32_t rows_count;
    uint32_t kinds_count;
    chunk_row_t rows[CHUNK_ROWS];
    chunk_kind_t kinds[CHUNK_KINDS_MAX];
    char *text;           /* the rows' texts, NUL-terminated */
    size_t text_used;     /* bytes */
    size_t text_capacity; /* bytes */
} chunk_t;

/* Full chunks go from the engine's thread to the writer, empty ones come back. */
typedef struct chunk_queue {
    pthread_mutex_t lock;
    pthread_cond_t has_full;  /* the writer waits for a full chunk or `finishing` */
    pthread_cond_t has_empty; /* the engine's thread waits for an empty chunk */
    chunk_t *full[CHUNKS];    /* FIFO */
    uint32_t full_head, full_count;
    chunk_t *empty[CHUNKS];   /* stack */
    uint32_t empty_count;
    bool finishing;           /* the run's last chunk is queued: the writer exits when done */
} chunk_queue_t;

/* One entry of the run's kind table (open addressing on the kind number). */
typedef struct kind_slot {
    const char *name_seen; /* the last kind_name pointer seen: the fast path compares it */
    char *name;            /* our copy, what `kinds` holds */
    uint32_t kind;
    bool used;
} kind_slot_t;

enum {
    ST_INSERT_CHUNK,  /* every row of the chunk the writer is writing */
    ST_INSERT_KIND,
    ST_RUN_INSERT,
    ST_RUN_FINISH,
    ST_RUN_MARK,
    ST_VIOLATION_MESSAGE,
    ST_EXPECTATION,
    ST_COUNT
};

struct sim_trace_sqlite {
    sqlite3 *db;
    char *path;
    sim_trace_sqlite_deriver_t deriver; /* all NULL when the handle has none */
    sim_engine_tables_t *engine;        /* the open run's threads, objects, violations */
    sqlite3_stmt *st[ST_COUNT];

    /* The open run: sim is NULL between runs. Fields of the engine's thread. */
    sim_t *sim;
    int64_t run_id;
    int error;                /* first error the engine's thread saw; sticky for the run */
    bool stopping;            /* the sink stopped the engine after an interrupt request */
    uint64_t rows_sent;       /* rows handed to the writer (or in `filling`) this run */
    chunk_t *filling;         /* the chunk the events go into */
    kind_slot_t *kinds;
    uint32_t kinds_capacity, kinds_count;
    char run_errmsg[SIM_TRACE_SQLITE_ERR_SIZE]; /* the engine's thread's errors in a run */

    /* The writer and what it shares with the engine's thread. */
    pthread_t writer;
    bool writer_running;
    bool queue_ready;         /* its lock and conditions are initialised */
    chunk_queue_t queue;
    chunk_t *chunks[CHUNKS];
    atomic_int writer_error;  /* release-stored after `errmsg` is written */
    atomic_int interrupt_requested; /* set from a signal handler */

    /* The writer's own state. */
    const chunk_t *writing;   /* what the chunk table (sim__trace_sqlite_chunk_module) reads */
    uint32_t batch_rows;      /* rows inserted in the open batch transaction */
    uint64_t rows;            /* rows inserted in this run */
    uint64_t rows_committed;  /* of which committed */

    /* Written by the writer during a run, by the caller's thread otherwise. */
    char errmsg[SIM_TRACE_SQLITE_ERR_SIZE];
};

/* ---- Errors and statements (trace_sqlite.c) -------------------------------------------------- */

/* Records "<path>: <what>: <SQLite's message>" and returns SIM_EIO. Call it right after the
 * failing call: sqlite3_errmsg describes the connection's last call. */
int sim__trace_sqlite_fail(sim_trace_sqlite_t *t, const char *what);
/* Records "<path>: <message>" for failures that are ours, not SQLite's; returns `err`. */
int sim__trace_sqlite_fail_with(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Errors of the engine's thread during a run: the writer may be writing errmsg meanwhile. */
int sim__trace_sqlite_run_fail(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sim__trace_sqlite_exec(sim_trace_sqlite_t *t, const char *sql, const char *what);
/* Steps a statement that returns no row to its end, then resets it for the next use. */
int sim__trace_sqlite_step_done(sim_trace_sqlite_t *t, sqlite3_stmt *st, const char *what);
/* The deriver's write and rebuild ops for a run (either may be NULL); 0 or SIM_EIO. */
int sim__trace_sqlite_deriver_write(sim_trace_sqlite_t *t, int64_t run_id);
int sim__trace_sqlite_deriver_rebuild(sim_trace_sqlite_t *t, int64_t run_id);

/* ---- The schema (trace_sqlite_schema.c) ------------------------------------------------------ */

/* Builds the derived tables of a run: from what the sink kept (`streamed`, at the run's end)
 * or from the file alone (a rebuild). Runs in the caller's transaction. */
int sim__trace_sqlite_derive_run(sim_trace_sqlite_t *t, int64_t run_id, bool streamed);

/* ---- Chunks and the writer (trace_sqlite_writer.c) ------------------------------------------- */

/* The eponymous virtual table `wakesim_chunk` over t->writing, registered at open. */
extern const sqlite3_module sim__trace_sqlite_chunk_module;

/* The CHUNKS chunks and the queue's lock; chunks_destroy frees what chunks_create made, even
 * after a failure. chunks_reset puts every chunk back empty, one of them filling. */
int sim__trace_sqlite_chunks_create(sim_trace_sqlite_t *t);
void sim__trace_sqlite_chunks_destroy(sim_trace_sqlite_t *t);
void sim__trace_sqlite_chunks_reset(sim_trace_sqlite_t *t);
/* The engine's thread: queues the filling chunk (may wait on the host), or copies one event
 * into it. */
int sim__trace_sqlite_chunk_send(sim_trace_sqlite_t *t);
int sim__trace_sqlite_chunk_add(sim_trace_sqlite_t *t, const sim_trace_event_t *ev);
/* Starts the writer at run_begin; writer_stop joins it (the connection is the caller's
 * again). */
int sim__trace_sqlite_writer_start(sim_trace_sqlite_t *t);
void sim__trace_sqlite_writer_stop(sim_trace_sqlite_t *t);

#endif
