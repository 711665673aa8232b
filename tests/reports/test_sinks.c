/* test_sinks.c - The SQLite sink and the in-memory sink attached to one run hold the same
 * events, and the file's fingerprint is the run's.
 *
 * Goal: the rows of `events` are the run's events, column by column and in order; the fold of
 * sim_fingerprint_fold over the rows, the in-memory sink's fingerprint, runs.fingerprint and the
 * world's are one value; the derived tables were built from those rows at the run's end.
 * Method: a shipped scenario is loaded with the tools' loader and run once with world_run, both
 * sinks attached in its on_created hook; the file is then read back with plain SQLite. (In a
 * file of its own: Criterion leaks in its runner when this test and test_agree.c's long one run
 * side by side under ASan.) */
#include "reports_fixture.h"
#include "trace_file.h"

typedef struct two_sinks {
    sim_trace_mem_t *mem;
    sim_trace_sqlite_t *db;
    int64_t run_id;
} two_sinks_t;

static int attach_both(sim_t *s, void *ctx)
{
    two_sinks_t *t = ctx;
    int rc = sim_trace_attach(s, &sim_trace_mem_ops, t->mem);
    return rc ? rc : sim_trace_sqlite_run_begin(t->db, s, NULL, &t->run_id);
}

static void expect_rows_equal_memory(sqlite3 *r, int64_t run, const sim_trace_mem_t *mem)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT idx, time_boot_ns, time_mono_ns, thread_id, kind, object,"
             " arg0, arg1, arg2, arg3, status, text FROM events WHERE run_id = %lld ORDER BY idx",
             (long long)run);
    sqlite3_stmt *st = prepare(r, sql);
    size_t i = 0;
    for (; sqlite3_step(st) == SQLITE_ROW; i++) {
        cr_assert_lt(i, sim_trace_mem_count(mem), "more rows than events");
        const sim_trace_event_t *ev = sim_trace_mem_get(mem, i);
        const int64_t want[] = {(int64_t)ev->index, ev->time_boot_ns, ev->time_mono_ns,
                                ev->thread_id, ev->kind, (int64_t)ev->object, ev->arg[0],
                                ev->arg[1], ev->arg[2], ev->arg[3], ev->status};
        for (int c = 0; c < 11; c++)
            cr_assert_eq(sqlite3_column_int64(st, c), want[c], "event %zu, column %d", i, c);
        const char *text = (const char *)sqlite3_column_text(st, 11);
        cr_assert(ev->text ? text && !strcmp(text, ev->text) : !text, "event %zu: text", i);
    }
    sqlite3_finalize(st);
    cr_assert_eq(i, sim_trace_mem_count(mem), "%zu rows, %zu events", i,
                 sim_trace_mem_count(mem));
}

Test(sinks, the_sqlite_sink_and_the_memory_sink_hold_the_same_run, .timeout = 300)
{
    static const char *const file = WAKESIM_SOURCE_DIR "/scenarios/suspend/"
                                    "message_during_each_phase.json";
    json_problems_t probs;
    json_problems_init(&probs, 0);
    scenario_t *sc = NULL;
    cr_assert_eq(scenario_load(file, &probs, &sc), 0);
    json_problems_deinit(&probs);
    char path[128], err[SIM_TRACE_SQLITE_ERR_SIZE];
    two_sinks_t t = {0};
    cr_assert_eq(sim_trace_mem_create(&t.mem), 0);
    trace_file_t trace;
    cr_assert_eq(trace_file_open(&trace, temp_db(path, sizeof(path), "sinks"), err, sizeof(err)),
                 0, "%s", err);
    t.db = trace.db;
    world_run_opts_t wo = {
        .seed = sc->seed, .strategy = sc->strategy, .time_limit_ns = sc->time_limit_ns,
        .events_max = sc->events_max, .samples = sc->samples, .sample_count = sc->sample_count,
        .on_created = attach_both, .on_created_ctx = &t};
    world_t *w = NULL;
    cr_assert_eq(world_run(&sc->world, &wo, &w, err, sizeof(err)), 0, "%s", err);
    uint64_t fingerprint = world_results(w)->fingerprint;
    cr_assert_eq(trace_file_close(&trace, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(sim_trace_mem_fingerprint(t.mem), fingerprint);
    sqlite3 *r = reader(path);
    expect_rows_equal_memory(r, t.run_id, t.mem);
    uint64_t rows = 0;
    cr_assert_eq(rows_fingerprint(r, t.run_id, &rows), fingerprint);
    char fp[17];
    snprintf(fp, sizeof(fp), "%016" PRIx64, fingerprint);
    sqlite3_stmt *st = prepare(r, "SELECT fingerprint FROM runs WHERE run_id = ?1");
    sqlite3_bind_int64(st, 1, t.run_id);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), fp);
    sqlite3_finalize(st);
    /* The derived tables were built at the run's end, from those rows. */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM suspends WHERE run_id = %lld",
                           (long long)t.run_id), (int64_t)world_results(w)->suspend_count);
    cr_assert_eq(query_int(r, "SELECT count(*) FROM messages WHERE run_id = %lld",
                           (long long)t.run_id), (int64_t)world_results(w)->message_count);
    sqlite3_close(r);
    world_destroy(w);
    sim_trace_mem_destroy(t.mem);
    scenario_destroy(sc);
    path_remove(path);
}
