/* test_derive.c - The C derive core (reports/derive*.c) builds exactly the rows of
 * reports/derive_manager.sql, its specification.
 *
 * Goal: for every run, the five tables suspends, messages, track, slice and counter are equal
 * row by row and column by column (value and type: INTEGER, NULL, TEXT) whether built by the
 * product, by the SQL reference or by derive_run.
 * Method: the CLI runs every shipped scenario on every variant it runs on into one file; for
 * each run the test snapshots the tables as the product wrote them, runs the SQL reference
 * (read from the source tree at test time, executed statement by statement with :run_id bound,
 * as sim/trace_sqlite.c does), snapshots again, runs derive_run and snapshots a third time; it
 * reports the first difference with its table, row key and column. Small hand-built runs in an
 * in-memory file cover edges the scenarios may not reach, compared the same way.
 */
#include "reports_fixture.h"

#include <wakesim/derive.h>

#define RUNS_MAX 128
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name, *key;
} TABLES[] = {
    {"suspends", "attempt"}, {"messages", "message_index"}, {"track", "id"},
    {"slice", "id"},         {"counter", "id"},
};

/* ---- Snapshots ------------------------------------------------------------------------------- */

/* One table of one run: every cell as "I:<int>", "T:<text>", "N", "R:<real>" or "B". */
typedef struct snapshot {
    size_t rows, cols;
    char **cells; /* rows * cols */
    char *names[64];
} snapshot_t;

static char *cell_text(sqlite3_stmt *st, int c)
{
    char *out = NULL;
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER:
        cr_assert(asprintf(&out, "I:%lld", (long long)sqlite3_column_int64(st, c)) > 0);
        break;
    case SQLITE_TEXT:
        cr_assert(asprintf(&out, "T:%s", (const char *)sqlite3_column_text(st, c)) > 0);
        break;
    case SQLITE_FLOAT:
        cr_assert(asprintf(&out, "R:%.17g", sqlite3_column_double(st, c)) > 0);
        break;
    case SQLITE_NULL:
        out = strdup("N");
        break;
    default:
        out = strdup("B");
    }
    cr_assert_not_null(out);
    return out;
}

static snapshot_t snapshot_take(sqlite3 *db, size_t table, int64_t run)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE run_id = %lld ORDER BY %s",
             TABLES[table].name, (long long)run, TABLES[table].key);
    sqlite3_stmt *st = prepare(db, sql);
    snapshot_t s = {.cols = (size_t)sqlite3_column_count(st)};
    cr_assert_leq(s.cols, COUNT(s.names));
    for (size_t c = 0; c < s.cols; c++)
        s.names[c] = strdup(sqlite3_column_name(st, (int)c));
    size_t capacity = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (s.rows == capacity) {
            capacity = capacity ? capacity * 2 : 256;
            s.cells = realloc(s.cells, capacity * s.cols * sizeof(char *));
            cr_assert_not_null(s.cells);
        }
        for (size_t c = 0; c < s.cols; c++)
            s.cells[s.rows * s.cols + c] = cell_text(st, (int)c);
        s.rows++;
    }
    cr_assert_eq(rc, SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return s;
}

static void snapshot_free(snapshot_t *s)
{
    for (size_t i = 0; i < s->rows * s->cols; i++)
        free(s->cells[i]);
    for (size_t c = 0; c < s->cols; c++)
        free(s->names[c]);
    free(s->cells);
    *s = (snapshot_t){0};
}

/* Asserts a == b, naming the first difference. */
static void snapshot_compare(const snapshot_t *a, const char *a_name, const snapshot_t *b,
                             const char *b_name, size_t table, const char *what)
{
    const char *t = TABLES[table].name;
    cr_assert_eq(a->cols, b->cols);
    size_t rows = a->rows < b->rows ? a->rows : b->rows;
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < a->cols; c++) {
            const char *x = a->cells[r * a->cols + c], *y = b->cells[r * b->cols + c];
            if (strcmp(x, y) != 0)
                cr_assert_fail("%s: %s row %zu (%s %s in %s, %s in %s) column %s: %s %s, %s %s", what,
                        t, r, TABLES[table].key, a->cells[r * a->cols + 1], a_name,
                        b->cells[r * b->cols + 1], b_name, a->names[c], a_name, x, b_name, y);
        }
    }
    if (a->rows != b->rows) {
        const snapshot_t *longer = a->rows > b->rows ? a : b;
        cr_assert_fail("%s: %s has %zu rows in %s, %zu in %s; the first extra row has %s %s", what, t,
                a->rows, a_name, b->rows, b_name, TABLES[table].key,
                longer->cells[rows * longer->cols + 1]);
    }
}

/* ---- The SQL reference ----------------------------------------------------------------------- */

static char *read_source(const char *relative)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", WAKESIM_SOURCE_DIR, relative);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    cr_assert_not_null(text);
    cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
}

/* Runs a script statement by statement with :run_id bound (exec_script in trace_sqlite_schema.c). */
static void exec_script(sqlite3 *db, const char *script, int64_t run)
{
    const char *tail = script;
    while (*tail) {
        sqlite3_stmt *st = NULL;
        cr_assert_eq(sqlite3_prepare_v2(db, tail, -1, &st, &tail), SQLITE_OK, "%s",
                     sqlite3_errmsg(db));
        if (!st)
            break;
        int index = sqlite3_bind_parameter_index(st, ":run_id");
        if (index)
            cr_assert_eq(sqlite3_bind_int64(st, index, run), SQLITE_OK);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
        cr_assert_eq(rc, SQLITE_DONE, "%s: %s", sqlite3_sql(st), sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
}

/* Product (as the file holds them) == SQL reference == derive_run, for one run. */
static void expect_same(sqlite3 *db, int64_t run, const char *script, const char *what)
{
    snapshot_t product[COUNT(TABLES)], sql[COUNT(TABLES)], c[COUNT(TABLES)];
    for (size_t t = 0; t < COUNT(TABLES); t++)
        product[t] = snapshot_take(db, t, run);
    exec(db, "BEGIN");
    exec_script(db, script, run);
    exec(db, "COMMIT");
    for (size_t t = 0; t < COUNT(TABLES); t++)
        sql[t] = snapshot_take(db, t, run);
    char err[256] = "";
    exec(db, "BEGIN");
    cr_assert_eq(derive_run(db, run, err, sizeof(err)), 0, "%s: derive_run: %s", what, err);
    exec(db, "COMMIT");
    for (size_t t = 0; t < COUNT(TABLES); t++) {
        c[t] = snapshot_take(db, t, run);
        snapshot_compare(&sql[t], "the SQL", &c[t], "C", t, what);
        snapshot_compare(&product[t], "the product", &sql[t], "the SQL", t, what);
        snapshot_free(&product[t]);
        snapshot_free(&sql[t]);
        snapshot_free(&c[t]);
    }
}

Test(derive, matches_sql_on_shipped_scenarios, .timeout = 600)
{
    static shipped_run_t runs[RUNS_MAX];
    size_t n = shipped_runs(runs, RUNS_MAX);
    cr_assert_gt(n, 0);
    char path[256];
    temp_db(path, sizeof(path), "derive");
    for (size_t i = 0; i < n; i++) {
        char args[1024];
        snprintf(args, sizeof(args), "run %.255s --manager %.31s --db %.255s", runs[i].path,
                 runs[i].manager, path);
        int status = 0;
        free(cli_output(args, &status));
        cr_assert(status == 0 || status == 1, "wakesim %s exited %d", args, status);
    }
    char *script = read_source("reports/derive_manager.sql");
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "PRAGMA temp_store = MEMORY");
    cr_assert_eq(query_int(db, "SELECT count(*) FROM runs"), (int64_t)n);
    int64_t slices = 0, messages = 0;
    for (size_t i = 0; i < n; i++) {
        char what[400];
        snprintf(what, sizeof(what), "run %zu (%.255s on %.31s)", i + 1, runs[i].path, runs[i].manager);
        expect_same(db, (int64_t)i + 1, script, what);
    }
    slices = query_int(db, "SELECT count(*) FROM slice");
    messages = query_int(db, "SELECT count(*) FROM messages");
    cr_assert_gt(slices, 0);
    cr_assert_gt(messages, 0);
    sqlite3_close(db);
    free(script);
    path_remove(path);
}

/* ---- Hand-built runs ------------------------------------------------------------------------- */

/* A fresh in-memory file with the schema of version 2. */
static sqlite3 *memory_db(void)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    const char *files[] = {"reports/schema.sql", "reports/views.sql", "reports/migrate_2.sql"};
    for (size_t i = 0; i < COUNT(files); i++) {
        char *sql = read_source(files[i]);
        exec_script(db, sql, 0);
        free(sql);
    }
    exec(db, "PRAGMA temp_store = MEMORY");
    return db;
}

static void add_kind(sqlite3 *db, int64_t kind, const char *name)
{
    char *sql = sqlite3_mprintf("INSERT INTO kinds VALUES (1, %lld, %Q)", (long long)kind, name);
    exec(db, sql);
    sqlite3_free(sql);
}

/* Appends one event to run 1 (idx = the run's count so far, times = 1000 * idx). */
static void add_event(sqlite3 *db, int64_t thread, int64_t kind, int64_t object, int64_t a0,
                      int64_t a1, int64_t a2, int64_t a3, int64_t status, const char *text)
{
    int64_t idx = query_int(db, "SELECT count(*) FROM events WHERE run_id = 1");
    char *sql = sqlite3_mprintf("INSERT INTO events VALUES (1, %lld, %lld, %lld, %lld, %lld,"
                                " %lld, %lld, %lld, %lld, %lld, %lld, %Q)",
                                (long long)idx, (long long)idx * 1000, (long long)idx * 1000,
                                (long long)thread, (long long)kind, (long long)object,
                                (long long)a0, (long long)a1, (long long)a2, (long long)a3,
                                (long long)status, text);
    exec(db, sql);
    sqlite3_free(sql);
}

/* derive_sim.sql then the SQL reference, as a run's end does, then compares with derive_run. */
static void expect_same_hand_built(sqlite3 *db, const char *what)
{
    char *sim = read_source("reports/derive_sim.sql");
    char *script = read_source("reports/derive_manager.sql");
    exec_script(db, sim, 1);
    exec_script(db, script, 1);
    expect_same(db, 1, script, what);
    free(sim);
    free(script);
}

#define FORWARD 416
#define FORWARD_NAME "starnix_runner:forward_message"

Test(derive, unended_duration_stays_open)
{
    sqlite3 *db = memory_db();
    add_kind(db, FORWARD, FORWARD_NAME);
    add_event(db, 3, FORWARD, 0, 0, 0, 0, 1, 0, NULL);
    expect_same_hand_built(db, "unended duration");
    cr_assert_eq(query_int(db, "SELECT dur FROM slice WHERE run_id = 1"), -1);
    cr_assert_eq(query_int(db, "SELECT end_idx IS NULL FROM slice WHERE run_id = 1"), 1);
    cr_assert_eq(query_int(db, "SELECT name = '(no thread)' FROM track WHERE run_id = 1"), 1);
    sqlite3_close(db);
}

Test(derive, kind_spelled_differently_is_ignored)
{
    sqlite3 *db = memory_db();
    add_kind(db, FORWARD, "starnix_runner:forward_message_v2");
    add_event(db, 3, FORWARD, 0, 0, 0, 0, 1, 0, NULL);
    add_event(db, 3, FORWARD, 0, 0, 0, 0, 0, 0, NULL);
    expect_same_hand_built(db, "kind spelled differently");
    cr_assert_eq(query_int(db, "SELECT count(*) FROM slice"), 0);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM track"), 0);
    sqlite3_close(db);
}

Test(derive, second_begin_of_a_key_takes_the_end)
{
    sqlite3 *db = memory_db();
    add_kind(db, FORWARD, FORWARD_NAME);
    add_kind(db, 102, "kernel.block");
    add_kind(db, 103, "kernel.wake");
    add_event(db, 3, FORWARD, 7, 0, 0, 0, 1, 0, "x");
    add_event(db, 3, FORWARD, 7, 0, 0, 0, 1, 0, "x");
    add_event(db, 3, FORWARD, 7, 0, 0, 0, 0, 0, "x");
    add_event(db, 3, FORWARD, 7, 0, 0, 0, 0, 0, "x"); /* an end with no begin left */
    add_event(db, 4, 102, 9, 1283, -1, 1, 0, 0, NULL);
    add_event(db, 4, 102, 9, 1283, -1, 1, 0, 0, NULL);
    add_event(db, 4, 103, 9, 1283, -1, 1, 0, 0, NULL);
    expect_same_hand_built(db, "two begins of one key");
    /* Each key: the first begin stays open, the second ends 1000 ns later. */
    cr_assert_eq(query_int(db, "SELECT count(*) FROM slice WHERE dur = -1"), 2);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM slice WHERE dur = 1000"), 2);
    sqlite3_close(db);
}

Test(derive, message_never_forwarded)
{
    sqlite3 *db = memory_db();
    add_kind(db, 200, "kernel.channel_write");
    add_kind(db, 507, "world.message");
    add_kind(db, 513, "world.peer");
    add_event(db, 5, 513, 0, 0, 0, 0, 0, 0, "proxy0");
    add_event(db, 5, 200, 77, 0, 0, 0, 0, 0, NULL);
    add_event(db, 5, 507, 0, 0, 0, 0, 0, 0, NULL);
    add_event(db, 5, 507, 0, 0, 0, 1, 0, 0, NULL); /* read by the container, never forwarded */
    expect_same_hand_built(db, "message never forwarded");
    cr_assert_eq(query_int(db, "SELECT forwarded_boot_ns IS NULL AND container_read_boot_ns"
                               " = 3000 FROM messages WHERE run_id = 1"), 1);
    sqlite3_close(db);
}

Test(derive, rows_out_of_order_are_refused)
{
    derive_t *d = NULL;
    cr_assert_eq(derive_create(&d), 0);
    derive_row_t r = {.idx = 5, .kind = 1, .object = 1, .text = "t"};
    cr_assert_eq(derive_row(d, &r), 0);
    cr_assert_eq(derive_row(d, &r), DERIVE_EINVAL);
    r.idx = 4;
    cr_assert_eq(derive_row(d, &r), DERIVE_EINVAL);
    derive_destroy(d);
}
