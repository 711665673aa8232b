/* scenario.c - Loads a scenario file into a scenario_t: the API, the top level (run
 * parameters, costs, system, invariants) and the order of the sections. The declarations
 * (container, proxies, wake sources, watchers, disk and files) are in scenario_decl.c, the
 * timeline and workloads in scenario_timeline.c, the expectations in expect.c, and the helpers
 * they share in loader.c (scenario_int.h).
 *
 * Design. The loader is one straight pass over a json_doc: every getter checks its value and
 * records a problem (file:line:col, JSON path, "expected ..., got ...") instead of stopping, so
 * a file with five mistakes gets five lines. Sections are read in dependency order, whatever
 * their order in the file: files before the threads that read them, proxies and sources before
 * the timeline and expectations that name them. Each declared kind keeps a table of names
 * (ref_table_t); a reference to a name that is not declared is a problem at the referring
 * path, unless the declarations of that kind already had a problem (then the first problem is
 * the real one and the rest would be noise). Every value is copied into the scenario's arena,
 * and the cJSON tree is freed before scenario_parse returns (STYLE).
 */
#include "scenario.h"
#include "scenario_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wakesim/manager.h>

const char *const scenario_action_names[] = {
#define X(name, text) text,
    WORLD_ACTIONS(X)
#undef X
    NULL,
};

const char *const scenario_result_names[] = {"ok", "wake_locks_exist", "suspend_failure",
                                             "no_reply", NULL};

const char *const scenario_invariant_names[] = {
#define X(name, text) name,
    WORLD_INVARIANTS(X)
#undef X
    NULL,
};

_Static_assert(sizeof(scenario_action_names) / sizeof(scenario_action_names[0]) ==
                   WORLD_ACTION_COUNT + 1,
               "one name per world action");
_Static_assert(WORLD_SUSPEND_NO_REPLY == 3, "scenario_result_names follows the enum");

static const char *const strategy_names[] = {"fifo", "random", "replay", NULL};
/* ---- Top level -------------------------------------------------------------------------- */

void scenario_format_ns(int64_t ns, char *buf, size_t size)
{
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = {{"min", 60000000000LL}, {"s", 1000000000LL}, {"ms", 1000000LL},
                 {"us", 1000LL}, {"ns", 1}};
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        if (ns % units[k].ns == 0 && (ns != 0 || units[k].ns == 1)) {
            snprintf(buf, size, "%" PRId64 "%s", ns / units[k].ns, units[k].unit);
            return;
        }
    }
}

const char *scenario_manager(const scenario_t *sc, const char *override)
{
    if (override)
        return override;
    if (sc && sc->manager)
        return sc->manager;
    return manager_variant_names()[0];
}

static void load_strategy(loader_t *ld, json_obj_t *top)
{
    scenario_t *sc = ld->sc;
    int k = 0;
    const cJSON *node = json_obj_get(top, "strategy", JSON_OPTIONAL);
    if (json_as_enum(ld->doc, node, strategy_names, &k))
        sc->strategy = strategy_names[k];
    const cJSON *sched = json_obj_get(top, "schedule", JSON_OPTIONAL);
    const char *hex;
    if (k != 2) {
        if (sched)
            json_doc_report_key(ld->doc, sched, "expected \"schedule\" only with \"strategy\": "
                                "\"replay\", got it with \"%s\"", strategy_names[k]);
        return;
    }
    if (!sched) {
        json_doc_report(ld->doc, node, "expected a \"schedule\" with \"strategy\": \"replay\", "
                        "got none");
        return;
    }
    if (!json_as_string(ld->doc, sched, &hex))
        return;
    uint8_t *bytes = NULL;
    size_t size = 0;
    if (sim_choices_from_hex(hex, &bytes, &size) != 0) {
        json_doc_report(ld->doc, sched, "expected the hex digits of a recorded schedule, got "
                        "\"%.40s\"", hex);
        return;
    }
    uint8_t *copy = loader_alloc(ld, size, 1);
    if (copy && size)
        memcpy(copy, bytes, size);
    free(bytes);
    sc->schedule = copy;
    sc->schedule_size = size;
}

/* "run_on": distinct manager variants. */
static void load_run_on(loader_t *ld, json_obj_t *top)
{
    ld->sc->run_on_count = loader_variant_list(ld, top, "run_on", &ld->sc->run_on);
}

static void load_run(loader_t *ld, json_obj_t *top)
{
    scenario_t *sc = ld->sc;
    const char *s;
    json_get_string(top, "$schema", JSON_OPTIONAL, &s); /* for editors; not used */
    loader_string(ld, top, "description", JSON_REQUIRED, &sc->description);
    int k;
    if (json_get_enum(top, "manager", JSON_OPTIONAL, manager_variant_names(), &k))
        sc->manager = manager_variant_names()[k];
    sc->world.variant = sc->manager;
    load_run_on(ld, top);
    json_get_uint64(top, "seed", JSON_OPTIONAL, &sc->seed);
    load_strategy(ld, top);
    const cJSON *limit = json_obj_get(top, "time_limit", JSON_OPTIONAL);
    if (json_as_duration_ns(ld->doc, limit, &sc->time_limit_ns) && sc->time_limit_ns == 0) {
        json_doc_report(ld->doc, limit, "expected a time limit above zero, got 0");
        sc->time_limit_ns = SCENARIO_TIME_LIMIT_DEFAULT_NS;
    }
    json_get_uint64(top, "events_max", JSON_OPTIONAL, &sc->events_max);
}

/* "costs": {"syscalls": {"zx_port_wait": "2us", ...}, "jitter_permille": 50} */
static bool cost_key_ok(const char *key)
{
    if (!*key)
        return false;
    for (const char *p = key; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    return true;
}

static void load_costs(loader_t *ld, json_obj_t *top)
{
    world_config_t *w = &ld->sc->world;
    json_obj_t costs;
    if (!json_get_object(top, "costs", JSON_OPTIONAL, &costs))
        return;
    int64_t jitter;
    if (json_get_int64_in(&costs, "jitter_permille", JSON_OPTIONAL, 0, 1000, &jitter))
        w->cost_jitter_permille = (uint32_t)jitter;
    const cJSON *sys = json_obj_get(&costs, "syscalls", JSON_OPTIONAL);
    json_obj_end(&costs);
    if (!sys || !json_as_object(ld->doc, sys))
        return;
    world_cost_override_t *o = loader_alloc(ld, json_count(sys), sizeof(*o));
    if (!o)
        return;
    size_t n = 0;
    for (const cJSON *m = json_first(sys); m; m = json_next(m)) {
        if (!cost_key_ok(json_key(m))) {
            json_doc_report_key(ld->doc, m, "expected a syscall name such as \"zx_port_wait\", "
                                "got \"%.40s\"", json_key(m));
            continue;
        }
        if (json_as_duration_ns(ld->doc, m, &o[n].cost_ns))
            o[n++].syscall = loader_strdup(ld, json_key(m));
    }
    w->costs = o;
    w->cost_count = n;
}

/* system.lease_failures: distinct indices of TakeApplicationActivityLease requests (R10). */
static void load_lease_failures(loader_t *ld, json_obj_t *o)
{
    world_config_t *w = &ld->sc->world;
    const cJSON *list;
    if (!json_get_array(o, "lease_failures", JSON_OPTIONAL, &list))
        return;
    size_t n = json_count(list);
    uint32_t *out = loader_alloc(ld, n ? n : 1, sizeof(*out));
    if (!out)
        return;
    size_t k = 0;
    for (const cJSON *it = json_first(list); it; it = json_next(it)) {
        int64_t v;
        if (!json_as_int64_in(ld->doc, it, 0, UINT32_MAX, &v))
            continue;
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen = seen || out[j] == (uint32_t)v;
        if (seen) {
            json_doc_report(ld->doc, it, "expected distinct request indices, got %" PRId64
                            " twice", v);
            continue;
        }
        out[k++] = (uint32_t)v;
    }
    w->lease_failures = out;
    w->lease_failure_count = k;
}

static void load_system(loader_t *ld, json_obj_t *top)
{
    world_config_t *w = &ld->sc->world;
    w->system_suspend_delay_ns = SCENARIO_SUSPEND_DELAY_DEFAULT_NS;
    w->system_resume_ns = SCENARIO_RESUME_TIME_DEFAULT_NS;
    json_obj_t o;
    if (json_get_object(top, "system", JSON_OPTIONAL, &o)) {
        const cJSON *delay = json_obj_get(&o, "suspend_delay", JSON_OPTIONAL);
        if (cJSON_IsString(delay) && strcmp(delay->valuestring, "never") == 0)
            w->system_suspend_delay_ns = -1; /* the system never suspends */
        else
            json_as_duration_ns(ld->doc, delay, &w->system_suspend_delay_ns);
        json_get_duration_ns(&o, "resume_time", JSON_OPTIONAL, &w->system_resume_ns);
        load_lease_failures(ld, &o);
        json_obj_end(&o);
    }
    w->message_wake_bound_ns = 1000000000LL;
    if (json_get_object(top, "invariants", JSON_OPTIONAL, &o)) {
        const cJSON *bound = json_obj_get(&o, "message_wake_bound", JSON_OPTIONAL);
        int64_t ns;
        if (json_as_duration_ns(ld->doc, bound, &ns)) {
            if (ns == 0)
                json_doc_report(ld->doc, bound, "expected a bound above zero, got 0");
            else
                w->message_wake_bound_ns = ns;
        }
        json_obj_end(&o);
    }
}

/* ---- Loading -------------------------------------------------------------------------------- */

static const char *base_name(arena_t *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    return arena_strndup(a, base, len);
}

static void load_all(loader_t *ld, json_obj_t *top)
{
    load_run(ld, top);
    load_costs(ld, top);
    load_system(ld, top);
    decl_load(ld, top);
    timeline_load(ld, top);
    workloads_load(ld, top);
    expect_load(ld, top);
    json_obj_end(top);
    ld->sc->samples = ld->samples;
    ld->sc->sample_count = ld->sample_count;
}

static scenario_t *scenario_create(const char *name)
{
    scenario_t *sc = calloc(1, sizeof(*sc));
    if (!sc)
        return NULL;
    arena_init(&sc->arena);
    sc->path = arena_strdup(&sc->arena, name);
    sc->name = base_name(&sc->arena, name);
    sc->seed = SCENARIO_SEED_DEFAULT;
    sc->strategy = "fifo";
    sc->time_limit_ns = SCENARIO_TIME_LIMIT_DEFAULT_NS;
    if (!sc->path || !sc->name) {
        scenario_destroy(sc);
        return NULL;
    }
    return sc;
}

int scenario_parse(const char *name, const char *bytes, size_t len, json_problems_t *probs,
                   scenario_t **out)
{
    *out = NULL;
    size_t before = probs->count;
    json_doc_t *doc;
    int rc = json_doc_parse(name, bytes, len, probs, &doc);
    if (rc != 0)
        return rc;
    scenario_t *sc = scenario_create(name);
    if (!sc) {
        json_doc_free(doc);
        return SIM_ENOMEM;
    }
    loader_t ld = {.doc = doc, .probs = probs, .sc = sc, .arena = &sc->arena};
    json_obj_t top;
    if (json_obj_begin(doc, json_doc_root(doc), &top))
        load_all(&ld, &top);
    json_doc_free(doc); /* the cJSON tree ends here: everything kept is in the arena */
    if (ld.oom || probs->count != before) {
        scenario_destroy(sc);
        return ld.oom ? SIM_ENOMEM : SIM_EINVAL;
    }
    *out = sc;
    return 0;
}

int scenario_read(const char *path, json_problems_t *probs, char **bytes, size_t *len)
{
    *bytes = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        json_problems_add(probs, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
        return SIM_EIO;
    }
    size_t cap = 0, n = 0;
    char *buf = NULL;
    int rc = 0;
    for (;;) {
        if (n == cap) {
            size_t grown = cap ? 2 * cap : 16384;
            char *b = grown <= (size_t)JSON_DOC_SIZE_MAX + 1 ? realloc(buf, grown) : NULL;
            if (!b) {
                rc = grown > (size_t)JSON_DOC_SIZE_MAX + 1 ? SIM_EINVAL : SIM_ENOMEM;
                break;
            }
            buf = b;
            cap = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = SIM_EIO;
    fclose(f);
    if (rc != 0) {
        json_problems_add(probs, path, 0, 0, NULL, "cannot read: %s",
                          rc == SIM_EIO ? "read error" : rc == SIM_ENOMEM ? "out of memory"
                                                                          : "file too large");
        free(buf);
        return rc == SIM_EINVAL ? SIM_EINVAL : rc;
    }
    *bytes = buf;
    *len = n;
    return 0;
}

int scenario_load(const char *path, json_problems_t *probs, scenario_t **out)
{
    *out = NULL;
    char *bytes;
    size_t len;
    int rc = scenario_read(path, probs, &bytes, &len);
    if (rc != 0)
        return rc;
    rc = scenario_parse(path, bytes, len, probs, out);
    free(bytes);
    return rc;
}

void scenario_destroy(scenario_t *sc)
{
    if (!sc)
        return;
    arena_deinit(&sc->arena);
    free(sc);
}
