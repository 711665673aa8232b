/* test_golden.c - Determinism across builds: the fingerprint of every shipped scenario equals
 * the one recorded in tests/golden/fingerprints.txt.
 *
 * Goal: a run's fingerprint depends only on the scenario, seed, strategy and manager variant,
 * never on the build: the Debug (asan) and RelWithDebInfo (dev) builds of `tools/dev test`
 * both check the same golden file, so passing in both proves Debug = Release = golden.
 * Method: the CLI runs every scenario under scenarios/ except examples/ on each variant of its
 * run_on (as tests/tools do) with --json; each run gives one line "scenario seed strategy
 * manager fingerprint", compared with the file's lines in order. WAKESIM_UPDATE_GOLDEN=1
 * rewrites the file instead (tests/golden/README.md): review its diff before committing. */
#include "reports_fixture.h"

#define RUNS_MAX 128
#define GOLDEN WAKESIM_SOURCE_DIR "/tests/golden/fingerprints.txt"

static const char header[] =
    "# tests/golden/fingerprints.txt - The fingerprint of every shipped scenario (scenarios/\n"
    "# except examples/) on each variant it runs on, with the scenario's seed and strategy.\n"
    "# Checked by tests/reports/test_golden.c in every build; written by it with\n"
    "# WAKESIM_UPDATE_GOLDEN=1 (tests/golden/README.md). Review the diff when it changes.\n"
    "# scenario seed strategy manager fingerprint\n";

/* The lines of `text` that are not comments, as an array of malloc'd strings. */
static size_t entries(const char *text, char **out, size_t max)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && p[0] != '#') {
            cr_assert_lt(n, max);
            out[n++] = strndup(p, len);
        }
        p += len + (end ? 1 : 0);
    }
    return n;
}

Test(golden, every_shipped_scenario_has_its_golden_fingerprint, .timeout = 900)
{
    static shipped_run_t runs[RUNS_MAX];
    size_t n = shipped_runs(runs, RUNS_MAX);
    size_t size = sizeof(header) + n * 512;
    char *got = malloc(size);
    size_t used = (size_t)snprintf(got, size, "%s", header);
    for (size_t i = 0; i < n; i++) {
        cJSON *j = run_json(runs[i].path, runs[i].manager, NULL);
        used += (size_t)snprintf(got + used, size - used, "%s %lld %s %s %s\n", runs[i].path,
                                 (long long)json_i64(j, "seed"), json_str(j, "strategy"),
                                 json_str(j, "manager"), json_str(j, "fingerprint"));
        cJSON_Delete(j);
    }
    const char *update = getenv("WAKESIM_UPDATE_GOLDEN");
    if (update && !strcmp(update, "1")) {
        FILE *f = fopen(GOLDEN, "w");
        cr_assert_not_null(f, "cannot write %s", GOLDEN);
        fputs(got, f);
        cr_assert_eq(fclose(f), 0);
        cr_log_warn("wrote %s (%zu runs): review its diff", GOLDEN, n);
        free(got);
        return;
    }
    FILE *f = fopen(GOLDEN, "r");
    cr_assert_not_null(f, "no %s: create it with WAKESIM_UPDATE_GOLDEN=1", GOLDEN);
    char *want_text = calloc(1, 1 << 20);
    size_t want_size = fread(want_text, 1, (1 << 20) - 1, f);
    fclose(f);
    want_text[want_size] = '\0';
    static char *want[RUNS_MAX], *have[RUNS_MAX];
    size_t nw = entries(want_text, want, RUNS_MAX), nh = entries(got, have, RUNS_MAX);
    for (size_t i = 0; i < nw || i < nh; i++) {
        cr_expect_str_eq(i < nh ? have[i] : "(no run)", i < nw ? want[i] : "(no golden line)",
                         "line %zu of the golden entries differs from this build's run "
                         "(if the change is intended: WAKESIM_UPDATE_GOLDEN=1, then review "
                         "the diff of tests/golden/fingerprints.txt)", i + 1);
    }
    for (size_t i = 0; i < nw; i++)
        free(want[i]);
    for (size_t i = 0; i < nh; i++)
        free(have[i]);
    free(want_text);
    free(got);
}
