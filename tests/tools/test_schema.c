/* test_schema.c - scenarios/schema.json, the JSON Schema editors use for scenario files: it is
 * valid JSON, and every enumeration in it (actions, expectation kinds, phases, invariants,
 * manager variants, latency metrics, signal names) is exactly the loader's, so the schema and
 * `wakesim check` cannot drift apart silently. (check_schema.py validates the scenarios
 * against it with a JSON Schema implementation, where one is installed.)
 *
 * Method: load the schema with json_doc (strict RFC 8259, positions in any problem), walk it
 * with cJSON, and compare each enum with the loader's NULL-terminated name table. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include <wakesim/manager.h>

#include "expect.h"
#include "json_doc.h"
#include "scenario.h"

#define SCHEMA WAKESIM_SOURCE_DIR "/scenarios/schema.json"

static json_problems_t probs;
static json_doc_t *doc;
static const cJSON *root;

static void setup(void)
{
    json_problems_init(&probs, 0);
    cr_assert_eq(json_doc_load(SCHEMA, &probs, &doc), 0);
    cr_assert_eq(probs.count, 0, "problems in schema.json");
    root = json_doc_root(doc);
}

static void teardown(void)
{
    json_doc_free(doc);
    json_problems_deinit(&probs);
}

TestSuite(schema, .init = setup, .fini = teardown);

/* The node at a path of object keys, e.g. at("$defs", "action", "properties", NULL). */
static const cJSON *at(const cJSON *node, ...)
{
    va_list ap;
    va_start(ap, node);
    for (const char *key; (key = va_arg(ap, const char *));) {
        node = cJSON_GetObjectItemCaseSensitive(node, key);
        cr_assert_not_null(node, "no \"%s\" in schema.json", key);
    }
    va_end(ap);
    return node;
}

/* `list` (a JSON array of strings) holds exactly `names`, in any order. */
static void same_names(const cJSON *list, const char *const *names, const char *what)
{
    size_t n = 0;
    for (; names[n]; n++) {
        bool found = false;
        for (const cJSON *it = list->child; it && !found; it = it->next)
            found = cJSON_IsString(it) && strcmp(it->valuestring, names[n]) == 0;
        cr_assert(found, "%s: \"%s\" is missing from schema.json", what, names[n]);
    }
    cr_assert_eq((size_t)cJSON_GetArraySize(list), n, "%s: schema.json lists other names", what);
}

Test(schema, is_a_draft_2020_12_schema)
{
    cr_assert_str_eq(at(root, "$schema", NULL)->valuestring,
                     "https://json-schema.org/draft/2020-12/schema");
    cr_assert(cJSON_IsFalse(at(root, "additionalProperties", NULL)));
    cr_assert_str_eq(cJSON_GetArrayItem(at(root, "required", NULL), 0)->valuestring,
                     "description");
}

Test(schema, actions_match_world_actions)
{
    same_names(at(root, "$defs", "action", "properties", "action", "enum", NULL),
               scenario_action_names, "actions");
    cr_assert_eq(cJSON_GetArraySize(at(root, "$defs", "action", "allOf", NULL)),
                 WORLD_ACTION_COUNT, "one argument list per action");
}

Test(schema, expectation_kinds_match)
{
    const cJSON *alts = at(root, "$defs", "expectation", "oneOf", NULL);
    const char *titles[EXPECT_KIND_COUNT + 1] = {0};
    int i = 0;
    for (const cJSON *it = alts->child; it && i < EXPECT_KIND_COUNT; it = it->next)
        titles[i++] = at(it, "title", NULL)->valuestring;
    cr_assert_eq(cJSON_GetArraySize(alts), EXPECT_KIND_COUNT);
    for (int k = 0; k < EXPECT_KIND_COUNT; k++)
        cr_assert_str_eq(titles[k], expect_kind_names[k]);
}

static const cJSON *kind_props(const char *kind)
{
    for (const cJSON *it = at(root, "$defs", "expectation", "oneOf", NULL)->child; it;
         it = it->next) {
        if (strcmp(at(it, "title", NULL)->valuestring, kind) == 0)
            return at(it, "properties", NULL);
    }
    cr_assert_fail("no expectation \"%s\" in schema.json", kind);
    return NULL;
}

Test(schema, phases_invariants_metrics_and_variants_match)
{
    const cJSON *phases = at(kind_props("suspend"), "phases", "properties", NULL);
    cr_assert_eq(cJSON_GetArraySize(phases), EXPECT_PHASE_SLOTS - 1);
    for (int k = 1; k < EXPECT_PHASE_SLOTS; k++)
        at(phases, expect_phase_names[k], NULL);
    same_names(at(kind_props("violation"), "violation", "enum", NULL), scenario_invariant_names,
               "invariants");
    same_names(at(kind_props("latency"), "latency", "enum", NULL), expect_metric_names,
               "latency metrics");
    same_names(at(kind_props("suspend"), "result", "enum", NULL), scenario_result_names,
               "results");
    same_names(at(root, "$defs", "variant", "enum", NULL), manager_variant_names(),
               "manager variants");
}
