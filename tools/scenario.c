/* scenario.c - Loads a scenario file into a scenario_t: the top level, the declarations
 * (container, proxies, wake sources, watchers, disk and files) and the helpers the other
 * loader files share (scenario_int.h). The timeline and workloads are in scenario_timeline.c,
 * the expectations in expect.c.
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
#include <zircon/types.h>

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
static const char *const thread_kind_names[] = {"idle", "busy", "reader", NULL};
static const char *const suspend_mode_names[] = {"one_shot", "autosuspend", NULL};
static const char *const decrement_names[] = {"after_handle", "on_next_read", "never", NULL};
static const char *const source_kind_names[] = {"event", "eventpair", "counter", NULL};

/* Signals a scenario can name (zircon/types.h values). */
static const struct {
    const char *name;
    uint32_t bit;
} signal_table[] = {
    {"USER_0", ZX_USER_SIGNAL_0},
    {"USER_1", ZX_USER_SIGNAL_1},
    {"USER_2", ZX_USER_SIGNAL_2},
    {"USER_3", ZX_USER_SIGNAL_3},
    {"USER_4", ZX_USER_SIGNAL_4},
    {"USER_5", ZX_USER_SIGNAL_5},
    {"USER_6", ZX_USER_SIGNAL_6},
    {"USER_7", ZX_USER_SIGNAL_7},
    {"EVENT_SIGNALED", ZX_EVENT_SIGNALED},
    {"EVENTPAIR_SIGNALED", ZX_EVENTPAIR_SIGNALED},
    {"EVENTPAIR_PEER_CLOSED", ZX_EVENTPAIR_PEER_CLOSED},
    {"COUNTER_SIGNALED", ZX_COUNTER_SIGNALED},
    {"COUNTER_POSITIVE", ZX_COUNTER_POSITIVE},
    {"COUNTER_NON_POSITIVE", ZX_COUNTER_NON_POSITIVE},
};

#define SIGNAL_NAME_COUNT (sizeof(signal_table) / sizeof(signal_table[0]))

static const char *const signal_names[SIGNAL_NAME_COUNT + 1] = {
    "USER_0", "USER_1", "USER_2", "USER_3", "USER_4", "USER_5", "USER_6", "USER_7",
    "EVENT_SIGNALED", "EVENTPAIR_SIGNALED", "EVENTPAIR_PEER_CLOSED", "COUNTER_SIGNALED",
    "COUNTER_POSITIVE", "COUNTER_NON_POSITIVE", NULL,
};

/* ---- Helpers shared by the loader files ------------------------------------------------- */

size_t loader_problem_count(const loader_t *ld)
{
    return ld->probs->count;
}

void *loader_alloc(loader_t *ld, size_t count, size_t size)
{
    void *p = arena_alloc_n(ld->arena, count, size);
    if (!p)
        ld->oom = true;
    return p;
}

const char *loader_strdup(loader_t *ld, const char *s)
{
    char *copy = arena_strdup(ld->arena, s);
    if (s && !copy)
        ld->oom = true;
    return copy;
}

bool loader_string(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                   const char **out)
{
    const char *s;
    if (!json_get_string(obj, key, need, &s))
        return false;
    *out = loader_strdup(ld, s);
    return *out != NULL;
}

bool loader_name(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                 const char **out)
{
    const cJSON *node = json_obj_get(obj, key, need);
    const char *s;
    if (!json_as_string(ld->doc, node, &s))
        return false;
    size_t len = strlen(s);
    if (len == 0 || len > SCENARIO_NAME_LEN_MAX) {
        json_doc_report(ld->doc, node, "expected a name of 1 to %u bytes, got %s",
                        SCENARIO_NAME_LEN_MAX, len == 0 ? "\"\"" : "a longer string");
        return false;
    }
    *out = loader_strdup(ld, s);
    return *out != NULL;
}

/* Optimal string alignment distance, capped for long words (as json_doc's hint). */
static size_t edit_distance(const char *a, const char *b)
{
    enum { LEN_MAX = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > LEN_MAX || lb > LEN_MAX)
        return SIZE_MAX;
    uint8_t d[LEN_MAX + 1][LEN_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (uint8_t)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (uint8_t)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            unsigned v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            v = d[i - 1][j] + 1u < v ? d[i - 1][j] + 1u : v;
            v = d[i][j - 1] + 1u < v ? d[i][j - 1] + 1u : v;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                v = d[i - 2][j - 2] + 1u < v ? d[i - 2][j - 2] + 1u : v;
            d[i][j] = (uint8_t)v;
        }
    }
    return d[la][lb];
}

const char *loader_suggest(const char *word, const char *const *names, size_t count)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < count; i++) {
        if (!names[i])
            continue;
        size_t distance = edit_distance(word, names[i]);
        if (distance < best_distance && distance < strlen(names[i])) {
            best = names[i];
            best_distance = distance;
        }
    }
    return best;
}

/* `expected the name of a proxy, got "x" (declared: "a", "b"; did you mean "a"?)` */
static void report_unknown_ref(loader_t *ld, const cJSON *node, const ref_table_t *t,
                               const char *name)
{
    enum { LISTED_MAX = 8 };
    char list[512] = "";
    size_t len = 0, listed = 0;
    for (size_t i = 0; i < t->count && len < sizeof(list); i++) {
        if (!t->names[i])
            continue;
        if (listed++ == LISTED_MAX) {
            len += (size_t)snprintf(list + len, sizeof(list) - len, ", ...");
            break;
        }
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s\"%.40s\"",
                                listed > 1 ? ", " : "", t->names[i]);
    }
    const char *hint = loader_suggest(name, t->names, t->count);
    if (listed == 0)
        json_doc_report(ld->doc, node, "expected the name of a %s, got \"%.40s\" (no %s is "
                        "declared)", t->what, name, t->what);
    else
        json_doc_report(ld->doc, node, "expected the name of a %s, got \"%.40s\" (declared: "
                        "%s%s%s%s)", t->what, name, list, hint ? "; did you mean \"" : "",
                        hint ? hint : "", hint ? "\"?" : "");
}

bool loader_ref_node(loader_t *ld, const cJSON *node, const ref_table_t *table, int *index)
{
    const char *s;
    if (!json_as_string(ld->doc, node, &s))
        return false;
    for (size_t i = 0; i < table->count; i++) {
        if (table->names[i] && strcmp(table->names[i], s) == 0) {
            *index = (int)i;
            return true;
        }
    }
    if (!table->incomplete)
        report_unknown_ref(ld, node, table, s);
    return false;
}

bool loader_ref(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                const ref_table_t *table, int *index)
{
    const cJSON *node = json_obj_get(obj, key, need);
    return node && loader_ref_node(ld, node, table, index);
}

static bool signal_name(loader_t *ld, const cJSON *node, uint32_t *mask)
{
    int k;
    if (!json_as_enum(ld->doc, node, signal_names, &k))
        return false;
    *mask |= signal_table[k].bit;
    return true;
}

bool loader_signals(loader_t *ld, const cJSON *node, uint32_t *mask)
{
    if (!node)
        return false;
    if (cJSON_IsNumber(node)) {
        int64_t v;
        if (!json_as_int64_in(ld->doc, node, 0, UINT32_MAX, &v))
            return false;
        *mask = (uint32_t)v;
        return true;
    }
    uint32_t m = 0;
    if (cJSON_IsString(node)) {
        if (!signal_name(ld, node, &m))
            return false;
        *mask = m;
        return true;
    }
    if (!json_as_array(ld->doc, node))
        return false;
    bool ok = true;
    for (const cJSON *it = json_first(node); it; it = json_next(it))
        ok = signal_name(ld, it, &m) && ok;
    if (ok)
        *mask = m;
    return ok;
}

void loader_signal_text(uint32_t mask, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < SIGNAL_NAME_COUNT && len < size; k++) {
        /* EVENTPAIR_ and COUNTER_SIGNALED share EVENT_SIGNALED's bit: print it once. */
        if (!(mask & signal_table[k].bit) || (k > 8 && signal_table[k].bit == ZX_EVENT_SIGNALED))
            continue;
        len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "|" : "",
                                signal_table[k].name);
        mask &= ~signal_table[k].bit;
    }
    if (mask && len < size)
        snprintf(buf + len, size - len, "%s0x%" PRIx32, len ? "|" : "", mask);
    else if (len == 0 && size > 0)
        snprintf(buf, size, "0");
}

bool loader_time(loader_t *ld, json_obj_t *obj, const char *key, json_need_t need,
                 int64_t *out_ns)
{
    const cJSON *node = json_obj_get(obj, key, need);
    int64_t ns;
    if (!json_as_duration_ns(ld->doc, node, &ns))
        return false;
    if (ns > ld->sc->time_limit_ns) {
        char limit[32];
        scenario_format_ns(ld->sc->time_limit_ns, limit, sizeof(limit));
        if (cJSON_IsString(node))
            json_doc_report(ld->doc, node, "expected a time within the time limit (%s), got "
                            "\"%.40s\"", limit, node->valuestring);
        else
            json_doc_report(ld->doc, node, "expected a time within the time limit (%s), got %"
                            PRId64, limit, ns);
        return false;
    }
    *out_ns = ns;
    return true;
}

/* Reads "min" and "max" of bounds object `o` (at `node`): durations, or integers in [0, max]. */
static bool bounds_sides(loader_t *ld, json_obj_t *o, const cJSON *node, bool durations,
                         int64_t max, expect_bounds_t *b)
{
    expect_bounds_t r = {0};
    bool ok = true;
    const char *sides[2] = {"min", "max"};
    for (int k = 0; k < 2; k++) {
        int64_t *v = k == 0 ? &r.min : &r.max;
        bool *has = k == 0 ? &r.has_min : &r.has_max;
        const cJSON *side = json_obj_get(o, sides[k], JSON_OPTIONAL);
        if (!side)
            continue;
        *has = durations ? json_as_duration_ns(ld->doc, side, v)
                         : json_as_int64_in(ld->doc, side, 0, max, v);
        ok = *has && ok;
    }
    json_obj_end(o);
    if (!ok)
        return false;
    if (!r.has_min && !r.has_max) {
        json_doc_report(ld->doc, node, "expected \"min\", \"max\" or both, got neither");
        return false;
    }
    if (r.has_min && r.has_max && r.min > r.max) {
        json_doc_report(ld->doc, node, "expected \"min\" <= \"max\", got min > max");
        return false;
    }
    *b = r;
    return true;
}

bool loader_bounds_ns(loader_t *ld, json_obj_t *obj, const char *key, expect_bounds_t *b)
{
    const cJSON *node = json_obj_get(obj, key, JSON_OPTIONAL);
    json_obj_t o;
    if (!node || !json_obj_begin(ld->doc, node, &o))
        return false;
    return bounds_sides(ld, &o, node, true, INT64_MAX, b);
}

bool loader_bounds_count(loader_t *ld, json_obj_t *obj, const char *key, int64_t max,
                         expect_bounds_t *b)
{
    const cJSON *node = json_obj_get(obj, key, JSON_OPTIONAL);
    if (!node)
        return false;
    if (cJSON_IsNumber(node)) {
        int64_t v;
        if (!json_as_int64_in(ld->doc, node, 0, max, &v))
            return false;
        *b = (expect_bounds_t){.has_min = true, .has_max = true, .min = v, .max = v};
        return true;
    }
    if (!cJSON_IsObject(node)) {
        json_doc_report(ld->doc, node, "expected an integer or {\"min\": n, \"max\": n}, got "
                        "%s", cJSON_IsString(node) ? "a string" : "another kind of value");
        return false;
    }
    json_obj_t o;
    json_obj_begin(ld->doc, node, &o);
    return bounds_sides(ld, &o, node, false, max, b);
}

bool loader_sample(loader_t *ld, int proxy, int64_t at_ns, size_t *index)
{
    if (ld->sample_count == ld->sample_cap) {
        size_t cap = ld->sample_cap ? 2 * ld->sample_cap : 16;
        world_sample_request_t *grown = loader_alloc(ld, cap, sizeof(*grown));
        if (!grown)
            return false;
        if (ld->sample_count)
            memcpy(grown, ld->samples, ld->sample_count * sizeof(*grown));
        ld->samples = grown;
        ld->sample_cap = cap;
    }
    ld->samples[ld->sample_count] = (world_sample_request_t){.proxy = proxy, .at_ns = at_ns};
    *index = ld->sample_count++;
    return true;
}

/* ---- Name tables ---------------------------------------------------------------------------- */

static bool table_init(loader_t *ld, ref_table_t *t, const char *what, size_t count)
{
    *t = (ref_table_t){.what = what, .count = count};
    t->names = loader_alloc(ld, count, sizeof(*t->names));
    t->nodes = loader_alloc(ld, count, sizeof(*t->nodes));
    return t->names && t->nodes;
}

/* Enters name i of `t`, declared at `node`; a name seen before is a problem at `node`. */
static bool table_set(loader_t *ld, ref_table_t *t, size_t i, const char *name,
                      const cJSON *node)
{
    for (size_t k = 0; k < i; k++) {
        if (t->names[k] && strcmp(t->names[k], name) == 0) {
            json_pos_t first = json_doc_value_pos(ld->doc, t->nodes[k]);
            json_doc_report(ld->doc, node, "expected a %s name not declared before, got "
                            "\"%.40s\" (first declared at line %" PRIu32 ", column %" PRIu32
                            ")", t->what, name, first.line, first.col);
            return false;
        }
    }
    t->names[i] = name;
    t->nodes[i] = node;
    return true;
}

/* "count" of a declaration before it is read in full: sizes the arrays of a section. A bad
 * value counts as 1 here; the full read reports it. */
static size_t replicas(const cJSON *item)
{
    const cJSON *c = cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "count")
                                          : NULL;
    if (!cJSON_IsNumber(c) || c->valuedouble < 1 || c->valuedouble > SCENARIO_NAMED_MAX ||
        c->valuedouble != (double)(int64_t)c->valuedouble)
        return 1;
    return (size_t)c->valuedouble;
}

/* Total entries of a list whose elements may carry "count"; 0 with a problem past `max`. */
static size_t section_size(loader_t *ld, const cJSON *arr, size_t max, bool counted)
{
    size_t total = 0;
    for (const cJSON *it = json_first(arr); it && total <= max; it = json_next(it))
        total += counted ? replicas(it) : 1;
    if (total > max) {
        json_doc_report(ld->doc, arr, "expected at most %zu entries, got more", max);
        return 0;
    }
    return total;
}

/* Reads "name" (and "count" when `counted`) of declaration `o` and enters its names in `t`
 * from position `first`: "name", or "name-0" ... "name-<count-1>" when count > 1. Returns the
 * number of entries the declaration takes, which is what replicas() counted. */
static size_t declare(loader_t *ld, json_obj_t *o, ref_table_t *t, size_t first, bool counted,
                      bool reason_name)
{
    const char *name = NULL;
    const cJSON *node = json_obj_get(o, "name", JSON_REQUIRED);
    bool ok = loader_name(ld, o, "name", JSON_REQUIRED, &name);
    if (ok && reason_name && strchr(name, ',')) {
        /* Upstream joins the names of the sources that woke the container with ",". */
        json_doc_report(ld->doc, node, "expected a name without \",\", got \"%.40s\" (resume "
                        "reasons join names with \",\")", name);
        ok = false;
    }
    int64_t count = 1;
    if (counted)
        json_get_int64_in(o, "count", JSON_OPTIONAL, 1, SCENARIO_NAMED_MAX, &count);
    if (!ok) {
        t->incomplete = true;
        return (size_t)count;
    }
    for (int64_t i = 0; i < count; i++) {
        const char *n = count == 1 ? name : arena_printf(ld->arena, "%s-%" PRId64, name, i);
        if (!n) {
            ld->oom = true;
            break;
        }
        if (!table_set(ld, t, first + (size_t)i, n, node))
            t->incomplete = true;
    }
    return (size_t)count;
}

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
    const cJSON *arr;
    if (!json_get_array(top, "run_on", JSON_OPTIONAL, &arr))
        return;
    const char *const *variants = manager_variant_names();
    const char **names = loader_alloc(ld, json_count(arr) + 1, sizeof(*names));
    size_t n = 0;
    for (const cJSON *it = json_first(arr); names && it; it = json_next(it)) {
        int k;
        if (!json_as_enum(ld->doc, it, variants, &k))
            continue;
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || names[i] == variants[k];
        if (seen)
            json_doc_report(ld->doc, it, "expected each variant once, got \"%s\" again",
                            variants[k]);
        else
            names[n++] = variants[k];
    }
    if (json_count(arr) == 0)
        json_doc_report(ld->doc, arr, "expected at least one manager variant, got []");
    ld->sc->run_on = (const char *const *)names;
    ld->sc->run_on_count = n;
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

/* ---- Disk and files ------------------------------------------------------------------------ */

static void load_disk_contents(loader_t *ld, const cJSON *arr, world_disk_config_t *d)
{
    size_t count = 0;
    for (const cJSON *it = json_first(arr); it; it = json_next(it)) {
        const cJSON *b = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "block") : 0;
        if (cJSON_IsNumber(b) && b->valuedouble >= count && b->valuedouble < d->block_count)
            count = (size_t)b->valuedouble + 1;
    }
    const char **text = loader_alloc(ld, count, sizeof(*text));
    for (const cJSON *it = json_first(arr); text && it; it = json_next(it)) {
        json_obj_t o;
        json_obj_begin(ld->doc, it, &o);
        int64_t block;
        const cJSON *bnode = json_obj_get(&o, "block", JSON_REQUIRED);
        bool has_block = json_as_int64_in(ld->doc, bnode, 0, (int64_t)d->block_count - 1,
                                          &block);
        const cJSON *tnode = json_obj_get(&o, "text", JSON_REQUIRED);
        const char *t;
        if (json_as_string(ld->doc, tnode, &t) && strlen(t) > d->block_size)
            json_doc_report(ld->doc, tnode, "expected at most %" PRIu64 " bytes (the block "
                            "size), got %zu", d->block_size, strlen(t));
        else if (has_block && tnode && cJSON_IsString(tnode) && text[block])
            json_doc_report(ld->doc, bnode, "expected a block not written before, got %" PRId64,
                            block);
        else if (has_block && tnode && cJSON_IsString(tnode))
            text[block] = loader_strdup(ld, t);
        json_obj_end(&o);
    }
    d->block_text = (const char *const *)text;
    d->block_text_count = text ? count : 0;
}

static void load_disk(loader_t *ld, json_obj_t *top)
{
    world_disk_config_t *d = &ld->sc->world.disk;
    json_obj_t o;
    if (!json_get_object(top, "disk", JSON_OPTIONAL, &o))
        return;
    d->present = true;
    d->block_size = 4096;
    json_get_uint64(&o, "block_size", JSON_OPTIONAL, &d->block_size);
    const cJSON *count = json_obj_get(&o, "block_count", JSON_REQUIRED);
    if (json_as_uint64(ld->doc, count, &d->block_count) && d->block_size != 0 &&
        d->block_count > SCENARIO_DISK_BYTES_MAX / d->block_size) {
        json_doc_report(ld->doc, count, "expected a disk of at most 1 GiB, got %" PRIu64
                        " blocks of %" PRIu64 " bytes", d->block_count, d->block_size);
        d->block_count = 0;
    }
    const cJSON *contents;
    if (json_get_array(&o, "contents", JSON_OPTIONAL, &contents) && json_count(contents) > 0) {
        if (d->block_count == 0)
            json_doc_report(ld->doc, contents, "expected no contents on a disk without blocks, "
                            "got %zu", json_count(contents));
        else
            load_disk_contents(ld, contents, d);
    }
    json_obj_end(&o);
}

static bool load_extent(loader_t *ld, const cJSON *node, world_extent_config_t *prev,
                        world_extent_config_t *e)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
        return false;
    int64_t start = 0, end = 0;
    bool ok = json_get_int64_in(&o, "logical_start", JSON_REQUIRED, 0, UINT32_MAX, &start);
    const cJSON *end_node = json_obj_get(&o, "logical_end", JSON_REQUIRED);
    ok = json_as_int64_in(ld->doc, end_node, 0, UINT32_MAX, &end) && ok;
    ok = json_get_uint64(&o, "physical_block", JSON_REQUIRED, &e->physical_block) && ok;
    json_obj_end(&o);
    if (!ok)
        return false;
    if (end <= start) {
        json_doc_report(ld->doc, end_node, "expected a logical_end above logical_start (%"
                        PRId64 "), got %" PRId64, start, end);
        return false;
    }
    if (prev && start < prev->logical_end) {
        json_doc_report(ld->doc, node, "expected extents sorted and apart, got one starting at "
                        "block %" PRId64 " before the previous ends (%" PRIu32 ")", start,
                        prev->logical_end);
        return false;
    }
    e->logical_start = (uint32_t)start;
    e->logical_end = (uint32_t)end;
    return true;
}

static void load_file(loader_t *ld, const cJSON *node, size_t i, world_file_config_t *f)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o)) {
        ld->files.incomplete = true;
        return;
    }
    declare(ld, &o, &ld->files, i, false, false);
    f->name = ld->files.names[i];
    int64_t inode = (int64_t)i + 1;
    json_get_int64_in(&o, "inode", JSON_OPTIONAL, 0, UINT32_MAX, &inode);
    f->inode = (uint32_t)inode;
    json_get_uint64(&o, "size", JSON_REQUIRED, &f->size);
    const cJSON *arr;
    if (json_get_array(&o, "extents", JSON_OPTIONAL, &arr)) {
        size_t n = section_size(ld, arr, SCENARIO_EXTENTS_MAX, false);
        world_extent_config_t *e = loader_alloc(ld, n, sizeof(*e));
        size_t k = 0;
        for (const cJSON *it = json_first(arr); e && k < n; it = json_next(it), k++)
            load_extent(ld, it, k ? &e[k - 1] : NULL, &e[k]);
        f->extents = e;
        f->extent_count = e ? n : 0;
    }
    json_obj_end(&o);
}

static void load_files(loader_t *ld, json_obj_t *top)
{
    world_config_t *w = &ld->sc->world;
    const cJSON *arr;
    table_init(ld, &ld->files, "file", 0);
    if (!json_get_array(top, "files", JSON_OPTIONAL, &arr))
        return;
    size_t n = section_size(ld, arr, SCENARIO_NAMED_MAX, false);
    if (n > 0 && !w->disk.present)
        json_doc_report(ld->doc, arr, "expected a \"disk\" for the files to live on, got none");
    world_file_config_t *f = loader_alloc(ld, n, sizeof(*f));
    if (!f || !table_init(ld, &ld->files, "file", n))
        return;
    size_t i = 0;
    for (const cJSON *it = json_first(arr); i < n; it = json_next(it), i++)
        load_file(ld, it, i, &f[i]);
    w->files = f;
    w->file_count = n;
}

/* ---- The container ------------------------------------------------------------------------- */

static void load_reader(loader_t *ld, json_obj_t *o, world_thread_config_t *t)
{
    if (!loader_ref(ld, o, "file", JSON_REQUIRED, &ld->files, &t->file)) {
        t->file = -1;
        return;
    }
    uint64_t size = ld->sc->world.files[t->file].size;
    const cJSON *off = json_obj_get(o, "offset", JSON_OPTIONAL);
    json_as_uint64(ld->doc, off, &t->offset);
    t->length = t->offset < size ? size - t->offset : 0;
    json_get_uint64(o, "length", JSON_OPTIONAL, &t->length);
    if (off && t->offset >= size && t->length == 0)
        json_doc_report(ld->doc, off, "expected an offset inside the file (%" PRIu64 " bytes) "
                        "or a \"length\", got %" PRIu64, size, t->offset);
}

static void load_thread(loader_t *ld, const cJSON *node, const char *process, size_t i,
                        world_thread_config_t *t)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
        return;
    if (!loader_name(ld, &o, "name", JSON_OPTIONAL, &t->name))
        t->name = arena_printf(ld->arena, "%s-%zu", process ? process : "process", i);
    int kind = WORLD_THREAD_IDLE;
    json_get_enum(&o, "kind", JSON_OPTIONAL, thread_kind_names, &kind);
    t->kind = (world_thread_kind_t)kind;
    t->file = -1;
    if (t->kind == WORLD_THREAD_BUSY) {
        t->burst_ns = 1000000;
        t->sleep_ns = 10000000;
        const cJSON *burst = json_obj_get(&o, "burst", JSON_OPTIONAL);
        if (json_as_duration_ns(ld->doc, burst, &t->burst_ns) && t->burst_ns == 0)
            json_doc_report(ld->doc, burst, "expected a burst above zero, got 0");
        json_get_duration_ns(&o, "sleep", JSON_OPTIONAL, &t->sleep_ns);
    } else if (t->kind == WORLD_THREAD_READER) {
        load_reader(ld, &o, t);
    }
    json_obj_end(&o);
}

static void load_process(loader_t *ld, const cJSON *node, size_t i, world_process_config_t *p)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o)) {
        ld->processes.incomplete = true;
        return;
    }
    declare(ld, &o, &ld->processes, i, false, false);
    p->name = ld->processes.names[i];
    json_get_bool(&o, "start_later", JSON_OPTIONAL, &p->start_later);
    const cJSON *arr;
    world_thread_config_t *t;
    if (json_get_array(&o, "threads", JSON_OPTIONAL, &arr)) {
        size_t n = section_size(ld, arr, SCENARIO_THREADS_MAX, false);
        t = loader_alloc(ld, n, sizeof(*t));
        size_t k = 0;
        for (const cJSON *it = json_first(arr); t && k < n; it = json_next(it), k++)
            load_thread(ld, it, p->name, k, &t[k]);
        p->thread_count = t ? n : 0;
    } else if ((t = loader_alloc(ld, 1, sizeof(*t)))) {
        /* A process without "threads" has one idle thread, named after it. */
        t->name = p->name ? p->name : "main";
        t->file = -1;
        p->thread_count = 1;
    }
    p->threads = t;
    json_obj_end(&o);
}

static void load_wake_locks(loader_t *ld, json_obj_t *o, world_container_config_t *c)
{
    const cJSON *arr;
    if (!json_get_array(o, "wake_locks_held", JSON_OPTIONAL, &arr))
        return;
    size_t n = json_count(arr), k = 0;
    const char **names = loader_alloc(ld, n, sizeof(*names));
    for (const cJSON *it = json_first(arr); names && it; it = json_next(it)) {
        const char *s;
        if (!json_as_string(ld->doc, it, &s))
            continue;
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen = seen || strcmp(names[j], s) == 0;
        if (seen || !*s)
            json_doc_report(ld->doc, it, "expected a %s wake lock name, got \"%.40s\"",
                            seen ? "distinct" : "non-empty", s);
        else
            names[k++] = loader_strdup(ld, s);
    }
    c->wake_locks_held = (const char *const *)names;
    c->wake_locks_held_count = names ? k : 0;
}

static void load_suspend(loader_t *ld, json_obj_t *container, world_suspend_config_t *s)
{
    *s = (world_suspend_config_t){.mode = WORLD_SUSPEND_ONE_SHOT,
                                  .auto_backoff_ns = 100000000LL,
                                  .auto_backoff_max_ns = 60000000000LL,
                                  .send_wake_locks = true,
                                  .send_container_job = true};
    json_obj_t o;
    if (!json_get_object(container, "suspend", JSON_OPTIONAL, &o))
        return;
    int mode = WORLD_SUSPEND_ONE_SHOT;
    json_get_enum(&o, "mode", JSON_OPTIONAL, suspend_mode_names, &mode);
    s->mode = (world_suspend_mode_t)mode;
    json_get_bool(&o, "wake_locks", JSON_OPTIONAL, &s->send_wake_locks);
    json_get_bool(&o, "container_job", JSON_OPTIONAL, &s->send_container_job);
    if (s->mode == WORLD_SUSPEND_AUTO) {
        /* Only autosuspend has these keys: json_obj_end reports them as unknown otherwise. */
        loader_time(ld, &o, "start", JSON_OPTIONAL, &s->auto_start_ns);
        json_get_duration_ns(&o, "delay", JSON_OPTIONAL, &s->auto_delay_ns);
        json_get_duration_ns(&o, "backoff", JSON_OPTIONAL, &s->auto_backoff_ns);
        const cJSON *max = json_obj_get(&o, "backoff_max", JSON_OPTIONAL);
        if (json_as_duration_ns(ld->doc, max, &s->auto_backoff_max_ns) &&
            s->auto_backoff_max_ns < s->auto_backoff_ns)
            json_doc_report(ld->doc, max, "expected a backoff_max at least \"backoff\", got "
                            "less");
    }
    json_obj_end(&o);
}

static void load_container(loader_t *ld, json_obj_t *top)
{
    world_container_config_t *c = &ld->sc->world.container;
    c->name = SCENARIO_CONTAINER_NAME;
    table_init(ld, &ld->processes, "process", 0);
    json_obj_t o;
    bool present = json_get_object(top, "container", JSON_OPTIONAL, &o);
    load_suspend(ld, &o, &c->suspend); /* defaults even when absent */
    if (!present)
        return;
    loader_name(ld, &o, "name", JSON_OPTIONAL, &c->name);
    load_wake_locks(ld, &o, c);
    const cJSON *arr;
    if (json_get_array(&o, "processes", JSON_OPTIONAL, &arr)) {
        size_t n = section_size(ld, arr, SCENARIO_NAMED_MAX, false);
        world_process_config_t *p = loader_alloc(ld, n, sizeof(*p));
        if (p && table_init(ld, &ld->processes, "process", n)) {
            size_t i = 0;
            for (const cJSON *it = json_first(arr); i < n; it = json_next(it), i++)
                load_process(ld, it, i, &p[i]);
            c->processes = p;
            c->process_count = n;
        }
    }
    json_obj_end(&o);
}

/* ---- Proxies, wake sources, watchers ---------------------------------------------------- */

/* Reads one declaration that may carry "count" into entries [first, first + count) of `arr`
 * (elements of `size` bytes): `fill` reads the other keys into a template copied to each. */
typedef void (*fill_fn)(loader_t *ld, json_obj_t *o, void *entry);

static size_t load_counted(loader_t *ld, const cJSON *node, ref_table_t *t, size_t first,
                           char *arr, size_t size, fill_fn fill)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o)) {
        t->incomplete = true;
        return 1;
    }
    size_t count = declare(ld, &o, t, first, true, true);
    fill(ld, &o, arr + first * size);
    json_obj_end(&o);
    for (size_t i = 1; i < count; i++)
        memcpy(arr + (first + i) * size, arr + first * size, size);
    for (size_t i = 0; i < count; i++)
        *(const char **)(void *)(arr + (first + i) * size) = t->names[first + i];
    return count;
}

/* Loads the list `key` of declarations with "count" into a new array of `size`-byte entries
 * whose first member is `const char *name`; returns the array and *count. */
static void *load_named_list(loader_t *ld, json_obj_t *top, const char *key, ref_table_t *t,
                             const char *what, size_t size, fill_fn fill, size_t *count)
{
    const cJSON *arr;
    *count = 0;
    table_init(ld, t, what, 0);
    if (!json_get_array(top, key, JSON_OPTIONAL, &arr))
        return NULL;
    size_t n = section_size(ld, arr, SCENARIO_NAMED_MAX, true);
    char *entries = loader_alloc(ld, n, size);
    if (!entries || !table_init(ld, t, what, n))
        return NULL;
    size_t i = 0;
    for (const cJSON *it = json_first(arr); it && i < n; it = json_next(it))
        i += load_counted(ld, it, t, i, entries, size, fill);
    *count = n;
    return entries;
}

_Static_assert(offsetof(world_proxy_config_t, name) == 0, "load_counted writes the name first");
_Static_assert(offsetof(world_source_config_t, name) == 0, "load_counted writes the name first");
_Static_assert(offsetof(world_watcher_config_t, name) == 0,
               "load_counted writes the name first");

static void fill_proxy(loader_t *ld, json_obj_t *o, void *entry)
{
    world_proxy_config_t *p = entry;
    p->handle_ns = 100000;
    json_get_int64_in(o, "counter_start", JSON_OPTIONAL, 0, 1, &p->counter_start);
    int dec = WORLD_DECREMENT_AFTER_HANDLE;
    json_get_enum(o, "counter_decrement", JSON_OPTIONAL, decrement_names, &dec);
    p->decrement = (world_decrement_policy_t)dec;
    json_get_duration_ns(o, "handle_time", JSON_OPTIONAL, &p->handle_ns);
    loader_time(ld, o, "register_at", JSON_OPTIONAL, &p->register_at_ns);
    json_get_bool(o, "omit_counter", JSON_OPTIONAL, &p->omit_counter);
    json_get_bool(o, "reply", JSON_OPTIONAL, &p->reply);
}

/* "register_at"/"add_at": a time, or "never" (-1: only a timeline action registers it). */
static void load_when(loader_t *ld, json_obj_t *o, const char *key, int64_t *out_ns)
{
    const cJSON *node = json_obj_get(o, key, JSON_OPTIONAL);
    if (cJSON_IsString(node) && strcmp(node->valuestring, "never") == 0)
        *out_ns = -1;
    else if (node)
        loader_time(ld, o, key, JSON_OPTIONAL, out_ns);
}

static void fill_source(loader_t *ld, json_obj_t *o, void *entry)
{
    static const uint32_t default_signals[] = {ZX_EVENT_SIGNALED, ZX_EVENTPAIR_SIGNALED,
                                               ZX_COUNTER_POSITIVE};
    world_source_config_t *s = entry;
    int kind = WORLD_SOURCE_EVENT;
    json_get_enum(o, "kind", JSON_OPTIONAL, source_kind_names, &kind);
    s->kind = (world_source_kind_t)kind;
    s->signals = default_signals[kind];
    loader_signals(ld, json_obj_get(o, "signals", JSON_OPTIONAL), &s->signals);
    load_when(ld, o, "add_at", &s->add_at_ns);
    json_get_bool(o, "omit_signals", JSON_OPTIONAL, &s->omit_signals);
}

static void fill_watcher(loader_t *ld, json_obj_t *o, void *entry)
{
    world_watcher_config_t *w = entry;
    load_when(ld, o, "register_at", &w->register_at_ns);
}

static void load_actors(loader_t *ld, json_obj_t *top)
{
    world_config_t *w = &ld->sc->world;
    w->proxies = load_named_list(ld, top, "proxies", &ld->proxies, "proxy",
                                 sizeof(world_proxy_config_t), fill_proxy, &w->proxy_count);
    w->sources = load_named_list(ld, top, "wake_sources", &ld->sources, "wake source",
                                 sizeof(world_source_config_t), fill_source, &w->source_count);
    w->watchers = load_named_list(ld, top, "watchers", &ld->watchers, "watcher",
                                  sizeof(world_watcher_config_t), fill_watcher,
                                  &w->watcher_count);
    if (w->watcher_count > SCENARIO_WATCHERS_MAX) {
        json_doc_report(ld->doc, json_obj_get(top, "watchers", JSON_OPTIONAL),
                        "expected at most %u watchers, got %zu", SCENARIO_WATCHERS_MAX,
                        w->watcher_count);
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
    load_disk(ld, top);
    load_files(ld, top);
    load_container(ld, top);
    load_actors(ld, top);
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
