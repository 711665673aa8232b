/* summary.h - What `wakesim run` prints about a run: the human summary and the --json object.
 * Both are built from the scenario, the run's outcome and the expectations' verdicts only.
 */
#ifndef WAKESIM_TOOLS_SUMMARY_H
#define WAKESIM_TOOLS_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "expect.h"
#include "scenario.h"

typedef struct run_report {
    const scenario_t *scenario;
    const run_outcome_t *outcome;
    const expect_verdict_t *verdicts; /* one per scenario->expects */
    uint64_t seed;
    const char *manager;
    const char *strategy;
    bool interrupted;                 /* SIGINT stopped the run: the verdict is "fail" */
    const char *schedule;             /* the run's scheduling choices in hex, for "replay" */
} run_report_t;

/* Whether the run passes: not interrupted and every expectation that applies holds. */
bool summary_passed(const run_report_t *rep);
/* Counts of the verdicts: *held + *failed + *skipped = scenario->expect_count. */
void summary_count(const run_report_t *rep, size_t *held, size_t *failed, size_t *skipped);
/* The human summary, at most 100 columns wide. */
void summary_print(FILE *out, const run_report_t *rep);
/* The --json object (documented in scenarios/README.md); NULL when out of memory. The caller
 * frees it with cJSON_Delete. */
cJSON *summary_json(const run_report_t *rep);

#endif /* WAKESIM_TOOLS_SUMMARY_H */
