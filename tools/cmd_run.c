/* cmd_run.c - `wakesim run FILE`: loads a scenario, runs it in the container world, judges its
 * expectations and prints a summary (or, with --json, one JSON object on stdout); with
 * --db FILE the run's trace also goes into a SQLite file (reports/SCHEMA.md).
 *
 * Exit codes: 0 every expectation that applies holds, 1 one failed (an invariant violation
 * fails the implicit "no invariant violated"; an interrupted run fails), 2 usage, 3 the
 * scenario is invalid (nothing runs), 4 I/O or internal error.
 *
 * SIGINT. The handler only sets a flag and, with --db, calls sim_trace_sqlite_interrupt (both
 * async-signal-safe). A small trace sink attached through world_run_opts_t.sink sees the flag
 * at the next event and stops the run there with sim_stop (the SQLite sink does the same and
 * marks its run "interrupted"); world_run then returns, and the results so far are judged and
 * printed with the verdict "fail" and the end "interrupted", so nothing already traced is lost.
 * A second SIGINT kills the process (SA_RESETHAND).
 */
#include "cli.h"
#include "expect.h"
#include "scenario.h"
#include "summary.h"
#include "trace_file.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wakesim/manager.h>

typedef struct run_opts {
    const char *path;
    bool has_seed;
    uint64_t seed;
    const char *manager;  /* --manager, NULL = the scenario's */
    const char *strategy; /* --strategy, NULL = the scenario's */
    const char *db;       /* --db FILE: also write the trace there */
    bool json;
} run_opts_t;

static void run_help(void)
{
    printf("usage: wakesim run FILE [--seed N] [--manager NAME] [--strategy fifo|random] "
           "[--json]\n"
           "                        [--db FILE]\n\n"
           "Runs a scenario (format: scenarios/README.md) and judges its expectations.\n\n"
           "  --seed N          the run's seed (default: the scenario's \"seed\", else 1)\n"
           "  --manager NAME    the manager variant:");
    for (const char *const *n = manager_variant_names(); *n; n++)
        printf(" %s", *n);
    printf("\n"
           "  --strategy NAME   fifo (deterministic) or random (seeded scheduling choices)\n"
           "  --json            print one JSON object on stdout instead of the summary\n"
           "  --db FILE         also write the trace, the run and its expectations into the\n"
           "                    SQLite file FILE (created if needed; see reports/SCHEMA.md)\n\n"
           "exit codes: 0 every expectation holds, 1 an expectation or invariant failed,\n"
           "            2 usage, 3 invalid scenario (nothing runs), 4 I/O or internal error\n");
}

/* One option; returns -1 when consumed, else an exit code. */
static int parse_option(int argc, char **argv, int *i, run_opts_t *o)
{
    const char *v;
    if (strcmp(argv[*i], "--json") == 0) {
        o->json = true;
    } else if (cli_option(argc, argv, i, "seed", &v)) {
        if (!cli_parse_u64(v, &o->seed))
            return cli_usage_error("run", "--seed expects a non-negative integer, got '%s'",
                                   v ? v : "");
        o->has_seed = true;
    } else if (cli_option(argc, argv, i, "manager", &v)) {
        if (!v || !manager_variant_exists(v))
            return cli_usage_error("run", "--manager expects a variant (%s is the default), "
                                   "got '%s'", manager_variant_names()[0], v ? v : "");
        o->manager = v;
    } else if (cli_option(argc, argv, i, "strategy", &v)) {
        if (!v || (strcmp(v, "fifo") != 0 && strcmp(v, "random") != 0))
            return cli_usage_error("run", "--strategy expects fifo or random, got '%s'",
                                   v ? v : "");
        o->strategy = v;
    } else if (cli_option(argc, argv, i, "db", &v)) {
        if (!v || !*v)
            return cli_usage_error("run", "--db expects a file name");
        o->db = v;
    } else {
        return cli_usage_error("run", "unknown option '%s'", argv[*i]);
    }
    return -1;
}

static int parse_args(int argc, char **argv, run_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            run_help();
            return CLI_EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            int rc = parse_option(argc, argv, &i, o);
            if (rc >= 0)
                return rc;
        } else if (o->path) {
            return cli_usage_error("run", "one scenario file at a time, got '%s' and '%s'",
                                   o->path, argv[i]);
        } else {
            o->path = argv[i];
        }
    }
    if (!o->path)
        return cli_usage_error("run", "no scenario file given");
    return -1;
}

/* ---- Interruption and the trace file ------------------------------------------------------ */

static volatile sig_atomic_t interrupted;
static sim_trace_sqlite_t *volatile interrupt_db; /* --db's handle while a run is going */

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    if (interrupt_db)
        sim_trace_sqlite_interrupt(interrupt_db);
}

/* What the world's on_created hook needs: the run's sim_t for sim_stop, and --db's file. */
typedef struct run_ctx {
    sim_t *sim;
    bool stopping;
    trace_file_t file;      /* --db's file */
    sim_trace_sqlite_t *db; /* its sink, or NULL */
    sim_trace_sqlite_run_info_t info;
    int64_t run_id;
} run_ctx_t;

/* Ends the run at the first event after SIGINT. */
static int interrupt_event(void *ctx, const sim_trace_event_t *ev)
{
    run_ctx_t *rc = ctx;
    (void)ev;
    if (interrupted && rc->sim && !rc->stopping) {
        rc->stopping = true;
        sim_stop(rc->sim, SIM_END_STOPPED);
    }
    return 0;
}

static const sim_trace_sink_ops_t interrupt_sink = {
    .name = "interrupt",
    .event = interrupt_event,
    .end = NULL,
};

/* Called by world_run right after sim_create, before anything is traced. */
static int on_created(sim_t *s, void *ctx)
{
    run_ctx_t *rc = ctx;
    rc->sim = s;
    if (!rc->db)
        return 0;
    return sim_trace_sqlite_run_begin(rc->db, s, &rc->info, &rc->run_id);
}

static int db_open(const char *path, run_ctx_t *rc)
{
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    if (trace_file_open(&rc->file, path, err, sizeof(err)) != 0) {
        cli_error("run: %s", err);
        return CLI_EXIT_INTERNAL;
    }
    interrupt_db = rc->db = rc->file.db;
    return -1;
}

/* Records the verdicts as the run's expectations and closes the file; returns an exit code
 * or -1. */
static int db_close(run_ctx_t *rc, const scenario_t *sc, const expect_verdict_t *verdicts)
{
    int code = -1;
    interrupt_db = NULL;
    for (size_t i = 0; verdicts && rc->run_id > 0 && i < sc->expect_count; i++) {
        const expect_verdict_t *v = &verdicts[i];
        if (sim_trace_sqlite_expectation_add(rc->db, rc->run_id, (uint32_t)i,
                                             !v->applies || v->ok,
                                             sc->expects[i].description) != 0) {
            cli_error("run: %s", sim_trace_sqlite_errmsg(rc->db));
            code = CLI_EXIT_INTERNAL;
            break;
        }
    }
    char err[SIM_TRACE_SQLITE_ERR_SIZE];
    if (trace_file_close(&rc->file, err, sizeof(err)) != 0) {
        cli_error("run: %s", err);
        code = CLI_EXIT_INTERNAL;
    }
    rc->db = NULL;
    return code;
}

/* ---- Running -------------------------------------------------------------------------------- */

/* Runs the world with the options; returns -1 and *w on success, else an exit code. */
static int execute(const scenario_t *sc, const run_opts_t *o, run_ctx_t *ctx, world_t **w)
{
    const char *strategy = o->strategy ? o->strategy : sc->strategy;
    bool replay = strcmp(strategy, "replay") == 0;
    world_run_opts_t wo = {
        .seed = o->has_seed ? o->seed : sc->seed,
        .strategy = strategy,
        .replay_choices = replay ? sc->schedule : NULL,
        .replay_choices_size = replay ? sc->schedule_size : 0,
        .time_limit_ns = sc->time_limit_ns,
        .events_max = sc->events_max,
        .variant_override = o->manager,
        .samples = sc->samples,
        .sample_count = sc->sample_count,
        .sink = &interrupt_sink,
        .sink_ctx = ctx,
        .on_created = on_created,
        .on_created_ctx = ctx,
    };
    struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESETHAND}, old;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old);
    char err[512] = "";
    *w = NULL;
    int rc = world_run(&sc->world, &wo, w, err, sizeof(err));
    sigaction(SIGINT, &old, NULL);
    if (rc == 0)
        return -1;
    if (rc == SIM_EINVAL) {
        cli_error("%s: %s", sc->path, err[0] ? err : "the world refused the scenario");
        return CLI_EXIT_INVALID;
    }
    if (ctx->db && sim_trace_sqlite_errmsg(ctx->db)[0])
        cli_error("run: %s", sim_trace_sqlite_errmsg(ctx->db));
    else
        cli_error("run: %s: %s", sc->path, err[0] ? err : sim_strerror(rc));
    return CLI_EXIT_INTERNAL;
}

/* What the world left, copied into plain arrays for the judges; freed by outcome_free. */
static int outcome_collect(const scenario_t *sc, world_t *w, const char *manager,
                           run_outcome_t *out)
{
    sim_t *s = world_sim(w);
    size_t nv = sim_violation_count(s);
    sim_violation_t *viol = calloc(nv ? nv : 1, sizeof(*viol));
    int64_t *samples = calloc(sc->sample_count ? sc->sample_count : 1, sizeof(*samples));
    if (!viol || !samples) {
        free(viol);
        free(samples);
        return SIM_ENOMEM;
    }
    for (size_t i = 0; i < nv; i++)
        viol[i] = *sim_violation_get(s, i);
    for (size_t i = 0; i < sc->sample_count; i++)
        samples[i] = world_sample(w, i);
    *out = (run_outcome_t){.results = world_results(w), .violations = viol,
                           .violation_count = nv, .samples = samples, .manager = manager};
    return 0;
}

static void outcome_free(run_outcome_t *o)
{
    free((void *)o->violations);
    free((void *)o->samples);
}

static int report(const run_report_t *rep, bool json)
{
    if (!json) {
        summary_print(stdout, rep);
        fflush(stdout);
        return 0;
    }
    cJSON *obj = summary_json(rep);
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text)
        return SIM_ENOMEM;
    fputs(text, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    free(text);
    return 0;
}

/* Judges the expectations on the finished world into `verdicts` (then sets *judged) and
 * prints; returns the exit code. */
static int judge(const scenario_t *sc, const run_opts_t *o, world_t *w,
                 expect_verdict_t *verdicts, bool *judged)
{
    const char *manager = scenario_manager(sc, o->manager);
    run_outcome_t out;
    if (outcome_collect(sc, w, manager, &out) != 0) {
        cli_error("run: out of memory");
        return CLI_EXIT_INTERNAL;
    }
    bool stopped = out.results->end == SIM_END_STOPPED && interrupted;
    if (out.results->end == SIM_END_SINK_ERROR) {
        cli_error("run: %s: a trace sink failed", sc->path);
        outcome_free(&out);
        return CLI_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < sc->expect_count; i++)
        expect_judge(&sc->expects[i], &out, &verdicts[i]);
    *judged = true;
    size_t size;
    const uint8_t *choices = sim_choices(world_sim(w), &size);
    char *schedule = NULL;
    run_report_t rep = {.scenario = sc, .outcome = &out, .verdicts = verdicts,
                        .seed = o->has_seed ? o->seed : sc->seed, .manager = manager,
                        .strategy = o->strategy ? o->strategy : sc->strategy,
                        .interrupted = stopped};
    int rc = sim_choices_to_hex(choices, size, &schedule);
    rep.schedule = schedule;
    if (rc == 0)
        rc = report(&rep, o->json);
    free(schedule);
    bool passed = summary_passed(&rep);
    outcome_free(&out);
    if (rc != 0) {
        cli_error("run: out of memory");
        return CLI_EXIT_INTERNAL;
    }
    if (stopped)
        cli_error("run: interrupted; the results so far are above");
    return passed ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* Loads, runs, judges and records `sc` (whose file's bytes are `bytes`). */
static int run_loaded(const scenario_t *sc, const run_opts_t *o, const char *bytes, size_t len)
{
    run_ctx_t ctx = {.info = {.scenario = sc->name, .scenario_path = sc->path,
                              .scenario_bytes = bytes, .scenario_size = len,
                              .manager = scenario_manager(sc, o->manager)}};
    expect_verdict_t *verdicts = calloc(sc->expect_count ? sc->expect_count : 1,
                                        sizeof(*verdicts));
    if (!verdicts) {
        cli_error("run: out of memory");
        return CLI_EXIT_INTERNAL;
    }
    int code = o->db ? db_open(o->db, &ctx) : -1;
    world_t *w = NULL;
    if (code < 0)
        code = execute(sc, o, &ctx, &w);
    bool judged = false;
    if (code < 0)
        code = judge(sc, o, w, verdicts, &judged);
    if (ctx.db) {
        int db_code = db_close(&ctx, sc, judged ? verdicts : NULL);
        code = db_code >= 0 && code != CLI_EXIT_INVALID ? db_code : code;
    }
    world_destroy(w);
    free(verdicts);
    return code;
}

int cmd_run(int argc, char **argv)
{
    run_opts_t o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    json_problems_t probs;
    json_problems_init(&probs, 0);
    char *bytes = NULL;
    size_t len = 0;
    scenario_t *sc = NULL;
    rc = scenario_read(o.path, &probs, &bytes, &len);
    if (rc == 0)
        rc = scenario_parse(o.path, bytes, len, &probs, &sc);
    json_problems_print(&probs, stderr);
    json_problems_deinit(&probs);
    int code = rc == SIM_EINVAL ? CLI_EXIT_INVALID : CLI_EXIT_INTERNAL;
    if (rc == 0)
        code = run_loaded(sc, &o, bytes, len);
    scenario_destroy(sc);
    free(bytes);
    return code;
}
