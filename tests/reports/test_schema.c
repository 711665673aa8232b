/* test_schema.c - Schema version 2 of the SQLite trace: its tables and views, their
 * documentation, what they hold for shipped scenarios, and the migration of version-1 files.
 *
 * Goal: a new file has exactly the documented tables and views at version 2; every view
 * returns rows for shipped scenarios and ends with an ORDER BY; slices nest on their tracks and
 * the state counters give contiguous awake/suspended intervals; rebuilding a run gives the
 * same rows; a version-1 file is migrated on open to the schema of a new file, its finished
 * runs derived as if they had been written now, a killed run left alone.
 * Method: scenarios run through the wakesim CLI with --db into files under /tmp; the files are
 * read back with plain SQLite. A version-1 file is made from a version-2 one by dropping what
 * migrate_2.sql adds (version 2 only adds), then opened with sim_trace_sqlite_open. */
#include "reports_fixture.h"
#include "trace_file.h"

static const char *const tables[] = {"runs", "kinds", "events", "threads", "objects",
                                     "violations", "expectations", "suspends", "messages",
                                     "track", "slice", "counter"};
static const char *const views[] = {"events_named", "event_counts", "run_summary",
                                    "suspend_phases", "suspend_latency", "wake_latency",
                                    "resume_reasons", "suspend_failures", "awake_suspended",
                                    "latency_values", "latency_percentiles"};
/* What migrate_2.sql adds to a version-1 file. */
static const char *const version_2_tables[] = {"suspends", "messages", "track", "slice",
                                               "counter"};
static const char *const version_2_views[] = {"suspend_phases", "suspend_latency",
                                              "wake_latency", "resume_reasons",
                                              "suspend_failures", "awake_suspended",
                                              "latency_values", "latency_percentiles"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void open_close(const char *path)
{
    trace_file_t f;
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    int rc = trace_file_open(&f, path, err, sizeof(err));
    cr_assert_eq(rc, 0, "open %s: %s (%s)", path, sim_err_name(rc), err);
    cr_assert_eq(trace_file_close(&f, err, sizeof(err)), 0, "close %s: %s", path, err);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

/* SCHEMA.md has a section "## <name>" with a ```sql example that uses the name. */
static void assert_documented(const char *doc, const char *name)
{
    char heading[96];
    snprintf(heading, sizeof(heading), "\n## %s\n", name);
    const char *at = strstr(doc, heading);
    cr_assert_not_null(at, "reports/SCHEMA.md has no section \"## %s\"", name);
    at += strlen(heading);
    const char *end = strstr(at, "\n## ");
    size_t len = end ? (size_t)(end - at) : strlen(at);
    char *section = strndup(at, len);
    const char *example = strstr(section, "```sql\n");
    cr_assert_not_null(example, "SCHEMA.md: section %s has no ```sql example", name);
    cr_assert_not_null(strstr(example, name), "SCHEMA.md: the example of %s does not use it",
                       name);
    free(section);
}

Test(schema, version_2_has_the_documented_tables_and_views)
{
    char path[128];
    temp_db(path, sizeof(path), "schema");
    open_close(path);
    sqlite3 *r = reader(path);
    cr_assert_eq(SIM_TRACE_SQLITE_SCHEMA_VERSION, 2);
    cr_assert_eq(query_int(r, "PRAGMA user_version"), 2);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"),
                 (int64_t)COUNT(tables));
    cr_assert_eq(query_int(r, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'"),
                 (int64_t)COUNT(views));
    char *doc = read_text(WAKESIM_SOURCE_DIR "/reports/SCHEMA.md");
    cr_assert_not_null(strstr(doc, "schema, version 2"), "SCHEMA.md names another version");
    for (size_t i = 0; i < COUNT(tables); i++) {
        cr_assert_eq(query_int(r, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                                  " AND name = '%s'", tables[i]), 1, "table %s", tables[i]);
        assert_documented(doc, tables[i]);
    }
    for (size_t i = 0; i < COUNT(views); i++) {
        /* STYLE.md: every query of reports/ has an explicit ORDER BY, the view's own. */
        cr_assert_eq(query_int(r, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'"
                                  " AND name = '%s' AND sql LIKE '%%' || char(10) || 'ORDER BY %%'",
                               views[i]), 1, "view %s (with a final ORDER BY)", views[i]);
        assert_documented(doc, views[i]);
    }
    free(doc);
    sqlite3_close(r);
    path_remove(path);
}

/* ---- What the tables and views hold ---------------------------------------------------------- */

/* A file with three shipped runs: a suspend resumed by a message (ok), one refused for held
 * wake locks, and one resumed by two sources at once. */
static void three_runs(const char *path)
{
    static const char *const runs[] = {"scenarios/suspend/clean_resume_by_message.json",
                                       "scenarios/suspend/wake_lock_held.json",
                                       "scenarios/suspend/two_sources_together.json"};
    for (size_t i = 0; i < COUNT(runs); i++)
        cJSON_Delete(run_json(runs[i], "v5w", path));
}

Test(schema, every_view_returns_rows_on_shipped_scenarios, .timeout = 300)
{
    char path[128];
    three_runs(temp_db(path, sizeof(path), "views"));
    sqlite3 *r = reader(path);
    for (size_t i = 0; i < COUNT(tables); i++) {
        if (strcmp(tables[i], "violations") != 0) /* shipped scenarios break no invariant */
            cr_assert_gt(query_int(r, "SELECT count(*) FROM %s", tables[i]), 0,
                         "table %s is empty", tables[i]);
    }
    for (size_t i = 0; i < COUNT(views); i++)
        cr_assert_gt(query_int(r, "SELECT count(*) FROM %s", views[i]), 0, "view %s is empty",
                     views[i]);
    /* The obvious questions, answered. */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM suspend_latency WHERE run_id = 1"
                              " AND result = 'ok' AND woken_ns > 800000000"), 1);
    cr_assert_eq(query_int(r, "SELECT attempts FROM suspend_failures WHERE run_id = 2"
                              " AND result = 'wake_locks_exist'"), 1);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM resume_reasons WHERE run_id = 3"), 2,
                 "two_sources_together names two reasons in one reply");
    cr_assert_eq(query_int(r, "SELECT count(*) FROM wake_latency WHERE run_id = 1"
                              " AND woke_container AND sent_to_handled_ns > 0"), 1);
    sqlite3_close(r);
    path_remove(path);
}

Test(schema, slices_nest_on_their_tracks, .timeout = 300)
{
    char path[128];
    three_runs(temp_db(path, sizeof(path), "nest"));
    sqlite3 *r = reader(path);
    /* On a track where nothing awaits, a slice at depth d > 0 begins inside a slice of depth
     * d - 1. (Awaiting tasks of one thread overlap without nesting: there the depth counts the
     * open slices, a lane.) */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM slice AS c WHERE c.depth > 0"
                              " AND NOT EXISTS (SELECT 1 FROM slice AS a WHERE a.run_id = c.run_id"
                              " AND a.track_id = c.track_id AND a.name LIKE 'await:%%')"
                              " AND NOT EXISTS (SELECT 1 FROM slice AS p WHERE p.run_id = c.run_id"
                              " AND p.track_id = c.track_id AND p.depth = c.depth - 1"
                              " AND p.ts <= c.ts AND (p.dur < 0 OR p.ts + p.dur >= c.ts))"), 0);
    cr_assert_gt(query_int(r, "SELECT count(*) FROM slice WHERE depth > 1"), 0);
    /* The phases of an attempt tile its SuspendContainer slice, one level below it. */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM slice AS a WHERE a.name = 'SuspendContainer'"
                              " AND (a.depth <> 0 OR a.dur <> (SELECT sum(p.dur) FROM slice AS p"
                              " WHERE p.run_id = a.run_id AND p.track_id = a.track_id"
                              " AND p.depth = 1 AND p.ts >= a.ts AND p.ts < a.ts + a.dur))"), 0);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM slice AS s JOIN track AS t"
                              " ON t.run_id = s.run_id AND t.id = s.track_id"
                              " WHERE s.run_id = 1 AND t.type = 'thread'"
                              " AND s.name = 'starnix-runner:suspending-container'"), 1);
    /* Track ids are unique in the file, so Perfetto's joins on track_id alone hold. */
    cr_assert_eq(query_int(r, "SELECT count(DISTINCT id) FROM track"),
                 query_int(r, "SELECT count(*) FROM track"));
    sqlite3_close(r);
    path_remove(path);
}

Test(schema, state_counters_give_contiguous_awake_suspended_intervals, .timeout = 300)
{
    char path[128];
    three_runs(temp_db(path, sizeof(path), "states"));
    sqlite3 *r = reader(path);
    /* Each state counter starts at 0 at boot time 0 and then alternates. */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM (SELECT c.value, lag(c.value) OVER"
                              " (PARTITION BY c.run_id, c.track_id ORDER BY c.id) AS before,"
                              " row_number() OVER (PARTITION BY c.run_id, c.track_id"
                              " ORDER BY c.id) AS n, c.ts FROM counter AS c JOIN track AS t"
                              " ON t.run_id = c.run_id AND t.id = c.track_id"
                              " WHERE t.name IN ('system_suspended', 'container_frozen'))"
                              " WHERE (n = 1 AND (value <> 0 OR ts <> 0)) OR value = before"),
                 0);
    /* Intervals follow each other without a gap and end with the run. */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM (SELECT a.run_id, a.end_boot_ns,"
                              " lead(a.start_boot_ns) OVER (PARTITION BY a.run_id, a.subject"
                              " ORDER BY a.start_boot_ns) AS next, r.end_time_boot_ns AS ended"
                              " FROM awake_suspended AS a JOIN runs AS r ON r.run_id = a.run_id)"
                              " WHERE end_boot_ns <> coalesce(next, ended)"),
                 0);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM awake_suspended WHERE run_id = 1"
                              " AND subject = 'system' AND state = 'suspended'"), 1);
    sqlite3_close(r);
    path_remove(path);
}

/* Runs every statement of every ```sql example of SCHEMA.md on `r`: each must run to its end. */
static size_t run_examples(sqlite3 *r, const char *doc)
{
    size_t statements = 0;
    for (const char *at = strstr(doc, "```sql\n"); at; at = strstr(at, "```sql\n")) {
        at += strlen("```sql\n");
        const char *end = strstr(at, "```");
        cr_assert_not_null(end);
        char *block = strndup(at, (size_t)(end - at));
        for (const char *tail = block; *tail;) {
            sqlite3_stmt *st = NULL;
            int rc = sqlite3_prepare_v2(r, tail, -1, &st, &tail);
            cr_assert_eq(rc, SQLITE_OK, "SCHEMA.md example:\n%s\n%s", block, sqlite3_errmsg(r));
            if (!st)
                break;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                continue;
            cr_assert_eq(rc, SQLITE_DONE, "SCHEMA.md example:\n%s\n%s", block,
                         sqlite3_errmsg(r));
            sqlite3_finalize(st);
            statements++;
        }
        free(block);
        at = end + 3;
    }
    return statements;
}

Test(schema, every_example_of_schema_md_runs, .timeout = 300)
{
    char path[128];
    three_runs(temp_db(path, sizeof(path), "examples"));
    sqlite3 *r = reader(path);
    char *doc = read_text(WAKESIM_SOURCE_DIR "/reports/SCHEMA.md");
    cr_assert_geq(run_examples(r, doc), COUNT(tables) + COUNT(views));
    free(doc);
    sqlite3_close(r);
    path_remove(path);
}

/* ---- Rebuilding and migrating ---------------------------------------------------------------- */

/* The derived tables of version 2, in key order. */
static char *version_2_dump(sqlite3 *r)
{
    static const char *const sql =
        "SELECT 'suspends', * FROM suspends ORDER BY run_id, attempt;"
        "SELECT 'messages', * FROM messages ORDER BY run_id, message_index;"
        "SELECT 'track', * FROM track ORDER BY run_id, id;"
        "SELECT 'slice', * FROM slice ORDER BY run_id, id;"
        "SELECT 'counter', * FROM counter ORDER BY run_id, id";
    char *all = strdup("");
    for (const char *at = sql; *at;) {
        const char *semi = strchr(at, ';');
        char *one = strndup(at, semi ? (size_t)(semi - at) : strlen(at));
        char *part = query_dump(r, one);
        size_t n = strlen(all);
        all = realloc(all, n + strlen(part) + 1);
        strcpy(all + n, part);
        free(part);
        free(one);
        at = semi ? semi + 1 : at + strlen(at);
    }
    return all;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *w = NULL;
    cr_assert_eq(sqlite3_open(path, &w), SQLITE_OK);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(w, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
    sqlite3_close(w);
}

Test(schema, derive_rebuilds_the_same_rows, .timeout = 300)
{
    char path[128];
    three_runs(temp_db(path, sizeof(path), "rederive"));
    sqlite3 *r = reader(path);
    char *before = version_2_dump(r);
    sqlite3_close(r);
    trace_file_t f;
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    cr_assert_eq(trace_file_open(&f, path, err, sizeof(err)), 0, "%s", err);
    for (int64_t run = 3; run >= 1; run--)
        cr_assert_eq(sim_trace_sqlite_derive(f.db, run), 0, "%s", sim_trace_sqlite_errmsg(f.db));
    cr_assert_eq(trace_file_close(&f, err, sizeof(err)), 0, "%s", err);
    r = reader(path);
    char *after = version_2_dump(r);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    sqlite3_close(r);
    path_remove(path);
}

/* Type, name and SQL of every table and view, in name order (indexes.sql adds indexes at the
 * end of a run, which a new file has not had yet). */
static char *schema_dump(const char *path)
{
    sqlite3 *r = reader(path);
    char *dump = query_dump(r, "SELECT type, name, sql FROM sqlite_schema"
                               " WHERE type IN ('table', 'view') ORDER BY type, name");
    sqlite3_close(r);
    return dump;
}

Test(schema, a_version_1_file_is_migrated_with_its_finished_runs_derived, .timeout = 300)
{
    char path[128], fresh[128];
    three_runs(temp_db(path, sizeof(path), "migrate"));
    sqlite3 *r = reader(path);
    char *want = version_2_dump(r);
    sqlite3_close(r);
    /* Version 1 is version 2 without what migrate_2.sql adds. Run 3 becomes a killed run:
     * still 'running', no fingerprint, never derived. */
    char sql[1024] = "BEGIN;";
    for (size_t i = 0; i < COUNT(version_2_views); i++)
        snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), "DROP VIEW %s;",
                 version_2_views[i]);
    for (size_t i = 0; i < COUNT(version_2_tables); i++)
        snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), "DROP TABLE %s;",
                 version_2_tables[i]);
    snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
             "UPDATE runs SET verdict = 'running', fingerprint = NULL WHERE run_id = 3;"
             "PRAGMA user_version = 1; COMMIT;");
    exec_sql(path, sql);
    r = reader(path);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM sqlite_schema WHERE name = 'slice'"), 0);
    sqlite3_close(r);

    /* A handle without the deriver cannot build the new tables: it refuses to migrate, and
     * the file stays as it was. */
    sim_trace_sqlite_t *bare = NULL;
    char bare_err[SIM_TRACE_SQLITE_ERR_SIZE];
    cr_assert_eq(sim_trace_sqlite_open(path, NULL, &bare, bare_err, sizeof(bare_err)), SIM_EIO);
    cr_assert_null(bare);
    cr_assert_not_null(strstr(bare_err, "wakesim run --db"), "%s", bare_err);
    cr_assert_eq(strncmp(bare_err, path, strlen(path)), 0, "names the file: %s", bare_err);
    r = reader(path);
    cr_assert_eq(query_int(r, "PRAGMA user_version"), 1);
    sqlite3_close(r);

    open_close(path);

    r = reader(path);
    cr_assert_eq(query_int(r, "PRAGMA user_version"), SIM_TRACE_SQLITE_SCHEMA_VERSION);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM suspends WHERE run_id = 3"), 0,
                 "a run without a fingerprint is not derived by the migration");
    sqlite3_close(r);
    /* The same schema as a new file. */
    open_close(temp_db(fresh, sizeof(fresh), "fresh"));
    char *migrated_schema = schema_dump(path), *new_schema = schema_dump(fresh);
    cr_assert_str_eq(migrated_schema, new_schema);
    /* Runs 1 and 2 as they were derived when written; run 3 as sim_trace_sqlite_derive
     * builds it. */
    trace_file_t f;
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    cr_assert_eq(trace_file_open(&f, path, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(sim_trace_sqlite_derive(f.db, 3), 0, "%s", sim_trace_sqlite_errmsg(f.db));
    cr_assert_eq(trace_file_close(&f, err, sizeof(err)), 0, "%s", err);
    r = reader(path);
    char *got = version_2_dump(r);
    cr_assert_str_eq(got, want);
    sqlite3_close(r);
    free(want);
    free(got);
    free(migrated_schema);
    free(new_schema);
    path_remove(path);
    path_remove(fresh);
}
