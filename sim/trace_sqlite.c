/* trace_sqlite.c - The SQLite trace sink: every event of a run becomes a row of `events` in a
 * file that holds many runs. The schema is reports/schema.sql (compiled in, documented in
 * reports/SCHEMA.md); at each run's end the derived tables are built from the run's events as
 * they were traced: the engine's (threads, objects, violations) by trace_sqlite_engine.c, to
 * the letter of reports/derive_sim.sql, the layers' by the handle's deriver (sim.h).
 *
 * Two host threads. SQLite costs about 600 ns per inserted row, four times what the engine
 * spends on an event of the bench, and run on the engine's thread it also evicts the
 * engine's working set from the cache. So during a run the sink's event op only copies the
 * event into a chunk of CHUNK_ROWS rows (values and text bytes, ~20 ns); full chunks go to a
 * writer thread, which owns the connection until the run ends, and come back empty. The
 * engine waits only when all CHUNKS are in flight, i.e. when SQLite is the bottleneck. The
 * writer never decides anything: rows are written in the order they were emitted, so the
 * file is the same whatever the host's scheduling, and SQLite never runs on a coroutine's
 * small stack. Lock rule: `queue.lock` protects the queue's arrays and `finishing`; a chunk
 * belongs to whoever took it out of the queue. The connection belongs to the writer from
 * run_begin until the end op has joined it, and to the caller's thread otherwise.
 *
 * The writer's inserts. SQLite's cost is per statement execution and per bound value, not
 * per byte. A whole chunk goes in with one statement, `INSERT INTO events ... SELECT ... FROM
 * temp.wakesim_chunk`, where wakesim_chunk is a virtual table over the chunk being written:
 * no sqlite3_bind_* call per value, one step and reset per 4,096 rows. Kind names go once
 * per run into `kinds`, never into `events`. Measured with callgrind, instructions per row
 * written: one-row INSERT with bound values 9,600; 64-row INSERT 5,500 (5,280 on `bench
 * timers --db`); the chunk table 4,800 on the same bench, most of it SQLite's virtual machine
 * building and inserting the record, a floor no statement shape removes (a rowid table would
 * save another ~10%, at the price of the (run_id, idx) key). A kind_name text in each row
 * costs +25%; a secondary index on (run_id, kind) 3x, but one restricted to the engine's
 * rare kinds (schema.sql) costs nothing measurable and spares the derive step a scan of the
 * run. `events` is WITHOUT ROWID, clustered on (run_id, idx): rows arrive in key order, so
 * each insert appends, a run is one contiguous range, and no index has to be built after a
 * load.
 *
 * Transactions and durability. journal_mode=WAL. A run's `runs` row is committed alone when
 * the run begins (verdict 'running'); events then go in batches of
 * SIM_TRACE_SQLITE_BATCH_ROWS rows, each its own transaction; the last batch, the derived
 * tables, the indexes and the completed `runs` row commit together at the run's end. So a
 * reader sees either a run in progress or a finished run, a killed process leaves its run
 * 'running' with its committed batches, and nothing a later run does touches an earlier one.
 * Why 65,536 rows: they are about 2.7 MB of pages (41 bytes a row), and a checkpoint can
 * copy the WAL back and recycle it only between transactions, so the batch bounds how far
 * the WAL runs past the checkpoint threshold instead of letting it grow with the run; a
 * commit costs well under a millisecond, so one every ~40 ms at full speed is free; and a
 * killed process loses at most that much. synchronous=NORMAL: in WAL mode a commit does not
 * wait for the disk, only checkpoints fsync; a crash of the process loses nothing committed,
 * a power failure may lose the last committed batches but never corrupts the file (with OFF
 * it could: a checkpoint would overwrite database pages with no barrier). A trace can be
 * regenerated from its scenario and seed; an earlier run in the file may not be: hence
 * NORMAL, not OFF. Since checkpoints are where NORMAL waits for the disk, they run every
 * 64 MiB of WAL (WAL_AUTOCHECKPOINT_PAGES) rather than SQLite's default 1000 pages (8 MiB):
 * from 1.37 to 1.52 M events/s on the bench, as fast as OFF. The WAL file stays at most
 * ~64 MiB (a reader that holds an old snapshot for long can delay its reuse: that is WAL's
 * rule, not ours).
 *
 * Interruption. A SIGINT handler calls sim_trace_sqlite_interrupt, which only sets a flag;
 * the next event sees it and stops the engine with sim_stop(SIM_END_STOPPED), and the run
 * ends through the ordinary end op with verdict 'interrupted'. Rows left 'running' by a
 * killed process are left alone when a file is opened: another process may be writing that
 * run right now (WAL writers take turns batch by batch), and no host fact (a pid) in the
 * file could tell them apart reliably. sim_trace_sqlite_derive rebuilds the derived tables
 * of such a run if someone wants them.
 */
#include "sim.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_sqlite_int.h"
#include "trace_sqlite_sql.h"

#define VALUES 11                    /* integer columns of an event, without run_id and text */
#define CHUNK_ROWS 4096u             /* events handed to the writer at once */
#define CHUNKS 4                     /* one filling, the others queued or being written */
#define CHUNK_KINDS_MAX 32u          /* new kinds a chunk carries (more: sent early) */
#define CHUNK_TEXT_SIZE (64u * 1024u) /* initial text bytes of a chunk; grows if needed */
#define PAGE_SIZE 8192               /* bytes; set when the file is created */
#define WAL_AUTOCHECKPOINT_PAGES 8192 /* 64 MiB of WAL between checkpoints (and fsyncs) */
#define CACHE_SIZE_KIB 32768
#define BUSY_TIMEOUT_MS 10000        /* another writer holds the file for one batch at most */
#define KINDS_CAPACITY_INITIAL 64u   /* a power of two */
#define NO_TEXT UINT32_MAX
#define STRINGIFY(x) STRINGIFY_(x)
#define STRINGIFY_(x) #x

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
    const chunk_t *writing;   /* what the chunk table (chunk_module) reads */
    uint32_t batch_rows;      /* rows inserted in the open batch transaction */
    uint64_t rows;            /* rows inserted in this run */
    uint64_t rows_committed;  /* of which committed */

    /* Written by the writer during a run, by the caller's thread otherwise. */
    char errmsg[SIM_TRACE_SQLITE_ERR_SIZE];
};

static const sim_trace_sink_ops_t sqlite_ops;
static int chunks_create(sim_trace_sqlite_t *t);
static void chunks_reset(sim_trace_sqlite_t *t);

/* ---- Errors ---------------------------------------------------------------------------------- */

/* Records "<path>: <what>: <SQLite's message>" and returns SIM_EIO. Call it right after the
 * failing call: sqlite3_errmsg describes the connection's last call. */
static int fail(sim_trace_sqlite_t *t, const char *what)
{
    snprintf(t->errmsg, sizeof(t->errmsg), "%s: %s: %s", t->path, what, sqlite3_errmsg(t->db));
    return SIM_EIO;
}

/* Records "<path>: <message>" for failures that are ours, not SQLite's; returns `err`. */
static int fail_with(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_with(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
{
    int n = snprintf(t->errmsg, sizeof(t->errmsg), "%s: ", t->path);
    if (n >= 0 && (size_t)n < sizeof(t->errmsg)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->errmsg + n, sizeof(t->errmsg) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return err;
}

const char *sim_trace_sqlite_errmsg(const sim_trace_sqlite_t *t)
{
    return t->errmsg;
}

/* ---- Statements ------------------------------------------------------------------------------ */

static int exec(sim_trace_sqlite_t *t, const char *sql, const char *what)
{
    if (sqlite3_exec(t->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(t, what);
    return 0;
}

/* Steps a statement that returns no row to its end, then resets it for the next use. */
static int step_done(sim_trace_sqlite_t *t, sqlite3_stmt *st, const char *what)
{
    if (sqlite3_step(st) != SQLITE_DONE) {
        int rc = fail(t, what);
        (void)sqlite3_reset(st); /* returns the same error again */
        return rc;
    }
    if (sqlite3_reset(st) != SQLITE_OK)
        return fail(t, what);
    return 0;
}

/* Runs every statement of a script in order, binding :run_id where a statement uses it. The
 * derive scripts are executed once per run, so they are prepared here, not at open. */
static int exec_script(sim_trace_sqlite_t *t, const char *sql, int64_t run_id, const char *what)
{
    const char *tail = sql;
    while (*tail) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(t->db, tail, -1, &st, &tail) != SQLITE_OK)
            return fail(t, what);
        if (!st)
            break; /* only comments and blanks were left */
        int index = sqlite3_bind_parameter_index(st, ":run_id");
        int rc = index ? sqlite3_bind_int64(st, index, run_id) : SQLITE_OK;
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            rc = SQLITE_OK;
        if (rc != SQLITE_DONE) {
            rc = fail(t, what);
            (void)sqlite3_finalize(st); /* returns the same error again */
            return rc;
        }
        if (sqlite3_finalize(st) != SQLITE_OK)
            return fail(t, what);
    }
    return 0;
}

/* Reads the single integer that `sql` returns. */
static int query_int(sim_trace_sqlite_t *t, const char *sql, int64_t *out, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(t, what);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = fail(t, what);
        (void)sqlite3_finalize(st);
        return rc;
    }
    *out = sqlite3_column_int64(st, 0);
    if (sqlite3_finalize(st) != SQLITE_OK)
        return fail(t, what);
    return 0;
}

/* ---- The deriver (sim.h) ---------------------------------------------------------------------- */

/* A deriver's failure, as the handle reports every error: "<path>: <message>". */
static int deriver_fail(sim_trace_sqlite_t *t, const char *message)
{
    return fail_with(t, SIM_EIO, "%s", message[0] ? message : "the deriver failed");
}

static int deriver_write(sim_trace_sqlite_t *t, int64_t run_id)
{
    char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
    if (t->deriver.write &&
        t->deriver.write(t->deriver.ctx, t->db, run_id, message, sizeof(message)) != 0)
        return deriver_fail(t, message);
    return 0;
}

static int deriver_rebuild(sim_trace_sqlite_t *t, int64_t run_id)
{
    char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
    if (t->deriver.rebuild &&
        t->deriver.rebuild(t->deriver.ctx, t->db, run_id, message, sizeof(message)) != 0)
        return deriver_fail(t, message);
    return 0;
}

static int bind_text_or_null(sqlite3_stmt *st, int index, const char *text)
{
    if (!text)
        return sqlite3_bind_null(st, index);
    return sqlite3_bind_text(st, index, text, -1, SQLITE_TRANSIENT);
}

/* ---- The chunk table ------------------------------------------------------------------------- */

/* An eponymous virtual table, `wakesim_chunk`, whose rows are the chunk the writer is
 * writing (t->writing), so that one `INSERT INTO events ... SELECT ... FROM wakesim_chunk`
 * moves a whole chunk: SQLite's per-statement work (step, reset) and every sqlite3_bind_*
 * call drop out, and each value goes from the chunk straight into the record SQLite builds.
 * Only the writer thread reads it, only inside that statement; it is never visible to
 * another connection (a module belongs to the connection that registered it). */
typedef struct chunk_vtab {
    sqlite3_vtab base; /* SQLite's part; first */
    sim_trace_sqlite_t *t;
} chunk_vtab_t;

typedef struct chunk_cursor {
    sqlite3_vtab_cursor base; /* SQLite's part; first */
    const chunk_t *chunk;
    uint32_t row;
} chunk_cursor_t;

enum { CHUNK_COLUMN_TEXT = VALUES }; /* after the integer columns, in chunk_row_t order */

static int chunk_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **out, char **err)
{
    (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(idx, time_mono_ns, time_boot_ns, thread_id,"
                                      " kind, object, arg0, arg1, arg2, arg3, status, text)");
    if (rc != SQLITE_OK)
        return rc;
    chunk_vtab_t *v = sqlite3_malloc(sizeof(*v));
    if (!v)
        return SQLITE_NOMEM;
    *v = (chunk_vtab_t){.t = aux};
    *out = &v->base;
    return SQLITE_OK;
}

static int chunk_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

/* One plan: every row, in the chunk's order (which is the key order of `events`). */
static int chunk_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    info->estimatedCost = CHUNK_ROWS;
    info->estimatedRows = CHUNK_ROWS;
    return SQLITE_OK;
}

static int chunk_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    chunk_cursor_t *c = sqlite3_malloc(sizeof(*c));
    if (!c)
        return SQLITE_NOMEM;
    *c = (chunk_cursor_t){.chunk = ((chunk_vtab_t *)v)->t->writing};
    *out = &c->base;
    return SQLITE_OK;
}

static int chunk_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int chunk_filter(sqlite3_vtab_cursor *cursor, int plan, const char *plan_text, int argc,
                        sqlite3_value **argv)
{
    (void)plan, (void)plan_text, (void)argc, (void)argv;
    chunk_cursor_t *c = (chunk_cursor_t *)cursor;
    c->chunk = ((chunk_vtab_t *)cursor->pVtab)->t->writing;
    c->row = 0;
    return SQLITE_OK;
}

static int chunk_next(sqlite3_vtab_cursor *c)
{
    ((chunk_cursor_t *)c)->row++;
    return SQLITE_OK;
}

static int chunk_eof(sqlite3_vtab_cursor *cursor)
{
    const chunk_cursor_t *c = (const chunk_cursor_t *)cursor;
    return !c->chunk || c->row >= c->chunk->rows_count;
}

static int chunk_column(sqlite3_vtab_cursor *cursor, sqlite3_context *ctx, int column)
{
    const chunk_cursor_t *c = (const chunk_cursor_t *)cursor;
    const chunk_row_t *row = &c->chunk->rows[c->row];
    if (column < CHUNK_COLUMN_TEXT)
        sqlite3_result_int64(ctx, row->value[column]);
    else if (row->text_size != NO_TEXT)
        sqlite3_result_text(ctx, c->chunk->text + row->text_offset, (int)row->text_size,
                            SQLITE_STATIC);
    /* else the result stays NULL */
    return SQLITE_OK;
}

static int chunk_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
    *rowid = ((const chunk_cursor_t *)c)->row;
    return SQLITE_OK;
}

/* Eponymous-only (no xCreate): the table exists by its name alone, nothing in the schema. */
static const sqlite3_module chunk_module = {
    .xConnect = chunk_connect,
    .xBestIndex = chunk_best_index,
    .xDisconnect = chunk_disconnect,
    .xOpen = chunk_open,
    .xClose = chunk_close,
    .xFilter = chunk_filter,
    .xNext = chunk_next,
    .xEof = chunk_eof,
    .xColumn = chunk_column,
    .xRowid = chunk_rowid,
};

static const char *const statement_sql[ST_COUNT] = {
    [ST_INSERT_CHUNK] = "INSERT INTO events (run_id, idx, time_mono_ns, time_boot_ns, thread_id,"
                        " kind, object, arg0, arg1, arg2, arg3, status, text)"
                        " SELECT ?1, idx, time_mono_ns, time_boot_ns, thread_id, kind, object,"
                        " arg0, arg1, arg2, arg3, status, text FROM temp.wakesim_chunk",
    /* temp.: the eponymous table answers in any schema, and a table named wakesim_chunk that
     * a user created in the file's main schema cannot shadow it there. */
    [ST_INSERT_KIND] = "INSERT INTO kinds (run_id, kind, name) VALUES (?1, ?2, ?3)",
    [ST_RUN_INSERT] = "INSERT INTO runs (scenario, scenario_path, scenario_sha256, seed, strategy,"
                      " manager, wakesim_version, verdict, host_started_at) VALUES (?1, ?2, ?3,"
                      " ?4, ?5, ?6, ?7, 'running', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    [ST_RUN_FINISH] = "UPDATE runs SET verdict = ?2, fingerprint = ?3, trace_events = ?4,"
                      " engine_events = ?5, end_time_boot_ns = ?6, end_time_mono_ns = ?7,"
                      " choices = ?8, choices_count = ?9 WHERE run_id = ?1",
    [ST_RUN_MARK] = "UPDATE runs SET verdict = ?2, error = ?3, trace_events = ?4"
                    " WHERE run_id = ?1",
    [ST_VIOLATION_MESSAGE] = "UPDATE violations SET message = ?3"
                             " WHERE run_id = ?1 AND violation_index = ?2",
    [ST_EXPECTATION] = "INSERT INTO expectations (run_id, expectation_index, ok, description)"
                       " VALUES (?1, ?2, ?3, ?4)",
};

/* Registers the chunk table and prepares every statement once, for the handle's life
 * (SQLITE_PREPARE_PERSISTENT). */
static int statements_prepare(sim_trace_sqlite_t *t)
{
    if (sqlite3_create_module_v2(t->db, "wakesim_chunk", &chunk_module, t, NULL) != SQLITE_OK)
        return fail(t, "cannot register the chunk table");
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(t->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &t->st[i],
                               NULL) != SQLITE_OK)
            return fail(t, "cannot prepare statements");
    }
    return 0;
}

/* ---- Opening and the schema ------------------------------------------------------------------ */

static int connect(sim_trace_sqlite_t *t)
{
    /* NOMUTEX: a handle is used by one host thread at a time, so SQLite's per-call mutex is
     * pure cost on the hot path. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(t->path, &t->db, flags, NULL) != SQLITE_OK)
        return t->db ? fail(t, "cannot open") : fail_with(t, SIM_ENOMEM, "out of memory");
    /* SQLite silently opens read-only what the OS will not let it write; a trace is written. */
    if (sqlite3_db_readonly(t->db, "main") == 1)
        return fail_with(t, SIM_EIO, "cannot open for writing: %s",
                         sqlite3_errstr(SQLITE_READONLY));
    if (sqlite3_busy_timeout(t->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
        return fail(t, "cannot set the busy timeout");
    return 0;
}

/* Reads the file's schema version and how many objects its schema has; the first read of a
 * file, so this is where a file that is not a database fails. */
static int schema_read(sim_trace_sqlite_t *t, int64_t *version, int64_t *objects)
{
    int rc = query_int(t, "PRAGMA user_version", version, "cannot read the schema version");
    if (rc == 0)
        rc = query_int(t, "SELECT count(*) FROM sqlite_schema", objects,
                       "cannot read the schema");
    return rc;
}

/* Why a file cannot be written with this schema, or 0 if it can (or is empty, or older and
 * migrated by schema_migrate). */
static int schema_refuse(sim_trace_sqlite_t *t, int64_t version, int64_t objects)
{
    if (version > SIM_TRACE_SQLITE_SCHEMA_VERSION)
        return fail_with(t, SIM_EIO,
                         "trace schema version %lld is newer than this wakesim's (%d); use a "
                         "newer wakesim or another file",
                         (long long)version, SIM_TRACE_SQLITE_SCHEMA_VERSION);
    if (version < 0 || (version == 0 && objects > 0))
        return fail_with(t, SIM_EIO,
                         "not a wakesim trace (a SQLite database with %lld schema objects and "
                         "schema version %lld)",
                         (long long)objects, (long long)version);
    return 0;
}

/* ---- Migrations ------------------------------------------------------------------------------ */

/* reports/migrate_<to>.sql takes a file from version to-1 to `to`; with `derive`, the runs
 * already in the file then get the tables it added from the deriver. A new file is schema.sql,
 * views.sql and every migration in order, so a migrated file and a new one have one schema. */
typedef struct migration {
    int to;
    const char *sql;
    bool derive; /* the deriver's tables are new: rebuild them for the runs in the file */
} migration_t;

static const migration_t migrations[] = {
    {2, (const char *)migrate_2_sql, true},
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == SIM_TRACE_SQLITE_SCHEMA_VERSION - 1,
               "one migration per schema version after the first");

/* Has the deriver rebuild every run that was derived when it ended: those with a fingerprint
 * (killed and abandoned runs were never derived; sim_trace_sqlite_derive can still build
 * them). Without a deriver the migration is refused rather than leaving those runs with empty
 * tables in a file that says it has them. The run ids are read first: a deriver may write or
 * drop tables, which SQLite refuses while a read of the same connection is pending. */
static int derive_finished_runs(sim_trace_sqlite_t *t, const char *what)
{
    int64_t runs = 0;
    int rc = query_int(t, "SELECT count(*) FROM runs WHERE fingerprint IS NOT NULL", &runs, what);
    if (rc == 0 && runs > 0 && !t->deriver.rebuild)
        return fail_with(t, SIM_EIO, "%s: its runs need the layers' derived tables, which this"
                                     " handle cannot build (`wakesim run --db` upgrades the"
                                     " file)", what);
    int64_t *ids = rc == 0 && runs > 0 ? calloc((size_t)runs, sizeof(*ids)) : NULL;
    if (rc == 0 && runs > 0 && !ids)
        return fail_with(t, SIM_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    if (rc == 0 && runs > 0 &&
        sqlite3_prepare_v2(t->db, "SELECT run_id FROM runs WHERE fingerprint IS NOT NULL"
                                  " ORDER BY run_id", -1, &st, NULL) != SQLITE_OK)
        rc = fail(t, what);
    int64_t n = 0;
    while (rc == 0 && st && n < runs && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    if (rc == 0 && st && sqlite3_finalize(st) != SQLITE_OK)
        rc = fail(t, what);
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = deriver_rebuild(t, ids[i]);
    free(ids);
    return rc;
}

/* Runs the migrations after `version` inside the caller's transaction; with `derive`, also each
 * one's derive script for the runs already in the file. */
static int migrations_run(sim_trace_sqlite_t *t, int64_t version, bool derive)
{
    for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
        const migration_t *m = &migrations[i];
        if (m->to <= version)
            continue;
        char what[96];
        snprintf(what, sizeof(what), "cannot migrate the trace to schema version %d", m->to);
        int rc = exec_script(t, m->sql, 0, what);
        if (rc == 0 && derive && m->derive)
            rc = derive_finished_runs(t, what);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Takes a file of an older version to this one, in one transaction (a failure leaves it as it
 * was). Another process may be doing the same: the IMMEDIATE transaction serialises us, and
 * the version is read again inside it. */
static int schema_migrate(sim_trace_sqlite_t *t)
{
    /* The derive scripts' temporary tables, as in a run (connection_setup sets it again). */
    int rc = exec(t, "PRAGMA temp_store = MEMORY", "cannot migrate the trace");
    if (rc == 0)
        rc = exec(t, "BEGIN IMMEDIATE", "cannot migrate the trace");
    int64_t version = 0, objects = 0;
    if (rc == 0)
        rc = schema_read(t, &version, &objects);
    if (rc == 0)
        rc = schema_refuse(t, version, objects);
    if (rc == 0 && version < SIM_TRACE_SQLITE_SCHEMA_VERSION)
        rc = migrations_run(t, version, true);
    if (rc == 0)
        return exec(t, "COMMIT", "cannot migrate the trace");
    if (!sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL); /* the error is already set */
    return rc;
}

/* Sets WAL mode (stored in the file). SQLite answers with the mode it is in, which stays the
 * old one when WAL is impossible there (no shared memory on a network file system). */
static int journal_mode_wal(sim_trace_sqlite_t *t)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
        return fail(t, "cannot enable WAL");
    if (sqlite3_step(st) != SQLITE_ROW) {
        int rc = fail(t, "cannot enable WAL");
        (void)sqlite3_finalize(st);
        return rc;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    bool is_wal = mode && strcmp(mode, "wal") == 0;
    int rc = is_wal ? 0 : fail_with(t, SIM_EIO, "cannot enable WAL: journal mode stays '%s'",
                                    mode ? mode : "?");
    if (sqlite3_finalize(st) != SQLITE_OK && rc == 0)
        rc = fail(t, "cannot enable WAL");
    return rc;
}

/* Creates the schema in an empty file. Another process may be doing the same: the IMMEDIATE
 * transaction serialises us, and the file is checked again inside it. */
static int schema_create(sim_trace_sqlite_t *t)
{
    /* The page size can only be chosen before the first table, and not once in WAL mode. */
    int rc = exec(t, "PRAGMA page_size = " STRINGIFY(PAGE_SIZE), "cannot set the page size");
    if (rc == 0)
        rc = journal_mode_wal(t);
    if (rc == 0)
        rc = exec(t, "BEGIN IMMEDIATE", "cannot create the schema");
    int64_t version = 0, objects = 0;
    if (rc == 0)
        rc = schema_read(t, &version, &objects);
    if (rc == 0 && version == 0)
        rc = schema_refuse(t, version, objects);
    if (rc == 0 && version == 0) {
        rc = exec_script(t, (const char *)schema_sql, 0, "cannot create the schema");
        if (rc == 0)
            rc = exec_script(t, (const char *)views_sql, 0, "cannot create the views");
        if (rc == 0)
            rc = migrations_run(t, 1, false);
        if (rc == 0)
            rc = schema_read(t, &version, &objects);
        SIM_ASSERT(rc != 0 || version == SIM_TRACE_SQLITE_SCHEMA_VERSION);
    }
    if (rc == 0)
        rc = schema_refuse(t, version, objects);
    if (rc == 0)
        return exec(t, "COMMIT", "cannot create the schema");
    if (!sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL); /* the error is already set */
    return rc;
}

/* Per-connection settings (journal_mode aside, none of them is stored in the file). */
static int connection_setup(sim_trace_sqlite_t *t)
{
    static const char *const pragmas[] = {
        "PRAGMA synchronous = NORMAL", /* why: at the top of this file */
        "PRAGMA wal_autocheckpoint = " STRINGIFY(WAL_AUTOCHECKPOINT_PAGES),
        "PRAGMA cache_size = -" STRINGIFY(CACHE_SIZE_KIB),
        "PRAGMA temp_store = MEMORY", /* the derive scripts' temporary tables and sorts */
        "PRAGMA journal_size_limit = 67108864", /* trims the WAL after a large transaction */
    };
    int rc = journal_mode_wal(t); /* again, in case a tool changed it */
    for (size_t i = 0; rc == 0 && i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
        rc = exec(t, pragmas[i], "cannot configure the connection");
    return rc == 0 ? statements_prepare(t) : rc;
}

int sim_trace_sqlite_open(const char *path, const sim_trace_sqlite_deriver_t *deriver,
                          sim_trace_sqlite_t **out, char *err, size_t err_size)
{
    SIM_ASSERT(path != NULL);
    SIM_ASSERT(out != NULL);
    *out = NULL;
    if (err_size)
        err[0] = '\0';
    sim_trace_sqlite_t *t = calloc(1, sizeof(*t));
    if (!t || !(t->path = strdup(path))) {
        free(t);
        if (err_size)
            snprintf(err, err_size, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    if (deriver)
        t->deriver = *deriver;
    int rc = chunks_create(t);
    if (rc == 0 && sim__engine_tables_create(&t->engine) != 0)
        rc = fail_with(t, SIM_ENOMEM, "out of memory");
    if (rc == 0)
        rc = connect(t);
    int64_t version = 0, objects = 0;
    if (rc == 0)
        rc = schema_read(t, &version, &objects);
    if (rc == 0)
        rc = schema_refuse(t, version, objects);
    if (rc == 0 && version == 0)
        rc = schema_create(t);
    else if (rc == 0 && version < SIM_TRACE_SQLITE_SCHEMA_VERSION)
        rc = schema_migrate(t);
    if (rc == 0)
        rc = connection_setup(t);
    if (rc == 0)
        chunks_reset(t);
    if (rc != 0) {
        if (err_size)
            snprintf(err, err_size, "%s", t->errmsg);
        (void)sim_trace_sqlite_close(t, NULL, 0);
        return rc;
    }
    *out = t;
    return 0;
}

/* ---- Kinds (the engine's thread) ------------------------------------------------------------- */

/* Errors of the engine's thread during a run: the writer may be writing errmsg meanwhile. */
static int run_fail(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int run_fail(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
{
    int n = snprintf(t->run_errmsg, sizeof(t->run_errmsg), "%s: ", t->path);
    if (n >= 0 && (size_t)n < sizeof(t->run_errmsg)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->run_errmsg + n, sizeof(t->run_errmsg) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return err;
}

static kind_slot_t *kind_find(kind_slot_t *table, uint32_t capacity, uint32_t kind)
{
    uint32_t mask = capacity - 1;
    for (uint32_t i = (kind * 0x9E3779B1u) >> 7 & mask;; i = (i + 1) & mask) {
        if (!table[i].used || table[i].kind == kind)
            return &table[i];
    }
}

/* Doubles the table, keeping it at most half full so that probes stay short. */
static int kinds_grow(sim_trace_sqlite_t *t)
{
    uint32_t capacity = t->kinds_capacity ? 2 * t->kinds_capacity : KINDS_CAPACITY_INITIAL;
    kind_slot_t *table = calloc(capacity, sizeof(*table));
    if (!table)
        return run_fail(t, SIM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < t->kinds_capacity; i++) {
        if (t->kinds[i].used)
            *kind_find(table, capacity, t->kinds[i].kind) = t->kinds[i];
    }
    free(t->kinds);
    t->kinds = table;
    t->kinds_capacity = capacity;
    return 0;
}

static void kinds_clear(sim_trace_sqlite_t *t)
{
    for (uint32_t i = 0; i < t->kinds_capacity; i++)
        free(t->kinds[i].name);
    free(t->kinds);
    t->kinds = NULL;
    t->kinds_capacity = t->kinds_count = 0;
}

static int chunk_send(sim_trace_sqlite_t *t);

/* First sight of a kind in this run (or its name at another address): checks that a number
 * has one spelling, and queues the spelling for `kinds` with the chunk's rows. */
static int kind_learn(sim_trace_sqlite_t *t, const sim_trace_event_t *ev)
{
    if (2 * (t->kinds_count + 1) > t->kinds_capacity) {
        int rc = kinds_grow(t);
        if (rc != 0)
            return rc;
    }
    kind_slot_t *k = kind_find(t->kinds, t->kinds_capacity, ev->kind);
    if (k->used) {
        if (strcmp(k->name, ev->kind_name) != 0)
            return run_fail(t, SIM_EINVAL, "event kind %u is spelled both '%s' and '%s'",
                            (unsigned)ev->kind, k->name, ev->kind_name);
        k->name_seen = ev->kind_name;
        return 0;
    }
    if (t->filling->kinds_count == CHUNK_KINDS_MAX) {
        int rc = chunk_send(t);
        if (rc != 0)
            return rc;
    }
    char *name = strdup(ev->kind_name);
    if (!name)
        return run_fail(t, SIM_ENOMEM, "out of memory");
    *k = (kind_slot_t){.name_seen = ev->kind_name, .name = name, .kind = ev->kind, .used = true};
    t->kinds_count++;
    t->filling->kinds[t->filling->kinds_count++] = (chunk_kind_t){ev->kind, name};
    return 0;
}

static inline int kind_note(sim_trace_sqlite_t *t, const sim_trace_event_t *ev)
{
    if (t->kinds_capacity) {
        kind_slot_t *k = kind_find(t->kinds, t->kinds_capacity, ev->kind);
        if (k->used && k->name_seen == ev->kind_name)
            return 0;
    }
    return kind_learn(t, ev);
}

/* ---- Chunks: the hand-over between the engine's thread and the writer ------------------------ */

static int chunks_create(sim_trace_sqlite_t *t)
{
    chunk_queue_t *q = &t->queue;
    for (int i = 0; i < CHUNKS; i++) {
        chunk_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->text = malloc(CHUNK_TEXT_SIZE))) {
            free(c);
            return fail_with(t, SIM_ENOMEM, "out of memory");
        }
        c->text_capacity = CHUNK_TEXT_SIZE;
        t->chunks[i] = c;
    }
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        return fail_with(t, SIM_ENOMEM, "cannot create the writer's lock");
    if (pthread_cond_init(&q->has_full, NULL) != 0) {
        pthread_mutex_destroy(&q->lock);
        return fail_with(t, SIM_ENOMEM, "cannot create the writer's lock");
    }
    if (pthread_cond_init(&q->has_empty, NULL) != 0) {
        pthread_cond_destroy(&q->has_full);
        pthread_mutex_destroy(&q->lock);
        return fail_with(t, SIM_ENOMEM, "cannot create the writer's lock");
    }
    t->queue_ready = true;
    return 0;
}

static void chunks_destroy(sim_trace_sqlite_t *t)
{
    for (int i = 0; i < CHUNKS; i++) {
        if (t->chunks[i])
            free(t->chunks[i]->text);
        free(t->chunks[i]);
    }
    if (t->queue_ready) {
        pthread_mutex_destroy(&t->queue.lock);
        pthread_cond_destroy(&t->queue.has_full);
        pthread_cond_destroy(&t->queue.has_empty);
    }
}

/* Every chunk empty, one of them filling: the state between runs. */
static void chunks_reset(sim_trace_sqlite_t *t)
{
    chunk_queue_t *q = &t->queue;
    q->full_head = q->full_count = 0;
    q->empty_count = 0;
    q->finishing = false;
    for (int i = 0; i < CHUNKS; i++) {
        t->chunks[i]->rows_count = t->chunks[i]->kinds_count = 0;
        t->chunks[i]->text_used = 0;
        if (i > 0)
            q->empty[q->empty_count++] = t->chunks[i];
    }
    t->filling = t->chunks[0];
}

/* Queues the filling chunk for the writer and takes an empty one, waiting (on the host) while
 * the writer still holds every other chunk. */
static int chunk_send(sim_trace_sqlite_t *t)
{
    chunk_queue_t *q = &t->queue;
    pthread_mutex_lock(&q->lock);
    SIM_ASSERT(q->full_count < CHUNKS);
    q->full[(q->full_head + q->full_count++) % CHUNKS] = t->filling;
    pthread_cond_signal(&q->has_full);
    while (q->empty_count == 0)
        pthread_cond_wait(&q->has_empty, &q->lock);
    t->filling = q->empty[--q->empty_count];
    pthread_mutex_unlock(&q->lock);
    SIM_ASSERT(t->filling->rows_count == 0);
    SIM_ASSERT(t->filling->kinds_count == 0);
    return 0;
}

/* Copies the event's text into the chunk, growing its text buffer if needed. */
static int chunk_text(sim_trace_sqlite_t *t, chunk_t *c, const char *text, chunk_row_t *row)
{
    size_t size = strlen(text);
    if (size >= NO_TEXT)
        return run_fail(t, SIM_ERANGE, "an event's text is %zu bytes long", size);
    if (c->text_used + size + 1 > c->text_capacity) {
        size_t capacity = 2 * (c->text_used + size + 1);
        char *p = realloc(c->text, capacity);
        if (!p)
            return run_fail(t, SIM_ENOMEM, "out of memory");
        c->text = p;
        c->text_capacity = capacity;
    }
    memcpy(c->text + c->text_used, text, size + 1);
    row->text_offset = (uint32_t)c->text_used;
    row->text_size = (uint32_t)size;
    c->text_used += size + 1;
    return 0;
}

static int chunk_add(sim_trace_sqlite_t *t, const sim_trace_event_t *ev)
{
    chunk_t *c = t->filling;
    chunk_row_t *row = &c->rows[c->rows_count];
    int64_t *v = row->value;
    v[0] = (int64_t)ev->index;
    v[1] = ev->time_mono_ns;
    v[2] = ev->time_boot_ns;
    v[3] = ev->thread_id;
    v[4] = ev->kind;
    v[5] = (int64_t)ev->object;
    for (int i = 0; i < 4; i++)
        v[6 + i] = ev->arg[i];
    v[10] = ev->status;
    row->text_size = NO_TEXT;
    if (ev->text) {
        int rc = chunk_text(t, c, ev->text, row);
        if (rc != 0)
            return rc;
    }
    t->rows_sent++;
    if (++c->rows_count < CHUNK_ROWS)
        return 0;
    return chunk_send(t);
}

/* ---- The writer thread ----------------------------------------------------------------------- */

/* Counts inserted rows; at SIM_TRACE_SQLITE_BATCH_ROWS commits the batch and opens the next. */
static int rows_inserted(sim_trace_sqlite_t *t, uint32_t rows)
{
    t->rows += rows;
    t->batch_rows += rows;
    if (t->batch_rows < SIM_TRACE_SQLITE_BATCH_ROWS)
        return 0;
    int rc = exec(t, "COMMIT", "cannot commit events");
    if (rc != 0)
        return rc;
    t->rows_committed = t->rows;
    t->batch_rows = 0;
    return exec(t, "BEGIN IMMEDIATE", "cannot begin a transaction");
}

static int kinds_write(sim_trace_sqlite_t *t, const chunk_t *c)
{
    sqlite3_stmt *st = t->st[ST_INSERT_KIND];
    for (uint32_t i = 0; i < c->kinds_count; i++) {
        if (sqlite3_bind_int64(st, 1, t->run_id) != SQLITE_OK ||
            sqlite3_bind_int64(st, 2, c->kinds[i].kind) != SQLITE_OK ||
            sqlite3_bind_text(st, 3, c->kinds[i].name, -1, SQLITE_STATIC) != SQLITE_OK)
            return fail(t, "cannot write an event kind");
        int rc = step_done(t, st, "cannot write an event kind");
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* One statement inserts the whole chunk (the chunk table above); the batch transaction is
 * committed between chunks, which batches hold whole. */
static int chunk_write(sim_trace_sqlite_t *t, const chunk_t *c)
{
    int rc = kinds_write(t, c);
    if (rc != 0 || c->rows_count == 0)
        return rc;
    t->writing = c;
    rc = step_done(t, t->st[ST_INSERT_CHUNK], "cannot write events");
    t->writing = NULL;
    return rc == 0 ? rows_inserted(t, c->rows_count) : rc;
}

/* Takes the next full chunk, or NULL once the run's last one is written. */
static chunk_t *writer_take(chunk_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->full_count == 0 && !q->finishing)
        pthread_cond_wait(&q->has_full, &q->lock);
    chunk_t *c = NULL;
    if (q->full_count > 0) {
        c = q->full[q->full_head];
        q->full_head = (q->full_head + 1) % CHUNKS;
        q->full_count--;
    }
    pthread_mutex_unlock(&q->lock);
    return c;
}

static void writer_give_back(chunk_queue_t *q, chunk_t *c)
{
    c->rows_count = c->kinds_count = 0;
    c->text_used = 0;
    pthread_mutex_lock(&q->lock);
    q->empty[q->empty_count++] = c;
    pthread_cond_signal(&q->has_empty);
    pthread_mutex_unlock(&q->lock);
}

/* Writes the chunks in the order they come. After an error it keeps taking chunks, without
 * writing them, so that the engine's thread never waits forever. */
static void *writer_main(void *arg)
{
    sim_trace_sqlite_t *t = arg;
    chunk_t *c;
    while ((c = writer_take(&t->queue)) != NULL) {
        if (atomic_load_explicit(&t->writer_error, memory_order_relaxed) == 0) {
            int rc = chunk_write(t, c);
            if (rc != 0)
                atomic_store_explicit(&t->writer_error, rc, memory_order_release);
        }
        writer_give_back(&t->queue, c);
    }
    return NULL;
}

/* Starts the writer with every signal blocked, so that a SIGINT handler runs on the caller's
 * threads, never in the middle of the writer's SQLite calls. */
static int writer_start(sim_trace_sqlite_t *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->writer, NULL, writer_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return fail_with(t, SIM_ENOMEM, "cannot start the writer thread: %s", strerror(rc));
    t->writer_running = true;
    return 0;
}

/* Sends the last chunk and waits until the writer has written everything and exited; the
 * connection is the caller's thread's again. */
static void writer_stop(sim_trace_sqlite_t *t)
{
    if (!t->writer_running)
        return;
    chunk_queue_t *q = &t->queue;
    pthread_mutex_lock(&q->lock);
    if (t->filling->rows_count > 0 || t->filling->kinds_count > 0) {
        q->full[(q->full_head + q->full_count++) % CHUNKS] = t->filling;
        t->filling = NULL;
    }
    q->finishing = true;
    pthread_cond_signal(&q->has_full);
    pthread_mutex_unlock(&q->lock);
    pthread_join(t->writer, NULL);
    t->writer_running = false;
}

/* ---- The sink (the engine's thread) ---------------------------------------------------------- */

static int sqlite_event(void *ctx, const sim_trace_event_t *ev)
{
    sim_trace_sqlite_t *t = ctx;
    SIM_ASSERT(t->sim != NULL);
    if (t->error != 0)
        return t->error;
    /* The writer's message is read only once it is joined, at the run's end. */
    int rc = atomic_load_explicit(&t->writer_error, memory_order_relaxed);
    if (rc == 0 && atomic_load_explicit(&t->interrupt_requested, memory_order_relaxed) &&
        !t->stopping) {
        t->stopping = true;
        sim_stop(t->sim, SIM_END_STOPPED);
    }
    if (rc == 0)
        rc = kind_note(t, ev);
    if (rc == 0)
        rc = chunk_add(t, ev);
    if (rc == 0 && ev->kind < SIM_TRACE_KIND_USER && sim__engine_tables_wants(ev->kind) &&
        sim__engine_tables_event(t->engine, ev) != 0)
        rc = run_fail(t, SIM_ENOMEM, "out of memory");
    if (rc == 0 && t->deriver.event) {
        char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
        if (t->deriver.event(t->deriver.ctx, ev, message, sizeof(message)) != 0)
            rc = run_fail(t, SIM_EIO, "%s", message[0] ? message : "the deriver failed");
    }
    t->error = rc;
    return rc;
}

/* The derived tables of a run: the engine's (threads, objects, violations), then the
 * deriver's, then the indexes. At a run's end the engine's come from the events the sink
 * kept (trace_sqlite_engine.c) and the deriver has seen every event; a rebuild reads the file
 * alone: the engine's tables through reports/derive_sim.sql, which specifies them, and the
 * deriver through its rebuild op. */
static int derive_run(sim_trace_sqlite_t *t, int64_t run_id, bool streamed)
{
#define X(stem) {#stem ".sql", (const char *)stem##_sql},
    static const struct {
        const char *name;
        const char *sql;
    } scripts[] = {WAKESIM_DERIVE_SCRIPTS(X)};
#undef X
    int rc = 0;
    if (streamed) {
        char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
        rc = sim__engine_tables_write(t->engine, t->db, run_id, message, sizeof(message));
        if (rc != 0)
            return fail_with(t, rc, "cannot write threads, objects and violations: %s", message);
    }
    for (size_t i = 0; !streamed && i < sizeof(scripts) / sizeof(scripts[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "cannot run %s", scripts[i].name);
        if ((rc = exec_script(t, scripts[i].sql, run_id, what)) != 0)
            return rc;
    }
    rc = streamed ? deriver_write(t, run_id) : deriver_rebuild(t, run_id);
    if (rc != 0)
        return rc;
    return exec_script(t, (const char *)indexes_sql, run_id, "cannot create the indexes");
}

/* The engine knows each violation's message; the events carry only the invariant's name. */
static int violations_describe(sim_trace_sqlite_t *t, sim_t *s)
{
    sqlite3_stmt *st = t->st[ST_VIOLATION_MESSAGE];
    for (size_t i = 0; i < sim_violation_count(s); i++) {
        const sim_violation_t *v = sim_violation_get(s, i);
        if (sqlite3_bind_int64(st, 1, t->run_id) != SQLITE_OK ||
            sqlite3_bind_int64(st, 2, (int64_t)i) != SQLITE_OK ||
            bind_text_or_null(st, 3, v->message) != SQLITE_OK)
            return fail(t, "cannot write violations");
        int rc = step_done(t, st, "cannot write violations");
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int run_update(sim_trace_sqlite_t *t, sim_t *s)
{
    sim_end_t end = sim_end_reason(s);
    const char *verdict = t->stopping && end == SIM_END_STOPPED ? "interrupted" : sim_end_name(end);
    char fingerprint[17];
    snprintf(fingerprint, sizeof(fingerprint), "%016llx", (unsigned long long)sim_fingerprint(s));
    size_t choices_size = 0;
    const uint8_t *choices = sim_choices(s, &choices_size);
    sim_stats_t stats;
    sim_get_stats(s, &stats);
    sqlite3_stmt *st = t->st[ST_RUN_FINISH];
    int rc = sqlite3_bind_int64(st, 1, t->run_id);
    rc |= sqlite3_bind_text(st, 2, verdict, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 3, fingerprint, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_int64(st, 4, (int64_t)sim_trace_count(s));
    rc |= sqlite3_bind_int64(st, 5, (int64_t)stats.events);
    rc |= sqlite3_bind_int64(st, 6, sim_now_boot(s));
    rc |= sqlite3_bind_int64(st, 7, sim_now_mono(s));
    rc |= sqlite3_bind_blob(st, 8, choices ? (const void *)choices : "", (int)choices_size,
                            SQLITE_TRANSIENT);
    rc |= sqlite3_bind_int64(st, 9, (int64_t)sim_choices_count(s));
    if (rc != SQLITE_OK)
        return fail(t, "cannot finish the run");
    return step_done(t, st, "cannot finish the run");
}

/* The run's last transaction, once the writer is joined: the derived tables and the
 * completed `runs` row, committed with the last rows. */
static int run_finish(sim_trace_sqlite_t *t, sim_t *s)
{
    SIM_ASSERT(t->rows == t->rows_sent); /* the writer wrote every row it was given */
    SIM_ASSERT(t->rows_sent == sim_trace_count(s)); /* attached before the first event */
    int rc = derive_run(t, t->run_id, true);
    if (rc == 0)
        rc = violations_describe(t, s);
    if (rc == 0)
        rc = run_update(t, s);
    if (rc == 0)
        rc = exec(t, "COMMIT", "cannot commit the run");
    return rc;
}

/* After a failure: rolls back the open batch (committed batches stay) and, in a transaction
 * of its own, marks the run with `verdict` and the first error's message. Best effort: when
 * SQLite fails again (a full disk) the row keeps saying 'running', and errmsg keeps the
 * first error, which is the one worth reporting. */
static void run_mark(sim_trace_sqlite_t *t, const char *verdict, uint64_t rows)
{
    if (!sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
    if (t->run_id == 0)
        return; /* the run's row was never committed */
    sqlite3_stmt *st = t->st[ST_RUN_MARK];
    const char *message = t->errmsg[0] ? t->errmsg : NULL;
    if (sqlite3_bind_int64(st, 1, t->run_id) == SQLITE_OK &&
        sqlite3_bind_text(st, 2, verdict, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
        bind_text_or_null(st, 3, message) == SQLITE_OK &&
        sqlite3_bind_int64(st, 4, (int64_t)rows) == SQLITE_OK)
        (void)sqlite3_step(st); /* on failure the row stays 'running' */
    (void)sqlite3_reset(st);
}

/* Joins the writer; returns the run's first error, with its message in errmsg. */
static int run_drain(sim_trace_sqlite_t *t)
{
    writer_stop(t);
    int rc = atomic_load_explicit(&t->writer_error, memory_order_acquire);
    if (t->error != 0 && t->run_errmsg[0]) {
        /* The engine's thread failed first, with its own message (run_fail). */
        snprintf(t->errmsg, sizeof(t->errmsg), "%s", t->run_errmsg);
    }
    return t->error != 0 ? t->error : rc;
}

static void run_close(sim_trace_sqlite_t *t)
{
    sim__engine_tables_reset(t->engine);
    kinds_clear(t);
    chunks_reset(t);
    t->sim = NULL;
}

static int sqlite_end(void *ctx, sim_t *s)
{
    sim_trace_sqlite_t *t = ctx;
    SIM_ASSERT(t->sim == s);
    int rc = run_drain(t);
    if (rc == 0)
        rc = run_finish(t, s);
    if (rc != 0)
        run_mark(t, sim_end_name(SIM_END_SINK_ERROR), t->rows_committed);
    run_close(t);
    return rc;
}

static const sim_trace_sink_ops_t sqlite_ops = {
    .name = "sqlite",
    .event = sqlite_event,
    .end = sqlite_end,
};

/* ---- Runs ------------------------------------------------------------------------------------ */

static int run_insert(sim_trace_sqlite_t *t, sim_t *s, const sim_trace_sqlite_run_info_t *info)
{
    char sha256[SIM_SHA256_HEX_SIZE];
    if (info->scenario_bytes)
        sim_sha256_hex(info->scenario_bytes, info->scenario_size, sha256);
    sqlite3_stmt *st = t->st[ST_RUN_INSERT];
    int rc = bind_text_or_null(st, 1, info->scenario);
    rc |= bind_text_or_null(st, 2, info->scenario_path);
    rc |= bind_text_or_null(st, 3, info->scenario_bytes ? sha256 : NULL);
    rc |= sqlite3_bind_int64(st, 4, (int64_t)sim_seed(s));
    rc |= sqlite3_bind_text(st, 5, sim_strategy_name(s), -1, SQLITE_TRANSIENT);
    rc |= bind_text_or_null(st, 6, info->manager);
    rc |= sqlite3_bind_text(st, 7, WAKESIM_VERSION, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK)
        return fail(t, "cannot begin the run");
    return step_done(t, st, "cannot begin the run");
}

/* Binds what stays constant during the run: its key. */
static int run_bind(sim_trace_sqlite_t *t)
{
    if (sqlite3_bind_int64(t->st[ST_INSERT_CHUNK], 1, t->run_id) != SQLITE_OK)
        return fail(t, "cannot begin the run");
    return 0;
}

/* Commits the run's row and opens the first batch transaction. */
static int run_open(sim_trace_sqlite_t *t, sim_t *s, const sim_trace_sqlite_run_info_t *info)
{
    int rc = exec(t, "BEGIN IMMEDIATE", "cannot begin the run");
    if (rc == 0)
        rc = run_insert(t, s, info);
    if (rc == 0 && (rc = exec(t, "COMMIT", "cannot begin the run")) == 0)
        t->run_id = sqlite3_last_insert_rowid(t->db);
    if (rc == 0)
        rc = run_bind(t);
    if (rc == 0)
        rc = exec(t, "BEGIN IMMEDIATE", "cannot begin a transaction");
    if (rc != 0 && !sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL); /* the error is already set */
    return rc;
}

int sim_trace_sqlite_run_begin(sim_trace_sqlite_t *t, sim_t *s,
                               const sim_trace_sqlite_run_info_t *info, int64_t *run_id)
{
    static const sim_trace_sqlite_run_info_t none = {0};
    SIM_ASSERT(t != NULL);
    SIM_ASSERT(s != NULL);
    t->errmsg[0] = '\0';
    if (atomic_load(&t->interrupt_requested))
        return fail_with(t, SIM_EINTR, "interrupted");
    if (t->sim)
        return fail_with(t, SIM_ESTATE, "a run is already open in this handle");
    if (sim_trace_count(s) != 0)
        return fail_with(t, SIM_ESTATE, "the run has already traced %llu events",
                         (unsigned long long)sim_trace_count(s));
    int rc = sim_trace_attach(s, &sqlite_ops, t);
    if (rc != 0)
        return fail_with(t, rc, "the run has no trace sink slot left");
    /* From here the sink is attached: a failure fails the run at its first event, and the
     * end op (or close) cleans up. */
    t->sim = s;
    t->run_id = 0;
    t->stopping = false;
    t->rows_sent = t->rows = t->rows_committed = 0;
    t->batch_rows = 0;
    t->run_errmsg[0] = '\0';
    atomic_store(&t->writer_error, 0);
    rc = run_open(t, s, info ? info : &none);
    if (rc == 0 && t->deriver.begin) {
        char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
        if (t->deriver.begin(t->deriver.ctx, message, sizeof(message)) != 0)
            rc = deriver_fail(t, message);
    }
    if (rc == 0)
        rc = writer_start(t);
    t->error = rc;
    if (run_id)
        *run_id = t->run_id;
    return rc;
}

void sim_trace_sqlite_interrupt(sim_trace_sqlite_t *t)
{
    atomic_store_explicit(&t->interrupt_requested, 1, memory_order_relaxed);
}

/* sim_run never ended the run: keeps what was traced, without the engine's data. */
static int run_abandon(sim_trace_sqlite_t *t)
{
    int rc = run_drain(t);
    if (rc == 0 && (rc = exec(t, "COMMIT", "cannot commit events")) == 0)
        t->rows_committed = t->rows;
    run_mark(t, "interrupted", t->rows_committed);
    run_close(t);
    return rc;
}

int sim_trace_sqlite_close(sim_trace_sqlite_t *t, char *err, size_t err_size)
{
    if (err_size)
        err[0] = '\0';
    if (!t)
        return 0;
    int rc = t->sim ? run_abandon(t) : 0;
    /* sqlite3_finalize returns the statement's last error, already handled when it happened. */
    for (int i = 0; i < ST_COUNT; i++)
        (void)sqlite3_finalize(t->st[i]);
    if (t->db && sqlite3_close(t->db) != SQLITE_OK && rc == 0)
        rc = fail(t, "cannot close");
    if (rc != 0 && err_size)
        snprintf(err, err_size, "%s", t->errmsg);
    chunks_destroy(t);
    sim__engine_tables_destroy(t->engine);
    free(t->path);
    free(t);
    return rc;
}

int sim_trace_sqlite_expectation_add(sim_trace_sqlite_t *t, int64_t run_id, uint32_t index,
                                     bool ok, const char *description)
{
    if (t->sim)
        return fail_with(t, SIM_ESTATE, "a run is open in this handle");
    sqlite3_stmt *st = t->st[ST_EXPECTATION];
    int rc = sqlite3_bind_int64(st, 1, run_id);
    rc |= sqlite3_bind_int64(st, 2, index);
    rc |= sqlite3_bind_int(st, 3, ok);
    rc |= bind_text_or_null(st, 4, description);
    if (rc != SQLITE_OK)
        return fail(t, "cannot write an expectation");
    return step_done(t, st, "cannot write an expectation");
}

int sim_trace_sqlite_derive(sim_trace_sqlite_t *t, int64_t run_id)
{
    if (t->sim)
        return fail_with(t, SIM_ESTATE, "a run is open in this handle");
    int rc = exec(t, "BEGIN IMMEDIATE", "cannot rebuild the run");
    if (rc == 0)
        rc = derive_run(t, run_id, false);
    if (rc == 0)
        return exec(t, "COMMIT", "cannot rebuild the run");
    if (!sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL); /* the error is already set */
    return rc;
}
