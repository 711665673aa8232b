/* json_doc.h - A JSON reader that knows where every value is, for the scenario loader.
 *
 * cJSON parses but keeps no positions. A json_doc_t holds the cJSON tree of one file plus the
 * line and column of every value and every object key, so each problem the loader finds is
 * reported as one line, `wakesim: error: x.json:12:5: $.timeline[3].at: <what was expected>,
 * got <what was found>`, and the loader keeps walking: problems are collected, never fatal.
 *
 * Typical loader code (every call below records its own problem and returns false on error, and
 * a cursor whose begin failed turns every later call on it into a quiet no-op, so the loader
 * stays straight-line):
 *
 *     json_problems_t probs;
 *     json_problems_init(&probs, 0);
 *     json_doc_t *doc;
 *     int rc = json_doc_load(path, &probs, &doc);   // syntax errors are already in probs
 *     if (rc == 0) {
 *         json_obj_t top, act;
 *         const cJSON *timeline;
 *         json_obj_begin(doc, json_doc_root(doc), &top);
 *         json_get_string_dup(&top, "description", JSON_REQUIRED, &sc->description);
 *         if (json_get_array(&top, "timeline", JSON_OPTIONAL, &timeline)) {
 *             for (const cJSON *it = json_first(timeline); it; it = json_next(it)) {
 *                 json_obj_begin(doc, it, &act);                  // $.timeline[3]
 *                 json_get_duration_ns(&act, "at", JSON_REQUIRED, &a->at_ns);
 *                 json_get_enum(&act, "action", JSON_REQUIRED, action_names, &a->kind);
 *                 json_obj_end(&act);                             // unknown keys
 *             }
 *         }
 *         json_obj_end(&top);
 *         json_doc_free(doc);                                   // cJSON tree gone here
 *     }
 *     json_problems_print(&probs, stderr);
 *     bool ok = rc == 0 && probs.count == 0;                    // SIM_EIO means exit code 4
 *     json_problems_deinit(&probs);
 *
 * Decisions (scenarios/README.md should repeat them for users):
 * - Lines and columns are 1-based. A column counts UTF-8 characters (code points), not bytes,
 *   and a tab is one column, as editors count "Col" for non-tab text. CRLF, LF and a lone CR
 *   each end one line.
 * - A UTF-8 byte order mark at the start is accepted and skipped; it takes no column.
 * - The syntax is strict RFC 8259: no comments, trailing commas, single quotes, NaN, Infinity,
 *   leading zeros, raw control characters in strings, invalid UTF-8, unpaired surrogates,
 *   `\u0000` (it would silently cut the string), or anything after the document. Duplicate
 *   keys in one object are a problem at the second key. Nesting is limited to
 *   JSON_DOC_DEPTH_MAX levels and numbers to 63 characters (cJSON's own limit).
 * - Integers are read from the source text, so int64 and uint64 are exact over their whole
 *   range (cJSON stores doubles). An integer is written without fraction or exponent: `1.0`
 *   and `1e3` are "a number", not "an integer". `null` is a value like any other: an optional
 *   key set to null is a type error, not an absent key.
 * - Paths are `$`, `.key` and `[index]`; a key that is not an identifier ([A-Za-z_][A-Za-z0-9_]*)
 *   is written `["a b"]` with JSON escapes.
 */
#ifndef WAKESIM_TOOLS_JSON_DOC_H
#define WAKESIM_TOOLS_JSON_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* Limits. A scenario is a few kilobytes; the caps only keep hostile input bounded. */
#define JSON_DOC_SIZE_MAX    (64u * 1024u * 1024u) /* bytes in one file */
#define JSON_DOC_DEPTH_MAX   256                   /* nested arrays and objects */
#define JSON_PROBLEMS_MAX    50                    /* problems printed by default */
#define JSON_OBJ_KEYS_MAX    64                    /* distinct keys one cursor can ask for */

/* ---- Problems ------------------------------------------------------------------------------ */

/* One problem; line and col are 0 when the problem has no position (an I/O error). */
typedef struct json_problem {
    const char *file;    /* the list's copy of the file name; NULL if none */
    uint32_t file_index; /* order of the file's first problem: files print in that order */
    uint32_t line;       /* 1-based, 0 if none */
    uint32_t col;        /* 1-based in UTF-8 characters, 0 if none */
    char *path;          /* owned, "$.timeline[3].at"; NULL if none */
    char *message;       /* owned, "expected ..., got ..." */
    size_t seq;          /* report order, breaks ties between problems at the same place */
} json_problem_t;

/* The problems of one or more files, caller-allocated so that they outlive the documents (the
 * loader frees the cJSON tree before it prints). Only the first `stored_max` problems in file
 * order are kept; `count` counts them all. */
typedef struct json_problems {
    /* read-only */
    size_t count; /* every problem reported, including those past the cap */
    /* private */
    size_t stored_max;
    size_t stored_count;
    json_problem_t *items; /* stored_max slots allocated at init, kept in print order */
    char **files;          /* owned names, in the order of each file's first problem */
    size_t file_count;
} json_problems_t;

/* Prepares an empty list that keeps at most `stored_max` problems (0: JSON_PROBLEMS_MAX).
 * Returns 0 or SIM_ENOMEM; after SIM_ENOMEM the list still counts but stores nothing. */
int json_problems_init(json_problems_t *probs, size_t stored_max);
/* Frees every stored problem; the list may be initialised again. */
void json_problems_deinit(json_problems_t *probs);
/* Records a problem. `file` and `path` are copied and may be NULL; line 0 means no position.
 * When the list is full, a problem earlier in the file replaces the latest one stored. */
void json_problems_add(json_problems_t *probs, const char *file, uint32_t line, uint32_t col,
                       const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Prints one line per stored problem, files in the order of their first problem, each file in
 * line:col order: `wakesim: error: FILE:LINE:COL: PATH: MESSAGE` (the position and the path
 * are left out when absent), then `wakesim: error: ... and N more problems` past the cap. */
void json_problems_print(const json_problems_t *probs, FILE *out);

/* ---- Documents ------------------------------------------------------------------------------ */

typedef struct json_doc json_doc_t;

/* Reads and parses the file at `path` (named `path` in problems). Returns 0 and a new document
 * in *doc when the bytes are JSON; problems that do not stop a walk (duplicate keys) are then
 * already in `probs`, so callers decide on `probs->count` once done, never on the return code
 * alone. Otherwise *doc is NULL and: SIM_EIO (cannot open or read; one problem without a
 * position, "cannot read: <strerror>"), SIM_EINVAL (not JSON: one problem at the exact place,
 * "expected ..., found ..."; or larger than JSON_DOC_SIZE_MAX), SIM_ENOMEM.
 * `probs` is borrowed: the document reports into it until json_doc_free. */
int json_doc_load(const char *path, json_problems_t *probs, json_doc_t **doc);
/* The same for `len` bytes in memory, named `name` in problems. Both are copied. */
int json_doc_parse(const char *name, const char *bytes, size_t len, json_problems_t *probs,
                   json_doc_t **doc);
/* Frees the document, its cJSON tree and every string borrowed from it. NULL is allowed. */
void json_doc_free(json_doc_t *doc);

/* The root value. It and every node below it are owned by the document. */
const cJSON *json_doc_root(const json_doc_t *doc);
/* The file name given at load, owned by the document. */
const char *json_doc_name(const json_doc_t *doc);

/* A place in the file: 1-based line and column (UTF-8 characters). */
typedef struct json_pos {
    uint32_t line;
    uint32_t col;
} json_pos_t;

/* Where `node`'s value starts (its first character: `{`, `"`, a digit, ...). */
json_pos_t json_doc_value_pos(const json_doc_t *doc, const cJSON *node);
/* Where the key of object member `node` starts (its opening quote); the value's position
 * when `node` is not an object member (the root or an array element). */
json_pos_t json_doc_key_pos(const json_doc_t *doc, const cJSON *node);
/* The JSON path of `node`, such as `$.timeline[3].at`. Returns a new string the caller frees,
 * or NULL when out of memory. */
char *json_doc_path(const json_doc_t *doc, const cJSON *node);

/* Records a problem at `node`'s value, with its path: for what the typed getters cannot know
 * ("proxy \"x\" is not declared"). */
void json_doc_report(json_doc_t *doc, const cJSON *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at the key of object member `node`. */
void json_doc_report_key(json_doc_t *doc, const cJSON *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- Typed access to values ------------------------------------------------------------- */

/* Each json_as_* checks `node`'s type and range, stores the value in *out and returns true; or
 * records one problem at the node, leaves *out untouched and returns false. A NULL node returns
 * false and records nothing (an absent optional value), so calls can be chained. Messages use
 * JSON type names: `expected an integer, got a string "5"`; when the type is right but the
 * value is not, only the value is shown: `expected a duration like "150ms", got "abc"`.
 * Strings are borrowed from the document until json_doc_free; the _dup variants return a
 * malloc'd copy the caller frees (and report "out of memory" if that fails).
 * Every node passed to this API must belong to `doc`; anything else is a bug and asserts. */
bool json_as_string(json_doc_t *doc, const cJSON *node, const char **out);
bool json_as_string_dup(json_doc_t *doc, const cJSON *node, char **out);
bool json_as_bool(json_doc_t *doc, const cJSON *node, bool *out);
bool json_as_int64(json_doc_t *doc, const cJSON *node, int64_t *out);
/* An integer in [min, max]: `expected an integer between 1 and 64, got 65`. */
bool json_as_int64_in(json_doc_t *doc, const cJSON *node, int64_t min, int64_t max,
                      int64_t *out);
bool json_as_uint64(json_doc_t *doc, const cJSON *node, uint64_t *out);
/* Any finite number (integers included): `expected a finite number, got a number 1e999`. */
bool json_as_double(json_doc_t *doc, const cJSON *node, double *out);
/* A string among `names` (NULL-terminated); *out is its index. `expected one of "fifo",
 * "random", got "rnd"`, with `(did you mean "..."?)` when one name is close. */
bool json_as_enum(json_doc_t *doc, const cJSON *node, const char *const names[], int *out);
/* A duration: a string with a unit (ns, us, ms, s, min) such as "150ms", "2us" or "1.5s", whose
 * value must be a whole number of nanoseconds, or a non-negative integer in nanoseconds. The
 * result fits int64_t (about 292 years). */
bool json_as_duration_ns(json_doc_t *doc, const cJSON *node, int64_t *out);
/* Checks that `node` is an array / an object; nothing is stored. */
bool json_as_array(json_doc_t *doc, const cJSON *node);
bool json_as_object(json_doc_t *doc, const cJSON *node);

/* The parsing behind json_as_duration_ns, for callers that hold plain text (command-line
 * options). Returns 0 and *ns, or SIM_EINVAL with a short reason in *why (static, may be NULL
 * when the text simply has the wrong shape). */
int json_duration_parse(const char *text, int64_t *ns, const char **why);

/* Iteration over an array's elements or an object's members, in document order; NULL at the
 * end. Paths and positions come from the nodes, so no index needs to be carried. */
const cJSON *json_first(const cJSON *container);
const cJSON *json_next(const cJSON *item);
/* Number of elements or members. */
size_t json_count(const cJSON *container);
/* The key of an object member, borrowed from the document. */
const char *json_key(const cJSON *member);

/* ---- Objects with known keys ------------------------------------------------------------- */

typedef enum json_need {
    JSON_OPTIONAL = 0, /* absent: return false, no problem, *out untouched (keep the default) */
    JSON_REQUIRED = 1, /* absent: `missing required key "at"` at the object */
} json_need_t;

/* A cursor over one object that remembers which keys the loader asked for, so that
 * json_obj_end can report every other key as unknown. Caller-allocated (on the stack). */
typedef struct json_obj {
    /* private */
    json_doc_t *doc;
    const cJSON *node;                     /* NULL when begin failed: every call is a no-op */
    const char *keys[JSON_OBJ_KEYS_MAX];   /* borrowed names asked for, usually literals */
    uint32_t key_count;
} json_obj_t;

/* Starts a cursor on `node`. Returns false when `node` is not an object (one problem
 * recorded) or NULL (nothing recorded: an optional child that is absent). */
bool json_obj_begin(json_doc_t *doc, const cJSON *node, json_obj_t *obj);
/* Reports every key of the object that no getter asked for: `unknown key "dealy"; expected one
 * of "at", "delay" (did you mean "delay"?)`, at the key. Ends the cursor. */
void json_obj_end(json_obj_t *obj);
/* Ends the cursor without reporting unknown keys: when an earlier problem (an unknown "action")
 * means the loader cannot tell which keys are valid, more errors would only be noise. */
void json_obj_end_unchecked(json_obj_t *obj);
/* True if the object has `key` (case-sensitive); the key then counts as known. */
bool json_obj_has(json_obj_t *obj, const char *key);
/* The member `key` (it counts as known), NULL if absent; `missing required key` if need says
 * so. The base of every getter below, for values they do not cover. */
const cJSON *json_obj_get(json_obj_t *obj, const char *key, json_need_t need);

/* json_obj_get followed by the matching json_as_*: true when *out was stored. Absent optional
 * keys return false with no problem and *out untouched, so set the default first. */
bool json_get_string(json_obj_t *obj, const char *key, json_need_t need, const char **out);
bool json_get_string_dup(json_obj_t *obj, const char *key, json_need_t need, char **out);
bool json_get_bool(json_obj_t *obj, const char *key, json_need_t need, bool *out);
bool json_get_int64(json_obj_t *obj, const char *key, json_need_t need, int64_t *out);
bool json_get_int64_in(json_obj_t *obj, const char *key, json_need_t need, int64_t min,
                       int64_t max, int64_t *out);
bool json_get_uint64(json_obj_t *obj, const char *key, json_need_t need, uint64_t *out);
bool json_get_double(json_obj_t *obj, const char *key, json_need_t need, double *out);
bool json_get_enum(json_obj_t *obj, const char *key, json_need_t need,
                   const char *const names[], int *out);
bool json_get_duration_ns(json_obj_t *obj, const char *key, json_need_t need, int64_t *out);
/* The member `key` if it is an array, in *out (borrowed). */
bool json_get_array(json_obj_t *obj, const char *key, json_need_t need, const cJSON **out);
/* Begins `child` on the member `key`; false (and `child` a no-op cursor) when absent or not an
 * object. End it with json_obj_end as any other cursor. */
bool json_get_object(json_obj_t *obj, const char *key, json_need_t need, json_obj_t *child);

/* The first of `names` (NULL entries skipped) at most two edits from `word` (optimal string
 * alignment: a swap of neighbours is one edit), and fewer edits than its own length (an "id"
 * is not a typo of "at"); NULL if none. Borrowed from `names`. Used for "did you mean". */
const char *json_suggest(const char *word, const char *const *names, size_t count);

#endif /* WAKESIM_TOOLS_JSON_DOC_H */
