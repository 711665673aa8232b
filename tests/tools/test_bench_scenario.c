/* test_bench_scenario.c - `wakesim bench scenario FILE [--db=F]` (tools/bench_scenario.c).
 *
 * Goal: the timed run is the run `wakesim run` makes (same events and fingerprint), with and
 * without the trace file, the file it writes holds that run, and bad input gets the documented
 * exit codes. Method: the library call and the CLI on a shipped scenario, files under /tmp. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_scenario.h"
#include "cli.h"
#include "cli_run.h"

#define SCENARIO WAKESIM_SOURCE_DIR "/scenarios/suspend/clean_resume_by_message.json"

static void db_remove(const char *path)
{
    char side[192];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

/* The value of `key=` in a line of key=value fields, as an unsigned integer (hex for the
 * fingerprint). */
static uint64_t field(const char *line, const char *key, int base)
{
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "%s=", key);
    const char *p = strstr(line, pattern);
    cr_assert_not_null(p, "no %s in: %s", key, line);
    return strtoull(p + strlen(pattern), NULL, base);
}

Test(bench_scenario, the_timed_run_is_the_run_of_wakesim_run)
{
    cli_result_t run;
    cli_run(&run, "run " SCENARIO " --json");
    cr_assert_eq(run.status, 0, "%s", run.err);
    bench_scenario_result_t plain, with_db;
    cr_assert_eq(bench_scenario_run(SCENARIO, NULL, &plain), 0, "%s", plain.error);
    char path[128];
    snprintf(path, sizeof(path), "/tmp/wakesim-test-bench-scenario-%d.db", (int)getpid());
    db_remove(path);
    cr_assert_eq(bench_scenario_run(SCENARIO, path, &with_db), 0, "%s", with_db.error);
    char fingerprint[48];
    snprintf(fingerprint, sizeof(fingerprint), "\"fingerprint\":\"%016" PRIx64 "\"",
             plain.fingerprint);
    cr_assert_not_null(strstr(run.out, fingerprint), "%s not in %s", fingerprint, run.out);
    cr_assert_eq(with_db.fingerprint, plain.fingerprint);
    cr_assert_eq(with_db.trace_events, plain.trace_events);
    char events[48], end[48];
    snprintf(events, sizeof(events), "\"events\":%" PRIu64 ",", plain.trace_events);
    cr_assert_not_null(strstr(run.out, events), "%s not in %s", events, run.out);
    snprintf(end, sizeof(end), "\"end\":\"%s\"", sim_end_name(plain.end));
    cr_assert_not_null(strstr(run.out, end), "%s not in %s", end, run.out);
    cr_assert(plain.wall_s > 0 && with_db.wall_s > 0 && with_db.db_open_s > 0);
    /* The file holds the run: its rows and the derived tables. */
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT trace_events, (SELECT count(*) FROM events),"
                                        " (SELECT count(*) FROM suspends), fingerprint FROM runs",
                                    -1, &st, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq((uint64_t)sqlite3_column_int64(st, 0), plain.trace_events);
    cr_assert_eq((uint64_t)sqlite3_column_int64(st, 1), plain.trace_events);
    cr_assert_gt(sqlite3_column_int64(st, 2), 0, "the deriver's tables are built");
    cr_assert_eq(strtoull((const char *)sqlite3_column_text(st, 3), NULL, 16), plain.fingerprint);
    sqlite3_finalize(st);
    sqlite3_close(db);
    db_remove(path);
}

Test(bench_scenario, the_cli_prints_one_line_of_fields)
{
    char path[128], args[512];
    snprintf(path, sizeof(path), "/tmp/wakesim-test-bench-cli-%d.db", (int)getpid());
    db_remove(path);
    cli_result_t plain, with_db;
    cli_run(&plain, "bench scenario " SCENARIO);
    snprintf(args, sizeof(args), "bench scenario " SCENARIO " --db=%s", path);
    cli_run(&with_db, args);
    cr_assert_eq(plain.status, 0, "%s", plain.err);
    cr_assert_eq(with_db.status, 0, "%s", with_db.err);
    cr_assert_eq(strchr(plain.out, '\n'), plain.out + strlen(plain.out) - 1, "one line");
    cr_assert_eq(field(plain.out, "events", 10), field(with_db.out, "events", 10));
    cr_assert_eq(field(plain.out, "fingerprint", 16), field(with_db.out, "fingerprint", 16));
    cr_assert_gt(field(plain.out, "sim_time_ns", 10), 0);
    cr_assert_not_null(strstr(plain.out, " wall_s="));
    cr_assert_not_null(strstr(plain.out, " events_per_s="));
    cr_assert_null(strstr(plain.out, "db_open_s"), "file timings only with --db");
    cr_assert_not_null(strstr(with_db.out, " db_open_s="));
    cr_assert_not_null(strstr(with_db.out, " db_close_s="));
    cr_assert_eq(access(path, F_OK), 0, "the file exists");
    db_remove(path);
}

Test(bench_scenario, bad_input_gets_the_documented_exit_codes)
{
    cli_result_t r;
    cli_run(&r, "bench scenario");
    cr_assert_eq(r.status, CLI_EXIT_USAGE);
    cr_assert_not_null(strstr(r.err, "expects a scenario file"), "%s", r.err);
    cli_run(&r, "bench scenario " SCENARIO " --bogus");
    cr_assert_eq(r.status, CLI_EXIT_USAGE);
    cli_run(&r, "bench --verbose scenario " SCENARIO);
    cr_assert_eq(r.status, CLI_EXIT_USAGE);
    cr_assert_not_null(strstr(r.err, "must come right after 'bench'"), "%s", r.err);
    cli_run(&r, "bench scenario " WAKESIM_SOURCE_DIR "/tests/tools/data/typos.json");
    cr_assert_eq(r.status, CLI_EXIT_INVALID, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "typos.json:"), "names the file: %s", r.err);
    cli_run(&r, "bench scenario " WAKESIM_SOURCE_DIR "/tests/tools/data/does-not-exist.json");
    cr_assert_eq(r.status, CLI_EXIT_INTERNAL, "%s", r.err);
    cli_run(&r, "bench scenario " SCENARIO " --db=/nonexistent-dir/t.db");
    cr_assert_eq(r.status, CLI_EXIT_INTERNAL);
    cr_assert_not_null(strstr(r.err, "/nonexistent-dir/t.db"), "names the file: %s", r.err);
}
