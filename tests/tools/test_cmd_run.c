/* test_cmd_run.c - `wakesim run FILE`: usage errors exit 2, an invalid scenario exits 3 before
 * anything runs, I/O errors 4; every scenario under scenarios/ passes (exit 0) on each variant
 * of its run_on, a failing expectation exits 1, the summary fits 100 columns, --json prints
 * exactly one JSON object with the documented keys, runs are deterministic, --db records the
 * run and its expectations, and SIGINT stops a run without losing what was traced.
 *
 * Method: run the built executable as a user would (cli_run.h, or fork/exec for SIGINT) and
 * check exit codes and output; parse --json with cJSON and --db files with SQLite. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <sqlite3.h>

#include <cjson/cJSON.h>

#include "cli_run.h"
#include "scenario.h"

#define DATA      WAKESIM_SOURCE_DIR "/tests/tools/data/scenarios/"
#define SCENARIOS WAKESIM_SOURCE_DIR "/scenarios/"
#define EXAMPLES  SCENARIOS "examples/"

static cli_result_t r;

/* ---- Usage and invalid input: nothing runs -------------------------------------------------- */

Test(cmd_run, usage_errors_exit_2_with_a_hint)
{
    static const char *const bad[] = {
        "run",
        "run a.json b.json",
        "run " EXAMPLES "action_send.json --seed -1",
        "run " EXAMPLES "action_send.json --seed",
        "run " EXAMPLES "action_send.json --strategy pct",
        "run " EXAMPLES "action_send.json --manager v9",
        "run " EXAMPLES "action_send.json --db",
        "run " EXAMPLES "action_send.json --frob",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cli_run(&r, bad[i]);
        cr_assert_eq(r.status, 2, "%s: exit %d", bad[i], r.status);
        cr_assert_str_eq(r.out, "", "%s", bad[i]);
        cr_assert_eq(cli_count_lines(r.err), 2, "%s: %s", bad[i], r.err);
        cr_assert(strstr(r.err, "wakesim: try 'wakesim run --help'\n"), "%s", r.err);
    }
}

Test(cmd_run, help)
{
    cli_run(&r, "run --help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "usage: wakesim run FILE"), "stdout: %s", r.out);
    cr_assert(strstr(r.out, "v5w"), "stdout: %s", r.out);
}

Test(cmd_run, an_invalid_scenario_exits_3_and_nothing_runs)
{
    cli_run(&r, "run " DATA "typo.json --db /nonexistent/dir/never.db");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "");
    cr_assert_eq(cli_count_lines(r.err), 1, "stderr: %s", r.err);
    cr_assert(strstr(r.err, "typo.json:4:33: $.proxies[0].handle_tme: unknown key"), "%s", r.err);
    cli_run(&r, "run " DATA "two_problems.json --json");
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "");
    cr_assert_eq(cli_count_lines(r.err), 2, "stderr: %s", r.err);
}

Test(cmd_run, a_missing_file_exits_4)
{
    cli_run(&r, "run /nonexistent.json");
    cr_assert_eq(r.status, 4);
    cr_assert_str_eq(r.err, "wakesim: error: /nonexistent.json: cannot read: No such file or "
                            "directory\n");
}

/* ---- Runs ------------------------------------------------------------------------------------ */

static void assert_width(const char *text, const char *what)
{
    int col = 0, line = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            col = 0;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            cr_assert_leq(++col, 100, "%s: line %d is wider than 100 columns", what, line);
        }
    }
}

/* Runs `path` on `manager` (NULL: the scenario's own) and expects a pass; returns 1. */
static size_t run_passes(const char *path, const char *manager)
{
    char args[1024];
    snprintf(args, sizeof(args), "run %s%s%s", path, manager ? " --manager " : "",
             manager ? manager : "");
    cli_run(&r, args);
    cr_expect_eq(r.status, 0, "%s exited %d:\n%s%s", args, r.status, r.out, r.err);
    cr_expect(strstr(r.out, "verdict    PASS: "), "%s:\n%s", args, r.out);
    assert_width(r.out, args);
    return 1;
}

/* Every scenario under scenarios/ (one level of folders) passes on each variant of its
 * "run_on" (a regression states what holds on each variant, so both directions are checked). */
Test(cmd_run, every_scenario_passes_on_its_variants, .timeout = 600)
{
    glob_t g;
    cr_assert_eq(glob(SCENARIOS "*/*.json", 0, NULL, &g), 0);
    size_t runs = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        json_problems_t probs;
        json_problems_init(&probs, 0);
        scenario_t *sc;
        cr_assert_eq(scenario_load(g.gl_pathv[i], &probs, &sc), 0, "%s", g.gl_pathv[i]);
        json_problems_deinit(&probs);
        for (size_t k = 0; k < sc->run_on_count; k++)
            runs += run_passes(g.gl_pathv[i], sc->run_on[k]);
        if (sc->run_on_count == 0)
            runs += run_passes(g.gl_pathv[i], NULL);
        scenario_destroy(sc);
    }
    globfree(&g);
    cr_assert_geq(runs, 40);
}

Test(cmd_run, a_failing_expectation_exits_1_and_says_why)
{
    cli_run(&r, "run " DATA "failing.json");
    cr_assert_eq(r.status, 1, "stderr: %s", r.err);
    cr_assert(strstr(r.out, "verdict    FAIL: 2 of 3 expectations hold"), "stdout: %s", r.out);
    cr_assert(strstr(r.out, "  FAIL  #0   wrongly expects the suspend to succeed\n"
                            "                suspend 0: result wake_locks_exist (expected ok)\n"),
              "stdout: %s", r.out);
    cr_assert(strstr(r.out, "  ok    #1   watcher hal saw AWAKE\n"), "stdout: %s", r.out);
}

static cJSON *run_json(const char *args)
{
    cli_run(&r, args);
    cr_assert_lt(r.status, 2, "%s: exit %d: %s", args, r.status, r.err);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(r.out, &end, false);
    cr_assert_not_null(j, "%s: stdout is not JSON: %s", args, r.out);
    cr_assert(cJSON_IsObject(j));
    cr_assert_str_eq(end, "\n", "%s: more than one JSON object on stdout", args);
    return j;
}

static const cJSON *member(const cJSON *o, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert_not_null(m, "no \"%s\" in %s", key, cJSON_PrintUnformatted(o));
    return m;
}

Test(cmd_run, json_is_one_object_with_the_documented_keys)
{
    cJSON *j = run_json("run " EXAMPLES "expect_suspend.json --json --seed 3");
    cr_assert_str_eq(member(j, "scenario")->valuestring, "expect_suspend");
    cr_assert_eq(member(j, "seed")->valuedouble, 3);
    cr_assert_str_eq(member(j, "manager")->valuestring, "v5w");
    cr_assert_str_eq(member(j, "strategy")->valuestring, "fifo");
    cr_assert_str_eq(member(j, "verdict")->valuestring, "pass");
    const char *fp = member(j, "fingerprint")->valuestring;
    cr_assert_eq(strlen(fp), 16);
    cr_assert_eq(strspn(fp, "0123456789abcdef"), 16);
    cr_assert_gt(member(j, "events")->valuedouble, 0);
    cr_assert_gt(member(j, "end_time_ns")->valuedouble, 0);
    const cJSON *suspends = member(j, "suspends");
    cr_assert_eq(cJSON_GetArraySize(suspends), 2);
    const cJSON *s0 = cJSON_GetArrayItem(suspends, 0), *s1 = cJSON_GetArrayItem(suspends, 1);
    cr_assert_str_eq(member(s0, "result")->valuestring, "ok");
    cr_assert(cJSON_IsString(member(s0, "resume_reason")));
    cr_assert_str_eq(member(s1, "resume_reason")->valuestring, "touch");
    cr_assert(cJSON_IsNumber(member(s1, "suspend_time_ns")));
    const cJSON *phases = member(s1, "phases_ns");
    cr_assert(cJSON_IsNumber(member(phases, "woken")));
    cr_assert(cJSON_IsNumber(member(s1, "sent_ns")));
    cr_assert(cJSON_IsObject(member(j, "watchers")));
    cr_assert(cJSON_IsArray(member(j, "violations")));
    const cJSON *ex = member(j, "expectations");
    cr_assert_eq(cJSON_GetArraySize(ex), 5);
    for (int i = 0; i < cJSON_GetArraySize(ex); i++) {
        cr_assert(cJSON_IsTrue(member(cJSON_GetArrayItem(ex, i), "ok")));
        cr_assert(cJSON_IsString(member(cJSON_GetArrayItem(ex, i), "description")));
    }
    cJSON_Delete(j);
}

Test(cmd_run, json_watchers_and_null_reasons)
{
    cJSON *j = run_json("run " EXAMPLES "action_suspend.json --json");
    const cJSON *hal = member(member(j, "watchers"), "hal");
    cr_assert_eq(cJSON_GetArraySize(hal), 3);
    cr_assert_str_eq(cJSON_GetArrayItem(hal, 1)->valuestring, "ASLEEP");
    const cJSON *s0 = cJSON_GetArrayItem(member(j, "suspends"), 0);
    cr_assert(cJSON_IsNull(member(s0, "resume_reason")));
    cJSON_Delete(j);
    j = run_json("run " DATA "failing.json --json");
    cr_assert_str_eq(member(j, "verdict")->valuestring, "fail");
    const cJSON *e0 = cJSON_GetArrayItem(member(j, "expectations"), 0);
    cr_assert(cJSON_IsFalse(member(e0, "ok")));
    cr_assert_str_eq(member(e0, "detail")->valuestring,
                     "suspend 0: result wake_locks_exist (expected ok)");
    cJSON_Delete(j);
}

static char *fingerprint_of(const char *args)
{
    cJSON *j = run_json(args);
    char *fp = strdup(member(j, "fingerprint")->valuestring);
    cJSON_Delete(j);
    return fp;
}

Test(cmd_run, same_scenario_seed_and_strategy_give_the_same_fingerprint)
{
    const char *args = "run " EXAMPLES "expect_latency.json --json --strategy random --seed 11";
    char *a = fingerprint_of(args), *b = fingerprint_of(args);
    cr_assert_str_eq(a, b);
    char *c = fingerprint_of("run " EXAMPLES "expect_latency.json --json --strategy random "
                             "--seed 12");
    cr_assert_str_neq(a, c, "another seed, another Poisson stream");
    free(a);
    free(b);
    free(c);
}

/* A random run's recorded schedule, replayed from a scenario file, reproduces the run. */
Test(cmd_run, a_recorded_schedule_replays_the_run)
{
    cJSON *j = run_json("run " EXAMPLES "expect_suspend.json --json --strategy random --seed 5");
    char *fp = strdup(member(j, "fingerprint")->valuestring);
    const char *schedule = member(j, "schedule")->valuestring;
    cr_assert_gt(strlen(schedule), 0, "a random run with concurrent threads makes choices");
    char path[] = "/tmp/wakesim-test-replay-XXXXXX.json";
    int fd = mkstemps(path, 5);
    FILE *f = fdopen(fd, "w");
    char text[16384];
    cli_slurp(EXAMPLES "expect_suspend.json", text, sizeof(text));
    char *brace = strchr(text, '{');
    fprintf(f, "{\"strategy\": \"replay\", \"seed\": 5, \"schedule\": \"%s\",%s", schedule,
            brace + 1);
    fclose(f);
    cJSON_Delete(j);
    char args[256];
    snprintf(args, sizeof(args), "run %s --json", path);
    j = run_json(args);
    unlink(path);
    cr_assert_str_eq(member(j, "strategy")->valuestring, "replay");
    cr_assert_str_eq(member(j, "fingerprint")->valuestring, fp);
    cr_assert_str_eq(member(j, "verdict")->valuestring, "pass");
    cJSON_Delete(j);
    free(fp);
}

Test(cmd_run, manager_option_selects_the_variant)
{
    cJSON *j = run_json("run " EXAMPLES "action_send.json --json --manager v6");
    cr_assert_str_eq(member(j, "manager")->valuestring, "v6");
    cJSON_Delete(j);
}

static int64_t db_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

Test(cmd_run, db_records_the_run_and_its_expectations)
{
    char path[] = "/tmp/wakesim-test-db-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    char args[512];
    snprintf(args, sizeof(args), "run " DATA "failing.json --db %s", path);
    cli_run(&r, args);
    cr_assert_eq(r.status, 1, "stderr: %s", r.err);
    cli_run(&r, args);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(db_count(db, "SELECT count(*) FROM runs"), 2);
    cr_assert_eq(db_count(db, "SELECT count(*) FROM runs WHERE length(scenario_sha256) = 64"), 2);
    cr_assert_eq(db_count(db, "SELECT count(*) FROM expectations"), 6);
    cr_assert_eq(db_count(db, "SELECT count(*) FROM expectations WHERE ok = 0"), 2);
    cr_assert_gt(db_count(db, "SELECT count(*) FROM events"), 100);
    sqlite3_close(db);
    unlink(path);
    char wal[600];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", path);
    unlink(wal);
}

Test(cmd_run, sigint_stops_the_run_and_prints_what_happened)
{
    char out_path[] = "/tmp/wakesim-test-sigint-XXXXXX";
    int fd = mkstemp(out_path);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(fd, 1);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        signal(SIGINT, SIG_DFL);
        execl(WAKESIM_BIN, "wakesim", "run", DATA "long.json", (char *)NULL);
        _exit(127);
    }
    usleep(500 * 1000);
    kill(pid, SIGINT);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "killed by signal %d", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), 1);
    char out[16384];
    cli_slurp(out_path, out, sizeof(out));
    close(fd);
    unlink(out_path);
    cr_assert(strstr(out, "(interrupted) after"), "stdout: %s", out);
    cr_assert(strstr(out, "verdict    FAIL (interrupted)"), "stdout: %s", out);
}

/* scenarios/README.md shows a scenario's summary: it must be what `wakesim run` prints today.
 * WAKESIM_UPDATE_GOLDEN=1 rewrites the block (review the diff, as with golden files). */
Test(cmd_run, the_readme_shows_the_current_output)
{
    static const char marker[] =
        "`wakesim run scenarios/suspend/clean_resume_by_message.json` prints:\n\n```\n";
    const char *readme_path = SCENARIOS "README.md";
    static char readme[262144];
    cli_slurp(readme_path, readme, sizeof(readme));
    char *start = strstr(readme, marker);
    cr_assert_not_null(start, "no sample output in %s", readme_path);
    start += strlen(marker);
    char *end = strstr(start, "```");
    cr_assert_not_null(end);
    /* The summary shows the path as given: run from the source tree, as the README does. */
    cr_assert_eq(chdir(WAKESIM_SOURCE_DIR), 0);
    cli_run(&r, "run scenarios/suspend/clean_resume_by_message.json");
    cr_assert_eq(r.status, 0);
    if (getenv("WAKESIM_UPDATE_GOLDEN")) {
        FILE *f = fopen(readme_path, "w");
        cr_assert_not_null(f);
        fprintf(f, "%.*s%s%s", (int)(start - readme), readme, r.out, end);
        fclose(f);
        return;
    }
    size_t len = (size_t)(end - start);
    cr_assert(strlen(r.out) == len && memcmp(r.out, start, len) == 0,
              "scenarios/README.md shows another output than today's:\n%s\n"
              "(refresh with WAKESIM_UPDATE_GOLDEN=1 and review the diff)", r.out);
}

