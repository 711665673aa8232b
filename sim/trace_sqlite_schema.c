/* trace_sqlite_schema.c - Opening a trace file: the connection, the schema (created, checked
 * or migrated), the handle's statements, and the derived tables of a run. Every script compiled
 * in from reports/ runs from this file. The design is at the top of trace_sqlite.c. */
#include "trace_sqlite_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_sqlite_sql.h"

#define PAGE_SIZE 8192               /* bytes; set when the file is created */
#define WAL_AUTOCHECKPOINT_PAGES 8192 /* 64 MiB of WAL between checkpoints (and fsyncs) */
#define CACHE_SIZE_KIB 32768
#define BUSY_TIMEOUT_MS 10000        /* another writer holds the file for one batch at most */
#define STRINGIFY(x) STRINGIFY_(x)
#define STRINGIFY_(x) #x

/* ---- Statements ------------------------------------------------------------------------------ */

/* Runs every statement of a script in order, binding :run_id where a statement uses it. The
 * derive scripts are executed once per run, so they are prepared here, not at open. */
static int exec_script(sim_trace_sqlite_t *t, const char *sql, int64_t run_id, const char *what)
{
    const char *tail = sql;
    while (*tail) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(t->db, tail, -1, &st, &tail) != SQLITE_OK)
            return sim__trace_sqlite_fail(t, what);
        if (!st)
            break; /* only comments and blanks were left */
        int index = sqlite3_bind_parameter_index(st, ":run_id");
        int rc = index ? sqlite3_bind_int64(st, index, run_id) : SQLITE_OK;
        while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
            rc = SQLITE_OK;
        if (rc != SQLITE_DONE) {
            rc = sim__trace_sqlite_fail(t, what);
            (void)sqlite3_finalize(st); /* returns the same error again */
            return rc;
        }
        if (sqlite3_finalize(st) != SQLITE_OK)
            return sim__trace_sqlite_fail(t, what);
    }
    return 0;
}

/* Reads the single integer that `sql` returns. */
static int query_int(sim_trace_sqlite_t *t, const char *sql, int64_t *out, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, what);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        rc = sim__trace_sqlite_fail(t, what);
        (void)sqlite3_finalize(st);
        return rc;
    }
    *out = sqlite3_column_int64(st, 0);
    if (sqlite3_finalize(st) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, what);
    return 0;
}

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
    if (sqlite3_create_module_v2(t->db, "wakesim_chunk", &sim__trace_sqlite_chunk_module, t,
                                 NULL) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, "cannot register the chunk table");
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(t->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &t->st[i],
                               NULL) != SQLITE_OK)
            return sim__trace_sqlite_fail(t, "cannot prepare statements");
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
        return t->db ? sim__trace_sqlite_fail(t, "cannot open")
                     : sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "out of memory");
    /* SQLite silently opens read-only what the OS will not let it write; a trace is written. */
    if (sqlite3_db_readonly(t->db, "main") == 1)
        return sim__trace_sqlite_fail_with(t, SIM_EIO, "cannot open for writing: %s",
                         sqlite3_errstr(SQLITE_READONLY));
    if (sqlite3_busy_timeout(t->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
        return sim__trace_sqlite_fail(t, "cannot set the busy timeout");
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
        return sim__trace_sqlite_fail_with(t, SIM_EIO,
                         "trace schema version %lld is newer than this wakesim's (%d); use a "
                         "newer wakesim or another file",
                         (long long)version, SIM_TRACE_SQLITE_SCHEMA_VERSION);
    if (version < 0 || (version == 0 && objects > 0))
        return sim__trace_sqlite_fail_with(t, SIM_EIO,
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
        return sim__trace_sqlite_fail_with(
            t, SIM_EIO,
            "%s: its runs need the layers' derived tables, which this"
            " handle cannot build (`wakesim run --db` upgrades the"
            " file)",
            what);
    int64_t *ids = rc == 0 && runs > 0 ? calloc((size_t)runs, sizeof(*ids)) : NULL;
    if (rc == 0 && runs > 0 && !ids)
        return sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    if (rc == 0 && runs > 0 &&
        sqlite3_prepare_v2(t->db, "SELECT run_id FROM runs WHERE fingerprint IS NOT NULL"
                                  " ORDER BY run_id", -1, &st, NULL) != SQLITE_OK)
        rc = sim__trace_sqlite_fail(t, what);
    int64_t n = 0;
    while (rc == 0 && st && n < runs && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    if (rc == 0 && st && sqlite3_finalize(st) != SQLITE_OK)
        rc = sim__trace_sqlite_fail(t, what);
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = sim__trace_sqlite_deriver_rebuild(t, ids[i]);
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
    int rc = sim__trace_sqlite_exec(t, "PRAGMA temp_store = MEMORY", "cannot migrate the trace");
    if (rc == 0)
        rc = sim__trace_sqlite_exec(t, "BEGIN IMMEDIATE", "cannot migrate the trace");
    int64_t version = 0, objects = 0;
    if (rc == 0)
        rc = schema_read(t, &version, &objects);
    if (rc == 0)
        rc = schema_refuse(t, version, objects);
    if (rc == 0 && version < SIM_TRACE_SQLITE_SCHEMA_VERSION)
        rc = migrations_run(t, version, true);
    if (rc == 0)
        return sim__trace_sqlite_exec(t, "COMMIT", "cannot migrate the trace");
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
        return sim__trace_sqlite_fail(t, "cannot enable WAL");
    if (sqlite3_step(st) != SQLITE_ROW) {
        int rc = sim__trace_sqlite_fail(t, "cannot enable WAL");
        (void)sqlite3_finalize(st);
        return rc;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    bool is_wal = mode && strcmp(mode, "wal") == 0;
    int rc = is_wal ? 0
                    : sim__trace_sqlite_fail_with(t, SIM_EIO,
                                                  "cannot enable WAL: journal mode stays '%s'",
                                                  mode ? mode : "?");
    if (sqlite3_finalize(st) != SQLITE_OK && rc == 0)
        rc = sim__trace_sqlite_fail(t, "cannot enable WAL");
    return rc;
}

/* Creates the schema in an empty file. Another process may be doing the same: the IMMEDIATE
 * transaction serialises us, and the file is checked again inside it. */
static int schema_create(sim_trace_sqlite_t *t)
{
    /* The page size can only be chosen before the first table, and not once in WAL mode. */
    int rc = sim__trace_sqlite_exec(t, "PRAGMA page_size = " STRINGIFY(PAGE_SIZE),
                                    "cannot set the page size");
    if (rc == 0)
        rc = journal_mode_wal(t);
    if (rc == 0)
        rc = sim__trace_sqlite_exec(t, "BEGIN IMMEDIATE", "cannot create the schema");
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
        return sim__trace_sqlite_exec(t, "COMMIT", "cannot create the schema");
    if (!sqlite3_get_autocommit(t->db))
        (void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL); /* the error is already set */
    return rc;
}

/* Per-connection settings (journal_mode aside, none of them is stored in the file). */
static int connection_setup(sim_trace_sqlite_t *t)
{
    static const char *const pragmas[] = {
        "PRAGMA synchronous = NORMAL", /* why: at the top of trace_sqlite.c */
        "PRAGMA wal_autocheckpoint = " STRINGIFY(WAL_AUTOCHECKPOINT_PAGES),
        "PRAGMA cache_size = -" STRINGIFY(CACHE_SIZE_KIB),
        "PRAGMA temp_store = MEMORY", /* the derive scripts' temporary tables and sorts */
        "PRAGMA journal_size_limit = 67108864", /* trims the WAL after a large transaction */
    };
    int rc = journal_mode_wal(t); /* again, in case a tool changed it */
    for (size_t i = 0; rc == 0 && i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
        rc = sim__trace_sqlite_exec(t, pragmas[i], "cannot configure the connection");
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
    int rc = sim__trace_sqlite_chunks_create(t);
    if (rc == 0 && sim__engine_tables_create(&t->engine) != 0)
        rc = sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "out of memory");
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
        sim__trace_sqlite_chunks_reset(t);
    if (rc != 0) {
        if (err_size)
            snprintf(err, err_size, "%s", t->errmsg);
        (void)sim_trace_sqlite_close(t, NULL, 0);
        return rc;
    }
    *out = t;
    return 0;
}

/* ---- The derived tables of a run ------------------------------------------------------------- */

/* The derived tables of a run: the engine's (threads, objects, violations), then the
 * deriver's, then the indexes. At a run's end the engine's come from the events the sink
 * kept (trace_sqlite_engine.c) and the deriver has seen every event; a rebuild reads the file
 * alone: the engine's tables through reports/derive_sim.sql, which specifies them, and the
 * deriver through its rebuild op. */
int sim__trace_sqlite_derive_run(sim_trace_sqlite_t *t, int64_t run_id, bool streamed)
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
            return sim__trace_sqlite_fail_with(
                t, rc, "cannot write threads, objects and violations: %s", message);
    }
    for (size_t i = 0; !streamed && i < sizeof(scripts) / sizeof(scripts[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "cannot run %s", scripts[i].name);
        if ((rc = exec_script(t, scripts[i].sql, run_id, what)) != 0)
            return rc;
    }
    rc = streamed ? sim__trace_sqlite_deriver_write(t, run_id)
                  : sim__trace_sqlite_deriver_rebuild(t, run_id);
    if (rc != 0)
        return rc;
    return exec_script(t, (const char *)indexes_sql, run_id, "cannot create the indexes");
}
