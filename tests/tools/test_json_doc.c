/* test_json_doc.c - The JSON reader behind scenario files: the exact line and column of every
 * value and key, syntax errors at the exact place, typed getters whose one-line errors name the
 * file, position, path, what was expected and what was found, durations, unknown keys with a
 * suggestion, paths, and the cap on printed problems.
 *
 * Method: parse small documents written inline (and files under data/), walk them with the
 * getters the way the scenario loader will, print the collected problems into a memory buffer
 * and compare the whole output with the exact expected lines. Syntax errors and durations are
 * tables, so a new case is one line. Positions are counted by hand in the comments. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_doc.h"
#include "sim.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DATA_DIR      WAKESIM_SOURCE_DIR "/tests/tools/data/"

static json_problems_t probs;
static json_doc_t *doc;
static char out[65536];

static void setup(void)
{
    cr_assert_eq(json_problems_init(&probs, 0), 0);
    doc = NULL;
}

static void teardown(void)
{
    json_doc_free(doc);
    json_problems_deinit(&probs);
}

TestSuite(json_doc, .init = setup, .fini = teardown);

static int parse(const char *text)
{
    json_doc_free(doc);
    return json_doc_parse("x.json", text, strlen(text), &probs, &doc);
}

static void parse_ok(const char *text)
{
    int rc = parse(text);
    cr_assert_eq(rc, 0, "parse of %s returned %s", text, sim_err_name(rc));
    cr_assert_not_null(doc);
}

/* Everything json_problems_print writes. */
static const char *printed(void)
{
    memset(out, 0, sizeof(out));
    FILE *f = fmemopen(out, sizeof(out) - 1, "w");
    cr_assert_not_null(f);
    json_problems_print(&probs, f);
    fclose(f);
    return out;
}

/* Compares the whole output, and shows both sides when it differs. */
static void expect_printed(const char *want)
{
    const char *got = printed();
    cr_assert_str_eq(got, want, "printed:\n%s\nwanted:\n%s", got, want);
}

/* The root's member `key`. */
static const cJSON *member(const char *key)
{
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(json_doc_root(doc), key);
    cr_assert_not_null(node, "no member %s", key);
    return node;
}

static void expect_value_at(const cJSON *node, uint32_t line, uint32_t col)
{
    json_pos_t pos = json_doc_value_pos(doc, node);
    char *path = json_doc_path(doc, node);
    cr_assert(pos.line == line && pos.col == col, "%s: value at %u:%u, want %u:%u", path,
              pos.line, pos.col, line, col);
    free(path);
}

static void expect_key_at(const cJSON *node, uint32_t line, uint32_t col)
{
    json_pos_t pos = json_doc_key_pos(doc, node);
    char *path = json_doc_path(doc, node);
    cr_assert(pos.line == line && pos.col == col, "%s: key at %u:%u, want %u:%u", path,
              pos.line, pos.col, line, col);
    free(path);
}

/* ---- Positions ------------------------------------------------------------------------------ */

Test(json_doc, positions_at_start_middle_and_end_of_lines)
{
    parse_ok("{\"a\": 1, \"bb\": [true,\n"  /* { 1:1, "a" 1:2, 1 1:7, "bb" 1:10, [ 1:16 */
             "null], \"c\":\n"              /* true 1:17; null 2:1, "c" 2:8 at the line's end */
             "\"xyz\"}");                   /* "xyz" 3:1 */
    const cJSON *root = json_doc_root(doc), *bb = member("bb");
    expect_value_at(root, 1, 1);
    expect_key_at(root, 1, 1); /* not a member: the value's position */
    expect_key_at(member("a"), 1, 2);
    expect_value_at(member("a"), 1, 7);
    expect_key_at(bb, 1, 10);
    expect_value_at(bb, 1, 16);
    expect_value_at(cJSON_GetArrayItem(bb, 0), 1, 17);
    expect_key_at(cJSON_GetArrayItem(bb, 1), 2, 1);
    expect_value_at(cJSON_GetArrayItem(bb, 1), 2, 1);
    expect_key_at(member("c"), 2, 8);
    expect_value_at(member("c"), 3, 1);
    expect_printed("");
}

Test(json_doc, columns_count_utf8_characters_not_bytes)
{
    /* {1 "2 é3 "4 :5 6 "7 ü8 "9 ,10 11 "12 k13 "14 :15 16 "17 日18 本19 "20 ,21 22 "23 z24 "25
     * :26 27 128; in bytes the 1 would be at column 34. */
    parse_ok("{\"é\": \"ü\", \"k\": \"日本\", \"z\": 1}");
    expect_key_at(member("é"), 1, 2);
    expect_value_at(member("é"), 1, 7);
    expect_key_at(member("k"), 1, 12);
    expect_value_at(member("k"), 1, 17);
    expect_key_at(member("z"), 1, 23);
    expect_value_at(member("z"), 1, 28);
    cr_assert_str_eq(member("k")->valuestring, "日本");
}

Test(json_doc, crlf_lone_cr_and_tabs)
{
    /* A tab is one column; CRLF is one line break, so is a lone CR. */
    parse_ok("{\r\n\t\"a\": 1,\r\n\t\"b\":\t[2,\r\n3],\r\"c\": 4}");
    expect_key_at(member("a"), 2, 2);
    expect_value_at(member("a"), 2, 7);
    expect_key_at(member("b"), 3, 2);
    expect_value_at(member("b"), 3, 7);
    expect_value_at(cJSON_GetArrayItem(member("b"), 0), 3, 8);
    expect_value_at(cJSON_GetArrayItem(member("b"), 1), 4, 1);
    expect_key_at(member("c"), 5, 1);
    expect_value_at(member("c"), 5, 6);
}

Test(json_doc, byte_order_mark_is_skipped_and_takes_no_column)
{
    parse_ok("\xEF\xBB\xBF{\"a\": 1}");
    expect_value_at(json_doc_root(doc), 1, 1);
    expect_key_at(member("a"), 1, 2);
    expect_value_at(member("a"), 1, 7);
    cr_assert_eq(parse("\xEF\xBB\xBF{\"a\" 1}"), SIM_EINVAL);
    expect_printed("wakesim: error: x.json:1:6: $: expected ':' after the key, found a number\n");
}

Test(json_doc, every_node_of_a_large_document_maps_back)
{
    /* 20000 elements, one per line: the node-to-position map must hold for all of them. */
    size_t count = 20000;
    char *text = malloc(count * 16 + 8);
    size_t n = 0;
    text[n++] = '[';
    for (size_t i = 0; i < count; i++)
        n += (size_t)sprintf(text + n, "%s\n{\"k\": %zu}", i ? "," : "", i);
    text[n++] = ']';
    text[n] = '\0';
    parse_ok(text);
    free(text);
    size_t i = 0;
    for (const cJSON *el = json_first(json_doc_root(doc)); el; el = json_next(el), i++) {
        json_pos_t pos = json_doc_value_pos(doc, el->child);
        cr_assert(pos.line == i + 2 && pos.col == 7, "[%zu].k at %u:%u", i, pos.line, pos.col);
    }
    cr_assert_eq(i, count);
    cr_assert_eq(json_count(json_doc_root(doc)), count);
}

/* ---- Syntax errors -------------------------------------------------------------------------- */

typedef struct syntax_case {
    const char *text;
    const char *want; /* the one line, without "wakesim: error: x.json:" and the newline */
} syntax_case_t;

static const syntax_case_t syntax_cases[] = {
    /* missing commas */
    {"{\"a\": 1 \"b\": 2}", "1:9: $: expected ',' or '}' after a member, found a string"},
    {"[1,\n 2\n 3]", "3:2: $: expected ',' or ']' after an element, found a number"},
    {"{\"a\": [1, {\"b\": 2} {\"c\": 3}]}",
     "1:20: $.a: expected ',' or ']' after an element, found '{'"},
    /* unterminated strings: reported at the opening quote */
    {"{\"a\": \"abc", "1:7: $.a: unterminated string: expected '\"' before the end of the file"},
    {"{\"a\": \"ab\n\"}",
     "1:7: $.a: unterminated string: expected '\"' before the end of the line"},
    {"{\"a\": \"ab\\", "1:7: $.a: unterminated string: expected '\"' before the end of the file"},
    {"{\"a", "1:2: $: unterminated string: expected '\"' before the end of the file"},
    /* trailing commas */
    {"[1, 2,]", "1:7: $: expected a value after ',', found ']' (trailing commas are not allowed)"},
    {"{\"a\": 1,\n}",
     "2:1: $: expected a string key after ',', found '}' (trailing commas are not allowed)"},
    /* truncated and empty files */
    {"{\"a\": [1, 2", "1:12: $.a: expected ',' or ']' after an element, found end of file"},
    {"{\"a\": 1,\n", "2:1: $: expected a string key after ',', found end of file"},
    {"{\"a\":", "1:6: $.a: expected a value, found end of file"},
    {"{", "1:2: $: expected a string key or '}', found end of file"},
    {"", "1:1: $: expected a value, found end of file"},
    {"\n  \n", "3:1: $: expected a value, found end of file"},
    /* trailing garbage */
    {"{\"a\": 1} x", "1:10: $: expected the end of the file after the document, found 'x'"},
    {"{}\n{}", "2:1: $: expected the end of the file after the document, found '{'"},
    {"[1]]", "1:4: $: expected the end of the file after the document, found ']'"},
    /* what people write instead of JSON */
    {"{\"a\": NaN}", "1:7: $.a: expected a value, found 'NaN' (NaN and Infinity are not JSON)"},
    {"[Infinity]", "1:2: $[0]: expected a value, found 'Infinity' (NaN and Infinity are not JSON)"},
    {"[-Infinity]",
     "1:2: $[0]: expected a value, found '-Infinity' (NaN and Infinity are not JSON)"},
    {"{\"a\": True}",
     "1:7: $.a: expected a value, found 'True' (true, false and null are lower case)"},
    {"{\"a\": send}",
     "1:7: $.a: expected a value, found 'send' (strings are written in double quotes)"},
    {"{a: 1}",
     "1:2: $: expected a string key or '}', found 'a' (strings are written in double quotes)"},
    {"{'a': 1}",
     "1:2: $: expected a string key or '}', found a single quote (JSON strings use double "
     "quotes)"},
    {"// note\n{}", "1:1: $: expected a value, found '/' (JSON has no comments)"},
    {"{\"a\": }", "1:7: $.a: expected a value, found '}'"},
    {"{\"a\" 1}", "1:6: $: expected ':' after the key, found a number"},
    {"{\"a\": 1, 2}", "1:10: $: expected a string key after ',', found a number"},
    {"[1 true]", "1:4: $: expected ',' or ']' after an element, found 'true'"},
    /* numbers */
    {"{\"a\": 01}", "1:7: $.a: leading zeros are not allowed in numbers"},
    {"{\"a\": -01}", "1:7: $.a: leading zeros are not allowed in numbers"},
    {"[1.]", "1:4: $[0]: expected a digit after '.', found ']'"},
    {"[1e]", "1:4: $[0]: expected a digit in the exponent, found ']'"},
    {"[1e+]", "1:5: $[0]: expected a digit in the exponent, found ']'"},
    {"[-]", "1:3: $[0]: expected a digit after '-', found ']'"},
    {"[.5]", "1:2: $[0]: expected a value, found '.'"},
    {"[+1]", "1:2: $[0]: expected a value, found '+'"},
    {"[1234567890123456789012345678901234567890123456789012345678901234]",
     "1:2: $[0]: a number longer than 63 characters"},
    /* strings */
    {"{\"a\": \"\\x\"}",
     "1:8: $.a: invalid escape '\\x' in a string; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r "
     "\\t \\uXXXX"},
    {"{\"a\": \"\\u12g4\"}", "1:8: $.a: invalid \\u escape in a string; expected 4 hex digits"},
    {"{\"a\": \"x\\u0000\"}", "1:9: $.a: \\u0000 is not allowed in a string"},
    {"{\"a\": \"\\ud800\"}", "1:8: $.a: unpaired surrogate \\uD800 in a string"},
    {"{\"a\": \"\\ud800\\u0041\"}", "1:8: $.a: unpaired surrogate \\uD800 in a string"},
    {"{\"a\": \"\\udc00\"}", "1:8: $.a: unpaired surrogate \\uDC00 in a string"},
    {"{\"a\": \"\xff\"}", "1:8: $.a: invalid UTF-8 in a string (byte 0xFF)"},
    {"{\"a\": \"\xc0\xaf\"}", "1:8: $.a: invalid UTF-8 in a string (byte 0xC0)"},
    {"{\"a\": \"\xed\xa0\x80\"}", "1:8: $.a: invalid UTF-8 in a string (byte 0xED)"},
    {"{\"a\": \"t\tb\"}", "1:9: $.a: a tab in a string; write it as \\t"},
    {"{\"a\": \"\x01\"}", "1:8: $.a: control character U+0001 in a string; write it as \\u0001"},
    /* outside strings */
    {"{\"é\": é}", "1:7: $[\"é\"]: expected a value, found 'é'"},
    {"{\"a\": \xff}", "1:7: $.a: expected a value, found the byte 0xFF (not UTF-8)"},
    {"{\"a\":\x01}", "1:6: $.a: expected a value, found the control character U+0001"},
    /* the path of a syntax error keeps the key as written */
    {"{\"a b\": [0, {\"c\\u0064\": [x]}]}",
     "1:26: $[\"a b\"][1][\"c\\u0064\"][0]: expected a value, found 'x' (strings are written in "
     "double quotes)"},
};

Test(json_doc, syntax_errors_are_one_line_at_the_exact_place)
{
    for (size_t i = 0; i < ARRAY_SIZE(syntax_cases); i++) {
        const syntax_case_t *c = &syntax_cases[i];
        json_problems_deinit(&probs);
        json_problems_init(&probs, 0);
        int rc = parse(c->text);
        cr_assert_eq(rc, SIM_EINVAL, "case %zu %s: rc %s", i, c->text, sim_err_name(rc));
        cr_assert_null(doc, "case %zu", i);
        char want[512];
        snprintf(want, sizeof(want), "wakesim: error: x.json:%s\n", c->want);
        cr_assert_str_eq(printed(), want, "case %zu: %s\nprinted: %swanted:  %s", i, c->text, out,
                         want);
        cr_assert_eq(probs.count, 1, "case %zu", i);
    }
}

Test(json_doc, nesting_deeper_than_the_limit)
{
    char text[2 * JSON_DOC_DEPTH_MAX + 8];
    size_t n = 0;
    for (int i = 0; i < JSON_DOC_DEPTH_MAX; i++)
        text[n++] = '[';
    memcpy(text + n, "[]", 3);
    cr_assert_eq(parse(text), SIM_EINVAL);
    char want[4096];
    int w = snprintf(want, sizeof(want), "wakesim: error: x.json:1:%d: $", JSON_DOC_DEPTH_MAX + 1);
    for (int i = 0; i < JSON_DOC_DEPTH_MAX; i++)
        w += snprintf(want + w, sizeof(want) - (size_t)w, "[0]");
    snprintf(want + w, sizeof(want) - (size_t)w,
             ": arrays and objects nested deeper than %d levels\n", JSON_DOC_DEPTH_MAX);
    expect_printed(want);

    /* Exactly at the limit is fine. */
    n = 0;
    for (int i = 0; i < JSON_DOC_DEPTH_MAX; i++)
        text[n++] = '[';
    for (int i = 0; i < JSON_DOC_DEPTH_MAX; i++)
        text[n++] = ']';
    text[n] = '\0';
    json_problems_deinit(&probs);
    json_problems_init(&probs, 0);
    parse_ok(text);
}

Test(json_doc, what_strict_json_allows_parses)
{
    parse_ok(" {\"s\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\","
             " \"n\": [0, -0, 1.5e3,"
             " -2E-2, 10], \"l\": [true, false, null], \"e\": {}, \"a\": []} \n\t");
    cr_assert_str_eq(member("s")->valuestring, "\" \\ / \b \f \n \r \t é 😀");
    cr_assert_eq(json_count(member("n")), 5);
    cr_assert_eq(json_count(member("e")), 0);
    cr_assert_null(json_first(member("a")));
    expect_printed("");
}

/* A seeded mutation of `text` (length *n, room for 8 more bytes): replace, drop or insert. */
static void mutate(char *text, size_t *n, uint64_t *x)
{
    static const char alphabet[] = "{}[],:\"\\ -+.eE019tfnul\t\n\r\x01\xc3\xa9\xff/'";
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    size_t at = *x % *n;
    char c = alphabet[(*x >> 32) % (sizeof(alphabet) - 1)];
    switch ((*x >> 20) % 3) {
    case 0:
        text[at] = c;
        break;
    case 1:
        memmove(text + at, text + at + 1, *n - at - 1);
        (*n)--;
        break;
    default:
        memmove(text + at + 1, text + at, *n - at);
        text[at] = c;
        (*n)++;
    }
}

Test(json_doc, scanner_and_cjson_agree_on_mutated_documents)
{
    /* The position map asserts that cJSON's tree has the shape the scanner saw. Thousands of
     * seeded mutations of a document using every token kind must each give either a syntax
     * problem or a document, never an assertion or a sanitizer report. */
    static const char base[] = "{\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"],"
                               " \"b c\": {\"d\": {}}, \"e\": [],"
                               " \"\xc3\xa9\": \"\\ud83d\\ude00\"}";
    uint64_t seed = 88172645463325252u, x = seed;
    size_t docs = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char text[sizeof(base) + 8];
        size_t n = sizeof(base) - 1;
        memcpy(text, base, n);
        for (int m = 0; m < 3; m++)
            mutate(text, &n, &x);
        json_problems_deinit(&probs);
        json_problems_init(&probs, 0);
        json_doc_free(doc);
        int rc = json_doc_parse("x.json", text, n, &probs, &doc);
        cr_assert(rc == 0 || rc == SIM_EINVAL, "seed %" PRIu64 " iteration %d: %s", seed, iter,
                  sim_err_name(rc));
        cr_assert(rc == 0 || probs.count == 1, "seed %" PRIu64 " iteration %d", seed, iter);
        docs += rc == 0;
    }
    cr_assert_gt(docs, 100, "only %zu mutations were still JSON", docs);
}

/* ---- Duplicate keys ------------------------------------------------------------------------- */

Test(json_doc, duplicate_keys_are_reported_at_the_second_key)
{
    parse_ok("{\"a\": 1,\n"
             " \"b\": {\"x\": 1, \"x\": 2, \"y\": 0, \"x\": 3},\n"
             " \"a\": 2,\n"
             " \"c\": [{\"k\": 1}, {\"k\": 2}]}");
    expect_printed("wakesim: error: x.json:2:16: $.b.x: duplicate key \"x\" (first at 2:8)\n"
                   "wakesim: error: x.json:2:32: $.b.x: duplicate key \"x\" (first at 2:8)\n"
                   "wakesim: error: x.json:3:2: $.a: duplicate key \"a\" (first at 1:2)\n");
    cr_assert_eq(probs.count, 3);
    /* The walk goes on; getters see the first value. */
    json_obj_t o;
    int64_t a = 0;
    json_obj_begin(doc, json_doc_root(doc), &o);
    cr_assert(json_get_int64(&o, "a", JSON_REQUIRED, &a));
    cr_assert_eq(a, 1);
}

/* ---- Typed getters -------------------------------------------------------------------------- */

static const char *const strategies[] = {"fifo", "random", "pct", NULL};

Test(json_doc, getters_store_values)
{
    parse_ok("{\"s\": \"hi\", \"b\": false, \"i\": -9223372036854775808,"
             " \"j\": 9223372036854775807,"
             " \"r\": 64, \"u\": 18446744073709551615, \"z\": -0, \"d\": 2.5, \"di\": 3,"
             " \"e\": \"random\", \"t\": \"150ms\", \"a\": [1], \"o\": {\"k\": true}}");
    json_obj_t o, child;
    const char *s = NULL;
    char *dup = NULL;
    bool b = true, k = false;
    int64_t i = 0, j = 0, r = 0, t = 0;
    uint64_t u = 0, z = 1;
    double d = 0, di = 0;
    int e = -1;
    const cJSON *a = NULL;
    cr_assert(json_obj_begin(doc, json_doc_root(doc), &o));
    cr_assert(json_get_string(&o, "s", JSON_REQUIRED, &s) && strcmp(s, "hi") == 0);
    cr_assert(json_get_string_dup(&o, "s", JSON_REQUIRED, &dup) && strcmp(dup, "hi") == 0);
    cr_assert(json_get_bool(&o, "b", JSON_REQUIRED, &b) && !b);
    cr_assert(json_get_int64(&o, "i", JSON_REQUIRED, &i) && i == INT64_MIN);
    cr_assert(json_get_int64(&o, "j", JSON_REQUIRED, &j) && j == INT64_MAX);
    cr_assert(json_get_int64_in(&o, "r", JSON_REQUIRED, 1, 64, &r) && r == 64);
    cr_assert(json_get_uint64(&o, "u", JSON_REQUIRED, &u) && u == UINT64_MAX);
    cr_assert(json_get_uint64(&o, "z", JSON_REQUIRED, &z) && z == 0);
    cr_assert(json_get_double(&o, "d", JSON_REQUIRED, &d) && d == 2.5);
    cr_assert(json_get_double(&o, "di", JSON_REQUIRED, &di) && di == 3.0);
    cr_assert(json_get_enum(&o, "e", JSON_REQUIRED, strategies, &e) && e == 1);
    cr_assert(json_get_duration_ns(&o, "t", JSON_REQUIRED, &t) && t == 150000000);
    cr_assert(json_get_array(&o, "a", JSON_REQUIRED, &a) && json_count(a) == 1);
    cr_assert(json_get_object(&o, "o", JSON_REQUIRED, &child));
    cr_assert(json_get_bool(&child, "k", JSON_REQUIRED, &k) && k);
    json_obj_end(&child);
    json_obj_end(&o);
    expect_printed("");
    json_doc_free(doc); /* the copy outlives the document */
    doc = NULL;
    cr_assert_str_eq(dup, "hi");
    free(dup);
}

Test(json_doc, optional_keys_keep_their_default)
{
    parse_ok("{}");
    json_obj_t o, child;
    int64_t i = 7;
    const cJSON *a = NULL;
    json_obj_begin(doc, json_doc_root(doc), &o);
    cr_assert_not(json_get_int64(&o, "i", JSON_OPTIONAL, &i));
    cr_assert_eq(i, 7);
    cr_assert_not(json_get_array(&o, "a", JSON_OPTIONAL, &a));
    cr_assert_not(json_get_object(&o, "o", JSON_OPTIONAL, &child));
    cr_assert_not(json_get_bool(&child, "x", JSON_REQUIRED, &(bool){0})); /* no-op cursor */
    json_obj_end(&child);
    cr_assert_not(json_obj_has(&o, "i"));
    json_obj_end(&o);
    expect_printed("");
}

Test(json_doc, type_mismatches_name_both_json_types)
{
    parse_ok("{\"s\": 5, \"b\": \"true\", \"i\": \"5\", \"u\": 1.5, \"d\": null, \"e\": 3,\n"
             "\"t\": true, \"a\": {}, \"o\": [], \"x\": false, \"n\": null, \"i2\": 1e3,"
             " \"i3\": 2.0}");
    json_obj_t o, child;
    const char *s = "default";
    bool b = false;
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    int e = 0;
    const cJSON *a = NULL;
    json_obj_begin(doc, json_doc_root(doc), &o);
    cr_assert_not(json_get_string(&o, "s", JSON_REQUIRED, &s));
    cr_assert_str_eq(s, "default");
    cr_assert_not(json_get_bool(&o, "b", JSON_REQUIRED, &b));
    cr_assert_not(json_get_int64(&o, "i", JSON_REQUIRED, &i));
    cr_assert_not(json_get_uint64(&o, "u", JSON_REQUIRED, &u));
    cr_assert_not(json_get_double(&o, "d", JSON_REQUIRED, &d));
    cr_assert_not(json_get_enum(&o, "e", JSON_REQUIRED, strategies, &e));
    cr_assert_not(json_get_duration_ns(&o, "t", JSON_REQUIRED, &i));
    cr_assert_not(json_get_array(&o, "a", JSON_REQUIRED, &a));
    cr_assert_not(json_get_object(&o, "o", JSON_REQUIRED, &child));
    cr_assert_not(json_get_int64_in(&o, "x", JSON_REQUIRED, 0, 10, &i));
    cr_assert_not(json_get_string(&o, "n", JSON_OPTIONAL, &s)); /* null is not "absent" */
    cr_assert_not(json_get_int64(&o, "i2", JSON_REQUIRED, &i));
    cr_assert_not(json_get_int64(&o, "i3", JSON_REQUIRED, &i));
    json_obj_end(&o);
    expect_printed(
        "wakesim: error: x.json:1:7: $.s: expected a string, got a number 5\n"
        "wakesim: error: x.json:1:15: $.b: expected a boolean, got a string \"true\"\n"
        "wakesim: error: x.json:1:28: $.i: expected an integer, got a string \"5\"\n"
        "wakesim: error: x.json:1:38: $.u: expected a non-negative integer, got a number 1.5\n"
        "wakesim: error: x.json:1:48: $.d: expected a number, got null\n"
        "wakesim: error: x.json:1:59: $.e: expected one of \"fifo\", \"random\", \"pct\", got a "
        "number 3\n"
        "wakesim: error: x.json:2:6: $.t: expected a duration like \"150ms\", got a boolean true\n"
        "wakesim: error: x.json:2:17: $.a: expected an array, got an object\n"
        "wakesim: error: x.json:2:26: $.o: expected an object, got an array\n"
        "wakesim: error: x.json:2:35: $.x: expected an integer between 0 and 10, got a boolean "
        "false\n"
        "wakesim: error: x.json:2:47: $.n: expected a string, got null\n"
        "wakesim: error: x.json:2:59: $.i2: expected an integer, got a number 1e3\n"
        "wakesim: error: x.json:2:70: $.i3: expected an integer, got a number 2.0\n");
}

Test(json_doc, numbers_out_of_range)
{
    parse_ok("{\"a\": 9223372036854775808, \"b\": -9223372036854775809, \"c\": 0, \"d\": 65,\n"
             "\"e\": -1, \"f\": 18446744073709551616, \"g\": 99999999999999999999999, \"h\": 1e999,"
             " \"k\": -1e999, \"m\": -99999999999999999999999}");
    json_obj_t o;
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    json_obj_begin(doc, json_doc_root(doc), &o);
    cr_assert_not(json_get_int64(&o, "a", JSON_REQUIRED, &i));
    cr_assert_not(json_get_int64(&o, "b", JSON_REQUIRED, &i));
    cr_assert_not(json_get_int64_in(&o, "c", JSON_REQUIRED, 1, 64, &i));
    cr_assert_not(json_get_int64_in(&o, "d", JSON_REQUIRED, 1, 64, &i));
    cr_assert_not(json_get_uint64(&o, "e", JSON_REQUIRED, &u));
    cr_assert_not(json_get_uint64(&o, "f", JSON_REQUIRED, &u));
    cr_assert_not(json_get_int64(&o, "g", JSON_REQUIRED, &i));
    cr_assert_not(json_get_double(&o, "h", JSON_REQUIRED, &d));
    cr_assert_not(json_get_double(&o, "k", JSON_REQUIRED, &d));
    cr_assert_not(json_get_uint64(&o, "m", JSON_REQUIRED, &u));
    cr_assert_eq(i, 0);
    cr_assert_eq(u, 0);
    json_obj_end(&o);
    expect_printed(
        "wakesim: error: x.json:1:7: $.a: expected an integer between -9223372036854775808 and "
        "9223372036854775807, got 9223372036854775808\n"
        "wakesim: error: x.json:1:33: $.b: expected an integer between -9223372036854775808 and "
        "9223372036854775807, got -9223372036854775809\n"
        "wakesim: error: x.json:1:60: $.c: expected an integer between 1 and 64, got 0\n"
        "wakesim: error: x.json:1:68: $.d: expected an integer between 1 and 64, got 65\n"
        "wakesim: error: x.json:2:6: $.e: expected a non-negative integer, got -1\n"
        "wakesim: error: x.json:2:15: $.f: expected an integer between 0 and "
        "18446744073709551615, got 18446744073709551616\n"
        "wakesim: error: x.json:2:42: $.g: expected an integer between -9223372036854775808 and "
        "9223372036854775807, got 99999999999999999999999\n"
        "wakesim: error: x.json:2:72: $.h: expected a finite number, got 1e999\n"
        "wakesim: error: x.json:2:84: $.k: expected a finite number, got -1e999\n"
        "wakesim: error: x.json:2:97: $.m: expected a non-negative integer, got "
        "-99999999999999999999999\n");
}

Test(json_doc, missing_required_keys_are_reported_at_the_object)
{
    parse_ok("[\n  {\"at\": \"1ms\"}\n]");
    json_obj_t o;
    const char *s;
    int64_t i;
    int e;
    json_obj_begin(doc, cJSON_GetArrayItem(json_doc_root(doc), 0), &o);
    cr_assert(json_get_duration_ns(&o, "at", JSON_REQUIRED, &i));
    cr_assert_not(json_get_string(&o, "channel", JSON_REQUIRED, &s));
    cr_assert_not(json_get_enum(&o, "action", JSON_REQUIRED, strategies, &e));
    cr_assert_null(json_obj_get(&o, "peer", JSON_REQUIRED));
    json_obj_end(&o);
    expect_printed("wakesim: error: x.json:2:3: $[0]: missing required key \"channel\"\n"
                   "wakesim: error: x.json:2:3: $[0]: missing required key \"action\"\n"
                   "wakesim: error: x.json:2:3: $[0]: missing required key \"peer\"\n");
}

Test(json_doc, enum_suggests_a_close_name)
{
    parse_ok("{\"a\": \"fifi\", \"b\": \"rnd\", \"c\": \"FIFO\", \"d\": \"\"}");
    json_obj_t o;
    int e = -1;
    json_obj_begin(doc, json_doc_root(doc), &o);
    cr_assert_not(json_get_enum(&o, "a", JSON_REQUIRED, strategies, &e));
    cr_assert_not(json_get_enum(&o, "b", JSON_REQUIRED, strategies, &e));
    cr_assert_not(json_get_enum(&o, "c", JSON_REQUIRED, strategies, &e));
    cr_assert_not(json_get_enum(&o, "d", JSON_REQUIRED, strategies, &e));
    cr_assert_eq(e, -1);
    json_obj_end(&o);
    expect_printed(
        "wakesim: error: x.json:1:7: $.a: expected one of \"fifo\", \"random\", \"pct\", got "
        "\"fifi\" (did you mean \"fifo\"?)\n"
        "wakesim: error: x.json:1:20: $.b: expected one of \"fifo\", \"random\", \"pct\", got "
        "\"rnd\"\n"
        "wakesim: error: x.json:1:32: $.c: expected one of \"fifo\", \"random\", \"pct\", got "
        "\"FIFO\"\n"
        "wakesim: error: x.json:1:45: $.d: expected one of \"fifo\", \"random\", \"pct\", got "
        "\"\"\n");
}

Test(json_doc, long_and_odd_strings_are_escaped_and_cut_in_messages)
{
    parse_ok("{\"a\": \"line\\none \\\"q\\\" \\u0001\","
             " \"b\": \"0123456789012345678901234567890123456789"
             "0123456789\"}");
    json_obj_t o;
    bool b;
    json_obj_begin(doc, json_doc_root(doc), &o);
    json_get_bool(&o, "a", JSON_REQUIRED, &b);
    json_get_bool(&o, "b", JSON_REQUIRED, &b);
    json_obj_end(&o);
    expect_printed("wakesim: error: x.json:1:7: $.a: expected a boolean, got a string "
                   "\"line\\none \\\"q\\\" \\u0001\"\n"
                   "wakesim: error: x.json:1:38: $.b: expected a boolean, got a string "
                   "\"0123456789012345678901234567890123456789...\"\n");
}

Test(json_doc, a_failed_begin_makes_the_cursor_quiet)
{
    parse_ok("{\"timeline\": [5, {\"at\": 1}]}");
    json_obj_t o, act;
    const cJSON *timeline = NULL;
    int64_t at;
    json_obj_begin(doc, json_doc_root(doc), &o);
    cr_assert(json_get_array(&o, "timeline", JSON_REQUIRED, &timeline));
    for (const cJSON *it = json_first(timeline); it; it = json_next(it)) {
        json_obj_begin(doc, it, &act);
        json_get_duration_ns(&act, "at", JSON_REQUIRED, &at);
        json_get_string(&act, "action", JSON_OPTIONAL, &(const char *){NULL});
        json_obj_end(&act);
    }
    json_obj_end(&o);
    expect_printed("wakesim: error: x.json:1:15: $.timeline[0]: expected an object, got a number "
                   "5\n");
}

Test(json_doc, loader_reports_its_own_problems_at_nodes_and_keys)
{
    parse_ok("{\"proxies\": {\"p1\": {}},\n \"send\": {\"via\": \"p2\"}}");
    const cJSON *via = cJSON_GetObjectItemCaseSensitive(member("send"), "via");
    json_doc_report(doc, via, "proxy \"%s\" is not declared", via->valuestring);
    json_doc_report_key(doc, member("proxies"), "at least %d proxy needed", 2);
    expect_printed("wakesim: error: x.json:1:2: $.proxies: at least 2 proxy needed\n"
                   "wakesim: error: x.json:2:18: $.send.via: proxy \"p2\" is not declared\n");
    cr_assert_str_eq(json_doc_name(doc), "x.json");
    cr_assert_str_eq(json_key(via), "via");
}

/* ---- Durations ------------------------------------------------------------------------------ */

typedef struct duration_case {
    const char *json; /* the value of "at" as written in the file */
    int64_t ns;       /* when ok */
    const char *got;  /* NULL when ok, else what follows `expected a duration like "150ms", ` */
} duration_case_t;

static const duration_case_t duration_cases[] = {
    {"\"150ms\"", 150000000, NULL},
    {"\"2us\"", 2000, NULL},
    {"\"1.5s\"", 1500000000, NULL},
    {"\"0ns\"", 0, NULL},
    {"\"7ns\"", 7, NULL},
    {"\"1min\"", 60000000000, NULL},
    {"\"0.5min\"", 30000000000, NULL},
    {"\"0.00000000005min\"", 3, NULL},
    {"\"1.5us\"", 1500, NULL},
    {"\"0.001ms\"", 1000, NULL},
    {"\"0.000000001s\"", 1, NULL},
    {"\"1.000000000000000000000s\"", 1000000000, NULL},
    {"\"2.50ms\"", 2500000, NULL},
    {"\"007ms\"", 7000000, NULL},
    {"\"9223372036854775807ns\"", INT64_MAX, NULL},
    {"\"9223372036.854775807s\"", INT64_MAX, NULL},
    {"\"153722867min\"", 9223372020000000000, NULL},
    {"0", 0, NULL},
    {"42", 42, NULL},
    {"-0", 0, NULL},
    {"9223372036854775807", INT64_MAX, NULL},
    {"\"abc\"", 0, "got \"abc\""},
    {"\"\"", 0, "got \"\""},
    {"\"ms\"", 0, "got \"ms\""},
    {"\"1.s\"", 0, "got \"1.s\""},
    {"\".5s\"", 0, "got \".5s\""},
    {"\"+5ms\"", 0, "got \"+5ms\""},
    {"\" 5ms\"", 0, "got \" 5ms\""},
    {"\"1.5ns\"", 0, "got \"1.5ns\" (not a whole number of nanoseconds)"},
    {"\"1.0001us\"", 0, "got \"1.0001us\" (not a whole number of nanoseconds)"},
    {"\"0.0000000001s\"", 0, "got \"0.0000000001s\" (not a whole number of nanoseconds)"},
    {"\"1.00000000000000000001s\"", 0,
     "got \"1.00000000000000000001s\" (not a whole number of nanoseconds)"},
    {"\"-5ms\"", 0, "got \"-5ms\" (durations cannot be negative)"},
    {"\"5\"", 0,
     "got \"5\" (a unit is required: ns, us, ms, s or min; a plain integer without quotes is "
     "nanoseconds)"},
    {"\"5h\"", 0, "got \"5h\" (unknown unit; use ns, us, ms, s or min)"},
    {"\"5 ms\"", 0, "got \"5 ms\" (unknown unit; use ns, us, ms, s or min)"},
    {"\"5MS\"", 0, "got \"5MS\" (unknown unit; use ns, us, ms, s or min)"},
    {"\"5msx\"", 0, "got \"5msx\" (unknown unit; use ns, us, ms, s or min)"},
    {"\"1e3ms\"", 0, "got \"1e3ms\" (unknown unit; use ns, us, ms, s or min)"},
    {"\"9223372036854775808ns\"", 0,
     "got \"9223372036854775808ns\" (too large; the longest is 9223372036854775807ns, about "
     "292 years)"},
    {"\"153722868min\"", 0,
     "got \"153722868min\" (too large; the longest is 9223372036854775807ns, about 292 years)"},
    {"\"99999999999999999999999999s\"", 0,
     "got \"99999999999999999999999999s\" (too large; the longest is 9223372036854775807ns, "
     "about 292 years)"},
    {"-5", 0, "got a number -5 (durations cannot be negative)"},
    {"1.5", 0, "got a number 1.5 (a plain number is a whole count of nanoseconds)"},
    {"1e9", 0, "got a number 1e9 (a plain number is a whole count of nanoseconds)"},
    {"9223372036854775808", 0,
     "got a number 9223372036854775808 (too large; the longest is 9223372036854775807ns, about "
     "292 years)"},
    {"true", 0, "got a boolean true"},
    {"null", 0, "got null"},
    {"[\"1ms\"]", 0, "got an array"},
};

Test(json_doc, durations)
{
    for (size_t i = 0; i < ARRAY_SIZE(duration_cases); i++) {
        const duration_case_t *c = &duration_cases[i];
        char text[256];
        snprintf(text, sizeof(text), "{\"at\": %s}", c->json);
        json_problems_deinit(&probs);
        json_problems_init(&probs, 0);
        parse_ok(text);
        json_obj_t o;
        int64_t ns = -1;
        json_obj_begin(doc, json_doc_root(doc), &o);
        bool ok = json_get_duration_ns(&o, "at", JSON_REQUIRED, &ns);
        json_obj_end(&o);
        if (!c->got) {
            cr_assert(ok, "case %zu %s: %s", i, c->json, printed());
            cr_assert_eq(ns, c->ns, "case %zu %s: %" PRId64 " ns, want %" PRId64, i, c->json, ns,
                         c->ns);
            continue;
        }
        cr_assert_not(ok, "case %zu %s gave %" PRId64 " ns", i, c->json, ns);
        cr_assert_eq(ns, -1, "case %zu: *out written on failure", i);
        char want[512];
        snprintf(want, sizeof(want),
                 "wakesim: error: x.json:1:8: $.at: expected a duration like \"150ms\", %s\n",
                 c->got);
        cr_assert_str_eq(printed(), want, "case %zu: %s\nprinted: %swanted:  %s", i, c->json, out,
                         want);
    }
}

Test(json_doc, duration_parse_for_plain_text)
{
    int64_t ns = 0;
    const char *why = "unset";
    cr_assert_eq(json_duration_parse("250us", &ns, &why), 0);
    cr_assert_eq(ns, 250000);
    cr_assert_null(why);
    cr_assert_eq(json_duration_parse("x", &ns, &why), SIM_EINVAL);
    cr_assert_null(why);
    cr_assert_eq(json_duration_parse("1.5ns", &ns, NULL), SIM_EINVAL);
    cr_assert_eq(json_duration_parse("3", &ns, &why), SIM_EINVAL);
    cr_assert_not_null(why);
    cr_assert_eq(ns, 250000);
}

/* ---- Unknown keys --------------------------------------------------------------------------- */

Test(json_doc, every_unknown_key_is_reported_with_a_suggestion)
{
    parse_ok("{\"at\": \"1ms\", \"dealy\": \"2ms\",\n"
             " \"action\": \"send\", \"chanel\": \"c\", \"zzz\": 1, \"At\": 2}");
    json_obj_t o;
    int64_t ns;
    const char *s;
    json_obj_begin(doc, json_doc_root(doc), &o);
    json_get_duration_ns(&o, "at", JSON_REQUIRED, &ns);
    json_get_duration_ns(&o, "delay", JSON_OPTIONAL, &ns);
    json_get_string(&o, "action", JSON_REQUIRED, &s);
    json_get_string(&o, "channel", JSON_OPTIONAL, &s);
    json_obj_end(&o);
    expect_printed(
        "wakesim: error: x.json:1:15: $.dealy: unknown key \"dealy\"; expected one of \"action\", "
        "\"at\", \"channel\", \"delay\" (did you mean \"delay\"?)\n"
        "wakesim: error: x.json:2:20: $.chanel: unknown key \"chanel\"; expected one of "
        "\"action\", \"at\", \"channel\", \"delay\" (did you mean \"channel\"?)\n"
        "wakesim: error: x.json:2:35: $.zzz: unknown key \"zzz\"; expected one of \"action\", "
        "\"at\", \"channel\", \"delay\"\n"
        "wakesim: error: x.json:2:45: $.At: unknown key \"At\"; expected one of \"action\", "
        "\"at\", \"channel\", \"delay\" (did you mean \"at\"?)\n");
    cr_assert_eq(probs.count, 4);
}

Test(json_doc, unknown_keys_in_nested_objects_and_empty_cursors)
{
    parse_ok("{\"o\": {\"k\": 1, \"x\": 2}, \"e\": {\"y\": 3}, \"skip\": {\"z\": 4},"
             " \"h\": {\"q\": 5}}");
    json_obj_t o, child;
    int64_t i;
    json_obj_begin(doc, json_doc_root(doc), &o);
    json_get_object(&o, "o", JSON_REQUIRED, &child);
    json_get_int64(&child, "k", JSON_REQUIRED, &i);
    json_obj_end(&child);
    json_get_object(&o, "e", JSON_REQUIRED, &child);
    json_obj_end(&child); /* asks for nothing */
    json_get_object(&o, "skip", JSON_REQUIRED, &child);
    json_obj_end_unchecked(&child); /* the loader cannot tell which keys are valid */
    json_get_object(&o, "h", JSON_REQUIRED, &child);
    cr_assert(json_obj_has(&child, "q")); /* has() makes the key known */
    json_obj_end(&child);
    json_obj_end(&o);
    expect_printed("wakesim: error: x.json:1:16: $.o.x: unknown key \"x\"; expected \"k\"\n"
                   "wakesim: error: x.json:1:31: $.e.y: unknown key \"y\"; this object takes no "
                   "keys\n");
}

/* ---- Paths ---------------------------------------------------------------------------------- */

Test(json_doc, paths_of_nested_arrays_objects_and_odd_keys)
{
    parse_ok("{\"a b\": [[{\"x-y\": {\"\": {\"ok_1\": {\"1st\": {\"q\\\"u\\\\o\\nte\":"
             " [true, {\"é\": "
             "[[0, [null]]]}]}}}}}]]}");
    const cJSON *node = json_doc_root(doc);
    cr_assert_str_eq(json_doc_path(doc, node), "$");
    /* Walk down to the null, checking the path at each level. */
    static const char *const want[] = {
        "$[\"a b\"]",
        "$[\"a b\"][0]",
        "$[\"a b\"][0][0]",
        "$[\"a b\"][0][0][\"x-y\"]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"][\"q\\\"u\\\\o\\nte\"]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"][\"q\\\"u\\\\o\\nte\"][1]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"][\"q\\\"u\\\\o\\nte\"][1][\"é\"]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"][\"q\\\"u\\\\o\\nte\"][1][\"é\"][0]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"][\"q\\\"u\\\\o\\nte\"][1][\"é\"][0][1]",
        "$[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"][\"q\\\"u\\\\o\\nte\"][1][\"é\"][0][1][0]",
    };
    for (size_t level = 0; level < ARRAY_SIZE(want); level++) {
        node = json_first(node);
        while (json_next(node))
            node = json_next(node); /* the last child leads down */
        cr_assert_not_null(node, "level %zu", level);
        char *path = json_doc_path(doc, node);
        cr_assert_str_eq(path, want[level], "level %zu", level);
        free(path);
    }
    cr_assert(cJSON_IsNull(node));
    json_doc_report(doc, node, "here");
    expect_printed("wakesim: error: x.json:1:76: $[\"a b\"][0][0][\"x-y\"][\"\"].ok_1[\"1st\"]"
                   "[\"q\\\"u\\\\o\\nte\"][1][\"é\"][0][1][0]: here\n");
}

/* ---- The problem list ----------------------------------------------------------------------- */

Test(json_doc, the_cap_keeps_the_first_problems_in_file_order)
{
    /* 60 bad values, checked from the last to the first: the 50 printed are still the first 50
     * in the file, then one line counts the rest. */
    char text[1024];
    size_t n = (size_t)sprintf(text, "[");
    for (int i = 0; i < 60; i++)
        n += (size_t)sprintf(text + n, "%s\n\"v%d\"", i ? "," : "", i);
    sprintf(text + n, "]");
    parse_ok(text);
    for (int i = 59; i >= 0; i--) {
        int64_t v;
        json_as_int64(doc, cJSON_GetArrayItem(json_doc_root(doc), i), &v);
    }
    cr_assert_eq(probs.count, 60);
    char want[8192];
    size_t w = 0;
    for (int i = 0; i < 50; i++)
        w += (size_t)snprintf(want + w, sizeof(want) - w,
                              "wakesim: error: x.json:%d:1: $[%d]: expected an integer, got a "
                              "string \"v%d\"\n",
                              i + 2, i, i);
    snprintf(want + w, sizeof(want) - w, "wakesim: error: ... and 10 more problems\n");
    expect_printed(want);
}

Test(json_doc, a_small_cap_and_one_more)
{
    json_problems_deinit(&probs);
    cr_assert_eq(json_problems_init(&probs, 2), 0);
    json_problems_add(&probs, "a.json", 3, 1, "$.c", "third");
    json_problems_add(&probs, "a.json", 1, 5, "$.a", "first");
    json_problems_add(&probs, "a.json", 2, 1, NULL, "second, no path");
    expect_printed("wakesim: error: a.json:1:5: $.a: first\n"
                   "wakesim: error: a.json:2:1: second, no path\n"
                   "wakesim: error: ... and 1 more problem\n");
}

Test(json_doc, files_print_in_the_order_of_their_first_problem)
{
    json_problems_add(&probs, "b.json", 9, 1, "$", "b late");
    json_problems_add(&probs, "a.json", 1, 1, "$", "a");
    json_problems_add(&probs, "b.json", 2, 4, "$.x", "b early");
    json_problems_add(&probs, "b.json", 2, 4, "$.x", "b early, reported second");
    json_problems_add(&probs, "c.json", 0, 0, NULL, "cannot open: it is a test");
    json_problems_add(&probs, NULL, 0, 0, NULL, "no file at all");
    expect_printed("wakesim: error: b.json:2:4: $.x: b early\n"
                   "wakesim: error: b.json:2:4: $.x: b early, reported second\n"
                   "wakesim: error: b.json:9:1: $: b late\n"
                   "wakesim: error: a.json:1:1: $: a\n"
                   "wakesim: error: c.json: cannot open: it is a test\n"
                   "wakesim: error: no file at all\n");
}

/* ---- Files ---------------------------------------------------------------------------------- */

Test(json_doc, io_errors_have_no_position_and_their_own_status)
{
    cr_assert_eq(json_doc_load("/nonexistent/x.json", &probs, &doc), SIM_EIO);
    cr_assert_null(doc);
    cr_assert_eq(json_doc_load(DATA_DIR, &probs, &doc), SIM_EIO);
    cr_assert_null(doc);
    expect_printed("wakesim: error: /nonexistent/x.json: cannot open: No such file or directory\n"
                   "wakesim: error: " DATA_DIR ": cannot read: Is a directory\n");
}

Test(json_doc, loads_a_file_and_reports_like_the_loader_will)
{
    /* data/typos.json is a small scenario with one mistake of each kind the loader sees. */
    static const char *const actions[] = {"send", "suspend", "acquire", NULL};
    cr_assert_eq(json_doc_load(DATA_DIR "typos.json", &probs, &doc), 0);
    json_obj_t top, act;
    const char *description = NULL;
    uint64_t seed = 0;
    const cJSON *timeline = NULL;
    json_obj_begin(doc, json_doc_root(doc), &top);
    json_get_string(&top, "description", JSON_REQUIRED, &description);
    json_get_uint64(&top, "seed", JSON_OPTIONAL, &seed);
    if (json_get_array(&top, "timeline", JSON_REQUIRED, &timeline)) {
        for (const cJSON *it = json_first(timeline); it; it = json_next(it)) {
            int64_t at = 0;
            int kind = -1;
            json_obj_begin(doc, it, &act);
            json_get_duration_ns(&act, "at", JSON_REQUIRED, &at);
            if (!json_get_enum(&act, "action", JSON_REQUIRED, actions, &kind)) {
                json_obj_end_unchecked(&act);
                continue;
            }
            json_get_string(&act, "channel", kind == 0 ? JSON_REQUIRED : JSON_OPTIONAL,
                            &(const char *){NULL});
            json_obj_end(&act);
        }
    }
    json_obj_end(&top);
    cr_assert_str_eq(description, "typos, one of each kind");
    cr_assert_eq(seed, 7);
    const char *p = DATA_DIR "typos.json";
    char want[4096];
    snprintf(want, sizeof(want),
             "wakesim: error: %s:6:12: $.timeline[0].at: expected a duration like \"150ms\", got "
             "\"abc\"\n"
             "wakesim: error: %s:7:5: $.timeline[1]: missing required key \"channel\"\n"
             "wakesim: error: %s:7:37: $.timeline[1].chanel: unknown key \"chanel\"; expected one "
             "of \"action\", \"at\", \"channel\" (did you mean \"channel\"?)\n"
             "wakesim: error: %s:8:29: $.timeline[2].action: expected one of \"send\", "
             "\"suspend\", \"acquire\", got \"suspnd\" (did you mean \"suspend\"?)\n"
             "wakesim: error: %s:10:3: $.sead: unknown key \"sead\"; expected one of "
             "\"description\", \"seed\", \"timeline\" (did you mean \"seed\"?)\n",
             p, p, p, p, p);
    expect_printed(want);
}
