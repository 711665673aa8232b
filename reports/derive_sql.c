/* derive_sql.c - The SQLite side of the derive core: derive_write inserts the built rows with
 * prepared statements, derive_run feeds a core from a file's `kinds` and `events` rows.
 */
#include "derive_int.h"

#include <stdarg.h>
#include <string.h>

static const char *const CATEGORIES[] = {
    [CAT_MANAGER] = "manager", [CAT_WAIT] = "wait", [CAT_PAGER] = "pager", [CAT_CPU] = "cpu",
    [CAT_MUTEX] = "mutex",     [CAT_TASK] = "task", [CAT_SUSPEND] = "suspend",
};

typedef struct writer {
    sqlite3 *db;
    const derive_t *d;
    int64_t run_id;
    char *err;
    size_t err_size;
} writer_t;

static int fail(const writer_t *w, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const writer_t *w, int rc, const char *fmt, ...)
{
    if (w->err && w->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err, w->err_size, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int sql_fail(const writer_t *w, const char *what)
{
    return fail(w, DERIVE_EIO, "cannot %s: %s", what, sqlite3_errmsg(w->db));
}

static int exec(const writer_t *w, const char *sql, const char *what)
{
    return sqlite3_exec(w->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : sql_fail(w, what);
}

/* ---- The rows as a virtual table ------------------------------------------------------------- */

/* The rows go in with one `INSERT INTO t (...) SELECT c0, c1, ... FROM wakesim_derive_rows(?)`
 * per table, over an eponymous virtual table that reads the built arrays: SQLite's own cost
 * per row (building and inserting the record) stays, but no sqlite3_bind_* call per value, each
 * of which takes the connection's mutex. The chunk table of sim/trace_sqlite_writer.c measured
 * the same trade for `events`: one-row bound INSERTs 9,600 instructions a row, the virtual
 * table 4,800. The module is registered for the call and removed after it. */
#define MODULE "wakesim_derive_rows"
#define POINTER_TYPE "wakesim_derive_feed"
#define COLUMNS_MAX 38 /* suspends */

enum { T_SUSPENDS, T_MESSAGES, T_TRACK, T_SLICE, T_COUNTER, TABLES };

typedef struct feed {
    const writer_t *w;
    const derive_out_t *out;
    int table;
} feed_t;

typedef struct cursor {
    sqlite3_vtab_cursor base;
    const feed_t *feed;
    size_t row, rows;
} cursor_t;

static void result_null(sqlite3_context *ctx, dnull_t v)
{
    if (v.set)
        sqlite3_result_int64(ctx, v.v);
    else
        sqlite3_result_null(ctx);
}

static void result_text(sqlite3_context *ctx, const char *s)
{
    if (s)
        sqlite3_result_text(ctx, s, -1, SQLITE_STATIC);
    else
        sqlite3_result_null(ctx);
}

static void suspend_column(sqlite3_context *ctx, const feed_t *f, const suspend_row_t *s, int c)
{
    const dnull_t cols[] = {dn(f->w->run_id), dn(s->attempt), {0}, {0}, s->suspend_time_ns,
                            dn(s->channel_closed), s->wake_locks_held, s->wait_status,
                            s->reply_status, s->request_idx};
    if (c == 2)
        result_text(ctx, s->result);
    else if (c == 3)
        result_text(ctx, strpool_text(&f->w->d->text, s->resume_reason));
    else if (c < 10)
        result_null(ctx, cols[c]);
    else
        result_null(ctx, s->at[(c - 10) / 2][(c - 10) % 2]);
}

static void message_column(sqlite3_context *ctx, const feed_t *f, const message_row_t *m, int c)
{
    const dnull_t cols[] = {dn(f->w->run_id), dn(m->index), dn(m->proxy), {0},
                            dn(m->sent_idx), dn(m->sent_tb), m->proxy_read, m->counted,
                            m->forwarded, m->container_read, m->handled, m->decremented,
                            m->resumed};
    if (c == 3)
        result_text(ctx, strpool_text(&f->w->d->text, m->proxy_name));
    else
        result_null(ctx, cols[c]);
}

static void track_column(sqlite3_context *ctx, const feed_t *f, const track_row_t *t, int c)
{
    const dnull_t cols[] = {dn(f->w->run_id), dn(t->id), {0}, {0}, t->thread_id, t->object_id};
    if (c == 2)
        result_text(ctx, strpool_text(&f->w->d->text, t->name));
    else if (c == 3)
        result_text(ctx, t->type);
    else
        result_null(ctx, cols[c]);
}

static void slice_column(sqlite3_context *ctx, const feed_t *f, size_t id, const dslice_t *s,
                         int c)
{
    const dnull_t cols[] = {dn(f->w->run_id), dn((int64_t)id), dn(s->ts), dn(s->dur),
                            dn(s->track_id), {0}, {0}, dn(s->depth), s->begin_idx,
                            s->end_idx};
    if (c == 5)
        result_text(ctx, CATEGORIES[s->category]);
    else if (c == 6)
        result_text(ctx, strpool_text(&f->w->d->text, s->name));
    else
        result_null(ctx, cols[c]);
}

static void counter_column(sqlite3_context *ctx, const feed_t *f, size_t id,
                           const counter_row_t *r, int c)
{
    const dnull_t cols[] = {dn(f->w->run_id), dn((int64_t)id), dn(r->ts), dn(r->track_id),
                            dn(r->value), r->idx};
    result_null(ctx, cols[c]);
}

static int vt_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int c)
{
    const cursor_t *cur = (const cursor_t *)base;
    const feed_t *f = cur->feed;
    const derive_out_t *o = f->out;
    size_t i = cur->row;
    switch (f->table) {
    case T_SUSPENDS:
        suspend_column(ctx, f, &VEC_AT(o->suspends, suspend_row_t, i), c);
        break;
    case T_MESSAGES:
        message_column(ctx, f, &VEC_AT(o->messages, message_row_t, i), c);
        break;
    case T_TRACK:
        track_column(ctx, f, &VEC_AT(o->tracks, track_row_t, i), c);
        break;
    case T_SLICE:
        slice_column(ctx, f, i, &VEC_AT(o->slices, dslice_t, i), c);
        break;
    default:
        counter_column(ctx, f, i, &VEC_AT(o->counters, counter_row_t, i), c);
        break;
    }
    return SQLITE_OK;
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err)
{
    char schema[COLUMNS_MAX * 6 + 64] = "CREATE TABLE x(";
    size_t n = strlen(schema);
    for (int c = 0; c < COLUMNS_MAX; c++)
        n += (size_t)snprintf(schema + n, sizeof(schema) - n, "c%d, ", c);
    snprintf(schema + n, sizeof(schema) - n, "feed HIDDEN)");
    int rc = sqlite3_declare_vtab(db, schema);
    if (rc != SQLITE_OK)
        return rc;
    *out = sqlite3_malloc(sizeof(**out));
    if (!*out)
        return SQLITE_NOMEM;
    memset(*out, 0, sizeof(**out));
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* The only plan: the hidden `feed` column given by equality (the table-valued argument). */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn == COLUMNS_MAX && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 1;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    cursor_t *cur = sqlite3_malloc(sizeof(*cur));
    if (!cur)
        return SQLITE_NOMEM;
    memset(cur, 0, sizeof(*cur));
    *out = &cur->base;
    return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int vt_filter(sqlite3_vtab_cursor *base, int plan, const char *plan_name, int argc,
                     sqlite3_value **argv)
{
    cursor_t *cur = (cursor_t *)base;
    cur->feed = argc == 1 ? sqlite3_value_pointer(argv[0], POINTER_TYPE) : NULL;
    cur->row = 0;
    cur->rows = 0;
    if (!cur->feed)
        return SQLITE_OK; /* no rows */
    const derive_out_t *o = cur->feed->out;
    const vec_t *rows[TABLES] = {&o->suspends, &o->messages, &o->tracks, &o->slices,
                                 &o->counters};
    cur->rows = rows[cur->feed->table]->count;
    return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *base)
{
    ((cursor_t *)base)->row++;
    return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *base)
{
    const cursor_t *cur = (const cursor_t *)base;
    return cur->row >= cur->rows;
}

static int vt_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const cursor_t *)base)->row;
    return SQLITE_OK;
}

/* Eponymous only (no xCreate), read only. */
static const sqlite3_module ROWS_MODULE = {
    .iVersion = 0,
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

/* ---- derive_write ---------------------------------------------------------------------------- */

static const struct table {
    const char *name;
    const char *columns;
    int count;
} TABLE[TABLES] = {
    [T_SUSPENDS] = {"suspends", "run_id, attempt, result, resume_reason, suspend_time_ns,"
                    " channel_closed, wake_locks_held, wait_status, reply_status, request_idx,"
                    " sent_boot_ns, sent_mono_ns, received_boot_ns, received_mono_ns,"
                    " worker_picked_boot_ns, worker_picked_mono_ns, job_frozen_boot_ns,"
                    " job_frozen_mono_ns, wake_lock_check_boot_ns, wake_lock_check_mono_ns,"
                    " watchers_asleep_boot_ns, watchers_asleep_mono_ns, lease_dropped_boot_ns,"
                    " lease_dropped_mono_ns, wait_begun_boot_ns, wait_begun_mono_ns,"
                    " woken_boot_ns, woken_mono_ns, lease_acquired_boot_ns,"
                    " lease_acquired_mono_ns, watchers_awake_boot_ns, watchers_awake_mono_ns,"
                    " reply_boot_ns, reply_mono_ns, reply_received_boot_ns,"
                    " reply_received_mono_ns, thawed_boot_ns, thawed_mono_ns", 38},
    [T_MESSAGES] = {"messages", "run_id, message_index, proxy, proxy_name, sent_idx,"
                    " sent_boot_ns, proxy_read_boot_ns, counter_incremented_boot_ns,"
                    " forwarded_boot_ns, container_read_boot_ns, handled_boot_ns,"
                    " decremented_boot_ns, container_resumed_boot_ns", 13},
    [T_TRACK] = {"track", "run_id, id, name, type, thread_id, object_id", 6},
    [T_SLICE] = {"slice", "run_id, id, ts, dur, track_id, category, name, depth, begin_idx,"
                 " end_idx", 10},
    [T_COUNTER] = {"counter", "run_id, id, ts, track_id, value, event_idx", 6},
};

_Static_assert(COLUMNS_MAX == 38, "suspends has the most columns");

static int table_delete(const writer_t *w, int t)
{
    char sql[96], what[64];
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run_id = %lld", TABLE[t].name,
             (long long)w->run_id);
    snprintf(what, sizeof(what), "delete the run's %s rows", TABLE[t].name);
    return exec(w, sql, what);
}

/* Inserts the rows of table t, in its key order. */
static int table_insert(const writer_t *w, int t, const derive_out_t *out)
{
    char sql[2048], what[64];
    int n = snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) SELECT ", TABLE[t].name,
                     TABLE[t].columns);
    for (int c = 0; c < TABLE[t].count; c++)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, "%sc%d", c ? ", " : "", c);
    snprintf(sql + n, sizeof(sql) - (size_t)n, " FROM " MODULE "(?1)");
    snprintf(what, sizeof(what), "insert into %s", TABLE[t].name);
    feed_t feed = {.w = w, .out = out, .table = t};
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(w, what);
    int rc = sqlite3_bind_pointer(st, 1, &feed, POINTER_TYPE, NULL);
    rc = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE ? 0 : sql_fail(w, what);
    if (sqlite3_finalize(st) != SQLITE_OK && rc == 0)
        rc = sql_fail(w, what);
    return rc;
}

int derive_write(derive_t *d, sqlite3 *db, int64_t run_id, char *err, size_t err_size)
{
    writer_t w = {.db = db, .d = d, .run_id = run_id, .err = err, .err_size = err_size};
    derive_out_t out;
    int rc = derive__build(d, run_id, &out);
    if (rc != 0)
        return fail(&w, rc, "cannot derive the manager tables: out of memory");
    if (sqlite3_create_module_v2(db, MODULE, &ROWS_MODULE, NULL, NULL) != SQLITE_OK) {
        derive__out_free(&out);
        return sql_fail(&w, "register " MODULE);
    }
    rc = exec(&w, "SAVEPOINT derive_write", "begin writing the manager tables");
    for (int t = 0; t < TABLES && rc == 0; t++)
        rc = table_delete(&w, t);
    for (int t = 0; t < TABLES && rc == 0; t++)
        rc = table_insert(&w, t, &out);
    if (rc == 0) {
        rc = exec(&w, "RELEASE derive_write", "commit the manager tables");
    } else if (!sqlite3_get_autocommit(db)) {
        /* The error is in err: undo this step's rows only, keep the caller's transaction. */
        (void)sqlite3_exec(db, "ROLLBACK TO derive_write", NULL, NULL, NULL);
        (void)sqlite3_exec(db, "RELEASE derive_write", NULL, NULL, NULL);
    }
    derive__out_free(&out);
    (void)sqlite3_create_module_v2(db, MODULE, NULL, NULL, NULL); /* unregisters it */
    return rc;
}

/* ---- derive_run ------------------------------------------------------------------------------ */

static int read_kinds(const writer_t *w, derive_t *d)
{
    sqlite3_stmt *st = NULL;
    const char *what = "read the run's kinds";
    if (sqlite3_prepare_v2(w->db, "SELECT kind, name FROM kinds WHERE run_id = ? ORDER BY kind",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(w, what);
    int rc = sqlite3_bind_int64(st, 1, w->run_id);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        rc = derive_kind(d, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
    rc = rc == SQLITE_DONE ? 0 : sql_fail(w, what);
    if (sqlite3_finalize(st) != SQLITE_OK && rc == 0)
        rc = sql_fail(w, what);
    return rc;
}

/* The events go through SQL functions rather than sqlite3_column_*: a column read takes the
 * connection's mutex, twelve times a row, while a function's arguments are plain values. And
 * SQLite filters the rows first, on the kind alone (then the two value filters of the SQL's
 * temp.ev), so that the columns of an ignored row are never read: most of a run's rows are
 * kinds the core ignores. */
#define FEED_TYPE "wakesim_derive_core"

typedef struct feeder {
    derive_t *d;
    int rc;       /* derive_row's error, 0 if none */
    int64_t idx;  /* the row it refused */
} feeder_t;

static void fn_wants(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const feeder_t *f = sqlite3_value_pointer(argv[0], FEED_TYPE);
    sqlite3_result_int(ctx, f && derive__wants(f->d, sqlite3_value_int64(argv[1])));
}

static void fn_row(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    feeder_t *f = sqlite3_value_pointer(argv[0], FEED_TYPE);
    if (!f) {
        sqlite3_result_error(ctx, "wakesim_derive_row: no core", -1);
        return;
    }
    derive_row_t r = {.text = (const char *)sqlite3_value_text(argv[12])};
    int64_t *cols[] = {&r.idx,    &r.time_mono_ns, &r.time_boot_ns, &r.thread_id,
                       &r.kind,   &r.object,       &r.arg[0],       &r.arg[1],
                       &r.arg[2], &r.arg[3],       &r.status};
    for (int c = 0; c < 11; c++)
        *cols[c] = sqlite3_value_int64(argv[1 + c]);
    f->rc = derive_row(f->d, &r);
    if (f->rc != 0) {
        f->idx = r.idx;
        sqlite3_result_error(ctx, "wakesim_derive_row failed", -1);
    }
}

static int functions_set(sqlite3 *db, bool on)
{
    int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
    int rc = sqlite3_create_function(db, "wakesim_derive_wants", 2, flags, NULL,
                                     on ? fn_wants : NULL, NULL, NULL);
    int rc2 = sqlite3_create_function(db, "wakesim_derive_row", 13, flags, NULL,
                                      on ? fn_row : NULL, NULL, NULL);
    return rc != SQLITE_OK ? rc : rc2;
}

static int read_events(const writer_t *w, derive_t *d)
{
    const char *what = "read the run's events";
    if (functions_set(w->db, true) != SQLITE_OK)
        return sql_fail(w, what);
    sqlite3_stmt *st = NULL;
    feeder_t f = {.d = d};
    int rc = 0;
    if (sqlite3_prepare_v2(w->db, "SELECT wakesim_derive_row(?2, idx, time_mono_ns, time_boot_ns,"
                                  " thread_id, kind, object, arg0, arg1, arg2, arg3, status, text)"
                                  " FROM events WHERE run_id = ?1"
                                  " AND wakesim_derive_wants(?2, kind)"
                                  " AND (kind <> 100 OR text IN ('zx_counter_add',"
                                  " 'zx_counter_write')) AND (kind <> 112 OR arg1 = 1)"
                                  " ORDER BY idx",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(st, 1, w->run_id) != SQLITE_OK ||
        sqlite3_bind_pointer(st, 2, &f, FEED_TYPE, NULL) != SQLITE_OK)
        rc = sql_fail(w, what);
    int step_rc = SQLITE_DONE;
    while (rc == 0 && (step_rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc == 0 && f.rc != 0)
        rc = fail(w, f.rc, "cannot derive the manager tables from event %lld: %s",
                  (long long)f.idx, f.rc == DERIVE_ENOMEM ? "out of memory" : "out of order");
    else if (rc == 0 && step_rc != SQLITE_DONE)
        rc = sql_fail(w, what);
    if (sqlite3_finalize(st) != SQLITE_OK && rc == 0)
        rc = sql_fail(w, what);
    if (functions_set(w->db, false) != SQLITE_OK && rc == 0)
        rc = sql_fail(w, what);
    return rc;
}

int derive_run(sqlite3 *db, int64_t run_id, char *err, size_t err_size)
{
    writer_t w = {.db = db, .run_id = run_id, .err = err, .err_size = err_size};
    derive_t *d = NULL;
    if (derive_create(&d) != 0)
        return fail(&w, DERIVE_ENOMEM, "cannot derive the manager tables: out of memory");
    int rc = read_kinds(&w, d);
    if (rc == 0)
        rc = read_events(&w, d);
    if (rc == 0)
        rc = derive_write(d, db, run_id, err, err_size);
    derive_destroy(d);
    return rc;
}
