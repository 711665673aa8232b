/* trace_sqlite_engine.c - The engine's derived tables of a trace file (threads, objects,
 * violations) built in C from the run's events as the sink receives them, with exactly the
 * rows of reports/derive_sim.sql, which stays their specification and the way to rebuild a run
 * from the file alone (sim_trace_sqlite_derive). tests/sim/test_trace_sqlite.c compares both.
 *
 * Why not the SQL at every run's end: on a 63,000-event run it costs about 85 million
 * instructions (its GROUP BYs go through SQLite's sorter with a dozen aggregates each), a
 * third of the run's last transaction, for a few thousand rows; here the sink keeps a copy
 * of the engine's few events (one comparison per event otherwise) and the end sorts them.
 *
 * The SQL's semantics, reproduced: objects and threads are grouped by id as a signed 64-bit
 * integer (the column's type), in ascending order; every aggregate ignores NULLs and is taken
 * on its own (created_idx and created_boot_ns may come from different events if an id is
 * created twice); max() of a text compares bytes (SQLite's BINARY collation); an object's
 * name is the text of its sim.object_name event of highest idx; violations are numbered in
 * idx order. */
#include "trace_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One copied event of a kind the tables read. */
typedef struct engine_event {
    int64_t object; /* as the column stores it */
    int64_t idx, boot, mono;
    int64_t arg[3];
    uint32_t kind;
    char *text; /* owned copy, or NULL */
} engine_event_t;

struct sim_engine_tables {
    engine_event_t *events;
    size_t count, capacity;
};

bool sim__engine_tables_wants(uint32_t kind)
{
    return kind == SIM_EV_THREAD_CREATE || kind == SIM_EV_THREAD_EXIT ||
           kind == SIM_EV_VIOLATION || kind == SIM_EV_OBJECT_CREATE ||
           kind == SIM_EV_OBJECT_NAME || kind == SIM_EV_OBJECT_DESTROY;
}

int sim__engine_tables_create(sim_engine_tables_t **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : SIM_ENOMEM;
}

void sim__engine_tables_reset(sim_engine_tables_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->events[i].text);
    t->count = 0;
}

void sim__engine_tables_destroy(sim_engine_tables_t *t)
{
    if (!t)
        return;
    sim__engine_tables_reset(t);
    free(t->events);
    free(t);
}

int sim__engine_tables_event(sim_engine_tables_t *t, const sim_trace_event_t *ev)
{
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? 2 * t->capacity : 256;
        engine_event_t *p = realloc(t->events, capacity * sizeof(*p));
        if (!p)
            return SIM_ENOMEM;
        t->events = p;
        t->capacity = capacity;
    }
    engine_event_t *e = &t->events[t->count];
    *e = (engine_event_t){
        .object = (int64_t)ev->object,
        .idx = (int64_t)ev->index,
        .boot = ev->time_boot_ns,
        .mono = ev->time_mono_ns,
        .arg = {ev->arg[0], ev->arg[1], ev->arg[2]},
        .kind = ev->kind,
    };
    if (ev->text && !(e->text = strdup(ev->text)))
        return SIM_ENOMEM;
    t->count++;
    return 0;
}

/* ---- Aggregates as SQL computes them -------------------------------------------------------- */

/* An integer aggregate that starts NULL. */
typedef struct agg {
    int64_t value;
    bool set;
} agg_t;

static void agg_max(agg_t *a, int64_t v)
{
    if (!a->set || v > a->value)
        *a = (agg_t){v, true};
}

static void agg_min(agg_t *a, int64_t v)
{
    if (!a->set || v < a->value)
        *a = (agg_t){v, true};
}

/* max() of a text: NULLs ignored, bytes compared. */
static void text_max(const char **a, const char *v)
{
    if (v && (!*a || strcmp(v, *a) > 0))
        *a = v;
}

/* By object id, then idx (the order of the stream, which GROUP BY does not need but the
 * "last name" does). */
static int by_object_then_idx(const void *pa, const void *pb)
{
    const engine_event_t *a = pa, *b = pb;
    if (a->object != b->object)
        return a->object < b->object ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* ---- Writing -------------------------------------------------------------------------------- */

static int bind_agg(sqlite3_stmt *st, int index, agg_t a)
{
    return a.set ? sqlite3_bind_int64(st, index, a.value) : sqlite3_bind_null(st, index);
}

static int bind_text(sqlite3_stmt *st, int index, const char *text)
{
    return text ? sqlite3_bind_text(st, index, text, -1, SQLITE_STATIC)
                : sqlite3_bind_null(st, index);
}

static int step(sqlite3 *db, sqlite3_stmt *st, int bound, char *err, size_t err_size)
{
    if (bound == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE && sqlite3_reset(st) == SQLITE_OK)
        return 0;
    snprintf(err, err_size, "%s", sqlite3_errmsg(db));
    (void)sqlite3_reset(st);
    return SIM_EIO;
}

typedef struct thread_row {
    const char *name;
    agg_t daemon, created_idx, created_boot, created_mono, exited_idx, exited_boot, exited_mono;
} thread_row_t;

typedef struct object_row {
    agg_t type, owner, thread, created_idx, created_boot, created_mono;
    agg_t destroyed_idx, destroyed_boot, destroyed_mono;
    const char *type_name;
    const char *name; /* of the last sim.object_name */
    bool named;
} object_row_t;

static void thread_fold(thread_row_t *r, const engine_event_t *e)
{
    if (e->kind == SIM_EV_THREAD_CREATE) {
        text_max(&r->name, e->text);
        agg_max(&r->daemon, e->arg[0]);
        agg_min(&r->created_idx, e->idx);
        agg_min(&r->created_boot, e->boot);
        agg_min(&r->created_mono, e->mono);
    } else {
        agg_max(&r->exited_idx, e->idx);
        agg_max(&r->exited_boot, e->boot);
        agg_max(&r->exited_mono, e->mono);
    }
}

static void object_fold(object_row_t *r, const engine_event_t *e)
{
    if (e->kind == SIM_EV_OBJECT_CREATE) {
        agg_max(&r->type, e->arg[1]);
        text_max(&r->type_name, e->text);
        agg_max(&r->owner, e->arg[0]);
        agg_max(&r->thread, e->arg[2]);
        agg_min(&r->created_idx, e->idx);
        agg_min(&r->created_boot, e->boot);
        agg_min(&r->created_mono, e->mono);
    } else if (e->kind == SIM_EV_OBJECT_NAME) {
        r->name = e->text; /* events of one object come in idx order: the last one wins */
        r->named = true;
    } else {
        agg_max(&r->destroyed_idx, e->idx);
        agg_max(&r->destroyed_boot, e->boot);
        agg_max(&r->destroyed_mono, e->mono);
    }
}

static int thread_write(sqlite3 *db, sqlite3_stmt *st, int64_t run_id, int64_t id,
                        const thread_row_t *r, char *err, size_t err_size)
{
    int rc = sqlite3_bind_int64(st, 1, run_id) | sqlite3_bind_int64(st, 2, id);
    rc |= bind_text(st, 3, r->name) | bind_agg(st, 4, r->daemon);
    rc |= bind_agg(st, 5, r->created_idx) | bind_agg(st, 6, r->created_boot);
    rc |= bind_agg(st, 7, r->created_mono) | bind_agg(st, 8, r->exited_idx);
    rc |= bind_agg(st, 9, r->exited_boot) | bind_agg(st, 10, r->exited_mono);
    return step(db, st, rc, err, err_size);
}

static int object_write(sqlite3 *db, sqlite3_stmt *st, int64_t run_id, int64_t id,
                        const object_row_t *r, char *err, size_t err_size)
{
    agg_t thread = r->thread.set && r->thread.value == 0 ? (agg_t){0} : r->thread; /* nullif */
    int rc = sqlite3_bind_int64(st, 1, run_id) | sqlite3_bind_int64(st, 2, id);
    rc |= bind_agg(st, 3, r->type) | bind_text(st, 4, r->type_name) | bind_agg(st, 5, r->owner);
    rc |= bind_agg(st, 6, thread) | bind_text(st, 7, r->named ? r->name : NULL);
    rc |= bind_agg(st, 8, r->created_idx) | bind_agg(st, 9, r->created_boot);
    rc |= bind_agg(st, 10, r->created_mono) | bind_agg(st, 11, r->destroyed_idx);
    rc |= bind_agg(st, 12, r->destroyed_boot) | bind_agg(st, 13, r->destroyed_mono);
    return step(db, st, rc, err, err_size);
}

static int violation_write(sqlite3 *db, sqlite3_stmt *st, int64_t run_id, int64_t index,
                           const engine_event_t *e, char *err, size_t err_size)
{
    int rc = sqlite3_bind_int64(st, 1, run_id) | sqlite3_bind_int64(st, 2, index);
    rc |= bind_text(st, 3, e->text) | sqlite3_bind_int64(st, 4, e->arg[0]);
    rc |= sqlite3_bind_int64(st, 5, e->idx) | sqlite3_bind_int64(st, 6, e->boot);
    rc |= sqlite3_bind_int64(st, 7, e->mono);
    return step(db, st, rc, err, err_size);
}

static const char *const table_sql[] = {
    "INSERT INTO threads (run_id, thread_id, name, daemon, created_idx, created_boot_ns,"
    " created_mono_ns, exited_idx, exited_boot_ns, exited_mono_ns)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "INSERT INTO objects (run_id, object_id, type, type_name, owner_id, thread_id, name,"
    " created_idx, created_boot_ns, created_mono_ns, destroyed_idx, destroyed_boot_ns,"
    " destroyed_mono_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    "INSERT INTO violations (run_id, violation_index, invariant, event_idx, trace_idx,"
    " time_boot_ns, time_mono_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

/* The rows of the three tables, from the events in stream order (the violations) and then
 * sorted by id (threads, objects: one group per id). */
static int tables_write(sim_engine_tables_t *t, sqlite3 *db, sqlite3_stmt *const st[3],
                        int64_t run_id, char *err, size_t err_size)
{
    int rc = 0;
    int64_t violations = 0;
    for (size_t i = 0; rc == 0 && i < t->count; i++) {
        if (t->events[i].kind == SIM_EV_VIOLATION)
            rc = violation_write(db, st[2], run_id, violations++, &t->events[i], err, err_size);
    }
    if (t->count > 1) /* events is NULL before the first one, which qsort may not be given */
        qsort(t->events, t->count, sizeof(*t->events), by_object_then_idx);
    /* Each table groups its own kinds: an id may be a thread and an object at once. */
    for (size_t i = 0; rc == 0 && i < t->count;) {
        size_t end = i;
        thread_row_t th = {0};
        object_row_t ob = {0};
        bool is_thread = false, is_object = false;
        for (; end < t->count && t->events[end].object == t->events[i].object; end++) {
            const engine_event_t *e = &t->events[end];
            if (e->kind == SIM_EV_THREAD_CREATE || e->kind == SIM_EV_THREAD_EXIT) {
                thread_fold(&th, e);
                is_thread = true;
            } else if (e->kind != SIM_EV_VIOLATION) {
                object_fold(&ob, e);
                is_object = true;
            }
        }
        int64_t id = t->events[i].object;
        if (is_thread)
            rc = thread_write(db, st[0], run_id, id, &th, err, err_size);
        if (rc == 0 && is_object)
            rc = object_write(db, st[1], run_id, id, &ob, err, err_size);
        i = end;
    }
    return rc;
}

int sim__engine_tables_write(sim_engine_tables_t *t, sqlite3 *db, int64_t run_id, char *err,
                             size_t err_size)
{
    sqlite3_stmt *st[3] = {NULL, NULL, NULL};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 3; i++) {
        if (sqlite3_prepare_v2(db, table_sql[i], -1, &st[i], NULL) != SQLITE_OK) {
            snprintf(err, err_size, "%s", sqlite3_errmsg(db));
            rc = SIM_EIO;
        }
    }
    if (rc == 0)
        rc = tables_write(t, db, st, run_id, err, err_size);
    for (int i = 0; i < 3; i++)
        (void)sqlite3_finalize(st[i]); /* its error, if any, is already in err */
    return rc;
}
