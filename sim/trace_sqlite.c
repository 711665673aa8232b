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
 *
 * Files. This one holds the handle's errors, the sink's ops (the engine's thread: kinds,
 * events, a run's end) and runs; trace_sqlite_schema.c opens a file (connection, schema,
 * migrations, statements) and builds a run's derived tables, with every compiled-in script;
 * trace_sqlite_writer.c holds the chunks, the writer thread and the chunk table;
 * trace_sqlite_engine.c the engine's derived tables; trace_sqlite_int.h the handle's struct
 * and what the files share.
 */
#include "sim.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_sqlite_int.h"

#define KINDS_CAPACITY_INITIAL 64u   /* a power of two */

static const sim_trace_sink_ops_t sqlite_ops;

/* ---- Errors ---------------------------------------------------------------------------------- */

int sim__trace_sqlite_fail(sim_trace_sqlite_t *t, const char *what)
{
    snprintf(t->errmsg, sizeof(t->errmsg), "%s: %s: %s", t->path, what, sqlite3_errmsg(t->db));
    return SIM_EIO;
}

int sim__trace_sqlite_fail_with(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
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


int sim__trace_sqlite_run_fail(sim_trace_sqlite_t *t, int err, const char *fmt, ...)
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

const char *sim_trace_sqlite_errmsg(const sim_trace_sqlite_t *t)
{
    return t->errmsg;
}

/* ---- Statements ------------------------------------------------------------------------------ */

int sim__trace_sqlite_exec(sim_trace_sqlite_t *t, const char *sql, const char *what)
{
    if (sqlite3_exec(t->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, what);
    return 0;
}

int sim__trace_sqlite_step_done(sim_trace_sqlite_t *t, sqlite3_stmt *st, const char *what)
{
    if (sqlite3_step(st) != SQLITE_DONE) {
        int rc = sim__trace_sqlite_fail(t, what);
        (void)sqlite3_reset(st); /* returns the same error again */
        return rc;
    }
    if (sqlite3_reset(st) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, what);
    return 0;
}

/* ---- The deriver (sim.h) ---------------------------------------------------------------------- */

/* A deriver's failure, as the handle reports every error: "<path>: <message>". */
static int deriver_fail(sim_trace_sqlite_t *t, const char *message)
{
    return sim__trace_sqlite_fail_with(t, SIM_EIO, "%s",
                                       message[0] ? message : "the deriver failed");
}

int sim__trace_sqlite_deriver_write(sim_trace_sqlite_t *t, int64_t run_id)
{
    char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
    if (t->deriver.write &&
        t->deriver.write(t->deriver.ctx, t->db, run_id, message, sizeof(message)) != 0)
        return deriver_fail(t, message);
    return 0;
}

int sim__trace_sqlite_deriver_rebuild(sim_trace_sqlite_t *t, int64_t run_id)
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

/* ---- Kinds (the engine's thread) ------------------------------------------------------------- */

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
        return sim__trace_sqlite_run_fail(t, SIM_ENOMEM, "out of memory");
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
            return sim__trace_sqlite_run_fail(t, SIM_EINVAL,
                                              "event kind %u is spelled both '%s' and '%s'",
                                              (unsigned)ev->kind, k->name, ev->kind_name);
        k->name_seen = ev->kind_name;
        return 0;
    }
    if (t->filling->kinds_count == CHUNK_KINDS_MAX) {
        int rc = sim__trace_sqlite_chunk_send(t);
        if (rc != 0)
            return rc;
    }
    char *name = strdup(ev->kind_name);
    if (!name)
        return sim__trace_sqlite_run_fail(t, SIM_ENOMEM, "out of memory");
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
        rc = sim__trace_sqlite_chunk_add(t, ev);
    if (rc == 0 && ev->kind < SIM_TRACE_KIND_USER && sim__engine_tables_wants(ev->kind) &&
        sim__engine_tables_event(t->engine, ev) != 0)
        rc = sim__trace_sqlite_run_fail(t, SIM_ENOMEM, "out of memory");
    if (rc == 0 && t->deriver.event) {
        char message[SIM_TRACE_SQLITE_ERR_SIZE] = "";
        if (t->deriver.event(t->deriver.ctx, ev, message, sizeof(message)) != 0)
            rc = sim__trace_sqlite_run_fail(t, SIM_EIO, "%s",
                                            message[0] ? message : "the deriver failed");
    }
    t->error = rc;
    return rc;
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
            return sim__trace_sqlite_fail(t, "cannot write violations");
        int rc = sim__trace_sqlite_step_done(t, st, "cannot write violations");
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
        return sim__trace_sqlite_fail(t, "cannot finish the run");
    return sim__trace_sqlite_step_done(t, st, "cannot finish the run");
}

/* The run's last transaction, once the writer is joined: the derived tables and the
 * completed `runs` row, committed with the last rows. */
static int run_finish(sim_trace_sqlite_t *t, sim_t *s)
{
    SIM_ASSERT(t->rows == t->rows_sent); /* the writer wrote every row it was given */
    SIM_ASSERT(t->rows_sent == sim_trace_count(s)); /* attached before the first event */
    int rc = sim__trace_sqlite_derive_run(t, t->run_id, true);
    if (rc == 0)
        rc = violations_describe(t, s);
    if (rc == 0)
        rc = run_update(t, s);
    if (rc == 0)
        rc = sim__trace_sqlite_exec(t, "COMMIT", "cannot commit the run");
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
    sim__trace_sqlite_writer_stop(t);
    int rc = atomic_load_explicit(&t->writer_error, memory_order_acquire);
    if (t->error != 0 && t->run_errmsg[0]) {
        /* The engine's thread failed first, with its own message (sim__trace_sqlite_run_fail). */
        snprintf(t->errmsg, sizeof(t->errmsg), "%s", t->run_errmsg);
    }
    return t->error != 0 ? t->error : rc;
}

static void run_close(sim_trace_sqlite_t *t)
{
    sim__engine_tables_reset(t->engine);
    kinds_clear(t);
    sim__trace_sqlite_chunks_reset(t);
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
        return sim__trace_sqlite_fail(t, "cannot begin the run");
    return sim__trace_sqlite_step_done(t, st, "cannot begin the run");
}

/* Binds what stays constant during the run: its key. */
static int run_bind(sim_trace_sqlite_t *t)
{
    if (sqlite3_bind_int64(t->st[ST_INSERT_CHUNK], 1, t->run_id) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, "cannot begin the run");
    return 0;
}

/* Commits the run's row and opens the first batch transaction. */
static int run_open(sim_trace_sqlite_t *t, sim_t *s, const sim_trace_sqlite_run_info_t *info)
{
    int rc = sim__trace_sqlite_exec(t, "BEGIN IMMEDIATE", "cannot begin the run");
    if (rc == 0)
        rc = run_insert(t, s, info);
    if (rc == 0 && (rc = sim__trace_sqlite_exec(t, "COMMIT", "cannot begin the run")) == 0)
        t->run_id = sqlite3_last_insert_rowid(t->db);
    if (rc == 0)
        rc = run_bind(t);
    if (rc == 0)
        rc = sim__trace_sqlite_exec(t, "BEGIN IMMEDIATE", "cannot begin a transaction");
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
        return sim__trace_sqlite_fail_with(t, SIM_EINTR, "interrupted");
    if (t->sim)
        return sim__trace_sqlite_fail_with(t, SIM_ESTATE, "a run is already open in this handle");
    if (sim_trace_count(s) != 0)
        return sim__trace_sqlite_fail_with(t, SIM_ESTATE, "the run has already traced %llu events",
                         (unsigned long long)sim_trace_count(s));
    int rc = sim_trace_attach(s, &sqlite_ops, t);
    if (rc != 0)
        return sim__trace_sqlite_fail_with(t, rc, "the run has no trace sink slot left");
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
        rc = sim__trace_sqlite_writer_start(t);
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
    if (rc == 0 && (rc = sim__trace_sqlite_exec(t, "COMMIT", "cannot commit events")) == 0)
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
        rc = sim__trace_sqlite_fail(t, "cannot close");
    if (rc != 0 && err_size)
        snprintf(err, err_size, "%s", t->errmsg);
    sim__trace_sqlite_chunks_destroy(t);
    sim__engine_tables_destroy(t->engine);
    free(t->path);
    free(t);
    return rc;
}

int sim_trace_sqlite_expectation_add(sim_trace_sqlite_t *t, int64_t run_id, uint32_t index,
                                     bool ok, const char *description)
{
    if (t->sim)
        return sim__trace_sqlite_fail_with(t, SIM_ESTATE, "a run is open in this handle");
    sqlite3_stmt *st = t->st[ST_EXPECTATION];
    int rc = sqlite3_bind_int64(st, 1, run_id);
    rc |= sqlite3_bind_int64(st, 2, index);
    rc |= sqlite3_bind_int(st, 3, ok);
    rc |= bind_text_or_null(st, 4, description);
    if (rc != SQLITE_OK)
        return sim__trace_sqlite_fail(t, "cannot write an expectation");
    return sim__trace_sqlite_step_done(t, st, "cannot write an expectation");
}

int sim_trace_sqlite_derive(sim_trace_sqlite_t *t, int64_t run_id)
{
    if (t->sim)
        return sim__trace_sqlite_fail_with(t, SIM_ESTATE, "a run is open in this handle");
    int rc = sim__trace_sqlite_exec(t, "BEGIN IMMEDIATE", "cannot rebuild the run");
    if (rc == 0)
        rc = sim__trace_sqlite_derive_run(t, run_id, false);
    if (rc == 0)
        return sim__trace_sqlite_exec(t, "COMMIT", "cannot rebuild the run");
    if (!sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL); /* the error is already set */
    return rc;
}
