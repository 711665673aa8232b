/* loader.c - Helpers the scenario loader's files share (scenario_int.h): names copied into the
 * scenario's arena, references to declared names with a "did you mean" hint, signal masks,
 * times within the time limit, bounds, and counter samples. Each reports its own problem
 * through json_doc and returns false.
 */
#include "scenario_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <wakesim/manager.h>
#include <zircon/types.h>

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
    const char *hint = json_suggest(name, t->names, t->count);
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
        /* A bit is cleared once printed: EVENTPAIR_ and COUNTER_SIGNALED, which share
         * EVENT_SIGNALED's bit, do not print it again. */
        if (!(mask & signal_table[k].bit))
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
    return node && loader_bounds_ns_node(ld, node, b);
}

bool loader_bounds_ns_node(loader_t *ld, const cJSON *node, expect_bounds_t *b)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
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


size_t loader_variant_list(loader_t *ld, json_obj_t *o, const char *key, const char *const **out)
{
    const cJSON *arr;
    *out = NULL;
    if (!json_get_array(o, key, JSON_OPTIONAL, &arr))
        return 0;
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
    *out = (const char *const *)names;
    return n;
}
