/* trace_sqlite_writer.c - The SQLite sink's writer: the chunks that carry a run's events from
 * the engine's thread to the writer thread, the thread itself, and the chunk table through
 * which it inserts a whole chunk with one statement. The design and the lock rule are at the
 * top of trace_sqlite.c. */
#include "trace_sqlite_int.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TEXT_SIZE (64u * 1024u) /* initial text bytes of a chunk; grows if needed */

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
const sqlite3_module sim__trace_sqlite_chunk_module = {
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

/* ---- Chunks: the hand-over between the engine's thread and the writer ------------------------ */

int sim__trace_sqlite_chunks_create(sim_trace_sqlite_t *t)
{
    chunk_queue_t *q = &t->queue;
    for (int i = 0; i < CHUNKS; i++) {
        chunk_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->text = malloc(CHUNK_TEXT_SIZE))) {
            free(c);
            return sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "out of memory");
        }
        c->text_capacity = CHUNK_TEXT_SIZE;
        t->chunks[i] = c;
    }
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        return sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "cannot create the writer's lock");
    if (pthread_cond_init(&q->has_full, NULL) != 0) {
        pthread_mutex_destroy(&q->lock);
        return sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "cannot create the writer's lock");
    }
    if (pthread_cond_init(&q->has_empty, NULL) != 0) {
        pthread_cond_destroy(&q->has_full);
        pthread_mutex_destroy(&q->lock);
        return sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "cannot create the writer's lock");
    }
    t->queue_ready = true;
    return 0;
}

void sim__trace_sqlite_chunks_destroy(sim_trace_sqlite_t *t)
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
void sim__trace_sqlite_chunks_reset(sim_trace_sqlite_t *t)
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
int sim__trace_sqlite_chunk_send(sim_trace_sqlite_t *t)
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
        return sim__trace_sqlite_run_fail(t, SIM_ERANGE, "an event's text is %zu bytes long", size);
    if (c->text_used + size + 1 > c->text_capacity) {
        size_t capacity = 2 * (c->text_used + size + 1);
        char *p = realloc(c->text, capacity);
        if (!p)
            return sim__trace_sqlite_run_fail(t, SIM_ENOMEM, "out of memory");
        c->text = p;
        c->text_capacity = capacity;
    }
    memcpy(c->text + c->text_used, text, size + 1);
    row->text_offset = (uint32_t)c->text_used;
    row->text_size = (uint32_t)size;
    c->text_used += size + 1;
    return 0;
}

int sim__trace_sqlite_chunk_add(sim_trace_sqlite_t *t, const sim_trace_event_t *ev)
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
    return sim__trace_sqlite_chunk_send(t);
}

/* ---- The writer thread ----------------------------------------------------------------------- */

/* Counts inserted rows; at SIM_TRACE_SQLITE_BATCH_ROWS commits the batch and opens the next. */
static int rows_inserted(sim_trace_sqlite_t *t, uint32_t rows)
{
    t->rows += rows;
    t->batch_rows += rows;
    if (t->batch_rows < SIM_TRACE_SQLITE_BATCH_ROWS)
        return 0;
    int rc = sim__trace_sqlite_exec(t, "COMMIT", "cannot commit events");
    if (rc != 0)
        return rc;
    t->rows_committed = t->rows;
    t->batch_rows = 0;
    return sim__trace_sqlite_exec(t, "BEGIN IMMEDIATE", "cannot begin a transaction");
}

static int kinds_write(sim_trace_sqlite_t *t, const chunk_t *c)
{
    sqlite3_stmt *st = t->st[ST_INSERT_KIND];
    for (uint32_t i = 0; i < c->kinds_count; i++) {
        if (sqlite3_bind_int64(st, 1, t->run_id) != SQLITE_OK ||
            sqlite3_bind_int64(st, 2, c->kinds[i].kind) != SQLITE_OK ||
            sqlite3_bind_text(st, 3, c->kinds[i].name, -1, SQLITE_STATIC) != SQLITE_OK)
            return sim__trace_sqlite_fail(t, "cannot write an event kind");
        int rc = sim__trace_sqlite_step_done(t, st, "cannot write an event kind");
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
    rc = sim__trace_sqlite_step_done(t, t->st[ST_INSERT_CHUNK], "cannot write events");
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
int sim__trace_sqlite_writer_start(sim_trace_sqlite_t *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->writer, NULL, writer_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return sim__trace_sqlite_fail_with(t, SIM_ENOMEM, "cannot start the writer thread: %s",
                                           strerror(rc));
    t->writer_running = true;
    return 0;
}

/* Sends the last chunk and waits until the writer has written everything and exited; the
 * connection is the caller's thread's again. */
void sim__trace_sqlite_writer_stop(sim_trace_sqlite_t *t)
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
