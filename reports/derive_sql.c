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

/* ---- Binding --------------------------------------------------------------------------------- */

static int bind_null(sqlite3_stmt *st, int i, dnull_t v)
{
    return v.set ? sqlite3_bind_int64(st, i, v.v) : sqlite3_bind_null(st, i);
}

static int bind_text(const writer_t *w, sqlite3_stmt *st, int i, uint32_t id)
{
    const char *s = strpool_text(&w->d->text, id);
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* Steps a bound insert and resets it for the next row. */
static int step(const writer_t *w, sqlite3_stmt *st, int bound, const char *what)
{
    if (bound != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
        int rc = sql_fail(w, what);
        (void)sqlite3_reset(st);
        return rc;
    }
    return sqlite3_reset(st) == SQLITE_OK ? 0 : sql_fail(w, what);
}

static int bind_suspend(const writer_t *w, sqlite3_stmt *st, const suspend_row_t *s)
{
    int rc = sqlite3_bind_int64(st, 1, w->run_id);
    rc = rc ? rc : sqlite3_bind_int64(st, 2, s->attempt);
    rc = rc ? rc : sqlite3_bind_text(st, 3, s->result, -1, SQLITE_STATIC);
    rc = rc ? rc : bind_text(w, st, 4, s->resume_reason);
    rc = rc ? rc : bind_null(st, 5, s->suspend_time_ns);
    rc = rc ? rc : sqlite3_bind_int64(st, 6, s->channel_closed);
    rc = rc ? rc : bind_null(st, 7, s->wake_locks_held);
    rc = rc ? rc : bind_null(st, 8, s->wait_status);
    rc = rc ? rc : bind_null(st, 9, s->reply_status);
    rc = rc ? rc : bind_null(st, 10, s->request_idx);
    for (int i = 0; i < POINTS && rc == 0; i++) {
        rc = bind_null(st, 11 + 2 * i, s->at[i][0]);
        rc = rc ? rc : bind_null(st, 12 + 2 * i, s->at[i][1]);
    }
    return rc;
}

static int bind_message(const writer_t *w, sqlite3_stmt *st, const message_row_t *m)
{
    int rc = sqlite3_bind_int64(st, 1, w->run_id);
    rc = rc ? rc : sqlite3_bind_int64(st, 2, m->index);
    rc = rc ? rc : sqlite3_bind_int64(st, 3, m->proxy);
    rc = rc ? rc : bind_text(w, st, 4, m->proxy_name);
    rc = rc ? rc : sqlite3_bind_int64(st, 5, m->sent_idx);
    rc = rc ? rc : sqlite3_bind_int64(st, 6, m->sent_tb);
    const dnull_t *times[] = {&m->proxy_read, &m->counted, &m->forwarded, &m->container_read,
                              &m->handled, &m->decremented, &m->resumed};
    for (int i = 0; i < 7 && rc == 0; i++)
        rc = bind_null(st, 7 + i, *times[i]);
    return rc;
}

static int bind_track(const writer_t *w, sqlite3_stmt *st, const track_row_t *t)
{
    int rc = sqlite3_bind_int64(st, 1, w->run_id);
    rc = rc ? rc : sqlite3_bind_int64(st, 2, t->id);
    rc = rc ? rc : bind_text(w, st, 3, t->name);
    rc = rc ? rc : sqlite3_bind_text(st, 4, t->type, -1, SQLITE_STATIC);
    rc = rc ? rc : bind_null(st, 5, t->thread_id);
    return rc ? rc : bind_null(st, 6, t->object_id);
}

static int bind_slice(const writer_t *w, sqlite3_stmt *st, int64_t id, const dslice_t *s)
{
    int rc = sqlite3_bind_int64(st, 1, w->run_id);
    rc = rc ? rc : sqlite3_bind_int64(st, 2, id);
    rc = rc ? rc : sqlite3_bind_int64(st, 3, s->ts);
    rc = rc ? rc : sqlite3_bind_int64(st, 4, s->dur);
    rc = rc ? rc : sqlite3_bind_int64(st, 5, s->track_id);
    rc = rc ? rc : sqlite3_bind_text(st, 6, CATEGORIES[s->category], -1, SQLITE_STATIC);
    rc = rc ? rc : bind_text(w, st, 7, s->name);
    rc = rc ? rc : sqlite3_bind_int64(st, 8, s->depth);
    rc = rc ? rc : bind_null(st, 9, s->begin_idx);
    return rc ? rc : bind_null(st, 10, s->end_idx);
}

static int bind_counter(const writer_t *w, sqlite3_stmt *st, int64_t id, const counter_row_t *c)
{
    int rc = sqlite3_bind_int64(st, 1, w->run_id);
    rc = rc ? rc : sqlite3_bind_int64(st, 2, id);
    rc = rc ? rc : sqlite3_bind_int64(st, 3, c->ts);
    rc = rc ? rc : sqlite3_bind_int64(st, 4, c->track_id);
    rc = rc ? rc : sqlite3_bind_int64(st, 5, c->value);
    return rc ? rc : bind_null(st, 6, c->idx);
}

/* ---- derive_write ---------------------------------------------------------------------------- */

enum { T_SUSPENDS, T_MESSAGES, T_TRACK, T_SLICE, T_COUNTER, TABLES };

static const struct table {
    const char *name;
    const char *insert;
} TABLE[TABLES] = {
    [T_SUSPENDS] = {"suspends", "INSERT INTO suspends (run_id, attempt, result, resume_reason,"
                    " suspend_time_ns, channel_closed, wake_locks_held, wait_status, reply_status,"
                    " request_idx, sent_boot_ns, sent_mono_ns, received_boot_ns, received_mono_ns,"
                    " worker_picked_boot_ns, worker_picked_mono_ns, job_frozen_boot_ns,"
                    " job_frozen_mono_ns, wake_lock_check_boot_ns, wake_lock_check_mono_ns,"
                    " watchers_asleep_boot_ns, watchers_asleep_mono_ns, lease_dropped_boot_ns,"
                    " lease_dropped_mono_ns, wait_begun_boot_ns, wait_begun_mono_ns,"
                    " woken_boot_ns, woken_mono_ns, lease_acquired_boot_ns,"
                    " lease_acquired_mono_ns, watchers_awake_boot_ns, watchers_awake_mono_ns,"
                    " reply_boot_ns, reply_mono_ns, reply_received_boot_ns,"
                    " reply_received_mono_ns, thawed_boot_ns, thawed_mono_ns) VALUES (?, ?, ?,"
                    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
    [T_MESSAGES] = {"messages", "INSERT INTO messages (run_id, message_index, proxy, proxy_name,"
                    " sent_idx, sent_boot_ns, proxy_read_boot_ns, counter_incremented_boot_ns,"
                    " forwarded_boot_ns, container_read_boot_ns, handled_boot_ns,"
                    " decremented_boot_ns, container_resumed_boot_ns)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
    [T_TRACK] = {"track", "INSERT INTO track (run_id, id, name, type, thread_id, object_id)"
                 " VALUES (?, ?, ?, ?, ?, ?)"},
    [T_SLICE] = {"slice", "INSERT INTO slice (run_id, id, ts, dur, track_id, category, name,"
                 " depth, begin_idx, end_idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
    [T_COUNTER] = {"counter", "INSERT INTO counter (run_id, id, ts, track_id, value, event_idx)"
                   " VALUES (?, ?, ?, ?, ?, ?)"},
};

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
    char what[64];
    snprintf(what, sizeof(what), "insert into %s", TABLE[t].name);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db, TABLE[t].insert, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(w, what);
    const vec_t *rows[TABLES] = {&out->suspends, &out->messages, &out->tracks, &out->slices,
                                 &out->counters};
    int rc = 0;
    for (size_t i = 0; i < rows[t]->count && rc == 0; i++) {
        int bound = SQLITE_OK;
        switch (t) {
        case T_SUSPENDS:
            bound = bind_suspend(w, st, &VEC_AT(*rows[t], suspend_row_t, i));
            break;
        case T_MESSAGES:
            bound = bind_message(w, st, &VEC_AT(*rows[t], message_row_t, i));
            break;
        case T_TRACK:
            bound = bind_track(w, st, &VEC_AT(*rows[t], track_row_t, i));
            break;
        case T_SLICE:
            bound = bind_slice(w, st, (int64_t)i, &VEC_AT(*rows[t], dslice_t, i));
            break;
        case T_COUNTER:
            bound = bind_counter(w, st, (int64_t)i, &VEC_AT(*rows[t], counter_row_t, i));
            break;
        }
        rc = step(w, st, bound, what);
    }
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
    rc = exec(&w, "SAVEPOINT derive_write", "begin writing the manager tables");
    if (rc != 0) {
        derive__out_free(&out);
        return rc;
    }
    for (int t = 0; t < TABLES && rc == 0; t++)
        rc = table_delete(&w, t);
    for (int t = 0; t < TABLES && rc == 0; t++)
        rc = table_insert(&w, t, &out);
    derive__out_free(&out);
    if (rc == 0)
        return exec(&w, "RELEASE derive_write", "commit the manager tables");
    /* The error is already in err: undo this step's rows only, keep the caller's transaction. */
    (void)sqlite3_exec(db, "ROLLBACK TO derive_write", NULL, NULL, NULL);
    (void)sqlite3_exec(db, "RELEASE derive_write", NULL, NULL, NULL);
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

static int read_events(const writer_t *w, derive_t *d)
{
    sqlite3_stmt *st = NULL;
    const char *what = "read the run's events";
    if (sqlite3_prepare_v2(w->db, "SELECT idx, time_mono_ns, time_boot_ns, thread_id, kind,"
                                  " object, arg0, arg1, arg2, arg3, status, text FROM events"
                                  " WHERE run_id = ? ORDER BY idx",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(w, what);
    int rc = sqlite3_bind_int64(st, 1, w->run_id) == SQLITE_OK ? 0 : sql_fail(w, what);
    int step_rc = SQLITE_DONE;
    while (rc == 0 && (step_rc = sqlite3_step(st)) == SQLITE_ROW) {
        derive_row_t r = {.text = (const char *)sqlite3_column_text(st, 11)};
        int64_t *cols[] = {&r.idx,      &r.time_mono_ns, &r.time_boot_ns, &r.thread_id,
                           &r.kind,     &r.object,       &r.arg[0],       &r.arg[1],
                           &r.arg[2],   &r.arg[3],       &r.status};
        for (int c = 0; c < 11; c++)
            *cols[c] = sqlite3_column_int64(st, c);
        rc = derive_row(d, &r);
        if (rc != 0)
            rc = fail(w, rc, "cannot derive the manager tables from event %lld: %s",
                      (long long)r.idx, rc == DERIVE_ENOMEM ? "out of memory" : "out of order");
    }
    if (rc == 0 && step_rc != SQLITE_DONE)
        rc = sql_fail(w, what);
    if (sqlite3_finalize(st) != SQLITE_OK && rc == 0)
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
