/* scenario.h - A scenario file in memory: the world it builds, how to run it and what to expect.
 *
 * scenario.c reads a JSON scenario (format: scenarios/README.md, schema: scenarios/schema.json)
 * with json_doc, checks every value, key and cross-reference, and copies everything into a
 * scenario_t whose memory comes from one arena: the cJSON tree is freed before the loader
 * returns. The world's part is a ready world_config_t (model/container's C form of a scenario:
 * names resolved to indices, timeline sorted); expectations are expect_t (expect.h), judged
 * after world_run on its world_results_t.
 */
#ifndef WAKESIM_TOOLS_SCENARIO_H
#define WAKESIM_TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wakesim/world.h>

#include "arena.h"
#include "expect.h"
#include "json_doc.h"

/* Defaults of the format (documented in scenarios/README.md). */
#define SCENARIO_SEED_DEFAULT          1u
#define SCENARIO_TIME_LIMIT_DEFAULT_NS (60LL * 1000000000LL)
#define SCENARIO_CONTAINER_NAME        "starnix_kernel"
/* The simulated system suspends this long after the last activity lease drops, and takes this
 * long to resume on a hardware wake (world.h "Hardware wakes"). */
#define SCENARIO_SUSPEND_DELAY_DEFAULT_NS 1000000LL
#define SCENARIO_RESUME_TIME_DEFAULT_NS   1000000LL

/* Limits: a scenario is a few kilobytes; these only keep hostile files bounded. */
#define SCENARIO_NAMED_MAX     4096u    /* proxies, wake sources, processes, files (each) */
#define SCENARIO_WATCHERS_MAX  256u     /* world_watcher_record_t holds 256 observations */
#define SCENARIO_THREADS_MAX   1024u    /* per process */
#define SCENARIO_EXTENTS_MAX   1024u    /* PagerExtent vector bound in the FIDL */
#define SCENARIO_TIMELINE_MAX  1000000u
#define SCENARIO_EXPECT_MAX    4096u
#define SCENARIO_NAME_LEN_MAX  1024u    /* PROXY_NAME_LEN, and the bound of a resume reason */
#define SCENARIO_DISK_BYTES_MAX (1ULL << 30)

typedef struct scenario {
    /* read-only */
    const char *path;        /* as given to the loader */
    const char *name;        /* the file name without directories and ".json" */
    const char *description;
    const char *manager;     /* "manager", NULL = the default variant */
    const char *const *run_on; /* "run_on": the variants the test suite runs the file on (its
                                  expectations say what holds on each); 0 = just `manager` */
    size_t run_on_count;
    uint64_t seed;
    const char *strategy;    /* "fifo", "random" or "replay" */
    const uint8_t *schedule; /* "replay": the recorded choices (sim_choices bytes) */
    size_t schedule_size;
    int64_t time_limit_ns;   /* boot time at which the run ends at the latest */
    uint64_t events_max;     /* 0 = no budget */
    world_config_t world;
    const expect_t *expects; /* in file order, then the implicit "no invariant violated" */
    size_t expect_count;
    const world_sample_request_t *samples; /* counter samples the expectations need */
    size_t sample_count;
    /* private */
    arena_t arena;
} scenario_t;

/* Parses and checks the `len` bytes of a scenario named `name` (a path, used in problems and
 * for scenario->name). Every problem goes into `probs`, one per mistake, and loading goes on
 * so that one pass reports them all. Returns 0 and a new scenario in *out when the file is
 * valid; otherwise *out is NULL and: SIM_EINVAL (problems were added to `probs`), SIM_ENOMEM.
 * The bytes are borrowed for the call only. */
int scenario_parse(const char *name, const char *bytes, size_t len, json_problems_t *probs,
                   scenario_t **out);
/* Reads the file at `path` into a new malloc'd buffer (*bytes, *len), for scenario_parse and
 * for hashing. Returns 0, or SIM_EIO / SIM_ENOMEM / SIM_EINVAL (larger than JSON_DOC_SIZE_MAX)
 * with one problem without position in `probs`. */
int scenario_read(const char *path, json_problems_t *probs, char **bytes, size_t *len);
/* scenario_read then scenario_parse. */
int scenario_load(const char *path, json_problems_t *probs, scenario_t **out);
/* Frees the scenario and everything it points to. NULL is allowed. */
void scenario_destroy(scenario_t *sc);

/* The manager variant a run uses: `override` if not NULL, else the scenario's, else the
 * build's default. */
const char *scenario_manager(const scenario_t *sc, const char *override);

/* The shortest exact spelling of a duration in the format's units: "60s", "1500us", "0ns". */
void scenario_format_ns(int64_t ns, char *buf, size_t size);

/* Printable names of the format's enumerations, NULL-terminated, in enum order. */
extern const char *const scenario_action_names[];    /* WORLD_ACTIONS texts */
extern const char *const scenario_result_names[];    /* world_suspend_result_t */
extern const char *const scenario_invariant_names[]; /* WORLD_INVARIANTS */

#endif /* WAKESIM_TOOLS_SCENARIO_H */
