/* test_agree.c - The SQLite trace agrees with what `wakesim run` reports.
 *
 * Goal: for every shipped scenario on every variant it runs on, the file written with --db
 * holds what the --json summary of the same run says: one `events` row per counted event, the
 * same fingerprint (and the fold of sim_fingerprint_fold over the rows gives it again), one
 * `suspends` row per suspend attempt with the same result, resume reason, suspend_time and
 * phase times, per proxy the same message counts, and the same latency percentiles computed
 * in SQL (latency_percentiles) as in C. (test_sinks.c compares the SQLite sink with the
 * in-memory sink on one run.)
 * Method: the CLI runs each scenario once with --db and --json into one file (many runs in
 * one file, as users keep them); the test compares the parsed summary with the file read back
 * with plain SQLite. */
#include "reports_fixture.h"

#include <inttypes.h>

#define RUNS_MAX 128

static const char *const phase_names[] = {
    "received",     "worker_picked",  "job_frozen",     "wake_lock_check", "watchers_asleep",
    "lease_dropped", "wait_begun",    "woken",          "lease_acquired",  "watchers_awake",
    "reply",        "thawed"};
static const char *const metrics[] = {"sent_to_counted", "sent_to_forwarded", "sent_to_resumed",
                                      "sent_to_read",    "sent_to_handled",   "sent_to_decremented",
                                      "read_to_handled"};
static const char *const stats[] = {"min", "p50", "p90", "p99", "max"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Compares an integer column that may be NULL with a JSON value that may be null. */
static void expect_column(sqlite3_stmt *st, int col, const cJSON *o, const char *key,
                          const char *what)
{
    bool db_null = sqlite3_column_type(st, col) == SQLITE_NULL;
    if (json_is_null(o, key)) {
        cr_expect(db_null, "%s: %s is %lld in the file, null in --json", what, key,
                  (long long)sqlite3_column_int64(st, col));
        return;
    }
    cr_expect(!db_null, "%s: %s is NULL in the file, %lld in --json", what, key,
              (long long)json_i64(o, key));
    cr_expect_eq(sqlite3_column_int64(st, col), json_i64(o, key), "%s: %s %lld in the file, "
                 "%lld in --json", what, key, (long long)sqlite3_column_int64(st, col),
                 (long long)json_i64(o, key));
}

static void expect_suspends(sqlite3 *r, int64_t run, const cJSON *j, const char *what)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "suspends");
    cr_assert_eq(query_int(r, "SELECT count(*) FROM suspends WHERE run_id = %lld",
                           (long long)run), cJSON_GetArraySize(arr), "%s: suspends", what);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM suspend_latency WHERE run_id = %lld",
                           (long long)run), cJSON_GetArraySize(arr), "%s: suspend_latency", what);
    char sql[1024];
    int n = snprintf(sql, sizeof(sql), "SELECT attempt, result, resume_reason, suspend_time_ns, "
                     "sent_boot_ns, reply_received_boot_ns, channel_closed");
    for (size_t k = 0; k < COUNT(phase_names); k++)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", %s_boot_ns", phase_names[k]);
    snprintf(sql + n, sizeof(sql) - (size_t)n, " FROM suspends WHERE run_id = %lld ORDER BY "
             "attempt", (long long)run);
    sqlite3_stmt *st = prepare(r, sql);
    const cJSON *s;
    cJSON_ArrayForEach(s, arr) {
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        char at[400];
        snprintf(at, sizeof(at), "%s: suspend %lld", what, (long long)json_i64(s, "index"));
        cr_expect_eq(sqlite3_column_int64(st, 0), json_i64(s, "index") + 1, "%s: attempt", at);
        cr_expect_str_eq((const char *)sqlite3_column_text(st, 1), json_str(s, "result"),
                         "%s: result", at);
        const char *reason = (const char *)sqlite3_column_text(st, 2);
        const char *want = json_str(s, "resume_reason");
        cr_expect(reason && want ? !strcmp(reason, want) : reason == want,
                  "%s: resume_reason '%s' in the file, '%s' in --json", at,
                  reason ? reason : "NULL", want ? want : "null");
        expect_column(st, 3, s, "suspend_time_ns", at);
        expect_column(st, 4, s, "sent_ns", at);
        expect_column(st, 5, s, "reply_received_ns", at);
        cr_expect_eq(sqlite3_column_int(st, 6) != 0,
                     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "channel_closed")),
                     "%s: channel_closed", at);
        const cJSON *phases = cJSON_GetObjectItemCaseSensitive(s, "phases_ns");
        for (size_t k = 0; k < COUNT(phase_names); k++)
            expect_column(st, 7 + (int)k, phases, phase_names[k], at);
    }
    cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void expect_messages(sqlite3 *r, int64_t run, const cJSON *j, const char *what)
{
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(j, "messages");
    cr_expect_eq(query_int(r, "SELECT count(*) FROM messages WHERE run_id = %lld",
                           (long long)run), json_i64(msgs, "count"), "%s: messages", what);
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(msgs, "proxies")) {
        static const char *const columns[] = {"sent_boot_ns", "counter_incremented_boot_ns",
                                              "forwarded_boot_ns", "container_read_boot_ns",
                                              "handled_boot_ns", "decremented_boot_ns"};
        static const char *const keys[] = {"sent", "counted", "forwarded", "read", "handled",
                                           "decremented"};
        for (size_t k = 0; k < COUNT(keys); k++) {
            int64_t got = query_int(r, "SELECT count(%s) FROM messages WHERE run_id = %lld"
                                       " AND proxy_name = '%s'", columns[k], (long long)run,
                                    p->string);
            cr_expect_eq(got, json_i64(p, keys[k]), "%s: proxy %s: %s %lld in the file, %lld "
                         "in --json", what, p->string, keys[k], (long long)got,
                         (long long)json_i64(p, keys[k]));
        }
    }
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(msgs, "latency_ns");
    for (size_t m = 0; m < COUNT(metrics); m++) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(lat, metrics[m]);
        cr_assert_not_null(o, "%s: --json has no latency %s", what, metrics[m]);
        int64_t count = json_i64(o, "count");
        cr_expect_eq(query_int(r, "SELECT count(*) FROM latency_values WHERE run_id = %lld"
                                  " AND metric = '%s'", (long long)run, metrics[m]), count,
                     "%s: %s count", what, metrics[m]);
        for (size_t k = 0; count > 0 && k < COUNT(stats); k++) {
            int64_t got = query_int(r, "SELECT %s FROM latency_percentiles WHERE run_id = %lld"
                                       " AND metric = '%s'", stats[k], (long long)run,
                                    metrics[m]);
            cr_expect_eq(got, json_i64(o, stats[k]), "%s: %s %s %lld in the file, %lld in "
                         "--json", what, metrics[m], stats[k], (long long)got,
                         (long long)json_i64(o, stats[k]));
        }
    }
}

static void expect_run(sqlite3 *r, int64_t run, const cJSON *j, const char *what)
{
    char fp[17];
    snprintf(fp, sizeof(fp), "%s", json_str(j, "fingerprint"));
    sqlite3_stmt *st = prepare(r, "SELECT fingerprint, trace_events, seed, strategy, manager "
                                  "FROM runs WHERE run_id = ?1");
    sqlite3_bind_int64(st, 1, run);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no run %lld", what, (long long)run);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 0), fp, "%s: fingerprint", what);
    cr_expect_eq(sqlite3_column_int64(st, 1), json_i64(j, "events"), "%s: trace_events", what);
    cr_expect_eq(sqlite3_column_int64(st, 2), json_i64(j, "seed"), "%s: seed", what);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 3), json_str(j, "strategy"),
                     "%s: strategy", what);
    cr_expect_str_eq((const char *)sqlite3_column_text(st, 4), json_str(j, "manager"),
                     "%s: manager", what);
    sqlite3_finalize(st);
    uint64_t rows = 0;
    uint64_t h = rows_fingerprint(r, run, &rows);
    cr_expect_eq((int64_t)rows, json_i64(j, "events"), "%s: %" PRIu64 " events rows, %lld "
                 "events in --json", what, rows, (long long)json_i64(j, "events"));
    char folded[17];
    snprintf(folded, sizeof(folded), "%016" PRIx64, h);
    cr_expect_str_eq(folded, fp, "%s: fingerprint folded from the rows", what);
}

Test(agree, the_file_agrees_with_the_json_summary_of_every_shipped_scenario, .timeout = 900)
{
    static shipped_run_t runs[RUNS_MAX];
    size_t n = shipped_runs(runs, RUNS_MAX);
    cr_assert_geq(n, 10, "only %zu shipped runs", n);
    char path[128];
    temp_db(path, sizeof(path), "agree");
    for (size_t i = 0; i < n; i++) {
        cJSON *j = run_json(runs[i].path, runs[i].manager, path);
        char what[320];
        snprintf(what, sizeof(what), "%.255s on %.31s", runs[i].path, runs[i].manager);
        sqlite3 *r = reader(path);
        int64_t run = (int64_t)i + 1;
        expect_run(r, run, j, what);
        expect_suspends(r, run, j, what);
        expect_messages(r, run, j, what);
        sqlite3_close(r);
        cJSON_Delete(j);
    }
    path_remove(path);
}
