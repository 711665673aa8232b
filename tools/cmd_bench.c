/* cmd_bench.c - `wakesim bench`: option parsing and the one-line report of bench.c's runs.
 *
 * The workloads are those of ../shared/bench/README.md, with the same definitions, PRNG,
 * seeds and parameters as the SimGrid and SimPy peers, so `events` and `sim_time_ns` must
 * equal theirs. Actors are simulated threads that really sleep on the engine's timers and
 * signal/wait through its semaphores (or park/wake); nothing is short-cut.
 *
 * wall_s is host wall-clock time from a monotonic clock, from just before the first actor is
 * created until sim_run returns, as the README defines it. The host clock is read only here,
 * never inside a run.
 */
#include "bench.h"
#include "bench_scenario.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void bench_help(void)
{
    printf("usage: wakesim bench timers   [--actors=A] [--iters=K] [--seed=S]\n"
           "       wakesim bench pingpong [--pairs=P] [--rounds=R] [--prim=sem|park]\n"
           "       wakesim bench scenario FILE [--db=F]\n\n"
           "Runs one workload of ../shared/bench/README.md on the engine and prints one line:\n"
           "  events=N sim_time_ns=T wall_s=W events_per_s=R\n\n"
           "  timers    A actors each sleep K times a duration of 1..1000 us drawn from\n"
           "            splitmix64 (defaults A=1000 K=1000 S=1)\n"
           "  pingpong  P pairs pass a signal back and forth R times with a 1 us sleep\n"
           "            before each signal (defaults P=500 R=1000); --prim=sem (default)\n"
           "            signals through a semaphore with memory, --prim=park wakes the\n"
           "            parked peer directly (memoryless)\n"
           "  --strategy=fifo|random   scheduling strategy (default fifo)\n"
           "  --trace                  every wake-up is also a trace event (engine cost)\n"
           "  --db=FILE                ... written to the SQLite trace FILE (implies\n"
           "                           --trace); adds trace_events=N db_close_s=C\n"
           "  scenario  runs FILE as `wakesim run` does, expectations unjudged, and prints\n"
           "            events=N (traced events) sim_time_ns=T wall_s=W events_per_s=R\n"
           "            end=E fingerprint=F; --db=F also writes the run into the trace file\n"
           "            F and adds db_open_s and db_close_s (tools/bench-trace compares the\n"
           "            two side by side)\n"
           "  --verbose                engine statistics and the fingerprint on stderr\n");
}

static int bench_parse_u64(const char *opt, const char *value, uint64_t *out)
{
    if (!cli_parse_u64(value, out))
        return cli_usage_error("bench", "--%s expects a non-negative integer, got '%s'", opt,
                               value ? value : "");
    return 0;
}

/* `wakesim bench scenario FILE [--db=F]`. */
static int bench_scenario(int argc, char **argv)
{
    const char *file = NULL, *db = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if (cli_is_help(argv[i])) {
            bench_help();
            return CLI_EXIT_OK;
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else if (cli_option(argc, argv, &i, "db", &v)) {
            if (!v || !*v)
                return cli_usage_error("bench", "--db expects a file name");
            db = v;
        } else {
            return cli_usage_error("bench", "unexpected argument '%s' (bench scenario takes a"
                                            " FILE and --db=F)", argv[i]);
        }
    }
    if (!file)
        return cli_usage_error("bench", "bench scenario expects a scenario file");
    bench_scenario_result_t r;
    int rc = bench_scenario_run(file, db, &r);
    if (rc == BENCH_SCENARIO_INVALID || rc == BENCH_SCENARIO_UNREADABLE)
        return rc == BENCH_SCENARIO_INVALID ? CLI_EXIT_INVALID : CLI_EXIT_INTERNAL;
    if (rc != 0) {
        cli_error("bench: %s", r.error[0] ? r.error : sim_strerror(rc));
        return CLI_EXIT_INTERNAL;
    }
    printf("events=%llu sim_time_ns=%lld wall_s=%.6f events_per_s=%.0f",
           (unsigned long long)r.trace_events, (long long)r.sim_time_ns, r.wall_s,
           r.wall_s > 0 ? (double)r.trace_events / r.wall_s : 0.0);
    if (db)
        printf(" db_open_s=%.6f db_close_s=%.6f", r.db_open_s, r.db_close_s);
    printf(" end=%s fingerprint=%016llx\n", sim_end_name(r.end),
           (unsigned long long)r.fingerprint);
    fflush(stdout);
    return CLI_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "scenario") == 0)
        return bench_scenario(argc, argv);
    bench_opts_t o;
    bench_opts_default(&o);
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int rc = 0;
        if (cli_is_help(argv[i])) {
            bench_help();
            return CLI_EXIT_OK;
        } else if (argv[i][0] != '-' && !o.workload) {
            if (strcmp(argv[i], "scenario") == 0) /* its options differ: it parses its own */
                return cli_usage_error("bench", "'scenario' must come right after 'bench':"
                                                " wakesim bench scenario FILE [--db=F]");
            o.workload = argv[i];
        } else if (cli_option(argc, argv, &i, "actors", &v)) {
            rc = bench_parse_u64("actors", v, &o.actors);
        } else if (cli_option(argc, argv, &i, "iters", &v)) {
            rc = bench_parse_u64("iters", v, &o.iters);
        } else if (cli_option(argc, argv, &i, "seed", &v)) {
            rc = bench_parse_u64("seed", v, &o.seed);
        } else if (cli_option(argc, argv, &i, "pairs", &v)) {
            rc = bench_parse_u64("pairs", v, &o.pairs);
        } else if (cli_option(argc, argv, &i, "rounds", &v)) {
            rc = bench_parse_u64("rounds", v, &o.rounds);
        } else if (cli_option(argc, argv, &i, "prim", &v)) {
            if (!v || (strcmp(v, "sem") != 0 && strcmp(v, "park") != 0))
                return cli_usage_error("bench", "--prim expects sem or park, got '%s'",
                                       v ? v : "");
            o.park = strcmp(v, "park") == 0;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "--trace") == 0) {
            o.trace = true;
        } else if (cli_option(argc, argv, &i, "db", &v)) {
            if (!v || !*v)
                return cli_usage_error("bench", "--db expects a file name");
            o.db = v;
        } else if (cli_option(argc, argv, &i, "strategy", &v)) {
            if (!v || (strcmp(v, "fifo") != 0 && strcmp(v, "random") != 0))
                return cli_usage_error("bench", "--strategy expects fifo or random, got '%s'",
                                       v ? v : "");
            o.strategy = v;
        } else {
            return cli_usage_error("bench", "unexpected argument '%s'", argv[i]);
        }
        if (rc)
            return rc;
    }
    if (!o.workload)
        return cli_usage_error("bench", "no workload given (timers, pingpong or scenario)");
    if (strcmp(o.workload, "timers") != 0 && strcmp(o.workload, "pingpong") != 0)
        return cli_usage_error("bench", "unknown workload '%s' (timers, pingpong or scenario)",
                               o.workload);
    if (o.actors > 10000000 || o.pairs > 5000000)
        return cli_usage_error("bench", "too many actors (at most 10000000)");
    bench_result_t r;
    int rc = bench_run(&o, &r);
    if (rc == SIM_EIO && r.error[0]) {
        cli_error("%s", r.error);
        return CLI_EXIT_INTERNAL;
    }
    if (rc != 0) {
        cli_error("bench: cannot set up the run: %s", sim_strerror(rc));
        return CLI_EXIT_INTERNAL;
    }
    size_t count = strcmp(o.workload, "timers") == 0 ? o.actors : o.pairs;
    if (r.end != SIM_END_COMPLETE && !(count == 0 && r.end == SIM_END_QUIESCENT)) {
        cli_error("bench: the run ended as '%s' (%s)", sim_end_name(r.end),
                  sim_end_description(r.end));
        rc = CLI_EXIT_INTERNAL;
    }
    if (verbose)
        fprintf(stderr,
                "fingerprint=%016llx switches=%llu dispatches=%llu timers=%llu choices=%llu "
                "stacks=%llu allocations=%llu\n",
                (unsigned long long)r.fingerprint, (unsigned long long)r.stats.switches,
                (unsigned long long)r.stats.dispatches, (unsigned long long)r.stats.timers_fired,
                (unsigned long long)r.stats.choices, (unsigned long long)r.stats.stacks_mapped,
                (unsigned long long)r.stats.allocations);
    printf("events=%llu sim_time_ns=%lld wall_s=%.6f events_per_s=%.0f",
           (unsigned long long)r.events, (long long)r.sim_time_ns, r.wall_s,
           r.wall_s > 0 ? (double)r.events / r.wall_s : 0.0);
    if (o.trace || o.db)
        printf(" trace_events=%llu", (unsigned long long)r.trace_events);
    if (o.db)
        printf(" db_close_s=%.6f", r.db_close_s);
    printf("\n");
    fflush(stdout);
    return rc;
}
