/* test_trace_sqlite.c - The SQLite trace sink, its schema, and SHA-256.
 *
 * Goal: the file holds exactly the run (same events as the in-memory sink, same fingerprint
 * recomputed from its rows), many runs coexist, the derived tables are right, errors are one
 * line naming the file with SQLite's message, and an interrupted or killed run never damages
 * the file or the runs before it.
 * Method: a deterministic workload (threads, objects, a daemon, a clock pause, a violation,
 * texts of every size) runs with the memory and SQLite sinks attached together; the test reads
 * the file back with plain SQLite and compares row by row. Interruption and crash run in a
 * forked child that gets SIGINT or SIGKILL mid-run; the parent then checks the file.
 * Files live under /tmp and are removed. SHA-256 is checked against FIPS 180-4 vectors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

#define EV_WORK (SIM_TRACE_KIND_USER + 1)
#define EV_BIG (SIM_TRACE_KIND_USER + 2)

/* ---- Files ----------------------------------------------------------------------------------- */

static char db_path[128];

static void path_remove(const char *path)
{
    char side[160];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

static const char *temp_db(const char *tag)
{
    snprintf(db_path, sizeof(db_path), "/tmp/wakesim-test-trace-%d-%s.db", (int)getpid(), tag);
    path_remove(db_path);
    return db_path;
}

static sim_trace_sqlite_t *open_ok(const char *path)
{
    sim_trace_sqlite_t *db = NULL;
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    int rc = sim_trace_sqlite_open(path, NULL, &db, err, sizeof(err));
    cr_assert_eq(rc, 0, "open %s: %s (%s)", path, sim_err_name(rc), err);
    return db;
}

/* The file as any reader sees it: a plain read-only connection. */
static sqlite3 *reader(const char *path)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    return db;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The first column of the first row as a string (static buffer), "(null)" if NULL. */
static const char *query_text(sqlite3 *db, const char *sql)
{
    static char buf[4096];
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(db));
    const unsigned char *text = sqlite3_column_text(st, 0);
    snprintf(buf, sizeof(buf), "%s", text ? (const char *)text : "(null)");
    sqlite3_finalize(st);
    return buf;
}

/* ---- The workload ---------------------------------------------------------------------------- */

typedef struct workload {
    int workers;
    int iterations;
    bool big_texts;    /* a text longer than the sink's arena, and a run of long ones */
    int64_t notify_at; /* endless workers: write to notify_fd after this many events */
    int notify_fd;
} workload_t;

static workload_t wl;
static int64_t endless_count;

static void worker(sim_t *s, void *arg)
{
    intptr_t id = (intptr_t)arg;
    static const char *const texts[] = {NULL, "work", "naïve \"quoted\" 'text'", ""};
    for (int i = 0; wl.notify_at || i < wl.iterations; i++) {
        sim_trace_event_t ev = {
            .kind = EV_WORK,
            .kind_name = "test.work",
            .object = id == 1 ? UINT64_MAX : (uint64_t)id,
            .arg = {i, -i, id == 2 ? INT64_MAX : 0, id == 2 ? INT64_MIN : 0},
            .status = -(i % 5),
            .text = texts[(i + id) % 4],
        };
        sim_trace_emit(s, &ev);
        if (wl.notify_at && ++endless_count == wl.notify_at) {
            char byte = 1;
            cr_assert_eq(write(wl.notify_fd, &byte, 1), 1);
        }
        sim_sleep(s, SIM_CLOCK_MONO, 100); /* equal sleeps: the workers tie, strategies choose */
    }
}

static void object_create(sim_t *s, uint64_t id, uint64_t owner, int64_t type, uint32_t thread,
                          const char *type_name)
{
    sim_trace_event_t ev = {
        .kind = SIM_EV_OBJECT_CREATE,
        .kind_name = "sim.object_create",
        .object = id,
        .arg = {(int64_t)owner, type, thread, 0},
        .text = type_name,
    };
    sim_trace_emit(s, &ev);
}

/* Plays a kernel: object lifecycle events, a clock pause, texts of every size. */
static void kernel(sim_t *s, void *arg)
{
    (void)arg;
    uint32_t self = sim_thread_id(sim_thread_self(s));
    object_create(s, 1001, 0, 1, 0, "job");
    object_create(s, 1002, 1001, 4, self, "thread");
    sim_trace(s, SIM_EV_OBJECT_NAME, "sim.object_name", 1002, 0, 0, 0, "first-name");
    sim_sleep(s, SIM_CLOCK_MONO, 250);
    sim_trace(s, SIM_EV_OBJECT_NAME, "sim.object_name", 1002, 0, 0, 0, "kernel-thread");
    sim_mono_pause(s);
    sim_sleep(s, SIM_CLOCK_BOOT, 1000);
    sim_mono_resume(s);
    sim_trace(s, SIM_EV_OBJECT_DESTROY, "sim.object_destroy", 1001, 0, 0, 0, NULL);
    if (!wl.big_texts)
        return;
    static char big[40000], mid[3000];
    memset(big, 'b', sizeof(big) - 1);
    memset(mid, 'm', sizeof(mid) - 1);
    sim_trace(s, EV_BIG, "test.big", 0, 0, 0, 0, big);
    for (int i = 0; i < 12; i++) /* 36 KB of texts: more than the sink's arena */
        sim_trace(s, EV_BIG, "test.big", (uint64_t)i, 0, 0, 0, mid);
}

static void daemon_forever(sim_t *s, void *arg)
{
    (void)arg;
    (void)sim_park(s, SIM_PARK_THREAD);
}

/* Flags worker 3's second iteration, with a message only the engine knows. */
static void watch_work(sim_t *s, const sim_trace_event_t *ev, void *arg)
{
    (void)arg;
    if (ev->kind == EV_WORK && ev->object == 3 && ev->arg[0] == 1)
        sim_violation(s, "test.no_second_step", "worker %llu took step %lld",
                      (unsigned long long)ev->object, (long long)ev->arg[0]);
}

typedef struct run_result {
    uint64_t fingerprint;
    uint64_t count;
    int64_t run_id;
    sim_end_t end;
    uint8_t *choices;
    size_t choices_size;
} run_result_t;

static const char scenario_bytes[] = "{\"description\": \"test\"}\n";

/* Runs the workload with the given sinks (either may be NULL); the result's choices are
 * malloc'd. */
static run_result_t run_workload(sim_trace_sqlite_t *db, sim_trace_mem_t *mem,
                                 const sim_config_t *config)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(config, &s), 0);
    run_result_t r = {0};
    if (mem)
        cr_assert_eq(sim_trace_attach(s, &sim_trace_mem_ops, mem), 0);
    if (db) {
        sim_trace_sqlite_run_info_t info = {
            .scenario = "test_workload",
            .scenario_path = "tests/sim/test_workload.json",
            .scenario_bytes = scenario_bytes,
            .scenario_size = sizeof(scenario_bytes) - 1,
            .manager = "current",
        };
        int rc = sim_trace_sqlite_run_begin(db, s, &info, &r.run_id);
        cr_assert_eq(rc, 0, "%s", sim_trace_sqlite_errmsg(db));
    }
    cr_assert_eq(sim_invariant_add(s, "test.no_second_step", watch_work, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "kernel", kernel, NULL, NULL, NULL), 0);
    sim_thread_opts_t daemon = {.daemon = true};
    cr_assert_eq(sim_thread_create(s, "daemon", daemon_forever, NULL, &daemon, NULL), 0);
    for (intptr_t i = 1; i <= wl.workers; i++)
        cr_assert_eq(sim_thread_create(s, "worker", worker, (void *)i, NULL, NULL), 0);
    r.end = sim_run(s);
    r.fingerprint = sim_fingerprint(s);
    r.count = sim_trace_count(s);
    size_t size = 0;
    const uint8_t *choices = sim_choices(s, &size);
    r.choices = malloc(size + 1);
    if (size)
        memcpy(r.choices, choices, size);
    r.choices_size = size;
    sim_destroy(s);
    return r;
}

static void workload_default(void)
{
    wl = (workload_t){.workers = 4, .iterations = 50};
}

/* ---- Reading a run back ---------------------------------------------------------------------- */

/* Folds the run's rows in idx order; compares each with the memory sink's event when given. */
static uint64_t rows_fingerprint(sqlite3 *db, int64_t run_id, const sim_trace_mem_t *mem,
                                 uint64_t *count)
{
    static const char sql[] =
        "SELECT idx, time_mono_ns, time_boot_ns, thread_id, kind, kind_name, object, arg0, arg1,"
        " arg2, arg3, status, text FROM events_named WHERE run_id = ? ORDER BY idx";
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, run_id);
    uint64_t h = SIM_FINGERPRINT_SEED, n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sim_trace_event_t ev = {
            .index = (uint64_t)sqlite3_column_int64(st, 0),
            .time_mono_ns = sqlite3_column_int64(st, 1),
            .time_boot_ns = sqlite3_column_int64(st, 2),
            .thread_id = (uint32_t)sqlite3_column_int64(st, 3),
            .kind = (uint32_t)sqlite3_column_int64(st, 4),
            .kind_name = (const char *)sqlite3_column_text(st, 5),
            .object = (uint64_t)sqlite3_column_int64(st, 6),
            .arg = {sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8),
                    sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10)},
            .status = (int32_t)sqlite3_column_int64(st, 11),
            .text = (const char *)sqlite3_column_text(st, 12),
        };
        cr_assert_eq(ev.index, n, "rows are contiguous from 0");
        if (mem) {
            cr_assert_lt(n, sim_trace_mem_count(mem));
            const sim_trace_event_t *want = sim_trace_mem_get(mem, n);
            cr_assert_eq(ev.time_mono_ns, want->time_mono_ns, "event %llu", (unsigned long long)n);
            cr_assert_eq(ev.time_boot_ns, want->time_boot_ns, "event %llu", (unsigned long long)n);
            cr_assert_eq(ev.thread_id, want->thread_id, "event %llu", (unsigned long long)n);
            cr_assert_eq(ev.kind, want->kind, "event %llu", (unsigned long long)n);
            cr_assert_str_eq(ev.kind_name, want->kind_name, "event %llu", (unsigned long long)n);
            cr_assert_eq(ev.object, want->object, "event %llu", (unsigned long long)n);
            for (int i = 0; i < 4; i++)
                cr_assert_eq(ev.arg[i], want->arg[i], "event %llu arg%d", (unsigned long long)n, i);
            cr_assert_eq(ev.status, want->status, "event %llu", (unsigned long long)n);
            if (want->text)
                cr_assert_str_eq(ev.text, want->text, "event %llu", (unsigned long long)n);
            else
                cr_assert_null(ev.text, "event %llu has no text", (unsigned long long)n);
        }
        h = sim_fingerprint_fold(h, &ev);
        n++;
    }
    cr_assert_eq(rc, SQLITE_DONE, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    *count = n;
    return h;
}

static uint64_t run_fingerprint(sqlite3 *db, int64_t run_id)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT fingerprint FROM runs WHERE run_id = %lld",
             (long long)run_id);
    return strtoull(query_text(db, sql), NULL, 16);
}

static const char *run_verdict(sqlite3 *db, int64_t run_id)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT verdict FROM runs WHERE run_id = %lld", (long long)run_id);
    return query_text(db, sql);
}

static int64_t run_rows(sqlite3 *db, int64_t run_id)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE run_id = %lld",
             (long long)run_id);
    return query_int(db, sql);
}

/* ---- SHA-256 --------------------------------------------------------------------------------- */

Test(sha256, matches_the_fips_180_vectors)
{
    char hex[SIM_SHA256_HEX_SIZE];
    sim_sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sim_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sim_sha256_hex(two_blocks, strlen(two_blocks), hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, streams_in_uneven_pieces)
{
    /* One million 'a', fed in pieces that straddle every block boundary. */
    static char chunk[997];
    memset(chunk, 'a', sizeof(chunk));
    sim_sha256_t h;
    sim_sha256_init(&h);
    size_t left = 1000000;
    for (size_t piece = 1; left > 0; piece = (piece * 7 + 13) % sizeof(chunk) + 1) {
        size_t n = piece < left ? piece : left;
        sim_sha256_update(&h, chunk, n);
        left -= n;
    }
    uint8_t digest[SIM_SHA256_SIZE];
    sim_sha256_final(&h, digest);
    static const uint8_t want[SIM_SHA256_SIZE] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
        0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
        0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    cr_assert_arr_eq(digest, want, sizeof(want));
}

/* ---- Schema ---------------------------------------------------------------------------------- */

Test(trace_sqlite, new_file_has_the_schema_version_and_every_table)
{
    const char *path = temp_db("schema");
    sim_trace_sqlite_t *db = open_ok(path);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sqlite3 *r = reader(path);
    cr_assert_eq(query_int(r, "PRAGMA user_version"), SIM_TRACE_SQLITE_SCHEMA_VERSION);
    cr_assert_str_eq(query_text(r, "PRAGMA journal_mode"), "wal");
    cr_assert_eq(query_int(r, "PRAGMA page_size"), 8192);
    static const char *const tables[] = {"runs", "kinds", "events", "threads", "objects",
                                         "violations", "expectations"};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        cr_assert_eq(query_int(r, sql), 1, "table %s", tables[i]);
    }
    /* The views of version 2 are tests/reports' business; version 1 had these three. */
    cr_assert_eq(query_int(r, "SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name IN"
                              " ('events_named', 'event_counts', 'run_summary')"), 3);
    /* derive_sim.sql finds the engine's rare events through the partial index, not a scan. */
    sqlite3_stmt *plan = NULL;
    cr_assert_eq(sqlite3_prepare_v2(r, "EXPLAIN QUERY PLAN SELECT idx, text FROM events"
                                       " WHERE run_id = 1 AND kind < 100",
                                    -1, &plan, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(plan), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(plan, 3),
                     "SEARCH events USING INDEX events_sim (run_id=? AND kind<?)");
    sqlite3_finalize(plan);
    sqlite3_close(r);
    /* Opening it again keeps it as it is. */
    cr_assert_eq(sim_trace_sqlite_close(open_ok(path), NULL, 0), 0);
    path_remove(path);
}

/* ---- One run, two runs ----------------------------------------------------------------------- */

Test(trace_sqlite, rows_equal_the_memory_sink_and_give_the_fingerprint)
{
    const char *path = temp_db("rows");
    workload_default();
    wl.big_texts = true;
    sim_trace_sqlite_t *db = open_ok(path);
    sim_trace_mem_t *mem = NULL;
    cr_assert_eq(sim_trace_mem_create(&mem), 0);
    run_result_t r = run_workload(db, mem, &(sim_config_t){.seed = 7});
    cr_assert_eq(r.end, SIM_END_COMPLETE, "ended as %s: %s", sim_end_name(r.end),
                 sim_trace_sqlite_errmsg(db));
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);

    sqlite3 *f = reader(path);
    uint64_t count = 0;
    uint64_t fp = rows_fingerprint(f, r.run_id, mem, &count);
    cr_assert_eq(count, sim_trace_mem_count(mem), "rows %llu, events %zu",
                 (unsigned long long)count, sim_trace_mem_count(mem));
    cr_assert_eq(fp, r.fingerprint, "from rows %016llx, run %016llx", (unsigned long long)fp,
                 (unsigned long long)r.fingerprint);
    cr_assert_eq(run_fingerprint(f, r.run_id), r.fingerprint);
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT trace_events FROM runs WHERE run_id = %lld",
             (long long)r.run_id);
    cr_assert_eq(query_int(f, sql), (int64_t)r.count);
    cr_assert_str_eq(run_verdict(f, r.run_id), "complete");
    char sha[SIM_SHA256_HEX_SIZE];
    sim_sha256_hex(scenario_bytes, sizeof(scenario_bytes) - 1, sha);
    cr_assert_str_eq(query_text(f, "SELECT scenario_sha256 FROM runs"), sha);
    cr_assert_str_eq(query_text(f, "SELECT scenario || '|' || scenario_path || '|' || seed ||"
                                   " '|' || strategy || '|' || manager || '|' ||"
                                   " wakesim_version FROM runs"),
                     "test_workload|tests/sim/test_workload.json|7|fifo|current|" WAKESIM_VERSION);
    cr_assert_str_eq(query_text(f, "PRAGMA integrity_check"), "ok");
    sqlite3_close(f);
    sim_trace_mem_destroy(mem);
    free(r.choices);
    path_remove(path);
}

Test(trace_sqlite, two_runs_share_a_file_and_replay_from_it)
{
    const char *path = temp_db("two");
    workload_default();
    sim_trace_sqlite_t *db = open_ok(path);
    run_result_t a = run_workload(db, NULL, &(sim_config_t){.seed = 1});
    run_result_t b = run_workload(db, NULL, &(sim_config_t){.seed = 2, .strategy = "random"});
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    cr_assert_eq(a.run_id, 1);
    cr_assert_eq(b.run_id, 2);
    cr_assert_gt(b.choices_size, 0, "the random strategy chose between tied workers");

    sqlite3 *f = reader(path);
    uint64_t count = 0;
    cr_assert_eq(rows_fingerprint(f, 1, NULL, &count), a.fingerprint);
    cr_assert_eq(count, a.count);
    cr_assert_eq(rows_fingerprint(f, 2, NULL, &count), b.fingerprint);
    cr_assert_eq(count, b.count);
    cr_assert_eq(run_fingerprint(f, 1), a.fingerprint);
    cr_assert_eq(run_fingerprint(f, 2), b.fingerprint);
    cr_assert_str_eq(query_text(f, "SELECT group_concat(run_id || ':' || strategy || ':' ||"
                                   " verdict, ' ') FROM run_summary"),
                     "1:fifo:complete 2:random:complete");
    /* The recorded choices replay the second run exactly. */
    char *hex = strdup(query_text(f, "SELECT choices_hex FROM run_summary WHERE run_id = 2"));
    sqlite3_close(f);
    uint8_t *choices = NULL;
    size_t size = 0;
    cr_assert_eq(sim_choices_from_hex(hex, &choices, &size), 0, "hex %s", hex);
    cr_assert_eq(size, b.choices_size);
    cr_assert_arr_eq(choices, b.choices, size);
    sim_config_t replay = {.seed = 2, .strategy = "replay", .replay_choices = choices,
                           .replay_choices_size = size};
    run_result_t c = run_workload(NULL, NULL, &replay);
    cr_assert_eq(c.fingerprint, b.fingerprint);
    free(hex);
    free(choices);
    free(a.choices), free(b.choices), free(c.choices);
    path_remove(path);
}

/* ---- Derived tables and views ---------------------------------------------------------------- */

Test(trace_sqlite, threads_objects_violations_and_kinds_are_derived)
{
    const char *path = temp_db("derived");
    workload_default();
    sim_trace_sqlite_t *db = open_ok(path);
    run_result_t r = run_workload(db, NULL, &(sim_config_t){.seed = 3});
    cr_assert_eq(sim_trace_sqlite_expectation_add(db, r.run_id, 0, true, "completes"), 0);
    cr_assert_eq(sim_trace_sqlite_expectation_add(db, r.run_id, 1, false, "never violates"), 0);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);

    sqlite3 *f = reader(path);
    cr_assert_str_eq(query_text(f, "SELECT group_concat(thread_id || ':' || name || ':' || daemon"
                                   " || ':' || (exited_idx IS NOT NULL), ' ')"
                                   " FROM (SELECT * FROM threads ORDER BY thread_id)"),
                     "1:kernel:0:1 2:daemon:1:0 3:worker:0:1 4:worker:0:1 5:worker:0:1 "
                     "6:worker:0:1");
    cr_assert_eq(query_int(f, "SELECT count(*) FROM threads WHERE created_idx IS NULL OR"
                              " created_boot_ns > exited_boot_ns"), 0);
    cr_assert_str_eq(query_text(f, "SELECT group_concat(object_id || ':' || type || ':' ||"
                                   " type_name || ':' || owner_id || ':' ||"
                                   " coalesce(thread_id, '-') || ':' || coalesce(name, '-') ||"
                                   " ':' || (destroyed_idx IS NOT NULL), ' ')"
                                   " FROM (SELECT * FROM objects ORDER BY object_id)"),
                     "1001:1:job:0:-:-:1 1002:4:thread:1001:1:kernel-thread:0");
    /* The clock paused for 1000 ns of boot time while the job lived. */
    cr_assert_eq(query_int(f, "SELECT (destroyed_boot_ns - created_boot_ns) -"
                              " (destroyed_mono_ns - created_mono_ns) FROM objects"
                              " WHERE object_id = 1001"), 1000);
    cr_assert_str_eq(query_text(f, "SELECT invariant || '|' || message || '|' ||"
                                   " (trace_idx > event_idx) FROM violations"),
                     "test.no_second_step|worker 3 took step 1|1");
    cr_assert_eq(query_int(f, "SELECT count(*) FROM violations v JOIN events e ON"
                              " e.run_id = v.run_id AND e.idx = v.event_idx WHERE e.kind = 101"
                              " AND e.object = 3 AND e.arg0 = 1"), 1);
    cr_assert_str_eq(query_text(f, "SELECT group_concat(kind || '=' || kind_name || ':' ||"
                                   " events, ' ') FROM event_counts WHERE kind >= 100"),
                     "101=test.work:200");
    cr_assert_eq(query_int(f, "SELECT count(*) FROM kinds"),
                 query_int(f, "SELECT count(DISTINCT kind) FROM events"));
    cr_assert_str_eq(query_text(f, "SELECT threads || ' ' || objects || ' ' || violations ||"
                                   " ' ' || expectations || ' ' || expectations_failed"
                                   " FROM run_summary"),
                     "6 2 1 2 1");
    sqlite3_close(f);
    free(r.choices);
    path_remove(path);
}

/* Every row of `sql` (one run_id parameter) as text: each value with its SQLite type. */
static char *rows_dump(sqlite3 *db, const char *sql, int64_t run_id)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    cr_assert_not_null(f);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, run_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            fprintf(f, "%d:%s|", sqlite3_column_type(st, c), v ? (const char *)v : "");
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    fclose(f);
    return out;
}

/* The engine's derived tables of a run, the violation messages aside (only the engine knows
 * them, so a rebuild from the file leaves them NULL). */
static char *engine_tables_dump(const char *path, int64_t run_id)
{
    static const char *const sql[] = {
        "SELECT * FROM threads WHERE run_id = ?1 ORDER BY thread_id",
        "SELECT * FROM objects WHERE run_id = ?1 ORDER BY object_id",
        "SELECT run_id, violation_index, invariant, event_idx, trace_idx, time_boot_ns,"
        " time_mono_ns FROM violations WHERE run_id = ?1 ORDER BY violation_index",
    };
    sqlite3 *f = reader(path);
    char *parts[3], *all = NULL;
    for (int i = 0; i < 3; i++)
        parts[i] = rows_dump(f, sql[i], run_id);
    sqlite3_close(f);
    cr_assert_gt(asprintf(&all, "threads\n%sobjects\n%sviolations\n%s", parts[0], parts[1],
                          parts[2]), 0);
    for (int i = 0; i < 3; i++)
        free(parts[i]);
    return all;
}

/* The cases of derive_sim.sql's GROUP BYs that the workload does not make: an id created
 * twice (aggregates taken one by one), named but never created, destroyed twice, renamed to
 * NULL, a thread id that is also an object id, a negative id (the column is signed), and a
 * thread exit without its creation. */
static void odd_objects(sim_t *s, void *arg)
{
    (void)arg;
    object_create(s, 7, 1, 3, 0, "port");
    sim_sleep(s, SIM_CLOCK_MONO, 10);
    object_create(s, 7, 0, 5, 2, "channel");
    sim_trace(s, SIM_EV_OBJECT_NAME, "sim.object_name", 7, 0, 0, 0, "named");
    sim_trace(s, SIM_EV_OBJECT_NAME, "sim.object_name", 7, 0, 0, 0, NULL);
    sim_trace(s, SIM_EV_OBJECT_NAME, "sim.object_name", 8, 0, 0, 0, "only-named");
    sim_trace(s, SIM_EV_OBJECT_DESTROY, "sim.object_destroy", 9, 0, 0, 0, NULL);
    sim_sleep(s, SIM_CLOCK_MONO, 10);
    sim_trace(s, SIM_EV_OBJECT_DESTROY, "sim.object_destroy", 9, 0, 0, 0, NULL);
    object_create(s, 3, 0, 1, 0, "job"); /* 3 is also a worker's thread id */
    object_create(s, UINT64_MAX - 4, 0, 1, 0, "event");
    sim_trace(s, SIM_EV_THREAD_EXIT, "sim.thread_exit", 900, 0, 0, 0, NULL);
}

Test(trace_sqlite, the_engine_tables_of_a_run_are_those_of_derive_sim_sql)
{
    const char *path = temp_db("engine-tables");
    workload_default();
    sim_trace_sqlite_t *db = open_ok(path);
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 5}, &s), 0);
    int64_t run_id = 0;
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s, NULL, &run_id), 0);
    cr_assert_eq(sim_invariant_add(s, "test.no_second_step", watch_work, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "kernel", kernel, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "odd", odd_objects, NULL, NULL, NULL), 0);
    for (intptr_t i = 1; i <= wl.workers; i++)
        cr_assert_eq(sim_thread_create(s, "worker", worker, (void *)i, NULL, NULL), 0);
    sim_end_t end = sim_run(s);
    cr_assert_eq(end, SIM_END_COMPLETE, "%s", sim_end_name(end));
    sim_destroy(s);
    char *live = engine_tables_dump(path, run_id);
    cr_assert_not_null(strstr(live, "only-named"), "%s", live);
    /* sim_trace_sqlite_derive rebuilds them with derive_sim.sql. */
    cr_assert_eq(sim_trace_sqlite_derive(db, run_id), 0, "%s", sim_trace_sqlite_errmsg(db));
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    char *sql = engine_tables_dump(path, run_id);
    cr_assert_str_eq(live, sql);
    free(live);
    free(sql);
    path_remove(path);
}

Test(trace_sqlite, derive_rebuilds_a_run_from_its_events)
{
    const char *path = temp_db("rebuild");
    workload_default();
    sim_trace_sqlite_t *db = open_ok(path);
    run_result_t r = run_workload(db, NULL, &(sim_config_t){.seed = 4});
    sqlite3 *w = NULL;
    cr_assert_eq(sqlite3_open(path, &w), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(w, "DELETE FROM threads; DELETE FROM objects", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(w);
    cr_assert_eq(sim_trace_sqlite_derive(db, r.run_id), 0, "%s", sim_trace_sqlite_errmsg(db));
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sqlite3 *f = reader(path);
    cr_assert_eq(query_int(f, "SELECT count(*) FROM threads"), 6);
    cr_assert_eq(query_int(f, "SELECT count(*) FROM objects"), 2);
    cr_assert_str_eq(query_text(f, "SELECT coalesce(message, 'none') FROM violations"), "none",
                     "rebuilt from events alone, the engine's message is gone");
    sqlite3_close(f);
    free(r.choices);
    path_remove(path);
}

/* ---- A deriver ------------------------------------------------------------------------------- */

/* A deriver that counts the events of EV_WORK and writes the count into a table of its own, as
 * reports/derive.h writes the manager's tables; `fail_at` makes its event op fail there. */
typedef struct counting_deriver {
    int begins, writes, rebuilds;
    int64_t work_events, events, fail_at;
    bool ordered; /* every event came with the next index */
} counting_deriver_t;

static int counting_begin(void *ctx, char *err, size_t err_size)
{
    (void)err, (void)err_size;
    counting_deriver_t *d = ctx;
    d->begins++;
    d->work_events = d->events = 0;
    d->ordered = true;
    return 0;
}

static int counting_event(void *ctx, const sim_trace_event_t *ev, char *err, size_t err_size)
{
    counting_deriver_t *d = ctx;
    d->ordered = d->ordered && ev->index == (uint64_t)d->events;
    if (++d->events == d->fail_at) {
        snprintf(err, err_size, "the deriver refuses event %lld", (long long)d->events);
        return -1;
    }
    d->work_events += ev->kind == EV_WORK;
    return 0;
}

static int counted_write(sqlite3 *db, int64_t run_id, int64_t count, char *err, size_t err_size)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS counted (run_id, work);"
             " DELETE FROM counted WHERE run_id = %lld;"
             " INSERT INTO counted VALUES (%lld, %lld)",
             (long long)run_id, (long long)run_id, (long long)count);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    snprintf(err, err_size, "cannot count: %s", sqlite3_errmsg(db));
    return -1;
}

static int counting_write(void *ctx, struct sqlite3 *db, int64_t run_id, char *err,
                          size_t err_size)
{
    counting_deriver_t *d = ctx;
    d->writes++;
    return counted_write(db, run_id, d->work_events, err, err_size);
}

/* Rebuilds from the file alone: the rows of the run are there, in its transaction. */
static int counting_rebuild(void *ctx, struct sqlite3 *db, int64_t run_id, char *err,
                            size_t err_size)
{
    counting_deriver_t *d = ctx;
    d->rebuilds++;
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE run_id = %lld AND kind = %d",
             (long long)run_id, EV_WORK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, err_size, "cannot read: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    int64_t count = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return counted_write(db, run_id, count, err, err_size);
}

static sim_trace_sqlite_t *open_counting(const char *path, counting_deriver_t *d)
{
    const sim_trace_sqlite_deriver_t ops = {
        .ctx = d,
        .begin = counting_begin,
        .event = counting_event,
        .write = counting_write,
        .rebuild = counting_rebuild,
    };
    sim_trace_sqlite_t *db = NULL;
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    int rc = sim_trace_sqlite_open(path, &ops, &db, err, sizeof(err));
    cr_assert_eq(rc, 0, "open %s: %s (%s)", path, sim_err_name(rc), err);
    return db;
}

Test(trace_sqlite, a_deriver_sees_every_event_in_order_and_writes_in_the_runs_commit)
{
    const char *path = temp_db("deriver");
    workload_default();
    counting_deriver_t d = {0};
    sim_trace_sqlite_t *db = open_counting(path, &d);
    run_result_t r = run_workload(db, NULL, &(sim_config_t){.seed = 4});
    cr_assert_eq(d.begins, 1);
    cr_assert_eq(d.writes, 1);
    cr_assert_eq(d.rebuilds, 0);
    cr_assert(d.ordered, "each event once, in the run's order");
    cr_assert_eq(d.events, (int64_t)r.count);
    cr_assert_eq(d.work_events, 4 * 50);
    /* A rebuild reads the file and gets the same rows. */
    cr_assert_eq(sim_trace_sqlite_derive(db, r.run_id), 0, "%s", sim_trace_sqlite_errmsg(db));
    cr_assert_eq(d.rebuilds, 1);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sqlite3 *f = reader(path);
    cr_assert_eq(query_int(f, "SELECT count(*) FROM counted"), 1);
    cr_assert_eq(query_int(f, "SELECT work FROM counted"), 4 * 50);
    cr_assert_eq(query_int(f, "SELECT count(*) FROM threads"), 6, "the engine's tables too");
    sqlite3_close(f);
    free(r.choices);
    path_remove(path);
}

Test(trace_sqlite, a_failing_deriver_fails_the_run_with_its_message)
{
    const char *path = temp_db("deriver-fails");
    workload_default();
    counting_deriver_t d = {.fail_at = 30};
    sim_trace_sqlite_t *db = open_counting(path, &d);
    run_result_t r = run_workload(db, NULL, &(sim_config_t){.seed = 4});
    cr_assert_eq(r.end, SIM_END_SINK_ERROR);
    cr_assert_eq(d.writes, 0, "nothing derived from a failed run");
    const char *err = sim_trace_sqlite_errmsg(db);
    cr_assert_eq(strncmp(err, path, strlen(path)), 0, "names the file: %s", err);
    cr_assert_not_null(strstr(err, "the deriver refuses event 30"), "%s", err);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sqlite3 *f = reader(path);
    cr_assert_str_eq(run_verdict(f, r.run_id), "sink_error");
    cr_assert_not_null(strstr(query_text(f, "SELECT error FROM runs"), "refuses event 30"));
    sqlite3_close(f);
    free(r.choices);
    path_remove(path);
}

/* ---- Errors ---------------------------------------------------------------------------------- */

/* Opens `path` expecting SIM_EIO with a one-line message naming the file and containing
 * `needle` (SQLite's message, or ours where SQLite has nothing to say). */
static void open_fails(const char *path, const char *needle)
{
    sim_trace_sqlite_t *db = NULL;
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    int rc = sim_trace_sqlite_open(path, NULL, &db, err, sizeof(err));
    cr_assert_eq(rc, SIM_EIO, "open %s gave %s (%s)", path, sim_err_name(rc), err);
    cr_assert_null(db);
    cr_assert_eq(strncmp(err, path, strlen(path)), 0, "the message names the file: %s", err);
    cr_assert_not_null(strstr(err, needle), "'%s' in: %s", needle, err);
    cr_assert_null(strchr(err, '\n'), "one line: %s", err);
}

Test(trace_sqlite, a_directory_is_not_a_trace)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "/tmp/wakesim-test-trace-%d-dir", (int)getpid());
    cr_assert_eq(mkdir(dir, 0700), 0, "%s", strerror(errno));
    open_fails(dir, sqlite3_errstr(SQLITE_CANTOPEN));
    rmdir(dir);
}

Test(trace_sqlite, a_file_that_is_not_a_database)
{
    const char *path = temp_db("notdb");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200; i++)
        fputs("this is not a database\n", f);
    fclose(f);
    open_fails(path, sqlite3_errstr(SQLITE_NOTADB));
    path_remove(path);
}

/* Creates a plain database at `path` with `sql` executed in it. */
static void make_database(const char *path, const char *sql)
{
    sqlite3 *w = NULL;
    cr_assert_eq(sqlite3_open(path, &w), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(w));
    sqlite3_close(w);
}

Test(trace_sqlite, a_newer_schema_version_is_refused)
{
    const char *path = temp_db("newer");
    char sql[128], want[96];
    snprintf(sql, sizeof(sql), "CREATE TABLE runs (run_id INTEGER PRIMARY KEY); "
             "PRAGMA user_version = %d", SIM_TRACE_SQLITE_SCHEMA_VERSION + 1);
    make_database(path, sql);
    snprintf(want, sizeof(want), "schema version %d is newer than this wakesim's (%d)",
             SIM_TRACE_SQLITE_SCHEMA_VERSION + 1, SIM_TRACE_SQLITE_SCHEMA_VERSION);
    open_fails(path, want);
    path_remove(path);
}

Test(trace_sqlite, another_database_is_not_taken_over)
{
    const char *path = temp_db("other");
    make_database(path, "CREATE TABLE notes (body TEXT)");
    open_fails(path, "not a wakesim trace");
    sqlite3 *f = reader(path);
    cr_assert_str_eq(query_text(f, "PRAGMA journal_mode"), "delete", "left as it was");
    sqlite3_close(f);
    path_remove(path);
}

Test(trace_sqlite, a_read_only_file_is_refused)
{
    const char *path = temp_db("readonly");
    cr_assert_eq(sim_trace_sqlite_close(open_ok(path), NULL, 0), 0);
    cr_assert_eq(chmod(path, 0444), 0);
    /* root writes anything: the check runs in a child that drops to nobody. */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(2);
        sim_trace_sqlite_t *db = NULL;
        char err[SIM_TRACE_SQLITE_ERR_SIZE];
        int rc = sim_trace_sqlite_open(path, NULL, &db, err, sizeof(err));
        if (write(fds[1], err, strlen(err) + 1) < 0)
            _exit(3);
        _exit(rc == SIM_EIO ? 0 : 1);
    }
    close(fds[1]);
    char err[SIM_TRACE_SQLITE_ERR_SIZE] = "";
    cr_assert_gt(read(fds[0], err, sizeof(err) - 1), 0);
    close(fds[0]);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %d, %s", status, err);
    cr_assert_eq(strncmp(err, path, strlen(path)), 0, "%s", err);
    cr_assert_not_null(strstr(err, sqlite3_errstr(SQLITE_READONLY)), "%s", err);
    path_remove(path);
}

Test(trace_sqlite, a_kind_with_two_spellings_fails_the_run)
{
    const char *path = temp_db("spelling");
    sim_trace_sqlite_t *db = open_ok(path);
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    int64_t run_id = 0;
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s, NULL, &run_id), 0);
    for (int i = 0; i < 100; i++)
        sim_trace(s, EV_WORK, "test.work", 0, i, 0, 0, NULL);
    sim_trace(s, EV_WORK, "test.other", 0, 0, 0, 0, NULL);
    cr_assert_eq(sim_run(s), SIM_END_SINK_ERROR);
    sim_destroy(s);
    const char *err = sim_trace_sqlite_errmsg(db);
    cr_assert_not_null(strstr(err, "kind 101 is spelled both 'test.work' and 'test.other'"), "%s",
                       err);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sqlite3 *f = reader(path);
    cr_assert_str_eq(run_verdict(f, run_id), "sink_error");
    cr_assert_not_null(strstr(query_text(f, "SELECT error FROM runs"), "spelled both"));
    sqlite3_close(f);
    path_remove(path);
}

Test(trace_sqlite, a_run_begins_before_its_first_event_and_one_at_a_time)
{
    const char *path = temp_db("state");
    sim_trace_sqlite_t *db = open_ok(path);
    sim_t *s = NULL, *s2 = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_create(NULL, &s2), 0);
    cr_assert_eq(sim_thread_create(s2, "early", daemon_forever, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s2, NULL, NULL), SIM_ESTATE,
                 "events before the sink would be missing from the file");
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s, NULL, NULL), 0);
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s, NULL, NULL), SIM_ESTATE);
    cr_assert_eq(sim_trace_sqlite_derive(db, 1), SIM_ESTATE);
    sim_run(s);
    sim_destroy(s);
    sim_destroy(s2);
    sim_trace_sqlite_interrupt(db);
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s, NULL, NULL), SIM_EINTR, "interrupts stick");
    sim_destroy(s);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sqlite3 *f = reader(path);
    cr_assert_eq(query_int(f, "SELECT count(*) FROM runs"), 1);
    sqlite3_close(f);
    path_remove(path);
}

Test(trace_sqlite, closing_with_a_run_open_keeps_it_as_interrupted)
{
    const char *path = temp_db("abandon");
    sim_trace_sqlite_t *db = open_ok(path);
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    int64_t run_id = 0;
    cr_assert_eq(sim_trace_sqlite_run_begin(db, s, NULL, &run_id), 0);
    for (int i = 0; i < 1000; i++)
        sim_trace(s, EV_WORK, "test.work", 0, i, 0, 0, NULL);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    sim_destroy(s); /* never run: nothing calls the closed sink */
    sqlite3 *f = reader(path);
    cr_assert_str_eq(run_verdict(f, run_id), "interrupted");
    cr_assert_eq(run_rows(f, run_id), 1000);
    cr_assert_eq(query_int(f, "SELECT trace_events FROM runs"), 1000);
    sqlite3_close(f);
    path_remove(path);
}

static void first_run_intact(sqlite3 *f);

/* In a child limited to `limit` bytes per file: a small run, then a large one that the
 * limit stops. Reports the second run's end and the sink's message through `fd`. */
static void child_fills_the_disk(const char *path, int fd, rlim_t limit)
{
    struct rlimit rl = {.rlim_cur = limit, .rlim_max = limit};
    signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG instead */
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    sim_trace_sqlite_t *db = NULL;
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0 ||
        sim_trace_sqlite_open(path, NULL, &db, err, sizeof(err)) != 0)
        _exit(10);
    workload_default();
    run_result_t first = run_workload(db, NULL, &(sim_config_t){.seed = 5});
    wl = (workload_t){.workers = 4, .iterations = 100000};
    run_result_t second = run_workload(db, NULL, &(sim_config_t){.seed = 6});
    snprintf(err, sizeof(err), "%s", sim_trace_sqlite_errmsg(db));
    (void)sim_trace_sqlite_close(db, NULL, 0);
    if (write(fd, err, strlen(err) + 1) < 0)
        _exit(11);
    _exit(first.end == SIM_END_COMPLETE && second.end == SIM_END_SINK_ERROR ? 0 : 12);
}

Test(trace_sqlite, a_full_disk_fails_the_run_and_spares_the_file, .timeout = 120)
{
    const char *path = temp_db("full");
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        child_fills_the_disk(path, fds[1], 4 << 20);
    }
    close(fds[1]);
    char err[SIM_TRACE_SQLITE_ERR_SIZE] = "";
    ssize_t n = read(fds[0], err, sizeof(err) - 1);
    close(fds[0]);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: %s", status, err);
    cr_assert_eq(strncmp(err, path, strlen(path)), 0, "%s", err);
    cr_assert_null(strchr(err, '\n'), "one line: %s", err);
    cr_log_info("the sink said: %s", err);
    sqlite3 *f = reader(path);
    cr_assert_str_eq(query_text(f, "PRAGMA integrity_check"), "ok");
    first_run_intact(f);
    const char *verdict = run_verdict(f, 2);
    cr_assert(strcmp(verdict, "sink_error") == 0 || strcmp(verdict, "running") == 0,
              "the second run is marked if the disk allows it: %s", verdict);
    cr_assert_eq(query_int(f, "SELECT max(idx) + 1 - count(*) FROM events WHERE run_id = 2"), 0);
    sqlite3_close(f);
    path_remove(path);
}

/* ---- Interruption and crash ------------------------------------------------------------------ */

static sim_trace_sqlite_t *child_db;

static void on_sigint(int sig)
{
    (void)sig;
    sim_trace_sqlite_interrupt(child_db);
}

/* In a child: one complete run, then an endless one that tells the parent through `fd` once
 * it has traced `notify_at` events, and waits for a signal. Exit 0 when the endless run ended
 * as stopped (SIGINT); SIGKILL never lets it exit. */
static void child_runs(const char *path, int fd, int64_t notify_at)
{
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    if (sim_trace_sqlite_open(path, NULL, &child_db, err, sizeof(err)) != 0)
        _exit(10);
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0)
        _exit(11);
    workload_default();
    run_result_t first = run_workload(child_db, NULL, &(sim_config_t){.seed = 5});
    if (first.end != SIM_END_COMPLETE)
        _exit(12);
    wl = (workload_t){.workers = 3, .notify_at = notify_at, .notify_fd = fd};
    run_result_t endless = run_workload(child_db, NULL, &(sim_config_t){.seed = 6});
    int rc = sim_trace_sqlite_close(child_db, NULL, 0);
    _exit(endless.end == SIM_END_STOPPED && rc == 0 ? 0 : 13);
}

/* Forks child_runs, waits for its signal that the endless run is under way, sends `sig`. */
static int child_signalled(const char *path, int sig, int64_t notify_at)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        child_runs(path, fds[1], notify_at);
    }
    close(fds[1]);
    char byte = 0;
    cr_assert_eq(read(fds[0], &byte, 1), 1, "the child reached the endless run");
    close(fds[0]);
    cr_assert_eq(kill(pid, sig), 0);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* The first run is intact: rows and fingerprint as an untraced rerun says. */
static void first_run_intact(sqlite3 *f)
{
    workload_default();
    run_result_t want = run_workload(NULL, NULL, &(sim_config_t){.seed = 5});
    uint64_t count = 0;
    cr_assert_str_eq(run_verdict(f, 1), "complete");
    cr_assert_eq(rows_fingerprint(f, 1, NULL, &count), want.fingerprint);
    cr_assert_eq(count, want.count);
    cr_assert_eq(run_fingerprint(f, 1), want.fingerprint);
    free(want.choices);
}

Test(trace_sqlite, sigint_ends_the_run_as_interrupted, .timeout = 120)
{
    const char *path = temp_db("sigint");
    int status = child_signalled(path, SIGINT, 3 * SIM_TRACE_SQLITE_BATCH_ROWS + 1000);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    sqlite3 *f = reader(path);
    cr_assert_str_eq(query_text(f, "PRAGMA integrity_check"), "ok");
    first_run_intact(f);
    cr_assert_str_eq(run_verdict(f, 2), "interrupted");
    uint64_t count = 0;
    uint64_t fp = rows_fingerprint(f, 2, NULL, &count);
    cr_assert_eq(fp, run_fingerprint(f, 2), "the fingerprint covers every row written");
    cr_assert_eq((int64_t)count, query_int(f, "SELECT trace_events FROM runs WHERE run_id = 2"));
    cr_assert_gt(count, 3 * SIM_TRACE_SQLITE_BATCH_ROWS);
    cr_assert_str_eq(query_text(f, "SELECT kind_name FROM events_named WHERE run_id = 2"
                                   " ORDER BY idx DESC LIMIT 1"),
                     "sim.run_end");
    cr_assert_eq(query_int(f, "SELECT count(*) FROM threads WHERE run_id = 2"), 5);
    sqlite3_close(f);
    path_remove(path);
}

Test(trace_sqlite, sigkill_leaves_a_valid_file_and_earlier_runs_intact, .timeout = 120)
{
    const char *path = temp_db("sigkill");
    int status = child_signalled(path, SIGKILL, 3 * SIM_TRACE_SQLITE_BATCH_ROWS + 1000);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
    sqlite3 *f = reader(path);
    cr_assert_str_eq(query_text(f, "PRAGMA integrity_check"), "ok");
    first_run_intact(f);
    cr_assert_str_eq(run_verdict(f, 2), "running", "a killed run says so");
    int64_t rows = run_rows(f, 2);
    /* 3 batches were traced; the writer may lag behind by the rows in flight (< 1 batch). */
    cr_assert_geq(rows, 2 * SIM_TRACE_SQLITE_BATCH_ROWS, "the committed batches survive");
    cr_assert_eq(rows % SIM_TRACE_SQLITE_BATCH_ROWS, 0, "whole batches, %lld rows",
                 (long long)rows);
    cr_assert_eq(query_int(f, "SELECT max(idx) + 1 - count(*) FROM events WHERE run_id = 2"), 0);
    sqlite3_close(f);

    /* The file takes more runs, and the killed one can be derived from its rows. */
    sim_trace_sqlite_t *db = open_ok(path);
    cr_assert_eq(sim_trace_sqlite_derive(db, 2), 0, "%s", sim_trace_sqlite_errmsg(db));
    workload_default();
    run_result_t third = run_workload(db, NULL, &(sim_config_t){.seed = 8});
    cr_assert_eq(third.run_id, 3);
    cr_assert_eq(sim_trace_sqlite_close(db, NULL, 0), 0);
    f = reader(path);
    cr_assert_eq(query_int(f, "SELECT count(*) FROM threads WHERE run_id = 2"), 5);
    cr_assert_str_eq(run_verdict(f, 2), "running");
    cr_assert_str_eq(run_verdict(f, 3), "complete");
    cr_assert_eq(run_fingerprint(f, 3), third.fingerprint);
    sqlite3_close(f);
    free(third.choices);
    path_remove(path);
}
