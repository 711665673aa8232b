/* bench_scenario.c - `wakesim bench scenario FILE [--db=F]`: one run of a scenario, timed, to
 * measure what tracing to SQLite costs against the same run without it (issue 5's figures;
 * tools/bench-trace alternates the two and prints medians).
 *
 * The run is exactly `wakesim run FILE` (same seed, strategy, manager, limits), with the
 * expectations left unjudged. wall_s is host time from just before world_run to its return:
 * building the world, the run, and with --db the run's last transaction (the derived tables,
 * the commit). Opening the file (creating the schema) and closing it (the WAL checkpoint) are
 * timed apart, as db_open_s and db_close_s, since they do not grow with the run. */
#include "bench_scenario.h"

#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "scenario.h"
#include "trace_file.h"

typedef struct bench_scenario_ctx {
    const scenario_t *sc;
    sim_trace_sqlite_t *db;
} bench_scenario_ctx_t;

static int begin_in_file(sim_t *s, void *arg)
{
    bench_scenario_ctx_t *ctx = arg;
    if (!ctx->db)
        return 0;
    sim_trace_sqlite_run_info_t info = {
        .scenario = ctx->sc->name,
        .scenario_path = ctx->sc->path,
        .manager = scenario_manager(ctx->sc, NULL),
    };
    return sim_trace_sqlite_run_begin(ctx->db, s, &info, NULL);
}

int bench_scenario_run(const char *path, const char *db_path, bench_scenario_result_t *out)
{
    *out = (bench_scenario_result_t){0};
    json_problems_t probs;
    json_problems_init(&probs, 0);
    scenario_t *sc = NULL;
    int rc = scenario_load(path, &probs, &sc);
    if (rc != 0) {
        json_problems_print(&probs, stderr); /* one line per problem, as `wakesim run` */
        json_problems_deinit(&probs);
        scenario_destroy(sc);
        return rc == SIM_EINVAL ? BENCH_SCENARIO_INVALID : BENCH_SCENARIO_UNREADABLE;
    }
    json_problems_deinit(&probs);
    trace_file_t file = {0};
    bench_scenario_ctx_t ctx = {.sc = sc};
    if (db_path) {
        double t0 = bench_wall_now_s();
        rc = trace_file_open(&file, db_path, out->error, sizeof(out->error));
        out->db_open_s = bench_wall_now_s() - t0;
        if (rc != 0) {
            scenario_destroy(sc);
            return rc;
        }
        ctx.db = file.db;
    }
    world_run_opts_t wo = {
        .seed = sc->seed,
        .strategy = sc->strategy,
        .replay_choices = strcmp(sc->strategy, "replay") == 0 ? sc->schedule : NULL,
        .replay_choices_size = strcmp(sc->strategy, "replay") == 0 ? sc->schedule_size : 0,
        .time_limit_ns = sc->time_limit_ns,
        .events_max = sc->events_max,
        .samples = sc->samples,
        .sample_count = sc->sample_count,
        .on_created = begin_in_file,
        .on_created_ctx = &ctx,
    };
    world_t *w = NULL;
    double t0 = bench_wall_now_s();
    rc = world_run(&sc->world, &wo, &w, out->error, sizeof(out->error));
    out->wall_s = bench_wall_now_s() - t0;
    if (w) {
        sim_t *s = world_sim(w);
        out->trace_events = sim_trace_count(s);
        out->sim_time_ns = sim_now_boot(s);
        out->fingerprint = world_results(w)->fingerprint;
        out->end = sim_end_reason(s);
    }
    if (rc != 0 && ctx.db && sim_trace_sqlite_errmsg(ctx.db)[0])
        snprintf(out->error, sizeof(out->error), "%s", sim_trace_sqlite_errmsg(ctx.db));
    if (db_path) {
        char err[SIM_TRACE_SQLITE_ERR_SIZE];
        double t1 = bench_wall_now_s();
        int close_rc = trace_file_close(&file, err, sizeof(err));
        out->db_close_s = bench_wall_now_s() - t1;
        if (close_rc != 0 && rc == 0) {
            snprintf(out->error, sizeof(out->error), "%s", err);
            rc = close_rc;
        }
    }
    world_destroy(w);
    scenario_destroy(sc);
    return rc;
}
