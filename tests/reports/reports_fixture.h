/* reports_fixture.h - What the tests of the SQLite trace's reports share: the shipped scenarios
 * and the variants each runs on, runs of the wakesim CLI with the whole of its output (stdout of
 * any size, the --json summary parsed), temporary trace files, and plain SQLite reads. */
#ifndef WAKESIM_TESTS_REPORTS_FIXTURE_H
#define WAKESIM_TESTS_REPORTS_FIXTURE_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"

/* ---- Shipped scenarios ----------------------------------------------------------------------- */

/* One run of a shipped scenario: the file (relative to the source tree) on one variant. */
typedef struct shipped_run {
    char path[256];   /* "scenarios/suspend/clean_resume_by_message.json" */
    char manager[32]; /* a variant of its run_on, or the scenario's manager */
} shipped_run_t;

/* Every scenario under scenarios/ except examples/, once per variant of its "run_on" (else
 * once on its manager), in path order. Returns how many (at most `max`). */
static inline size_t shipped_runs(shipped_run_t *out, size_t max)
{
    glob_t g;
    cr_assert_eq(glob(WAKESIM_SOURCE_DIR "/scenarios/*/*.json", 0, NULL, &g), 0);
    size_t n = 0, prefix = strlen(WAKESIM_SOURCE_DIR "/");
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i];
        if (strstr(path, "/scenarios/examples/"))
            continue;
        json_problems_t probs;
        json_problems_init(&probs, 0);
        scenario_t *sc = NULL;
        cr_assert_eq(scenario_load(path, &probs, &sc), 0, "%s does not load", path);
        json_problems_deinit(&probs);
        size_t variants = sc->run_on_count ? sc->run_on_count : 1;
        for (size_t k = 0; k < variants; k++) {
            cr_assert_lt(n, max, "more shipped runs than %zu", max);
            const char *m = sc->run_on_count ? sc->run_on[k] : scenario_manager(sc, NULL);
            snprintf(out[n].path, sizeof(out[n].path), "%s", path + prefix);
            snprintf(out[n].manager, sizeof(out[n].manager), "%s", m);
            n++;
        }
        scenario_destroy(sc);
    }
    globfree(&g);
    return n;
}

/* ---- The CLI --------------------------------------------------------------------------------- */

/* Runs `WAKESIM_BIN <args>` in the source tree (args are trusted test strings) and returns its
 * whole stdout (malloc'd); *status gets the exit code. stderr goes to the test's stderr. */
static inline char *cli_output(const char *args, int *status)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s </dev/null", WAKESIM_SOURCE_DIR, WAKESIM_BIN,
             args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    size_t size = 0, capacity = 1 << 16;
    char *out = malloc(capacity);
    cr_assert_not_null(out);
    size_t got;
    while ((got = fread(out + size, 1, capacity - size - 1, p)) > 0) {
        size += got;
        if (capacity - size - 1 == 0) {
            capacity *= 2;
            out = realloc(out, capacity);
            cr_assert_not_null(out);
        }
    }
    out[size] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return out;
}

/* `wakesim run <path> --manager <manager> --json [--db <db>]`: the parsed summary (the caller
 * deletes it). Exit codes 0 and 1 are runs that ended (1: an expectation failed). */
static inline cJSON *run_json(const char *path, const char *manager, const char *db)
{
    char args[1024];
    snprintf(args, sizeof(args), "run %.400s --manager %.64s --json%s%.400s", path, manager,
             db ? " --db " : "", db ? db : "");
    int status = 0;
    char *out = cli_output(args, &status);
    cr_assert(status == 0 || status == 1, "wakesim %s exited %d", args, status);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "wakesim %s printed no JSON: %.200s", args, out);
    free(out);
    return j;
}

static inline const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Integers of the summary are exact in a double below 2^53, which every time and count is. */
static inline int64_t json_i64(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsNumber(v), "JSON key %s is not a number", key);
    return (int64_t)v->valuedouble;
}

static inline bool json_is_null(const cJSON *o, const char *key)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* ---- Files and SQLite ------------------------------------------------------------------------ */

static inline void path_remove(const char *path)
{
    char side[300];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

/* A fresh path under /tmp for this process and `tag`, in the caller's buffer. */
static inline const char *temp_db(char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/tmp/wakesim-test-reports-%d-%s.db", (int)getpid(), tag);
    path_remove(buf);
    return buf;
}

static inline sqlite3 *reader(const char *path)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", path);
    return db;
}

static inline sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    return st;
}

/* The first column of the single row of `sql` (printf-style). */
static inline int64_t query_int(sqlite3 *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int64_t query_int(sqlite3 *db, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = prepare(db, sql);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Every row of `sql` as text, one line per row and "|" between columns ("~" for NULL), in a
 * malloc'd string: compares whole tables in one assertion. */
static inline char *query_dump(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = prepare(db, sql);
    size_t size = 0, capacity = 1 << 16;
    char *out = malloc(capacity);
    cr_assert_not_null(out);
    out[0] = '\0';
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            size_t need = size + (v ? strlen(v) : 1) + 2;
            if (need + 1 > capacity) {
                while (need + 1 > capacity)
                    capacity *= 2;
                out = realloc(out, capacity);
                cr_assert_not_null(out);
            }
            size += (size_t)sprintf(out + size, "%s%s", c ? "|" : "", v ? v : "~");
        }
        out[size++] = '\n';
        out[size] = '\0';
    }
    cr_assert_eq(rc, SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return out;
}

/* The fold of sim_fingerprint_fold over the run's rows, in idx order. */
static inline uint64_t rows_fingerprint(sqlite3 *r, int64_t run, uint64_t *rows)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT idx, time_boot_ns, time_mono_ns, thread_id, kind, object,"
             " arg0, arg1, arg2, arg3, status, text FROM events WHERE run_id = %lld ORDER BY idx",
             (long long)run);
    sqlite3_stmt *st = prepare(r, sql);
    uint64_t h = SIM_FINGERPRINT_SEED, n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        sim_trace_event_t ev = {
            .index = (uint64_t)sqlite3_column_int64(st, 0),
            .time_boot_ns = sqlite3_column_int64(st, 1),
            .time_mono_ns = sqlite3_column_int64(st, 2),
            .thread_id = (uint32_t)sqlite3_column_int64(st, 3),
            .kind = (uint32_t)sqlite3_column_int64(st, 4),
            .object = (uint64_t)sqlite3_column_int64(st, 5),
            .arg = {sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
                    sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9)},
            .status = (int32_t)sqlite3_column_int64(st, 10),
            .text = (const char *)sqlite3_column_text(st, 11),
        };
        cr_assert_eq(ev.index, n, "run %lld: row %" PRIu64 " has idx %" PRIu64, (long long)run,
                     n, ev.index);
        h = sim_fingerprint_fold(h, &ev);
        n++;
    }
    sqlite3_finalize(st);
    *rows = n;
    return h;
}

#endif
