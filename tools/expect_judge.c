/* expect_judge.c - Decides a scenario's expectations on what a run left (run_outcome_t), and
 * the measurements that output shares with them: message latencies with nearest-rank
 * percentiles, and the formatting of times, watcher observations and statuses.
 *
 * Judging is pure: it reads the outcome and the expectation and writes a verdict with a one-line
 * detail saying what was found, so `wakesim run` can print why an expectation failed without
 * the reader opening the trace.
 */
#include "expect.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

const unsigned expect_stat_pct[EXPECT_STAT_COUNT] = {
#define X(name, text, pct) pct,
    EXPECT_LATENCY_STATS(X)
#undef X
};

/* ---- Formatting ----------------------------------------------------------------------------- */

void expect_format_ns(int64_t ns, char *buf, size_t size)
{
    static const struct {
        const char *unit;
        uint64_t ns;
        int digits;
    } units[] = {{"s", 1000000000u, 9}, {"ms", 1000000u, 6}, {"us", 1000u, 3}};
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    const char *sign = ns < 0 ? "-" : "";
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        if (mag < units[k].ns)
            continue;
        char frac[16];
        snprintf(frac, sizeof(frac), "%0*" PRIu64, units[k].digits, mag % units[k].ns);
        size_t len = strlen(frac);
        while (len > 0 && frac[len - 1] == '0')
            frac[--len] = '\0';
        snprintf(buf, size, "%s%" PRIu64 "%s%s%s", sign, mag / units[k].ns, len ? "." : "",
                 frac, units[k].unit);
        return;
    }
    snprintf(buf, size, "%s%" PRIu64 "ns", sign, mag);
}

void expect_format_watcher(const char *obs, size_t count, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    if (count == 0) {
        snprintf(buf, size, "nothing");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const char *word = obs[i] == 'A' ? "AWAKE" : obs[i] == 'S' ? "ASLEEP" : "?";
        if (n + strlen(word) + 5 >= size) {
            snprintf(buf + n, size - n, " ...");
            return;
        }
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "", word);
    }
}

/* The verdict's detail, printf-style. */
static bool fail(expect_verdict_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(expect_verdict_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    va_end(ap);
    v->ok = false;
    return false;
}

static bool in_bounds(const expect_bounds_t *b, int64_t x)
{
    return (!b->has_min || x >= b->min) && (!b->has_max || x <= b->max);
}

static bool bounded(const expect_bounds_t *b)
{
    return b->has_min || b->has_max;
}

/* "1.2ms (expected >= 2ms)" for a measured time outside its bounds. */
static void miss_text(const expect_bounds_t *b, int64_t x, bool durations, char *buf,
                      size_t size)
{
    char got[32], lo[32], hi[32];
    if (durations) {
        expect_format_ns(x, got, sizeof(got));
        expect_format_ns(b->min, lo, sizeof(lo));
        expect_format_ns(b->max, hi, sizeof(hi));
    } else {
        snprintf(got, sizeof(got), "%" PRId64, x);
        snprintf(lo, sizeof(lo), "%" PRId64, b->min);
        snprintf(hi, sizeof(hi), "%" PRId64, b->max);
    }
    if (b->has_min && b->has_max && b->min == b->max)
        snprintf(buf, size, "%s (expected %s)", got, lo);
    else if (b->has_min && b->has_max)
        snprintf(buf, size, "%s (expected %s to %s)", got, lo, hi);
    else if (b->has_min)
        snprintf(buf, size, "%s (expected >= %s)", got, lo);
    else
        snprintf(buf, size, "%s (expected <= %s)", got, hi);
}

/* ---- Latency -------------------------------------------------------------------------------- */

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static void metric_times(const world_message_record_t *m, expect_metric_t metric, int64_t *from,
                         int64_t *to)
{
    *from = metric == EXPECT_METRIC_READ_TO_HANDLED ? m->read_by_container_ns : m->sent_ns;
    *to = -1;
    switch (metric) {
    case EXPECT_METRIC_SENT_TO_COUNTED:
        *to = m->counter_incremented_ns;
        break;
    case EXPECT_METRIC_SENT_TO_FORWARDED:
        *to = m->forwarded_ns;
        break;
    case EXPECT_METRIC_SENT_TO_RESUMED:
        *to = m->container_resumed_ns;
        break;
    case EXPECT_METRIC_SENT_TO_READ:
        *to = m->read_by_container_ns;
        break;
    case EXPECT_METRIC_SENT_TO_HANDLED:
    case EXPECT_METRIC_READ_TO_HANDLED:
        *to = m->handled_ns;
        break;
    case EXPECT_METRIC_SENT_TO_DECREMENTED:
        *to = m->decremented_ns;
        break;
    case EXPECT_METRIC_COUNT:
        SIM_ASSERT(!"not a metric");
    }
}

size_t expect_latency_values(const world_results_t *r, expect_metric_t metric, int proxy,
                             int64_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->message_count; i++) {
        const world_message_record_t *m = &r->messages[i];
        int64_t from, to;
        if (proxy >= 0 && m->proxy != proxy)
            continue;
        metric_times(m, metric, &from, &to);
        if (from >= 0 && to >= from)
            out[n++] = to - from;
    }
    qsort(out, n, sizeof(*out), cmp_i64);
    return n;
}

int64_t expect_percentile(const int64_t *sorted, size_t n, unsigned pct)
{
    SIM_ASSERT(n >= 1);
    SIM_ASSERT(pct <= 100);
    size_t rank = (size_t)(((uint64_t)pct * n + 99) / 100);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

/* ---- Suspend attempts ----------------------------------------------------------------------- */

/* Whether `name` is one of the ","-separated names of `list`. */
static bool token_in(const char *list, const char *name, size_t name_len)
{
    for (const char *p = list;; p++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == name_len && memcmp(p, name, len) == 0)
            return true;
        if (!comma)
            return false;
        p = comma;
    }
}

/* Whether `got` (names joined with ",", in HashMap order, as upstream replies) and the set
 * `want` hold the same names. */
static bool reasons_equal(const char *got, const char *const *want, size_t count)
{
    for (const char *p = got;; p++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < count && !found; i++)
            found = strlen(want[i]) == len && memcmp(want[i], p, len) == 0;
        if (!found)
            return false;
        if (!comma)
            break;
        p = comma;
    }
    for (size_t i = 0; i < count; i++) {
        if (!token_in(got, want[i], strlen(want[i])))
            return false;
    }
    return true;
}

static bool judge_reason(const expect_suspend_t *s, const world_suspend_record_t *r, int i,
                         expect_verdict_t *v)
{
    if (s->reason_count == 0)
        return !r->has_resume_reason ||
               fail(v, "suspend %d: resume_reason \"%.200s\" (expected null)", i,
                    r->resume_reason);
    char want[200];
    size_t n = 0;
    for (size_t k = 0; k < s->reason_count && n < sizeof(want); k++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s", k ? "," : "", s->reasons[k]);
    if (!r->has_resume_reason)
        return fail(v, "suspend %d: resume_reason null (expected the set {%s})", i, want);
    return reasons_equal(r->resume_reason, s->reasons, s->reason_count) ||
           fail(v, "suspend %d: resume_reason \"%.150s\" (expected the set {%s})", i,
                r->resume_reason, want);
}

static bool judge_phases(const expect_suspend_t *s, const world_suspend_record_t *r, int i,
                         expect_verdict_t *v)
{
    for (int k = 1; k < EXPECT_PHASE_SLOTS; k++) {
        int64_t t = k == EXPECT_PHASE_REPLY_RECEIVED ? r->reply_received_ns : r->phase_ns[k];
        if (s->phase_absent[k] && t >= 0) {
            char at[32];
            expect_format_ns(t - r->sent_ns, at, sizeof(at));
            return fail(v, "suspend %d: phase %s happened, at +%s", i, expect_phase_names[k],
                        at);
        }
        if (!bounded(&s->phases[k]))
            continue;
        if (t < 0)
            return fail(v, "suspend %d: phase %s did not happen", i, expect_phase_names[k]);
        char m[120];
        if (!in_bounds(&s->phases[k], t - r->sent_ns)) {
            miss_text(&s->phases[k], t - r->sent_ns, true, m, sizeof(m));
            return fail(v, "suspend %d: %s at +%s", i, expect_phase_names[k], m);
        }
    }
    return true;
}

static bool judge_attempt(const expect_suspend_t *s, const world_suspend_record_t *r, int i,
                          expect_verdict_t *v)
{
    if (s->has_result && r->result != s->result)
        return fail(v, "suspend %d: result %s (expected %s)", i,
                    scenario_result_names[r->result], scenario_result_names[s->result]);
    if (s->has_reason && !judge_reason(s, r, i, v))
        return false;
    if (bounded(&s->suspend_time)) {
        char m[120];
        if (!r->has_suspend_time)
            return fail(v, "suspend %d: the reply has no suspend_time", i);
        if (!in_bounds(&s->suspend_time, r->suspend_time_ns)) {
            miss_text(&s->suspend_time, r->suspend_time_ns, true, m, sizeof(m));
            return fail(v, "suspend %d: suspend_time %s", i, m);
        }
    }
    return judge_phases(s, r, i, v);
}

static void judge_suspend(const expect_suspend_t *s, const world_results_t *r,
                          expect_verdict_t *v)
{
    size_t n = r->suspend_count;
    if (n == 0) {
        fail(v, "no suspend attempt happened");
        return;
    }
    if (s->index >= 0 && (size_t)s->index >= n) {
        fail(v, "there %s only %zu suspend attempt%s", n == 1 ? "was" : "were", n,
             n == 1 ? "" : "s");
        return;
    }
    size_t first = s->index >= 0 ? (size_t)s->index : s->index == EXPECT_SUSPEND_LAST ? n - 1 : 0;
    size_t last = s->index == EXPECT_SUSPEND_ALL ? n - 1 : first;
    for (size_t i = first; i <= last; i++) {
        if (!judge_attempt(s, &r->suspends[i], (int)i, v))
            return;
    }
}

/* ---- The other kinds ------------------------------------------------------------------------ */

static void judge_watcher(const expect_watcher_t *w, const world_results_t *r,
                          expect_verdict_t *v)
{
    const world_watcher_record_t *rec = &r->watchers[w->watcher];
    /* `total` counts observations past the record's 256 slots; saw_count is at most 256. */
    bool ok = w->prefix ? rec->count >= w->saw_count : rec->total == w->saw_count;
    ok = ok && memcmp(rec->observations, w->saw, w->saw_count) == 0;
    if (!ok) {
        char got[200];
        expect_format_watcher(rec->observations, rec->count, got, sizeof(got));
        fail(v, "the watcher saw %s%s", got, rec->total > rec->count ? " ..." : "");
        return;
    }
    for (size_t i = 0; i < w->saw_at_count; i++) {
        const expect_bounds_t *b = &w->saw_at[i];
        if (!bounded(b) || in_bounds(b, rec->observed_ns[i]))
            continue;
        char m[120];
        miss_text(b, rec->observed_ns[i], true, m, sizeof(m));
        fail(v, "observation %zu (%s) at %s", i, rec->observations[i] == 'A' ? "AWAKE" : "ASLEEP",
             m);
        return;
    }
}

static void judge_counter(const expect_counter_t *c, const run_outcome_t *o,
                          expect_verdict_t *v)
{
    int64_t x = INT64_MIN;
    if (c->at_end)
        x = o->results->counter_end ? o->results->counter_end[c->proxy] : INT64_MIN;
    else if (o->samples)
        x = o->samples[c->sample];
    char m[120];
    if (x == INT64_MIN) {
        fail(v, "the counter did not exist %s", c->at_end ? "at the end" : "then");
    } else if (!in_bounds(&c->value, x)) {
        miss_text(&c->value, x, false, m, sizeof(m));
        fail(v, "the counter was %s", m);
    }
}

static void judge_channel(const expect_channel_t *c, const world_results_t *r,
                          expect_verdict_t *v)
{
    uint64_t got = r->remote_received[c->proxy];
    bool closed = r->remote_saw_peer_closed[c->proxy];
    char m[120];
    if (c->has_received && (got > INT64_MAX || !in_bounds(&c->received, (int64_t)got))) {
        miss_text(&c->received, (int64_t)got, false, m, sizeof(m));
        fail(v, "the remote end received %s messages", m);
    } else if (c->has_peer_closed && closed != c->peer_closed) {
        fail(v, "the remote end %s PEER_CLOSED", closed ? "saw" : "did not see");
    }
}

static void judge_file_read(const expect_file_read_t *f, const world_results_t *r,
                            expect_verdict_t *v)
{
    const world_file_read_record_t *rec = NULL;
    size_t seen = 0;
    for (size_t i = 0; i < r->file_read_count && !rec; i++) {
        if (r->file_reads[i].file == f->file && seen++ == f->read)
            rec = &r->file_reads[i];
    }
    if (!rec) {
        fail(v, "the file was read %zu time%s", seen, seen == 1 ? "" : "s");
    } else if (f->has_status && rec->status != f->status) {
        fail(v, "the read returned %s (expected %s)", expect_status_name(rec->status),
             expect_status_name(f->status));
    } else if ((f->head_size || f->has_checksum) && rec->status != 0) {
        fail(v, "the read returned %s: no bytes to check", expect_status_name(rec->status));
    } else if (f->head_size && (rec->length < f->head_size ||
                                memcmp(rec->head, f->head, f->head_size) != 0)) {
        fail(v, "the bytes read start %02x %02x %02x %02x ...", rec->head[0], rec->head[1],
             rec->head[2], rec->head[3]);
    } else if (f->has_checksum && rec->checksum != f->checksum) {
        fail(v, "the checksum is %016" PRIx64 " (expected %016" PRIx64 ")", rec->checksum,
             f->checksum);
    }
}

static void judge_latency(const expect_latency_t *l, const world_results_t *r,
                          expect_verdict_t *v)
{
    int64_t *values = malloc((r->message_count ? r->message_count : 1) * sizeof(*values));
    if (!values) {
        fail(v, "out of memory");
        return;
    }
    size_t n = expect_latency_values(r, l->metric, l->proxy, values);
    char m[120];
    if (bounded(&l->count) && !in_bounds(&l->count, (int64_t)n)) {
        miss_text(&l->count, (int64_t)n, false, m, sizeof(m));
        fail(v, "%s messages were measured", m);
    }
    for (int k = 0; k < EXPECT_STAT_COUNT && v->ok; k++) {
        if (!bounded(&l->stat[k]))
            continue;
        if (n == 0) {
            fail(v, "no message has both times of %s", expect_metric_names[l->metric]);
            break;
        }
        int64_t x = expect_percentile(values, n, expect_stat_pct[k]);
        if (!in_bounds(&l->stat[k], x)) {
            miss_text(&l->stat[k], x, true, m, sizeof(m));
            fail(v, "%s is %s over %zu messages", expect_stat_names[k], m, n);
        }
    }
    free(values);
}

static void judge_suspend_count(const expect_suspend_count_t *c, const world_results_t *r,
                                expect_verdict_t *v)
{
    int64_t n = 0;
    for (size_t i = 0; i < r->suspend_count; i++)
        n += !c->has_result || r->suspends[i].result == c->result;
    char m[120];
    if (!in_bounds(&c->count, n)) {
        miss_text(&c->count, n, false, m, sizeof(m));
        fail(v, "%s %s%ssuspend attempts", m, c->has_result ? scenario_result_names[c->result]
                                                            : "",
             c->has_result ? " " : "");
    }
}

static bool stat_ok(const char *what, const expect_bounds_t *b, int64_t x, bool durations,
                    expect_verdict_t *v)
{
    char m[120];
    if (!bounded(b) || in_bounds(b, x))
        return true;
    miss_text(b, x, durations, m, sizeof(m));
    return fail(v, "%s is %s", what, m);
}

static void judge_stats(const expect_stats_t *s, const world_results_t *r, expect_verdict_t *v)
{
    const char *last = r->has_last_resume_reason ? r->last_resume_reason : NULL;
    bool ok = stat_ok("success_count", &s->success, (int64_t)r->success_count, false, v) &&
              stat_ok("fail_count", &s->fail, (int64_t)r->fail_count, false, v) &&
              stat_ok("wakeup_count", &s->wakeup, (int64_t)r->wakeup_count, false, v) &&
              stat_ok("last_time_in_sleep", &s->sleep_ns, r->last_time_in_sleep_ns, true, v) &&
              stat_ok("last_time_in_suspend_operations", &s->operations_ns,
                      r->last_time_in_suspend_operations_ns, true, v);
    if (!ok || !s->has_last_reason)
        return;
    if (!s->last_reason && last)
        fail(v, "last_resume_reason is \"%.200s\" (expected null)", last);
    else if (s->last_reason && (!last || strcmp(last, s->last_reason) != 0))
        fail(v, "last_resume_reason is %s%.200s%s (expected \"%.100s\")", last ? "\"" : "",
             last ? last : "null", last ? "\"" : "", s->last_reason);
}

static bool tolerated(const expect_violations_t *nv, const char *name, const char *manager)
{
    for (size_t i = 0; i < nv->tolerated_count; i++) {
        const expect_t *e = nv->tolerated[i];
        if (strcmp(e->u.violations.name, name) == 0 && expect_applies(e, manager))
            return true;
    }
    return false;
}

static void judge_violations(const expect_t *e, const run_outcome_t *o, expect_verdict_t *v)
{
    const expect_violations_t *nv = &e->u.violations;
    for (size_t i = 0; i < o->violation_count; i++) {
        const sim_violation_t *x = &o->violations[i];
        bool match = e->kind == EXPECT_VIOLATION && strcmp(x->name, nv->name) == 0;
        if (e->kind == EXPECT_VIOLATION && match)
            return;
        if (e->kind == EXPECT_NO_VIOLATIONS && !tolerated(nv, x->name, o->manager)) {
            char t[32];
            expect_format_ns(x->time_boot_ns, t, sizeof(t));
            fail(v, "%s violated at %s: %.250s", x->name, t, x->message ? x->message : "");
            return;
        }
    }
    if (e->kind == EXPECT_VIOLATION)
        fail(v, "%s was not violated (%zu other violation%s)", nv->name, o->violation_count,
             o->violation_count == 1 ? "" : "s");
}

bool expect_applies(const expect_t *e, const char *manager)
{
    if (e->manager_count == 0)
        return true;
    for (size_t i = 0; i < e->manager_count; i++) {
        if (manager && strcmp(e->managers[i], manager) == 0)
            return true;
    }
    return false;
}

void expect_judge(const expect_t *e, const run_outcome_t *o, expect_verdict_t *v)
{
    *v = (expect_verdict_t){.applies = expect_applies(e, o->manager), .ok = true};
    if (!v->applies)
        return;
    const world_results_t *r = o->results;
    switch (e->kind) {
    case EXPECT_SUSPEND:
        judge_suspend(&e->u.suspend, r, v);
        break;
    case EXPECT_WATCHER:
        judge_watcher(&e->u.watcher, r, v);
        break;
    case EXPECT_COUNTER:
        judge_counter(&e->u.counter, o, v);
        break;
    case EXPECT_CHANNEL:
        judge_channel(&e->u.channel, r, v);
        break;
    case EXPECT_FILE_READ:
        judge_file_read(&e->u.file_read, r, v);
        break;
    case EXPECT_LATENCY:
        judge_latency(&e->u.latency, r, v);
        break;
    case EXPECT_SUSPEND_COUNT:
        judge_suspend_count(&e->u.suspend_count, r, v);
        break;
    case EXPECT_STATS:
        judge_stats(&e->u.stats, r, v);
        break;
    case EXPECT_NO_VIOLATIONS:
    case EXPECT_VIOLATION:
        judge_violations(e, o, v);
        break;
    case EXPECT_KIND_COUNT:
        SIM_ASSERT(!"not an expectation kind");
    }
}
