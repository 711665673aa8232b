/* scenario_int.h - What the scenario loader's files share (scenario.c, scenario_decl.c,
 * scenario_timeline.c, expect.c): the loader's state and its helpers (loader.c) for names,
 * references, signals and bounds.
 *
 * Every helper reports its own problem through json_doc (file:line:col, JSON path, "expected
 * ..., got ...") and returns false, so the callers stay straight-line and keep walking.
 */
#ifndef WAKESIM_TOOLS_SCENARIO_INT_H
#define WAKESIM_TOOLS_SCENARIO_INT_H

#include "scenario.h"

/* The declared names of one kind, for cross-references. */
typedef struct ref_table {
    const char *what;    /* "proxy", "wake source", ... */
    const char **names;  /* `count` names; NULL where a declaration's name was invalid */
    size_t count;
    const cJSON **nodes; /* where each name was declared (for duplicate problems) */
    bool incomplete;     /* a declaration had a problem: unknown names are not reported again */
} ref_table_t;

typedef struct loader {
    json_doc_t *doc;
    json_problems_t *probs;
    scenario_t *sc;
    arena_t *arena;
    bool oom;            /* an allocation failed: the load ends with SIM_ENOMEM */
    ref_table_t proxies, sources, watchers, processes, files;
    world_sample_request_t *samples; /* grows by doubling inside the arena */
    size_t sample_count, sample_cap;
} loader_t;

/* Problems recorded so far (all files), to tell whether a section added any. */
size_t loader_problem_count(const loader_t *ld);
/* `count` zeroed elements from the scenario's arena; NULL (and ld->oom) on failure. */
void *loader_alloc(loader_t *ld, size_t count, size_t size);
/* A copy of `s` in the arena. */
const char *loader_strdup(loader_t *ld, const char *s);

/* The first of `names` (NULL entries skipped) at most two edits from `word`, as json_doc's
 * "did you mean" (which it does not export); NULL if none is close. */
/* A non-empty string of at most SCENARIO_NAME_LEN_MAX bytes, copied into the arena. */
bool loader_name(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                 const char **out);
/* A string copied into the arena (may be empty). */
bool loader_string(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                   const char **out);
/* The member `key` names an entry of `table`: *index is its position. An unknown name is
 * `expected the name of a proxy, got "x" (declared: ...; did you mean "y"?)`. */
bool loader_ref(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                const ref_table_t *table, int *index);
/* The same for a value that is not an object member (an element of a list). */
bool loader_ref_node(loader_t *ld, const cJSON *node, const ref_table_t *table, int *index);
/* Signals: a list of names ("USER_0", "EVENT_SIGNALED", ...) or an integer mask. */
bool loader_signals(loader_t *ld, const cJSON *node, uint32_t *mask);
/* Writes the names of `mask` ("USER_0|EVENT_SIGNALED") into buf. */
void loader_signal_text(uint32_t mask, char *buf, size_t size);
/* A duration at or before the time limit (an action after it would never happen). */
bool loader_time(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                 int64_t *out_ns);
/* {"min": d, "max": d} with at least one side and min <= max. */
bool loader_bounds_ns(loader_t *ld, json_obj_t *obj, const char *key, expect_bounds_t *b);
/* The same for a value that is not an object member (an element of a list). */
bool loader_bounds_ns_node(loader_t *ld, const cJSON *node, expect_bounds_t *b);
/* A count: an integer (exact) or {"min": n, "max": n}, each in [0, max]. */
bool loader_bounds_count(loader_t *ld, json_obj_t *obj, const char *key, int64_t max,
                         expect_bounds_t *b);
/* Adds a counter sample for an expectation; *index is its position in scenario->samples. */
bool loader_sample(loader_t *ld, int proxy, int64_t at_ns, size_t *index);

/* Section loaders, each given the top-level cursor, called in this order. */
void decl_load(loader_t *ld, json_obj_t *top);
void timeline_load(loader_t *ld, json_obj_t *top);
void workloads_load(loader_t *ld, json_obj_t *top);
void expect_load(loader_t *ld, json_obj_t *top);

/* Reads the optional array `key` of distinct manager variant names (at least one) into the
 * arena; returns how many (0 and *out NULL when the key is absent). Problems are recorded. */
size_t loader_variant_list(loader_t *ld, json_obj_t *o, const char *key, const char *const **out);

#endif /* WAKESIM_TOOLS_SCENARIO_INT_H */
