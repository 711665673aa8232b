/* json_doc.c - JSON documents that know the line and column of every value and key, and typed,
 * path-aware access that collects problems instead of stopping (contract in json_doc.h).
 *
 * Design. cJSON builds the tree but forgets where things were, so this file reads the same
 * bytes twice. First its own strict RFC 8259 scanner: it is the authority on syntax, stops at
 * the first error with the exact offset and an "expected ..., found ..." message, and refuses
 * what cJSON lets through (raw control characters and invalid UTF-8 in strings, \u0000, leading
 * zeros, garbage after the document). While scanning it appends one entry per value in document
 * order (pre-order: a container before its children, members in file order) holding the byte
 * offsets of the value and of its key. Then cJSON parses; a pre-order walk of its tree visits
 * the nodes in exactly that order, so the k-th node visited owns entry k. A table of (node
 * address, entry) sorted by address maps any node back to its entry in O(log n); the address
 * order is a lookup key only and never reaches an output.
 *
 * Offsets become line:col only when a problem or a caller asks: a binary search in the table of
 * line starts, then a count of UTF-8 lead bytes from the line start. Integers are re-read from
 * the source text, which is exact where cJSON's double is not.
 *
 * Cost: two passes over the bytes and about 40 bytes per value; a scenario has a few thousand.
 */
#include "json_doc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

#define NO_ENTRY         UINT32_MAX
#define NO_KEY           SIZE_MAX
#define QUOTE_CHARS_MAX  40 /* strings quoted in messages are cut after this many characters */
#define WORD_CHARS_MAX   20 /* the same for bare words in syntax errors */
#define NUMBER_CHARS_MAX 63 /* cJSON copies a number into a 64-byte buffer and fails past it */
#define EDIT_LEN_MAX     64 /* longer words get no "did you mean" */
#define DURATION_EXAMPLE "a duration like \"150ms\""

_Static_assert(JSON_DOC_SIZE_MAX < UINT32_MAX, "entries and lines are counted in 32 bits");

/* ---- Text building ------------------------------------------------------------------------ */

/* A growable string. An allocation failure sets `oom` and later writes do nothing, so message
 * code stays free of checks; sb_take then returns NULL. */
typedef struct strbuf {
    char *text; /* NUL-terminated once anything was written */
    size_t len;
    size_t cap;
    bool oom;
} strbuf_t;

static bool sb_reserve(strbuf_t *sb, size_t more)
{
    if (sb->oom)
        return false;
    if (sb->len + more + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + more + 1)
        cap *= 2;
    char *text = realloc(sb->text, cap);
    if (!text) {
        sb->oom = true;
        return false;
    }
    sb->text = text;
    sb->cap = cap;
    return true;
}

static void sb_putn(strbuf_t *sb, const char *s, size_t n)
{
    if (!sb_reserve(sb, n))
        return;
    memcpy(sb->text + sb->len, s, n);
    sb->len += n;
    sb->text[sb->len] = '\0';
}

static void sb_puts(strbuf_t *sb, const char *s)
{
    sb_putn(sb, s, strlen(s));
}

static void sb_vprintf(strbuf_t *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        sb->oom = true;
        return;
    }
    if (!sb_reserve(sb, (size_t)n))
        return;
    vsnprintf(sb->text + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

static void sb_printf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

/* The text (the caller frees it), or NULL after an allocation failure. Resets the buffer. */
static char *sb_take(strbuf_t *sb)
{
    char *text = sb->text;
    if (sb->oom) {
        free(text);
        text = NULL;
    } else if (!text) {
        text = strdup("");
    }
    *sb = (strbuf_t){0};
    return text;
}

/* Writes `len` bytes of UTF-8 text with JSON escapes, cut after `chars_max` characters. */
static void sb_escape(strbuf_t *sb, const char *s, size_t len, size_t chars_max)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80 && chars++ == chars_max) {
            sb_puts(sb, "...");
            return;
        }
        if (c == '"' || c == '\\')
            sb_printf(sb, "\\%c", c);
        else if (c == '\n')
            sb_puts(sb, "\\n");
        else if (c == '\t')
            sb_puts(sb, "\\t");
        else if (c == '\r')
            sb_puts(sb, "\\r");
        else if (c < 0x20 || c == 0x7f)
            sb_printf(sb, "\\u%04x", c);
        else
            sb_putn(sb, (const char *)&c, 1);
    }
}

/* "text", escaped and cut for a message. */
static void sb_quote(strbuf_t *sb, const char *s)
{
    sb_puts(sb, "\"");
    sb_escape(sb, s, strlen(s), QUOTE_CHARS_MAX);
    sb_puts(sb, "\"");
}

/* "a", "b", "c" -- preceded by "one of " when there is a choice. */
static void sb_choices(strbuf_t *sb, const char *const *names, size_t count)
{
    if (count > 1)
        sb_puts(sb, "one of ");
    for (size_t k = 0; k < count; k++) {
        if (k > 0)
            sb_puts(sb, ", ");
        sb_quote(sb, names[k]);
    }
}

/* ---- Problems ----------------------------------------------------------------------------- */

int json_problems_init(json_problems_t *probs, size_t stored_max)
{
    *probs = (json_problems_t){.stored_max = stored_max ? stored_max : JSON_PROBLEMS_MAX};
    probs->items = calloc(probs->stored_max, sizeof(*probs->items));
    return probs->items ? 0 : SIM_ENOMEM;
}

static void problem_free(json_problem_t *p)
{
    free(p->path);
    free(p->message);
    *p = (json_problem_t){0};
}

void json_problems_deinit(json_problems_t *probs)
{
    for (size_t i = 0; i < probs->stored_count; i++)
        problem_free(&probs->items[i]);
    for (size_t i = 0; i < probs->file_count; i++)
        free(probs->files[i]);
    free(probs->items);
    free(probs->files);
    *probs = (json_problems_t){0};
}

/* Print order: file (by first problem), line, column, then report order. */
static int problem_cmp(const json_problem_t *a, const json_problem_t *b)
{
    if (a->file_index != b->file_index)
        return a->file_index < b->file_index ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The index of `file` in the list's names, adding a copy the first time. */
static bool file_intern(json_problems_t *probs, const char *file, uint32_t *index)
{
    for (size_t i = 0; i < probs->file_count; i++) {
        const char *known = probs->files[i];
        if (known == file || (known && file && strcmp(known, file) == 0)) {
            *index = (uint32_t)i;
            return true;
        }
    }
    char **files = realloc(probs->files, (probs->file_count + 1) * sizeof(*files));
    if (!files)
        return false;
    probs->files = files;
    files[probs->file_count] = file ? strdup(file) : NULL;
    if (file && !files[probs->file_count])
        return false;
    *index = (uint32_t)probs->file_count++;
    return true;
}

/* Inserts in print order; when full, the last problem in print order makes room. */
static void problems_insert(json_problems_t *probs, const json_problem_t *p)
{
    if (probs->stored_count == probs->stored_max)
        problem_free(&probs->items[--probs->stored_count]);
    size_t k = probs->stored_count;
    while (k > 0 && problem_cmp(p, &probs->items[k - 1]) < 0) {
        probs->items[k] = probs->items[k - 1];
        k--;
    }
    probs->items[k] = *p;
    probs->stored_count++;
}

void json_problems_add(json_problems_t *probs, const char *file, uint32_t line, uint32_t col,
                       const char *path, const char *fmt, ...)
{
    SIM_ASSERT(probs != NULL);
    SIM_ASSERT(fmt != NULL);
    json_problem_t p = {.line = line, .col = col, .seq = probs->count++};
    if (!probs->items || !file_intern(probs, file, &p.file_index))
        return; /* counted, so "... and N more" still tells the user */
    p.file = probs->files[p.file_index];
    size_t n = probs->stored_count;
    if (n == probs->stored_max && problem_cmp(&p, &probs->items[n - 1]) > 0)
        return;
    strbuf_t m = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&m, fmt, ap);
    va_end(ap);
    p.message = sb_take(&m);
    p.path = path ? strdup(path) : NULL;
    if (!p.message || (path && !p.path)) {
        problem_free(&p);
        return;
    }
    problems_insert(probs, &p);
}

static void problem_print(const json_problem_t *p, FILE *out)
{
    fputs("wakesim: error: ", out);
    if (p->file) {
        fputs(p->file, out);
        if (p->line)
            fprintf(out, ":%" PRIu32 ":%" PRIu32, p->line, p->col);
        fputs(": ", out);
    }
    if (p->path)
        fprintf(out, "%s: ", p->path);
    fprintf(out, "%s\n", p->message);
}

void json_problems_print(const json_problems_t *probs, FILE *out)
{
    for (size_t i = 0; i < probs->stored_count; i++)
        problem_print(&probs->items[i], out);
    size_t more = probs->count - probs->stored_count;
    if (more > 0)
        fprintf(out, "wakesim: error: ... and %zu more problem%s\n", more, more == 1 ? "" : "s");
}

/* ---- Documents: entries, positions and paths ------------------------------------------------ */

/* One JSON value: where it is and where it sits in the tree. */
typedef struct json_entry {
    size_t value_offset; /* byte offset of the value's first character */
    size_t key_offset;   /* byte offset of its key's opening quote; NO_KEY when not a member */
    uint32_t parent;     /* entry of the enclosing array or object; NO_ENTRY for the root */
    uint32_t index;      /* position in the parent: array index or member number */
    const cJSON *node;   /* NULL until cJSON's tree is mapped (and so in syntax errors) */
} json_entry_t;

typedef struct json_ref {
    uintptr_t node; /* a cJSON node's address: a lookup key, never an order anyone sees */
    uint32_t entry;
} json_ref_t;

struct json_doc {
    char *name;
    char *bytes;           /* the input, with a NUL after the last byte */
    size_t len;            /* bytes of input, without that NUL */
    size_t start;          /* 3 when a UTF-8 byte order mark was skipped, else 0 */
    size_t *line_starts;   /* byte offset of the first byte of each line */
    uint32_t line_count;
    json_entry_t *entries; /* one per value, in document order */
    uint32_t entry_count;
    uint32_t entry_cap;
    json_ref_t *refs;      /* entry_count refs sorted by node address */
    cJSON *root;
    json_problems_t *probs; /* borrowed from the caller */
};

static bool is_line_break(const char *b, size_t len, size_t i)
{
    /* CRLF ends one line (at its LF); a lone CR or LF ends one too. */
    return b[i] == '\n' || (b[i] == '\r' && (i + 1 >= len || b[i + 1] != '\n'));
}

static int lines_index(json_doc_t *doc)
{
    size_t count = 1;
    for (size_t i = doc->start; i < doc->len; i++)
        count += is_line_break(doc->bytes, doc->len, i);
    doc->line_starts = malloc(count * sizeof(*doc->line_starts));
    if (!doc->line_starts)
        return SIM_ENOMEM;
    doc->line_starts[0] = doc->start;
    doc->line_count = 1;
    for (size_t i = doc->start; i < doc->len; i++) {
        if (is_line_break(doc->bytes, doc->len, i))
            doc->line_starts[doc->line_count++] = i + 1;
    }
    SIM_ASSERT(doc->line_count == count);
    return 0;
}

static json_pos_t pos_of(const json_doc_t *doc, size_t offset)
{
    SIM_ASSERT(offset <= doc->len);
    uint32_t lo = 0, hi = doc->line_count; /* the line is the last one starting <= offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (doc->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t col = 1;
    for (size_t i = doc->line_starts[lo]; i < offset; i++)
        col += ((unsigned char)doc->bytes[i] & 0xC0) != 0x80; /* UTF-8 lead bytes only */
    return (json_pos_t){.line = lo + 1, .col = col};
}

static bool is_identifier(const char *s, size_t len)
{
    if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* Bytes of a string as written in the source, between its quotes (already validated). */
static size_t raw_string_len(const char *b)
{
    size_t n = 0;
    while (b[n] != '"')
        n += b[n] == '\\' ? 2 : 1;
    return n;
}

/* `.key`, or `["key"]` when the key is not an identifier. Before cJSON has parsed (syntax
 * errors) the key is the source text, whose escapes are already valid inside `["..."]`. */
static void sb_path_key(strbuf_t *sb, const json_doc_t *doc, const json_entry_t *en)
{
    const char *key = en->node ? en->node->string : doc->bytes + en->key_offset + 1;
    size_t len = en->node ? strlen(key) : raw_string_len(key);
    if (is_identifier(key, len)) {
        sb_puts(sb, ".");
        sb_putn(sb, key, len);
        return;
    }
    sb_puts(sb, "[\"");
    if (en->node)
        sb_escape(sb, key, len, SIZE_MAX);
    else
        sb_putn(sb, key, len);
    sb_puts(sb, "\"]");
}

static void sb_path(strbuf_t *sb, const json_doc_t *doc, uint32_t entry)
{
    uint32_t chain[JSON_DOC_DEPTH_MAX + 2]; /* the entry, then its ancestors up to the root */
    size_t depth = 0;
    for (uint32_t e = entry; e != NO_ENTRY; e = doc->entries[e].parent) {
        SIM_ASSERT(depth < sizeof(chain) / sizeof(chain[0]));
        chain[depth++] = e;
    }
    sb_puts(sb, "$");
    for (size_t k = depth - 1; k-- > 0;) {
        const json_entry_t *en = &doc->entries[chain[k]];
        if (en->key_offset == NO_KEY)
            sb_printf(sb, "[%" PRIu32 "]", en->index);
        else
            sb_path_key(sb, doc, en);
    }
}

/* Records `m` at byte `offset` with the path of `entry` (the root's when there is none). */
static void report_at(json_doc_t *doc, uint32_t entry, size_t offset, strbuf_t *m)
{
    json_pos_t pos = pos_of(doc, offset);
    strbuf_t path = {0};
    if (entry < doc->entry_count)
        sb_path(&path, doc, entry);
    else
        sb_puts(&path, "$");
    char *path_text = sb_take(&path);
    char *message = sb_take(m);
    json_problems_add(doc->probs, doc->name, pos.line, pos.col, path_text, "%s",
                      message ? message : "out of memory");
    free(path_text);
    free(message);
}

/* Records `m` at an entry's value or key, with the entry's path. */
static void report_entry(json_doc_t *doc, uint32_t entry, bool at_key, strbuf_t *m)
{
    const json_entry_t *en = &doc->entries[entry];
    bool keyed = at_key && en->key_offset != NO_KEY;
    report_at(doc, entry, keyed ? en->key_offset : en->value_offset, m);
}

static uint32_t entry_of(const json_doc_t *doc, const cJSON *node)
{
    SIM_ASSERT(node != NULL);
    uintptr_t key = (uintptr_t)node;
    uint32_t lo = 0, hi = doc->entry_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (doc->refs[mid].node < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    SIM_ASSERT(lo < doc->entry_count); /* a node of another document is a bug */
    SIM_ASSERT(doc->refs[lo].node == key);
    return doc->refs[lo].entry;
}

static void report_node(json_doc_t *doc, const cJSON *node, bool at_key, strbuf_t *m)
{
    report_entry(doc, entry_of(doc, node), at_key, m);
}

/* ---- The scanner: strict syntax, entries and the first error ------------------------------- */

typedef struct scan {
    json_doc_t *doc;
    const char *b;     /* doc->bytes */
    size_t len;
    size_t i;          /* next byte to read */
    uint32_t cur;      /* entry whose path an error reports: the innermost open value */
    int depth;         /* open arrays and objects */
    bool oom;
    bool failed;
    size_t err_offset; /* where the first error is */
    strbuf_t err;      /* its message */
} scan_t;

static int peek(const scan_t *s)
{
    return s->i < s->len ? (unsigned char)s->b[s->i] : -1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_word_char(int c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

static size_t word_len(const scan_t *s, size_t at)
{
    size_t n = 0;
    while (at + n < s->len && is_word_char((unsigned char)s->b[at + n]))
        n++;
    return n;
}

static bool word_is(const scan_t *s, size_t at, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s->b + at, word, n) == 0;
}

static void skip_ws(scan_t *s)
{
    while (s->i < s->len) {
        char c = s->b[s->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        s->i++;
    }
}

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0: overlong forms, surrogates and code
 * points past U+10FFFF are invalid (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    uint32_t cp, min;
    size_t n;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2, cp = p[0] & 0x1Fu, min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3, cp = p[0] & 0x0Fu, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4, cp = p[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static bool scan_fail(scan_t *s, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool scan_fail(scan_t *s, size_t at, const char *fmt, ...)
{
    SIM_ASSERT(!s->failed);
    s->failed = true;
    s->err_offset = at;
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s->err, fmt, ap);
    va_end(ap);
    return false;
}

/* A bare word in a syntax error, with a hint for the usual slips. */
static void sb_found_word(strbuf_t *sb, const scan_t *s, size_t at, bool value_wanted)
{
    size_t n = word_len(s, at);
    size_t shown = n > WORD_CHARS_MAX ? WORD_CHARS_MAX : n;
    sb_printf(sb, "'%.*s%s'", (int)shown, s->b + at, n > shown ? "..." : "");
    bool literal = word_is(s, at, n, "true") || word_is(s, at, n, "false") ||
                   word_is(s, at, n, "null");
    bool wrong_case = (n == 4 && (strncasecmp(s->b + at, "true", 4) == 0 ||
                                  strncasecmp(s->b + at, "null", 4) == 0)) ||
                      (n == 5 && strncasecmp(s->b + at, "false", 5) == 0);
    if (word_is(s, at, n, "NaN") || word_is(s, at, n, "Infinity"))
        sb_puts(sb, " (NaN and Infinity are not JSON)");
    else if (wrong_case && !literal)
        sb_puts(sb, " (true, false and null are lower case)");
    else if (value_wanted && !literal)
        sb_puts(sb, " (strings are written in double quotes)");
}

/* What is at `at`, for "found ...": a token kind, a quoted character or word, or the end. */
static void sb_found(strbuf_t *sb, const scan_t *s, size_t at, bool value_wanted)
{
    if (at >= s->len) {
        sb_puts(sb, "end of file");
        return;
    }
    unsigned char c = (unsigned char)s->b[at];
    if (c == '"')
        sb_puts(sb, "a string");
    else if (c == '-' || is_digit(c))
        sb_puts(sb, "a number");
    else if (c == '\'')
        sb_puts(sb, "a single quote (JSON strings use double quotes)");
    else if (c == '/')
        sb_puts(sb, "'/' (JSON has no comments)");
    else if (is_word_char(c))
        sb_found_word(sb, s, at, value_wanted);
    else if (c >= 0x80 && utf8_len((const unsigned char *)s->b + at, s->len - at) > 0)
        sb_printf(sb, "'%.*s'", (int)utf8_len((const unsigned char *)s->b + at, s->len - at),
                  s->b + at);
    else if (c >= 0x80)
        sb_printf(sb, "the byte 0x%02X (not UTF-8)", c);
    else if (c < 0x20 || c == 0x7f)
        sb_printf(sb, "the control character U+%04X", c);
    else
        sb_printf(sb, "'%c'", c);
}

/* "expected <what>, found <what is at the cursor>". */
static bool scan_expected(scan_t *s, const char *what, bool value_wanted)
{
    strbuf_t found = {0};
    sb_found(&found, s, s->i, value_wanted);
    scan_fail(s, s->i, "expected %s, found %s", what, found.oom ? "?" : found.text);
    free(found.text);
    return false;
}

static bool entry_add(scan_t *s, uint32_t parent, uint32_t index, size_t key_offset)
{
    json_doc_t *doc = s->doc;
    if (doc->entry_count == doc->entry_cap) {
        uint32_t cap = doc->entry_cap ? doc->entry_cap * 2 : 64;
        json_entry_t *entries = realloc(doc->entries, cap * sizeof(*entries));
        if (!entries) {
            s->oom = true;
            return false;
        }
        doc->entries = entries;
        doc->entry_cap = cap;
    }
    s->cur = doc->entry_count++;
    doc->entries[s->cur] = (json_entry_t){
        .value_offset = s->i, .key_offset = key_offset, .parent = parent, .index = index};
    return true;
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The UTF-16 unit of the \uXXXX escape at `at` (its backslash); false if it is not one. */
static bool hex4(const scan_t *s, size_t at, uint32_t *unit)
{
    if (at + 6 > s->len || s->b[at] != '\\' || s->b[at + 1] != 'u')
        return false;
    *unit = 0;
    for (size_t k = 2; k < 6; k++) {
        int v = hex_value(s->b[at + k]);
        if (v < 0)
            return false;
        *unit = *unit << 4 | (uint32_t)v;
    }
    return true;
}

/* \uXXXX at s->i: four hex digits, no U+0000 (cJSON would cut the string there), and
 * surrogates only as a high-low pair (cJSON refuses the rest). */
static bool scan_u_escape(scan_t *s)
{
    size_t at = s->i;
    uint32_t unit, low;
    if (!hex4(s, at, &unit))
        return scan_fail(s, at, "invalid \\u escape in a string; expected 4 hex digits");
    s->i += 6;
    if (unit == 0)
        return scan_fail(s, at, "\\u0000 is not allowed in a string");
    if (unit < 0xD800 || unit > 0xDFFF)
        return true;
    if (unit <= 0xDBFF && hex4(s, s->i, &low) && low >= 0xDC00 && low <= 0xDFFF) {
        s->i += 6;
        return true;
    }
    return scan_fail(s, at, "unpaired surrogate \\u%04" PRIX32 " in a string", unit);
}

/* A backslash at s->i that starts no JSON escape. */
static bool bad_escape(scan_t *s)
{
    char e = s->b[s->i + 1];
    char shown[8] = "";
    if (e > ' ' && e < 0x7f)
        snprintf(shown, sizeof(shown), " '\\%c'", e);
    return scan_fail(s, s->i, "invalid escape%s in a string; expected one of \\\" \\\\ \\/ \\b "
                              "\\f \\n \\r \\t \\uXXXX", shown);
}

/* A string at s->i (its opening quote). An unterminated string is reported at its opening
 * quote, where the fix usually is, as compilers do. */
static bool scan_string(scan_t *s)
{
    size_t open = s->i++;
    while (s->i < s->len) {
        unsigned char c = (unsigned char)s->b[s->i];
        if (c == '"') {
            s->i++;
            return true;
        }
        if (c == '\n' || c == '\r')
            return scan_fail(s, open, "unterminated string: expected '\"' before the end of "
                                      "the line");
        if (c == '\\' && s->i + 1 < s->len && s->b[s->i + 1] == 'u') {
            if (!scan_u_escape(s))
                return false;
        } else if (c == '\\' && s->i + 1 < s->len) {
            char e = s->b[s->i + 1];
            if (!strchr("\"\\/bfnrt", e) || e == '\0')
                return bad_escape(s);
            s->i += 2;
        } else if (c == '\\') {
            s->i++; /* a backslash as the last byte: unterminated */
        } else if (c == '\t') {
            return scan_fail(s, s->i, "a tab in a string; write it as \\t");
        } else if (c < 0x20) {
            return scan_fail(s, s->i, "control character U+%04X in a string; write it as \\u%04X",
                             c, c);
        } else {
            size_t n = utf8_len((const unsigned char *)s->b + s->i, s->len - s->i);
            if (n == 0)
                return scan_fail(s, s->i, "invalid UTF-8 in a string (byte 0x%02X)", c);
            s->i += n;
        }
    }
    return scan_fail(s, open, "unterminated string: expected '\"' before the end of the file");
}

static void skip_digits(scan_t *s)
{
    while (is_digit(peek(s)))
        s->i++;
}

/* A number at s->i, with RFC 8259's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool scan_number(scan_t *s)
{
    size_t start = s->i;
    if (peek(s) == '-') {
        s->i++;
        if (word_is(s, s->i, word_len(s, s->i), "Infinity"))
            return scan_fail(s, start, "expected a value, found '-Infinity' (NaN and Infinity "
                                       "are not JSON)");
        if (!is_digit(peek(s)))
            return scan_expected(s, "a digit after '-'", false);
    }
    if (peek(s) == '0' && s->i + 1 < s->len && is_digit(s->b[s->i + 1]))
        return scan_fail(s, start, "leading zeros are not allowed in numbers");
    skip_digits(s);
    if (peek(s) == '.') {
        s->i++;
        if (!is_digit(peek(s)))
            return scan_expected(s, "a digit after '.'", false);
        skip_digits(s);
    }
    if (peek(s) == 'e' || peek(s) == 'E') {
        s->i++;
        if (peek(s) == '+' || peek(s) == '-')
            s->i++;
        if (!is_digit(peek(s)))
            return scan_expected(s, "a digit in the exponent", false);
        skip_digits(s);
    }
    if (s->i - start > NUMBER_CHARS_MAX)
        return scan_fail(s, start, "a number longer than %d characters", NUMBER_CHARS_MAX);
    return true;
}

static bool scan_word(scan_t *s)
{
    size_t n = word_len(s, s->i);
    if (word_is(s, s->i, n, "true") || word_is(s, s->i, n, "false") ||
        word_is(s, s->i, n, "null")) {
        s->i += n;
        return true;
    }
    return scan_expected(s, "a value", true);
}

static bool scan_value(scan_t *s, uint32_t parent, uint32_t index, size_t key_offset);

/* Past an opening bracket, one level deeper. */
static bool depth_enter(scan_t *s)
{
    if (s->depth == JSON_DOC_DEPTH_MAX)
        return scan_fail(s, s->i, "arrays and objects nested deeper than %d levels",
                         JSON_DOC_DEPTH_MAX);
    s->depth++;
    s->i++;
    skip_ws(s);
    return true;
}

/* Past a closing bracket, one level up. */
static bool depth_leave(scan_t *s)
{
    s->depth--;
    s->i++;
    return true;
}

/* `"key": value` of the object entry `self`, then the whitespace after it. */
static bool scan_member(scan_t *s, uint32_t self, uint32_t index)
{
    if (index > 0 && peek(s) == '}')
        return scan_fail(s, s->i, "expected a string key after ',', found '}' (trailing commas "
                                  "are not allowed)");
    if (peek(s) != '"')
        return scan_expected(s, index > 0 ? "a string key after ','" : "a string key or '}'",
                             true);
    size_t key_offset = s->i;
    if (!scan_string(s))
        return false;
    skip_ws(s);
    if (peek(s) != ':')
        return scan_expected(s, "':' after the key", false);
    s->i++;
    skip_ws(s);
    if (!scan_value(s, self, index, key_offset))
        return false;
    s->cur = self;
    skip_ws(s);
    return true;
}

static bool scan_object(scan_t *s)
{
    uint32_t self = s->cur;
    if (!depth_enter(s))
        return false;
    if (peek(s) == '}')
        return depth_leave(s);
    for (uint32_t index = 0;; index++) { /* each turn consumes input, so the end stops it */
        if (!scan_member(s, self, index))
            return false;
        if (peek(s) == '}')
            return depth_leave(s);
        if (peek(s) != ',')
            return scan_expected(s, "',' or '}' after a member", false);
        s->i++;
        skip_ws(s);
    }
}

static bool scan_array(scan_t *s)
{
    uint32_t self = s->cur;
    if (!depth_enter(s))
        return false;
    if (peek(s) == ']')
        return depth_leave(s);
    for (uint32_t index = 0;; index++) { /* each turn consumes input, so the end stops it */
        if (index > 0 && peek(s) == ']')
            return scan_fail(s, s->i, "expected a value after ',', found ']' (trailing commas "
                                      "are not allowed)");
        if (!scan_value(s, self, index, NO_KEY))
            return false;
        s->cur = self;
        skip_ws(s);
        if (peek(s) == ']')
            return depth_leave(s);
        if (peek(s) != ',')
            return scan_expected(s, "',' or ']' after an element", false);
        s->i++;
        skip_ws(s);
    }
}

/* One value at s->i: its entry first (pre-order), then its contents. */
static bool scan_value(scan_t *s, uint32_t parent, uint32_t index, size_t key_offset)
{
    if (!entry_add(s, parent, index, key_offset))
        return false;
    int c = peek(s);
    if (c == '{')
        return scan_object(s);
    if (c == '[')
        return scan_array(s);
    if (c == '"')
        return scan_string(s);
    if (c == '-' || is_digit(c))
        return scan_number(s);
    return scan_word(s);
}

/* Scans the whole input: entries for every value, or one problem at the first syntax error.
 * Returns 0, SIM_EINVAL or SIM_ENOMEM. */
static int scan_document(json_doc_t *doc)
{
    scan_t s = {.doc = doc, .b = doc->bytes, .len = doc->len, .i = doc->start};
    skip_ws(&s);
    if (scan_value(&s, NO_ENTRY, 0, NO_KEY)) {
        s.cur = 0;
        skip_ws(&s);
        if (s.i < s.len)
            scan_expected(&s, "the end of the file after the document", false);
    }
    if (s.oom) {
        free(s.err.text);
        return SIM_ENOMEM;
    }
    if (!s.failed)
        return 0;
    report_at(doc, s.cur, s.err_offset, &s.err);
    return SIM_EINVAL;
}

/* ---- Documents: cJSON's tree, mapped onto the entries ------------------------------------- */

static bool node_matches(const json_doc_t *doc, const json_entry_t *en, const cJSON *node)
{
    if ((en->key_offset != NO_KEY) != (node->string != NULL))
        return false;
    switch (doc->bytes[en->value_offset]) {
    case '{':
        return cJSON_IsObject(node);
    case '[':
        return cJSON_IsArray(node);
    case '"':
        return cJSON_IsString(node);
    case 't':
    case 'f':
        return cJSON_IsBool(node);
    case 'n':
        return cJSON_IsNull(node);
    }
    return cJSON_IsNumber(node);
}

/* Gives entry `next` to `node`, then entries to its children in order: the scanner's order.
 * Returns the next free entry. Recursion is bounded by JSON_DOC_DEPTH_MAX. */
static uint32_t map_tree(json_doc_t *doc, const cJSON *node, uint32_t next)
{
    SIM_ASSERT(next < doc->entry_count);
    json_entry_t *en = &doc->entries[next];
    SIM_ASSERT(node_matches(doc, en, node));
    en->node = node;
    next++;
    if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
        for (const cJSON *child = node->child; child; child = child->next)
            next = map_tree(doc, child, next);
    }
    return next;
}

static int ref_cmp(const void *a, const void *b)
{
    const json_ref_t *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* cJSON parses the bytes the scanner accepted; its nodes are mapped to the entries. */
static int parse_tree(json_doc_t *doc)
{
    const char *end = NULL;
    doc->root = cJSON_ParseWithLengthOpts(doc->bytes + doc->start, doc->len - doc->start, &end,
                                          false);
    if (!doc->root) {
        /* The scanner is stricter than cJSON, so only a failed allocation inside cJSON should
         * get here; report where cJSON stopped all the same. */
        size_t at = end ? (size_t)(end - doc->bytes) : doc->start;
        strbuf_t m = {0};
        sb_puts(&m, "cJSON could not parse the document here (out of memory?)");
        report_at(doc, 0, at <= doc->len ? at : doc->len, &m);
        return SIM_EINVAL;
    }
    uint32_t mapped = map_tree(doc, doc->root, 0);
    SIM_ASSERT(mapped == doc->entry_count);
    doc->refs = malloc(doc->entry_count * sizeof(*doc->refs));
    if (!doc->refs)
        return SIM_ENOMEM;
    for (uint32_t e = 0; e < doc->entry_count; e++)
        doc->refs[e] = (json_ref_t){.node = (uintptr_t)doc->entries[e].node, .entry = e};
    qsort(doc->refs, doc->entry_count, sizeof(*doc->refs), ref_cmp);
    return 0;
}

typedef struct member_ref {
    const char *key;
    uint32_t entry;
} member_ref_t;

static int member_cmp(const void *a, const void *b)
{
    const member_ref_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Sorting the keys (then document order) puts duplicates side by side: O(n log n) per object
 * where comparing every pair would be quadratic. `members` has room for every member. */
static void report_duplicates(json_doc_t *doc, const cJSON *object, member_ref_t *members)
{
    size_t n = 0;
    for (const cJSON *m = object->child; m; m = m->next)
        members[n++] = (member_ref_t){.key = m->string, .entry = entry_of(doc, m)};
    qsort(members, n, sizeof(*members), member_cmp);
    size_t first = 0;
    for (size_t k = 1; k < n; k++) {
        if (strcmp(members[k].key, members[first].key) != 0) {
            first = k;
            continue;
        }
        json_pos_t pos = pos_of(doc, doc->entries[members[first].entry].key_offset);
        strbuf_t m = {0};
        sb_puts(&m, "duplicate key ");
        sb_quote(&m, members[k].key);
        sb_printf(&m, " (first at %" PRIu32 ":%" PRIu32 ")", pos.line, pos.col);
        report_entry(doc, members[k].entry, true, &m);
    }
}

static int check_duplicates(json_doc_t *doc)
{
    size_t most = 0;
    for (uint32_t e = 0; e < doc->entry_count; e++) {
        const cJSON *node = doc->entries[e].node;
        size_t n = cJSON_IsObject(node) ? (size_t)cJSON_GetArraySize(node) : 0;
        most = n > most ? n : most;
    }
    if (most < 2)
        return 0;
    member_ref_t *members = malloc(most * sizeof(*members));
    if (!members)
        return SIM_ENOMEM;
    for (uint32_t e = 0; e < doc->entry_count; e++) {
        const cJSON *node = doc->entries[e].node;
        if (cJSON_IsObject(node) && cJSON_GetArraySize(node) >= 2)
            report_duplicates(doc, node, members);
    }
    free(members);
    return 0;
}

/* ---- Documents: the public side ------------------------------------------------------------- */

static int out_of_memory(json_problems_t *probs, const char *name)
{
    json_problems_add(probs, name, 0, 0, NULL, "out of memory");
    return SIM_ENOMEM;
}

/* Takes ownership of `bytes`: `len` bytes followed by a NUL. */
static int doc_create(const char *name, char *bytes, size_t len, json_problems_t *probs,
                      json_doc_t **out)
{
    json_doc_t *doc = calloc(1, sizeof(*doc));
    if (!doc) {
        free(bytes);
        return out_of_memory(probs, name);
    }
    *doc = (json_doc_t){.bytes = bytes, .len = len, .probs = probs, .name = strdup(name)};
    if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
        doc->start = 3; /* a byte order mark: skipped, and takes no column */
    int rc = doc->name ? lines_index(doc) : SIM_ENOMEM;
    if (rc == 0)
        rc = scan_document(doc);
    if (rc == 0)
        rc = parse_tree(doc);
    if (rc == 0)
        rc = check_duplicates(doc);
    if (rc == SIM_ENOMEM)
        out_of_memory(probs, name);
    if (rc != 0) {
        json_doc_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int json_doc_parse(const char *name, const char *bytes, size_t len, json_problems_t *probs,
                   json_doc_t **doc)
{
    SIM_ASSERT(name != NULL);
    SIM_ASSERT(probs != NULL);
    SIM_ASSERT(bytes != NULL || len == 0);
    *doc = NULL;
    if (len > JSON_DOC_SIZE_MAX) {
        json_problems_add(probs, name, 0, 0, NULL, "larger than %u MiB",
                          JSON_DOC_SIZE_MAX >> 20);
        return SIM_EINVAL;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return out_of_memory(probs, name);
    if (len > 0)
        memcpy(copy, bytes, len);
    copy[len] = '\0';
    return doc_create(name, copy, len, probs, doc);
}

/* Reads all of `f` into a new buffer with a NUL after it. Returns 0, SIM_EIO (errno set),
 * SIM_ERANGE (more than JSON_DOC_SIZE_MAX bytes) or SIM_ENOMEM. */
static int read_all(FILE *f, char **bytes, size_t *len)
{
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) { /* bounded: cap never passes JSON_DOC_SIZE_MAX + 1 */
        if (n == cap && cap == JSON_DOC_SIZE_MAX + 1u) {
            free(buf);
            return SIM_ERANGE;
        }
        if (n == cap) {
            cap = cap == 0 ? 4096 : cap * 2 > JSON_DOC_SIZE_MAX ? JSON_DOC_SIZE_MAX + 1u : cap * 2;
            char *grown = realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                return SIM_ENOMEM;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return SIM_EIO;
    }
    buf[n] = '\0';
    *bytes = buf;
    *len = n;
    return 0;
}

int json_doc_load(const char *path, json_problems_t *probs, json_doc_t **doc)
{
    SIM_ASSERT(path != NULL);
    SIM_ASSERT(probs != NULL);
    *doc = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        json_problems_add(probs, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
        return SIM_EIO;
    }
    char *bytes = NULL;
    size_t len = 0;
    errno = 0;
    int rc = read_all(f, &bytes, &len);
    int err = errno;
    fclose(f);
    if (rc == SIM_EIO)
        json_problems_add(probs, path, 0, 0, NULL, "cannot read: %s", strerror(err));
    else if (rc == SIM_ERANGE)
        json_problems_add(probs, path, 0, 0, NULL, "larger than %u MiB", JSON_DOC_SIZE_MAX >> 20);
    else if (rc == SIM_ENOMEM)
        out_of_memory(probs, path);
    if (rc != 0)
        return rc == SIM_ERANGE ? SIM_EINVAL : rc;
    return doc_create(path, bytes, len, probs, doc);
}

void json_doc_free(json_doc_t *doc)
{
    if (!doc)
        return;
    cJSON_Delete(doc->root);
    free(doc->refs);
    free(doc->entries);
    free(doc->line_starts);
    free(doc->bytes);
    free(doc->name);
    free(doc);
}

const cJSON *json_doc_root(const json_doc_t *doc)
{
    return doc->root;
}

const char *json_doc_name(const json_doc_t *doc)
{
    return doc->name;
}

json_pos_t json_doc_value_pos(const json_doc_t *doc, const cJSON *node)
{
    return pos_of(doc, doc->entries[entry_of(doc, node)].value_offset);
}

json_pos_t json_doc_key_pos(const json_doc_t *doc, const cJSON *node)
{
    const json_entry_t *en = &doc->entries[entry_of(doc, node)];
    return pos_of(doc, en->key_offset != NO_KEY ? en->key_offset : en->value_offset);
}

char *json_doc_path(const json_doc_t *doc, const cJSON *node)
{
    strbuf_t path = {0};
    sb_path(&path, doc, entry_of(doc, node));
    return sb_take(&path);
}

void json_doc_report(json_doc_t *doc, const cJSON *node, const char *fmt, ...)
{
    strbuf_t m = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&m, fmt, ap);
    va_end(ap);
    report_node(doc, node, false, &m);
}

void json_doc_report_key(json_doc_t *doc, const cJSON *node, const char *fmt, ...)
{
    strbuf_t m = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&m, fmt, ap);
    va_end(ap);
    report_node(doc, node, true, &m);
}

const cJSON *json_first(const cJSON *container)
{
    return cJSON_IsArray(container) || cJSON_IsObject(container) ? container->child : NULL;
}

const cJSON *json_next(const cJSON *item)
{
    return item ? item->next : NULL;
}

size_t json_count(const cJSON *container)
{
    size_t n = 0;
    for (const cJSON *item = json_first(container); item; item = item->next)
        n++;
    return n;
}

const char *json_key(const cJSON *member)
{
    return member->string;
}

/* ---- Typed access to values ----------------------------------------------------------------- */

/* The number as written in the source: exact, where cJSON keeps a double. */
static const char *number_text(const json_doc_t *doc, const cJSON *node, size_t *len)
{
    const char *t = doc->bytes + doc->entries[entry_of(doc, node)].value_offset;
    size_t n = 0;
    while (t[n] && strchr("+-.eE0123456789", t[n]))
        n++;
    *len = n;
    return t;
}

/* What a value is, in JSON's words: `a string "5"`, `a number 1.5`, `a boolean true`, `null`,
 * `an array`, `an object`. */
static void sb_got(strbuf_t *sb, const json_doc_t *doc, const cJSON *node)
{
    if (cJSON_IsString(node)) {
        sb_puts(sb, "a string ");
        sb_quote(sb, node->valuestring);
    } else if (cJSON_IsNumber(node)) {
        size_t n;
        const char *t = number_text(doc, node, &n);
        sb_printf(sb, "a number %.*s", (int)n, t);
    } else if (cJSON_IsBool(node)) {
        sb_puts(sb, cJSON_IsTrue(node) ? "a boolean true" : "a boolean false");
    } else if (cJSON_IsNull(node)) {
        sb_puts(sb, "null");
    } else {
        sb_puts(sb, cJSON_IsArray(node) ? "an array" : "an object");
    }
}

/* `expected <expected>, got <what the value is>`; returns false for the callers' tail calls. */
static bool type_error(json_doc_t *doc, const cJSON *node, const char *expected)
{
    strbuf_t m = {0};
    sb_printf(&m, "expected %s, got ", expected);
    sb_got(&m, doc, node);
    report_node(doc, node, false, &m);
    return false;
}

/* `expected <expected>, got <the number as written>`: the type was right, the value is not. */
static bool number_error(json_doc_t *doc, const cJSON *node, const char *expected,
                         const char *why)
{
    size_t n;
    const char *t = number_text(doc, node, &n);
    strbuf_t m = {0};
    sb_printf(&m, "expected %s, got %.*s", expected, (int)n, t);
    if (why)
        sb_printf(&m, " (%s)", why);
    report_node(doc, node, false, &m);
    return false;
}

/* Reads the integer written in `t` (valid JSON number syntax): false if it has a fraction or an
 * exponent. *overflow when the magnitude passes UINT64_MAX. */
static bool int_text(const char *t, size_t n, bool *neg, uint64_t *mag, bool *overflow)
{
    *neg = n > 0 && t[0] == '-';
    *mag = 0;
    *overflow = false;
    for (size_t i = *neg; i < n; i++) {
        if (!is_digit(t[i]))
            return false;
        unsigned d = (unsigned)(t[i] - '0');
        if (*mag > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            *mag = *mag * 10 + d;
    }
    return true;
}

/* The integer written for `node`; false if it is not a number written as an integer. */
static bool node_int(const json_doc_t *doc, const cJSON *node, bool *neg, uint64_t *mag,
                     bool *overflow)
{
    if (!cJSON_IsNumber(node))
        return false;
    size_t n;
    const char *t = number_text(doc, node, &n);
    return int_text(t, n, neg, mag, overflow);
}

static bool int64_from(bool neg, uint64_t mag, int64_t *v)
{
    if (!neg && mag > (uint64_t)INT64_MAX)
        return false;
    if (neg && mag > (uint64_t)INT64_MAX + 1)
        return false;
    if (neg)
        *v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    else
        *v = (int64_t)mag;
    return true;
}

bool json_as_int64_in(json_doc_t *doc, const cJSON *node, int64_t min, int64_t max,
                      int64_t *out)
{
    SIM_ASSERT(min <= max);
    if (!node)
        return false;
    char range[80];
    snprintf(range, sizeof(range), "an integer between %" PRId64 " and %" PRId64, min, max);
    const char *expected = min == INT64_MIN && max == INT64_MAX ? "an integer" : range;
    bool neg, overflow;
    uint64_t mag;
    if (!node_int(doc, node, &neg, &mag, &overflow))
        return type_error(doc, node, expected);
    int64_t v;
    if (overflow || !int64_from(neg, mag, &v) || v < min || v > max)
        return number_error(doc, node, range, NULL);
    *out = v;
    return true;
}

bool json_as_int64(json_doc_t *doc, const cJSON *node, int64_t *out)
{
    return json_as_int64_in(doc, node, INT64_MIN, INT64_MAX, out);
}

bool json_as_uint64(json_doc_t *doc, const cJSON *node, uint64_t *out)
{
    if (!node)
        return false;
    bool neg, overflow;
    uint64_t mag;
    if (!node_int(doc, node, &neg, &mag, &overflow))
        return type_error(doc, node, "a non-negative integer");
    if (neg && (mag != 0 || overflow))
        return number_error(doc, node, "a non-negative integer", NULL);
    if (overflow)
        return number_error(doc, node, "an integer between 0 and 18446744073709551615", NULL);
    *out = mag;
    return true;
}

bool json_as_double(json_doc_t *doc, const cJSON *node, double *out)
{
    if (!node)
        return false;
    if (!cJSON_IsNumber(node))
        return type_error(doc, node, "a number");
    if (!isfinite(node->valuedouble))
        return number_error(doc, node, "a finite number", NULL);
    *out = node->valuedouble;
    return true;
}

bool json_as_bool(json_doc_t *doc, const cJSON *node, bool *out)
{
    if (!node)
        return false;
    if (!cJSON_IsBool(node))
        return type_error(doc, node, "a boolean");
    *out = cJSON_IsTrue(node);
    return true;
}

bool json_as_string(json_doc_t *doc, const cJSON *node, const char **out)
{
    if (!node)
        return false;
    if (!cJSON_IsString(node))
        return type_error(doc, node, "a string");
    *out = node->valuestring;
    return true;
}

bool json_as_string_dup(json_doc_t *doc, const cJSON *node, char **out)
{
    const char *s = NULL;
    if (!json_as_string(doc, node, &s))
        return false;
    char *copy = strdup(s);
    if (!copy) {
        json_doc_report(doc, node, "out of memory");
        return false;
    }
    *out = copy;
    return true;
}

bool json_as_array(json_doc_t *doc, const cJSON *node)
{
    if (!node)
        return false;
    return cJSON_IsArray(node) || type_error(doc, node, "an array");
}

bool json_as_object(json_doc_t *doc, const cJSON *node)
{
    if (!node)
        return false;
    return cJSON_IsObject(node) || type_error(doc, node, "an object");
}

/* Optimal string alignment distance (Levenshtein plus swapping two neighbours, so "dealy" is
 * one edit from "delay"); SIZE_MAX for words too long to be worth it. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > EDIT_LEN_MAX || lb > EDIT_LEN_MAX)
        return SIZE_MAX;
    uint8_t d[EDIT_LEN_MAX + 1][EDIT_LEN_MAX + 1]; /* distances stay <= 128 */
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

const char *json_suggest(const char *word, const char *const *names, size_t count)
{
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t k = 0; k < count; k++) {
        if (!names[k])
            continue;
        size_t distance = edit_distance(word, names[k]);
        if (distance < best_distance && distance < strlen(names[k])) {
            best = names[k];
            best_distance = distance;
        }
    }
    return best;
}

/* ` (did you mean "x"?)` when json_suggest finds a name. */
static void sb_suggest(strbuf_t *sb, const char *word, const char *const *names, size_t count)
{
    const char *best = json_suggest(word, names, count);
    if (!best)
        return;
    sb_puts(sb, " (did you mean ");
    sb_quote(sb, best);
    sb_puts(sb, "?)");
}

bool json_as_enum(json_doc_t *doc, const cJSON *node, const char *const names[], int *out)
{
    SIM_ASSERT(names != NULL);
    SIM_ASSERT(names[0] != NULL);
    if (!node)
        return false;
    size_t count = 0;
    while (names[count])
        count++;
    for (size_t k = 0; cJSON_IsString(node) && k < count; k++) {
        if (strcmp(node->valuestring, names[k]) == 0) {
            *out = (int)k;
            return true;
        }
    }
    strbuf_t m = {0};
    sb_puts(&m, "expected ");
    sb_choices(&m, names, count);
    sb_puts(&m, ", got ");
    if (cJSON_IsString(node)) {
        sb_quote(&m, node->valuestring);
        sb_suggest(&m, node->valuestring, names, count);
    } else {
        sb_got(&m, doc, node);
    }
    report_node(doc, node, false, &m);
    return false;
}

/* ---- Durations ------------------------------------------------------------------------------ */

typedef struct duration_unit {
    const char *name;
    uint64_t ns;
} duration_unit_t;

static const duration_unit_t duration_units[] = {
    {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"min", 60000000000},
};

#define DURATION_TOO_LARGE "too large; the longest is 9223372036854775807ns, about 292 years"

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Nanoseconds in `digits` decimal places of `unit` (the fraction's digits, without trailing
 * zeros), if they are a whole number. With F the digits as an integer, the value is
 * F * unit / 10^k; dividing both sides by gcd(unit, 10^k) keeps it exact and within 64 bits. */
static bool fraction_ns(const char *digits, size_t k, uint64_t unit, uint64_t *ns)
{
    if (k > 19)
        return false; /* 10^k no longer fits, and no unit here has that many factors of ten */
    uint64_t f = 0, pow10 = 1;
    for (size_t i = 0; i < k; i++) {
        f = f * 10 + (uint64_t)(digits[i] - '0');
        pow10 *= 10;
    }
    uint64_t g = gcd_u64(unit, pow10);
    if (f % (pow10 / g) != 0)
        return false;
    *ns = f / (pow10 / g) * (unit / g);
    return true;
}

/* Units are case-sensitive: "MS" would read as megaseconds to some. */
static const duration_unit_t *duration_unit_find(const char *name)
{
    for (size_t u = 0; u < sizeof(duration_units) / sizeof(duration_units[0]); u++) {
        if (strcmp(name, duration_units[u].name) == 0)
            return &duration_units[u];
    }
    return NULL;
}

/* Parsing behind json_duration_parse; *why stays NULL when the text has the wrong shape. */
static int duration_parse(const char *p, int64_t *ns, const char **why)
{
    if (p[0] == '-' && is_digit(p[1])) {
        *why = "durations cannot be negative";
        return SIM_EINVAL;
    }
    uint64_t whole = 0; /* saturates at UINT64_MAX, which is too large anyway */
    size_t n = 0;
    for (; is_digit(p[n]); n++) {
        unsigned d = (unsigned)(p[n] - '0');
        whole = whole > (UINT64_MAX - d) / 10 ? UINT64_MAX : whole * 10 + d;
    }
    if (n == 0)
        return SIM_EINVAL;
    const char *frac = p + n, *unit_name = p + n;
    size_t frac_len = 0;
    if (*frac == '.') {
        frac++;
        while (is_digit(frac[frac_len]))
            frac_len++;
        if (frac_len == 0)
            return SIM_EINVAL;
        unit_name = frac + frac_len;
    }
    const duration_unit_t *unit = duration_unit_find(unit_name);
    if (!unit) {
        *why = *unit_name ? "unknown unit; use ns, us, ms, s or min"
                          : "a unit is required: ns, us, ms, s or min; a plain integer without "
                            "quotes is nanoseconds";
        return SIM_EINVAL;
    }
    while (frac_len > 0 && frac[frac_len - 1] == '0')
        frac_len--;
    uint64_t part_ns = 0;
    if (!fraction_ns(frac, frac_len, unit->ns, &part_ns)) {
        *why = "not a whole number of nanoseconds";
        return SIM_EINVAL;
    }
    if (whole > ((uint64_t)INT64_MAX - part_ns) / unit->ns) {
        *why = DURATION_TOO_LARGE;
        return SIM_EINVAL;
    }
    *ns = (int64_t)(whole * unit->ns + part_ns);
    return 0;
}

int json_duration_parse(const char *text, int64_t *ns, const char **why)
{
    const char *reason = NULL;
    int rc = duration_parse(text, ns, &reason);
    if (why)
        *why = reason;
    return rc;
}

static bool duration_string(json_doc_t *doc, const cJSON *node, int64_t *out)
{
    const char *why;
    if (json_duration_parse(node->valuestring, out, &why) == 0)
        return true;
    strbuf_t m = {0};
    sb_puts(&m, "expected " DURATION_EXAMPLE ", got ");
    sb_quote(&m, node->valuestring);
    if (why)
        sb_printf(&m, " (%s)", why);
    report_node(doc, node, false, &m);
    return false;
}

static bool duration_number(json_doc_t *doc, const cJSON *node, int64_t *out)
{
    size_t n;
    const char *t = number_text(doc, node, &n);
    bool neg, overflow;
    uint64_t mag;
    const char *why = NULL;
    if (!int_text(t, n, &neg, &mag, &overflow))
        why = "a plain number is a whole count of nanoseconds";
    else if (neg && (mag != 0 || overflow))
        why = "durations cannot be negative";
    else if (overflow || mag > (uint64_t)INT64_MAX)
        why = DURATION_TOO_LARGE;
    if (why) {
        strbuf_t m = {0};
        sb_printf(&m, "expected " DURATION_EXAMPLE ", got a number %.*s (%s)", (int)n, t, why);
        report_node(doc, node, false, &m);
        return false;
    }
    *out = (int64_t)mag;
    return true;
}

bool json_as_duration_ns(json_doc_t *doc, const cJSON *node, int64_t *out)
{
    if (!node)
        return false;
    if (cJSON_IsString(node))
        return duration_string(doc, node, out);
    if (cJSON_IsNumber(node))
        return duration_number(doc, node, out);
    return type_error(doc, node, DURATION_EXAMPLE);
}

/* ---- Objects with known keys ---------------------------------------------------------------- */

bool json_obj_begin(json_doc_t *doc, const cJSON *node, json_obj_t *obj)
{
    *obj = (json_obj_t){.doc = doc};
    if (!json_as_object(doc, node))
        return false;
    obj->node = node;
    return true;
}

static bool obj_knows(const json_obj_t *obj, const char *key)
{
    for (uint32_t k = 0; k < obj->key_count; k++) {
        if (strcmp(obj->keys[k], key) == 0)
            return true;
    }
    return false;
}

static void obj_remember(json_obj_t *obj, const char *key)
{
    if (obj_knows(obj, key))
        return;
    SIM_ASSERT(obj->key_count < JSON_OBJ_KEYS_MAX); /* raise the cap: it is a loader's choice */
    obj->keys[obj->key_count++] = key;
}

bool json_obj_has(json_obj_t *obj, const char *key)
{
    if (!obj->node)
        return false;
    obj_remember(obj, key);
    return cJSON_GetObjectItemCaseSensitive(obj->node, key) != NULL;
}

const cJSON *json_obj_get(json_obj_t *obj, const char *key, json_need_t need)
{
    SIM_ASSERT(key != NULL);
    if (!obj->node)
        return NULL;
    obj_remember(obj, key);
    /* Case-sensitive: cJSON_GetObjectItem would let "Delay" stand for "delay". With duplicate
     * keys (already reported) this is the first. */
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj->node, key);
    if (!item && need == JSON_REQUIRED) {
        strbuf_t m = {0};
        sb_puts(&m, "missing required key ");
        sb_quote(&m, key);
        report_node(obj->doc, obj->node, false, &m);
    }
    return item;
}

static void report_unknown_key(json_obj_t *obj, const cJSON *member, const char *const *sorted)
{
    strbuf_t m = {0};
    sb_puts(&m, "unknown key ");
    sb_quote(&m, member->string);
    if (obj->key_count == 0) {
        sb_puts(&m, "; this object takes no keys");
    } else {
        sb_puts(&m, "; expected ");
        sb_choices(&m, sorted, obj->key_count);
        sb_suggest(&m, member->string, sorted, obj->key_count);
    }
    report_node(obj->doc, member, true, &m);
}

void json_obj_end(json_obj_t *obj)
{
    if (!obj->node)
        return;
    /* Listed in alphabetical order, which is easier to scan than the loader's order. */
    const char *sorted[JSON_OBJ_KEYS_MAX];
    for (uint32_t k = 0; k < obj->key_count; k++) {
        uint32_t j = k;
        for (; j > 0 && strcmp(obj->keys[k], sorted[j - 1]) < 0; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = obj->keys[k];
    }
    for (const cJSON *member = obj->node->child; member; member = member->next) {
        if (!obj_knows(obj, member->string))
            report_unknown_key(obj, member, sorted);
    }
    obj->node = NULL;
}

void json_obj_end_unchecked(json_obj_t *obj)
{
    obj->node = NULL;
}

bool json_get_string(json_obj_t *obj, const char *key, json_need_t need, const char **out)
{
    return json_as_string(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_string_dup(json_obj_t *obj, const char *key, json_need_t need, char **out)
{
    return json_as_string_dup(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_bool(json_obj_t *obj, const char *key, json_need_t need, bool *out)
{
    return json_as_bool(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_int64(json_obj_t *obj, const char *key, json_need_t need, int64_t *out)
{
    return json_as_int64(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_int64_in(json_obj_t *obj, const char *key, json_need_t need, int64_t min,
                       int64_t max, int64_t *out)
{
    return json_as_int64_in(obj->doc, json_obj_get(obj, key, need), min, max, out);
}

bool json_get_uint64(json_obj_t *obj, const char *key, json_need_t need, uint64_t *out)
{
    return json_as_uint64(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_double(json_obj_t *obj, const char *key, json_need_t need, double *out)
{
    return json_as_double(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_enum(json_obj_t *obj, const char *key, json_need_t need,
                   const char *const names[], int *out)
{
    return json_as_enum(obj->doc, json_obj_get(obj, key, need), names, out);
}

bool json_get_duration_ns(json_obj_t *obj, const char *key, json_need_t need, int64_t *out)
{
    return json_as_duration_ns(obj->doc, json_obj_get(obj, key, need), out);
}

bool json_get_array(json_obj_t *obj, const char *key, json_need_t need, const cJSON **out)
{
    const cJSON *node = json_obj_get(obj, key, need);
    if (!json_as_array(obj->doc, node))
        return false;
    *out = node;
    return true;
}

bool json_get_object(json_obj_t *obj, const char *key, json_need_t need, json_obj_t *child)
{
    return json_obj_begin(obj->doc, json_obj_get(obj, key, need), child);
}
