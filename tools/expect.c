/* expect.c - Loads the "expectations" of a scenario into expect_t (judging is in
 * expect_judge.c). Part of the scenario loader: problems are reported as everywhere else.
 *
 * An expectation is an object with exactly one key naming what it checks ("suspend",
 * "watcher", ...), whose value selects the thing (an attempt, a watcher, a proxy, ...), plus
 * that kind's keys, an optional "description" and an optional "managers" list restricting it
 * to some manager variants. Names are checked against the declarations, so a typo in a proxy
 * name or a resume reason is an error before anything runs. A scenario that expects no
 * violation by name also gets the implicit "no invariant violated" expectation.
 */
#include "scenario_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wakesim/manager.h>
#include <zircon/errors.h>

#define REASON_TIMEOUT "starnix-container-timeout" /* V6's reason when the wait timed out */

const char *const expect_kind_names[] = {
#define X(name, key) key,
    EXPECT_KINDS(X)
#undef X
    NULL,
};

const char *const expect_metric_names[] = {
#define X(name, text) text,
    EXPECT_LATENCY_METRICS(X)
#undef X
    NULL,
};

const char *const expect_stat_names[] = {
#define X(name, text, pct) text,
    EXPECT_LATENCY_STATS(X)
#undef X
    NULL,
};

const char *const expect_phase_names[EXPECT_PHASE_SLOTS] = {
    [0] = "sent",
#define X(name, value, text) [value] = text,
    MANAGER_SUSPEND_PHASES(X)
#undef X
    [EXPECT_PHASE_REPLY_RECEIVED] = "reply_received",
};

_Static_assert(MANAGER_PHASE_THAWED + 1 == EXPECT_PHASE_REPLY_RECEIVED,
               "reply_received follows the manager's phases");

static const char *const status_names[] = {
#define X(name, value) "ZX_" #name,
    ZX_STATUS_MAP(X)
#undef X
    NULL,
};

static const int32_t status_values[] = {
#define X(name, value) value,
    ZX_STATUS_MAP(X)
#undef X
};

const char *expect_status_name(int32_t status)
{
    for (size_t k = 0; k < sizeof(status_values) / sizeof(status_values[0]); k++) {
        if (status_values[k] == status)
            return status_names[k];
    }
    return "(UNKNOWN)";
}

static const char *const watcher_signal_names[] = {"AWAKE", "ASLEEP", NULL};

/* ---- Suspend -------------------------------------------------------------------------------- */

static bool load_selector(loader_t *ld, const cJSON *node, int *index)
{
    static const char *const words[] = {"all", "last", NULL};
    if (cJSON_IsString(node)) {
        int k;
        if (!json_as_enum(ld->doc, node, words, &k))
            return false;
        *index = k == 0 ? EXPECT_SUSPEND_ALL : EXPECT_SUSPEND_LAST;
        return true;
    }
    int64_t v;
    if (!json_as_int64_in(ld->doc, node, 0, INT32_MAX, &v))
        return false;
    *index = (int)v;
    return true;
}

/* One reason name: a proxy, a wake source, or V6's timeout reason. */
static bool reason_known(const loader_t *ld, const char *name)
{
    const ref_table_t *tables[] = {&ld->proxies, &ld->sources};
    if (strcmp(name, REASON_TIMEOUT) == 0)
        return true;
    for (size_t t = 0; t < 2; t++) {
        if (tables[t]->incomplete)
            return true; /* cannot tell: the declarations already have a problem */
        for (size_t i = 0; i < tables[t]->count; i++) {
            if (tables[t]->names[i] && strcmp(tables[t]->names[i], name) == 0)
                return true;
        }
    }
    return false;
}

/* Adds `name` (len bytes) to the set in `s` unless it is there; reports an unknown one. */
static bool reason_add(loader_t *ld, const cJSON *node, const char *name, size_t len,
                       const char **set, size_t *count)
{
    const char *copy = arena_strndup(ld->arena, name, len);
    if (!copy) {
        ld->oom = true;
        return false;
    }
    if (len == 0 || !reason_known(ld, copy)) {
        json_doc_report(ld->doc, node, "expected names of proxies or wake sources (or \""
                        REASON_TIMEOUT "\"), got \"%.40s\"", copy);
        return false;
    }
    for (size_t i = 0; i < *count; i++) {
        if (strcmp(set[i], copy) == 0)
            return true;
    }
    set[(*count)++] = copy;
    return true;
}

/* "resume_reason": null, "a,b" (as upstream joins names) or ["a", "b"]: compared as a set. */
static void load_reasons(loader_t *ld, const cJSON *node, expect_suspend_t *s)
{
    if (cJSON_IsNull(node)) {
        s->has_reason = true;
        return;
    }
    size_t cap = cJSON_IsString(node) ? strlen(node->valuestring) + 1 : json_count(node);
    const char **set = loader_alloc(ld, cap ? cap : 1, sizeof(*set));
    size_t count = 0;
    bool ok = set != NULL;
    if (set && cJSON_IsString(node)) {
        for (const char *p = node->valuestring;; p++) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            ok = reason_add(ld, node, p, len, set, &count) && ok;
            if (!comma)
                break;
            p = comma;
        }
    } else if (set && json_as_array(ld->doc, node)) {
        for (const cJSON *it = json_first(node); it; it = json_next(it)) {
            const char *name;
            ok = json_as_string(ld->doc, it, &name) &&
                 reason_add(ld, it, name, strlen(name), set, &count) && ok;
        }
        if (count == 0 && ok) {
            json_doc_report(ld->doc, node, "expected at least one name (null means no "
                            "reason), got []");
            ok = false;
        }
    } else {
        ok = false;
    }
    s->has_reason = ok;
    s->reasons = (const char *const *)set;
    s->reason_count = count;
}

static void load_phases(loader_t *ld, json_obj_t *o, expect_suspend_t *s)
{
    json_obj_t po;
    if (!json_get_object(o, "phases", JSON_OPTIONAL, &po))
        return;
    for (int k = 1; k < EXPECT_PHASE_SLOTS; k++) {
        const cJSON *node = json_obj_get(&po, expect_phase_names[k], JSON_OPTIONAL);
        if (cJSON_IsNull(node))
            s->phase_absent[k] = true;
        else
            loader_bounds_ns(ld, &po, expect_phase_names[k], &s->phases[k]);
    }
    json_obj_end(&po); /* an unknown phase gets the list of phases and a hint */
}

static bool load_suspend(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_suspend_t *s = &e->u.suspend;
    load_selector(ld, value, &s->index);
    int r;
    if (json_get_enum(o, "result", JSON_OPTIONAL, scenario_result_names, &r)) {
        s->has_result = true;
        s->result = (world_suspend_result_t)r;
    }
    const cJSON *reason = json_obj_get(o, "resume_reason", JSON_OPTIONAL);
    if (reason)
        load_reasons(ld, reason, s);
    loader_bounds_ns(ld, o, "suspend_time", &s->suspend_time);
    load_phases(ld, o, s);
    return json_obj_has(o, "result") || reason || json_obj_has(o, "suspend_time") ||
           json_obj_has(o, "phases");
}

/* ---- Watcher, counter, channel, file read --------------------------------------------------- */

/* "saw_at": per observation of "saw", time bounds or null (unchecked), at most one each. */
static void load_saw_at(loader_t *ld, json_obj_t *o, expect_watcher_t *w)
{
    const cJSON *list;
    if (!json_get_array(o, "saw_at", JSON_OPTIONAL, &list))
        return;
    size_t n = json_count(list);
    if (n > w->saw_count) {
        json_doc_report(ld->doc, list, "expected at most one time per observation of \"saw\" "
                        "(%zu), got %zu", w->saw_count, n);
        return;
    }
    expect_bounds_t *at = loader_alloc(ld, n ? n : 1, sizeof(*at));
    if (!at)
        return;
    size_t i = 0;
    for (const cJSON *it = json_first(list); it; it = json_next(it), i++) {
        if (!cJSON_IsNull(it))
            loader_bounds_ns_node(ld, it, &at[i]);
    }
    w->saw_at = at;
    w->saw_at_count = n;
}

static bool load_watcher(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_watcher_t *w = &e->u.watcher;
    loader_ref_node(ld, value, &ld->watchers, &w->watcher);
    const cJSON *saw;
    if (json_get_array(o, "saw", JSON_REQUIRED, &saw)) {
        if (json_count(saw) > sizeof(w->saw))
            json_doc_report(ld->doc, saw, "expected at most %zu observations, got %zu",
                            sizeof(w->saw), json_count(saw));
        for (const cJSON *it = json_first(saw); it && w->saw_count < sizeof(w->saw);
             it = json_next(it)) {
            int k;
            if (json_as_enum(ld->doc, it, watcher_signal_names, &k))
                w->saw[w->saw_count++] = k == 0 ? 'A' : 'S';
        }
    }
    json_get_bool(o, "prefix", JSON_OPTIONAL, &w->prefix);
    load_saw_at(ld, o, w);
    return true;
}

static bool load_counter(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_counter_t *c = &e->u.counter;
    expect_bounds_t *b = &c->value;
    bool ok = loader_ref_node(ld, value, &ld->proxies, &c->proxy);
    const cJSON *at = json_obj_get(o, "at", JSON_REQUIRED);
    c->at_end = cJSON_IsString(at) && strcmp(at->valuestring, "end") == 0;
    if (!c->at_end)
        ok = loader_time(ld, o, "at", JSON_REQUIRED, &c->at_ns) && ok;
    int64_t v;
    if (json_get_int64(o, "value", JSON_OPTIONAL, &v))
        *b = (expect_bounds_t){.has_min = true, .has_max = true, .min = v, .max = v};
    const cJSON *min = json_obj_get(o, "min", JSON_OPTIONAL);
    const cJSON *max = json_obj_get(o, "max", JSON_OPTIONAL);
    if (json_obj_has(o, "value") && (min || max))
        json_doc_report_key(ld->doc, min ? min : max, "expected \"value\" or \"min\"/\"max\", "
                            "got both");
    else {
        b->has_min = json_as_int64(ld->doc, min, &b->min) || b->has_min;
        b->has_max = json_as_int64(ld->doc, max, &b->max) || b->has_max;
    }
    if (ok && !c->at_end)
        loader_sample(ld, c->proxy, c->at_ns, &c->sample);
    return json_obj_has(o, "value") || min || max;
}

static bool load_channel(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_channel_t *c = &e->u.channel;
    loader_ref_node(ld, value, &ld->proxies, &c->proxy);
    c->has_received = loader_bounds_count(ld, o, "received", INT64_MAX, &c->received);
    c->has_peer_closed = json_get_bool(o, "peer_closed", JSON_OPTIONAL, &c->peer_closed);
    return json_obj_has(o, "received") || json_obj_has(o, "peer_closed");
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "starts_with_hex": "48 65 6c" or "48656c" (spaces ignored), at most 32 bytes. */
static void load_head_hex(loader_t *ld, const cJSON *node, expect_file_read_t *f)
{
    const char *s;
    if (!json_as_string(ld->doc, node, &s))
        return;
    uint8_t *head = loader_alloc(ld, 32, 1);
    size_t n = 0, digits = 0;
    int hi = 0;
    for (const char *p = s; head && *p; p++) {
        int d = *p == ' ' ? -2 : hex_digit(*p);
        if (d == -2)
            continue;
        if (d < 0 || (digits % 2 == 0 && n == 32)) {
            json_doc_report(ld->doc, node, "expected up to 32 bytes in hex such as \"68 69\", "
                            "got \"%.40s\"", s);
            return;
        }
        if (digits++ % 2 == 0)
            hi = d;
        else
            head[n++] = (uint8_t)(hi << 4 | d);
    }
    if (digits % 2 != 0 || digits == 0) {
        json_doc_report(ld->doc, node, "expected whole bytes in hex such as \"68 69\", got "
                        "\"%.40s\"", s);
        return;
    }
    f->head = head;
    f->head_size = n;
}

static void load_head(loader_t *ld, json_obj_t *o, expect_file_read_t *f)
{
    const cJSON *text = json_obj_get(o, "starts_with", JSON_OPTIONAL);
    const cJSON *hex = json_obj_get(o, "starts_with_hex", JSON_OPTIONAL);
    const char *s;
    if (text && hex) {
        json_doc_report_key(ld->doc, hex, "expected \"starts_with\" or \"starts_with_hex\", "
                            "got both");
    } else if (hex) {
        load_head_hex(ld, hex, f);
    } else if (json_as_string(ld->doc, text, &s)) {
        if (strlen(s) == 0 || strlen(s) > 32)
            json_doc_report(ld->doc, text, "expected 1 to 32 bytes (what a read record keeps), "
                            "got %zu", strlen(s));
        f->head = (const uint8_t *)loader_strdup(ld, s);
        f->head_size = strlen(s);
    }
}

static void load_checksum(loader_t *ld, const cJSON *node, expect_file_read_t *f)
{
    if (cJSON_IsNumber(node)) {
        f->has_checksum = json_as_uint64(ld->doc, node, &f->checksum);
        return;
    }
    const char *s;
    if (!json_as_string(ld->doc, node, &s))
        return;
    const char *p = strncmp(s, "0x", 2) == 0 ? s + 2 : s;
    uint64_t v = 0;
    size_t n = 0;
    for (; p[n] && hex_digit(p[n]) >= 0 && n < 17; n++)
        v = v << 4 | (uint64_t)hex_digit(p[n]);
    if (n == 0 || n > 16 || p[n]) {
        json_doc_report(ld->doc, node, "expected 16 hex digits (FNV-1a 64) such as "
                        "\"cbf29ce484222325\", got \"%.40s\"", s);
        return;
    }
    f->has_checksum = true;
    f->checksum = v;
}

/* "status": a zx_status_t name. The list of 48 names would not fit a line: the problem gives
 * two examples and the closest name. */
static void load_status(loader_t *ld, const cJSON *node, expect_file_read_t *f)
{
    const char *s;
    if (!json_as_string(ld->doc, node, &s))
        return;
    size_t count = sizeof(status_values) / sizeof(status_values[0]);
    for (size_t k = 0; k < count; k++) {
        if (strcmp(s, status_names[k]) == 0) {
            f->has_status = true;
            f->status = status_values[k];
            return;
        }
    }
    const char *hint = json_suggest(s, status_names, count);
    json_doc_report(ld->doc, node, "expected a zx_status_t name such as \"ZX_OK\" or "
                    "\"ZX_ERR_IO\", got \"%.40s\"%s%s%s", s, hint ? " (did you mean \"" : "",
                    hint ? hint : "", hint ? "\"?)" : "");
}

static bool load_file_read(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_file_read_t *f = &e->u.file_read;
    loader_ref_node(ld, value, &ld->files, &f->file);
    uint64_t read = 0;
    if (json_get_uint64(o, "read", JSON_OPTIONAL, &read))
        f->read = (size_t)read;
    load_status(ld, json_obj_get(o, "status", JSON_OPTIONAL), f);
    load_head(ld, o, f);
    load_checksum(ld, json_obj_get(o, "checksum", JSON_OPTIONAL), f);
    return json_obj_has(o, "status") || json_obj_has(o, "starts_with") ||
           json_obj_has(o, "starts_with_hex") || json_obj_has(o, "checksum");
}

/* ---- Latency, counts, stats, violations ----------------------------------------------------- */

static bool load_latency(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_latency_t *l = &e->u.latency;
    int m = 0;
    json_as_enum(ld->doc, value, expect_metric_names, &m);
    l->metric = (expect_metric_t)m;
    l->proxy = -1;
    loader_ref(ld, o, "proxy", JSON_OPTIONAL, &ld->proxies, &l->proxy);
    bool any = loader_bounds_count(ld, o, "count", INT64_MAX, &l->count) ||
               json_obj_has(o, "count");
    for (int k = 0; k < EXPECT_STAT_COUNT; k++)
        any = loader_bounds_ns(ld, o, expect_stat_names[k], &l->stat[k]) ||
              json_obj_has(o, expect_stat_names[k]) || any;
    return any;
}

static bool load_suspend_count(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_suspend_count_t *c = &e->u.suspend_count;
    loader_bounds_count(ld, o, "suspend_count", INT64_MAX, &c->count);
    int r;
    if (json_get_enum(o, "result", JSON_OPTIONAL, scenario_result_names, &r)) {
        c->has_result = true;
        c->result = (world_suspend_result_t)r;
    }
    return true;
}

static bool load_stats(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    expect_stats_t *s = &e->u.stats;
    json_obj_t so;
    if (!json_obj_begin(ld->doc, value, &so))
        return true;
    loader_bounds_count(ld, &so, "success_count", INT64_MAX, &s->success);
    loader_bounds_count(ld, &so, "fail_count", INT64_MAX, &s->fail);
    loader_bounds_count(ld, &so, "wakeup_count", INT64_MAX, &s->wakeup);
    loader_bounds_ns(ld, &so, "last_time_in_sleep", &s->sleep_ns);
    loader_bounds_ns(ld, &so, "last_time_in_suspend_operations", &s->operations_ns);
    const cJSON *reason = json_obj_get(&so, "last_resume_reason", JSON_OPTIONAL);
    if (cJSON_IsNull(reason))
        s->has_last_reason = true;
    else if (reason)
        s->has_last_reason = loader_string(ld, &so, "last_resume_reason", JSON_OPTIONAL,
                                           &s->last_reason);
    bool any = json_count(value) > 0;
    json_obj_end(&so);
    if (!any)
        json_doc_report(ld->doc, value, "expected at least one of \"fail_count\", "
                        "\"last_resume_reason\", \"last_time_in_sleep\", "
                        "\"last_time_in_suspend_operations\", \"success_count\", "
                        "\"wakeup_count\", got none");
    return true;
}

static bool load_no_violations(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    bool yes;
    if (json_as_bool(ld->doc, value, &yes) && !yes)
        json_doc_report(ld->doc, value, "expected true (use \"violation\" to expect one), got "
                        "false");
    return true;
}

static bool load_violation(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e)
{
    int k;
    if (json_as_enum(ld->doc, value, scenario_invariant_names, &k))
        e->u.violations.name = scenario_invariant_names[k];
    return true;
}

/* ---- Descriptions --------------------------------------------------------------------------- */

/* " = 3", " >= 1ms", " <= 5", " in [1ms, 2ms]" */
static void bounds_text(const expect_bounds_t *b, bool durations, char *buf, size_t size)
{
    char lo[32], hi[32];
    if (durations) {
        scenario_format_ns(b->min, lo, sizeof(lo));
        scenario_format_ns(b->max, hi, sizeof(hi));
    } else {
        snprintf(lo, sizeof(lo), "%" PRId64, b->min);
        snprintf(hi, sizeof(hi), "%" PRId64, b->max);
    }
    if (b->has_min && b->has_max && b->min == b->max)
        snprintf(buf, size, " = %s", lo);
    else if (b->has_min && b->has_max)
        snprintf(buf, size, " in [%s, %s]", lo, hi);
    else if (b->has_min)
        snprintf(buf, size, " >= %s", lo);
    else
        snprintf(buf, size, " <= %s", hi);
}

static const char *ref_name(const ref_table_t *t, int i)
{
    return i >= 0 && (size_t)i < t->count && t->names[i] ? t->names[i] : "?";
}

/* Appends to buf (size bytes, `*n` used) with printf, ignoring what does not fit. */
static void append(char *buf, size_t size, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
    if (*n >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *n, size - *n, fmt, ap);
    va_end(ap);
    *n = w < 0 ? size : *n + (size_t)w;
}

static void describe_suspend(const expect_suspend_t *s, char *buf, size_t size)
{
    char b[80];
    size_t n = 0;
    if (s->index == EXPECT_SUSPEND_ALL)
        append(buf, size, &n, "every suspend:");
    else if (s->index == EXPECT_SUSPEND_LAST)
        append(buf, size, &n, "last suspend:");
    else
        append(buf, size, &n, "suspend %d:", s->index);
    size_t base = n;
    if (s->has_result)
        append(buf, size, &n, " result %s", scenario_result_names[s->result]);
    if (s->has_reason) {
        append(buf, size, &n, "%s resume_reason %s", n > base ? "," : "",
               s->reason_count ? "{" : "null");
        for (size_t i = 0; i < s->reason_count; i++)
            append(buf, size, &n, "%s%s", i ? "," : "", s->reasons[i]);
        append(buf, size, &n, "%s", s->reason_count ? "}" : "");
    }
    if (s->suspend_time.has_min || s->suspend_time.has_max) {
        bounds_text(&s->suspend_time, true, b, sizeof(b));
        append(buf, size, &n, "%s suspend_time%s", n > base ? "," : "", b);
    }
    for (int k = 1; k < EXPECT_PHASE_SLOTS; k++) {
        if (s->phase_absent[k])
            append(buf, size, &n, "%s no %s", n > base ? "," : "", expect_phase_names[k]);
        if (!s->phases[k].has_min && !s->phases[k].has_max)
            continue;
        bounds_text(&s->phases[k], true, b, sizeof(b));
        append(buf, size, &n, "%s %s%s", n > base ? "," : "", expect_phase_names[k], b);
    }
}

static void describe_more(const loader_t *ld, const expect_t *e, char *buf, size_t size)
{
    char b[80];
    size_t n = 0;
    if (e->kind == EXPECT_COUNTER) {
        const expect_counter_t *c = &e->u.counter;
        scenario_format_ns(c->at_ns, b, sizeof(b));
        append(buf, size, &n, "counter of %s at %s", ref_name(&ld->proxies, c->proxy),
               c->at_end ? "the end" : b);
        bounds_text(&c->value, false, b, sizeof(b));
        append(buf, size, &n, "%s", b);
    } else if (e->kind == EXPECT_CHANNEL) {
        const expect_channel_t *c = &e->u.channel;
        append(buf, size, &n, "remote end of %s:", ref_name(&ld->proxies, c->proxy));
        bounds_text(&c->received, false, b, sizeof(b));
        if (c->has_received)
            append(buf, size, &n, " received%s", b);
        if (c->has_peer_closed)
            append(buf, size, &n, " peer_closed %s", c->peer_closed ? "true" : "false");
    } else {
        const expect_file_read_t *f = &e->u.file_read;
        append(buf, size, &n, "read %zu of %s:", f->read, ref_name(&ld->files, f->file));
        if (f->has_status)
            append(buf, size, &n, " %s", expect_status_name(f->status));
        if (f->head_size)
            append(buf, size, &n, " starts with %zu given bytes", f->head_size);
        if (f->has_checksum)
            append(buf, size, &n, " checksum %016" PRIx64, f->checksum);
    }
}

static void describe_latency(const loader_t *ld, const expect_latency_t *l, char *buf,
                             size_t size)
{
    char b[80];
    size_t n = 0;
    append(buf, size, &n, "%s of %s:", expect_metric_names[l->metric],
           l->proxy < 0 ? "all proxies" : ref_name(&ld->proxies, l->proxy));
    size_t base = n;
    if (l->count.has_min || l->count.has_max) {
        bounds_text(&l->count, false, b, sizeof(b));
        append(buf, size, &n, " count%s", b);
    }
    for (int k = 0; k < EXPECT_STAT_COUNT; k++) {
        if (!l->stat[k].has_min && !l->stat[k].has_max)
            continue;
        bounds_text(&l->stat[k], true, b, sizeof(b));
        append(buf, size, &n, "%s %s%s", n > base ? "," : "", expect_stat_names[k], b);
    }
}

static void describe_stats(const expect_stats_t *s, char *buf, size_t size)
{
    const struct {
        const char *name;
        const expect_bounds_t *b;
        bool durations;
    } items[] = {{"success_count", &s->success, false}, {"fail_count", &s->fail, false},
                 {"wakeup_count", &s->wakeup, false}, {"last_time_in_sleep", &s->sleep_ns, true},
                 {"last_time_in_suspend_operations", &s->operations_ns, true}};
    char b[80];
    size_t n = 0;
    append(buf, size, &n, "suspend stats:");
    size_t base = n;
    for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
        if (!items[k].b->has_min && !items[k].b->has_max)
            continue;
        bounds_text(items[k].b, items[k].durations, b, sizeof(b));
        append(buf, size, &n, "%s %s%s", n > base ? "," : "", items[k].name, b);
    }
    if (s->has_last_reason)
        append(buf, size, &n, "%s last_resume_reason %s%s%s", n > base ? "," : "",
               s->last_reason ? "\"" : "", s->last_reason ? s->last_reason : "null",
               s->last_reason ? "\"" : "");
}

/* A description for an expectation the file did not describe. */
static const char *describe(loader_t *ld, const expect_t *e)
{
    char buf[400], b[80];
    switch (e->kind) {
    case EXPECT_SUSPEND:
        describe_suspend(&e->u.suspend, buf, sizeof(buf));
        break;
    case EXPECT_WATCHER:
        expect_format_watcher(e->u.watcher.saw, e->u.watcher.saw_count, b, sizeof(b));
        snprintf(buf, sizeof(buf), "watcher %s saw %s%s%s",
                 ref_name(&ld->watchers, e->u.watcher.watcher), b,
                 e->u.watcher.prefix ? " first" : "",
                 e->u.watcher.saw_at_count ? ", at the times given" : "");
        break;
    case EXPECT_LATENCY:
        describe_latency(ld, &e->u.latency, buf, sizeof(buf));
        break;
    case EXPECT_SUSPEND_COUNT:
        bounds_text(&e->u.suspend_count.count, false, b, sizeof(b));
        snprintf(buf, sizeof(buf), "%s suspend attempts%s",
                 e->u.suspend_count.has_result ? scenario_result_names[e->u.suspend_count.result]
                                               : "all",
                 b);
        break;
    case EXPECT_STATS:
        describe_stats(&e->u.stats, buf, sizeof(buf));
        break;
    case EXPECT_NO_VIOLATIONS:
        snprintf(buf, sizeof(buf), "no invariant violated");
        break;
    case EXPECT_VIOLATION:
        snprintf(buf, sizeof(buf), "invariant %s is violated",
                 e->u.violations.name ? e->u.violations.name : "?");
        break;
    default:
        describe_more(ld, e, buf, sizeof(buf));
        break;
    }
    return loader_strdup(ld, buf);
}

/* ---- Dispatch ------------------------------------------------------------------------------- */

typedef bool (*kind_fn)(loader_t *ld, json_obj_t *o, const cJSON *value, expect_t *e);

/* Per kind: its loader (true when it found something to check) and what that would be. */
static const struct {
    kind_fn load;
    const char *checks;
} kinds[EXPECT_KIND_COUNT] = {
    [EXPECT_SUSPEND] = {load_suspend, "\"phases\", \"result\", \"resume_reason\" or "
                                      "\"suspend_time\""},
    [EXPECT_WATCHER] = {load_watcher, "\"saw\""},
    [EXPECT_COUNTER] = {load_counter, "\"value\", \"min\" or \"max\""},
    [EXPECT_CHANNEL] = {load_channel, "\"received\" or \"peer_closed\""},
    [EXPECT_FILE_READ] = {load_file_read, "\"checksum\", \"starts_with\", \"starts_with_hex\" "
                                          "or \"status\""},
    [EXPECT_LATENCY] = {load_latency, "\"count\", \"min\", \"p50\", \"p90\", \"p99\" or "
                                      "\"max\""},
    [EXPECT_SUSPEND_COUNT] = {load_suspend_count, ""},
    [EXPECT_STATS] = {load_stats, ""},
    [EXPECT_NO_VIOLATIONS] = {load_no_violations, ""},
    [EXPECT_VIOLATION] = {load_violation, ""},
};

/* The kind of expectation `node` is: its one key among expect_kind_names. */
static bool find_kind(loader_t *ld, const cJSON *node, int *kind)
{
    const cJSON *first = NULL;
    for (const cJSON *m = json_first(node); m; m = json_next(m)) {
        for (int k = 0; k < EXPECT_KIND_COUNT; k++) {
            if (strcmp(json_key(m), expect_kind_names[k]) != 0)
                continue;
            if (first) {
                json_doc_report_key(ld->doc, m, "expected one check per expectation, got \"%s\" "
                                    "after \"%s\"", json_key(m), json_key(first));
                return false;
            }
            first = m;
            *kind = k;
        }
    }
    if (!first)
        json_doc_report(ld->doc, node, "expected one of the keys \"channel\", \"counter\", "
                        "\"file_read\", \"latency\", \"no_violations\", \"stats\", \"suspend\", "
                        "\"suspend_count\", \"violation\", \"watcher\", got none");
    return first != NULL;
}

static void load_managers(loader_t *ld, json_obj_t *o, expect_t *e)
{
    e->manager_count = loader_variant_list(ld, o, "managers", &e->managers);
}

static bool load_one(loader_t *ld, const cJSON *node, expect_t *e)
{
    json_obj_t o;
    int kind;
    *e = (expect_t){0}; /* a failed load before may have left fields here */
    if (!json_obj_begin(ld->doc, node, &o))
        return false;
    size_t before = loader_problem_count(ld);
    if (!find_kind(ld, node, &kind)) {
        json_obj_end_unchecked(&o); /* which keys are valid depends on the kind */
        return false;
    }
    e->kind = (expect_kind_t)kind;
    loader_string(ld, &o, "description", JSON_OPTIONAL, &e->description);
    load_managers(ld, &o, e);
    const cJSON *value = json_obj_get(&o, expect_kind_names[kind], JSON_REQUIRED);
    if (!kinds[kind].load(ld, &o, value, e))
        json_doc_report(ld->doc, node, "expected something to check: %s, got none",
                        kinds[kind].checks);
    json_obj_end(&o);
    if (loader_problem_count(ld) != before)
        return false;
    if (!e->description)
        e->description = describe(ld, e);
    return true;
}

/* The implicit "no invariant violated" (tolerating those VIOLATION expectations name), unless
 * the file has its own "no_violations" for every manager. */
static void add_implicit(loader_t *ld, expect_t *all, size_t *count)
{
    size_t tolerated = 0;
    for (size_t i = 0; i < *count; i++) {
        if (all[i].kind == EXPECT_NO_VIOLATIONS && all[i].manager_count == 0)
            return;
        tolerated += all[i].kind == EXPECT_VIOLATION;
    }
    const expect_t **list = loader_alloc(ld, tolerated + 1, sizeof(*list));
    if (!list)
        return;
    size_t k = 0;
    for (size_t i = 0; i < *count; i++) {
        if (all[i].kind == EXPECT_VIOLATION)
            list[k++] = &all[i];
    }
    expect_t *e = &all[(*count)++];
    *e = (expect_t){.kind = EXPECT_NO_VIOLATIONS, .implicit = true};
    e->u.violations.tolerated = (const expect_t *const *)list;
    e->u.violations.tolerated_count = k;
    e->description = k ? "no other invariant violated" : "no invariant violated";
}

void expect_load(loader_t *ld, json_obj_t *top)
{
    const cJSON *arr = NULL;
    bool given = json_get_array(top, "expectations", JSON_OPTIONAL, &arr);
    size_t n = given ? json_count(arr) : 0;
    if (n > SCENARIO_EXPECT_MAX) {
        json_doc_report(ld->doc, arr, "expected at most %u expectations, got %zu",
                        SCENARIO_EXPECT_MAX, n);
        return;
    }
    expect_t *all = loader_alloc(ld, n + 1, sizeof(*all));
    if (!all)
        return;
    size_t k = 0;
    for (const cJSON *it = json_first(arr); it; it = json_next(it))
        k += load_one(ld, it, &all[k]);
    add_implicit(ld, all, &k);
    ld->sc->expects = all;
    ld->sc->expect_count = k;
}
