/* summary.c - The human summary and the --json object of one `wakesim run` (summary.h).
 *
 * The human summary is for a 100-column terminal: a header (scenario, run parameters, verdict,
 * fingerprint), then what happened (suspend attempts with their phases relative to the request,
 * watchers, messages and latencies, file reads, the kernel's suspend stats), then the
 * expectations with their verdicts, then invariant violations. Times are virtual boot times
 * since the run started, printed exactly ("1.5ms", "9.000012s"). The JSON object carries the
 * same facts with integer nanoseconds, for scripts and tests.
 */
#include "summary.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 100
#define SUSPENDS_SHOWN 20 /* the first and the last 10 attempts of a long run */

/* Prints `prefix`, then `text` wrapped at spaces to WIDTH columns (a word longer than a line
 * is cut); continuation lines are indented by `indent` columns. */
static void print_indented(FILE *out, const char *prefix, size_t indent, const char *text)
{
    fputs(prefix, out);
    for (bool first = true; first || *text; first = false) {
        size_t used = first ? strlen(prefix) : indent;
        size_t room = used < WIDTH - 20 ? WIDTH - used : 20;
        size_t len = strlen(text), cut = len;
        if (len > room) {
            cut = room;
            while (cut > room / 2 && text[cut] != ' ')
                cut--;
            if (text[cut] != ' ')
                cut = room;
        }
        fprintf(out, "%*s%.*s\n", first ? 0 : (int)indent, "", (int)cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

/* print_indented with continuation lines under the text's start. */
static void print_wrapped(FILE *out, const char *prefix, const char *text)
{
    print_indented(out, prefix, strlen(prefix), text);
}

bool summary_passed(const run_report_t *rep)
{
    size_t held, failed, skipped;
    summary_count(rep, &held, &failed, &skipped);
    return !rep->interrupted && failed == 0;
}

void summary_count(const run_report_t *rep, size_t *held, size_t *failed, size_t *skipped)
{
    *held = *failed = *skipped = 0;
    for (size_t i = 0; i < rep->scenario->expect_count; i++) {
        const expect_verdict_t *v = &rep->verdicts[i];
        if (!v->applies)
            (*skipped)++;
        else if (v->ok)
            (*held)++;
        else
            (*failed)++;
    }
}

/* ---- Human summary -------------------------------------------------------------------------- */

static void print_header(FILE *out, const run_report_t *rep)
{
    const scenario_t *sc = rep->scenario;
    const world_results_t *r = rep->outcome->results;
    size_t held, failed, skipped;
    summary_count(rep, &held, &failed, &skipped);
    char end[32];
    expect_format_ns(r->end_time_ns, end, sizeof(end));
    char name[1200];
    snprintf(name, sizeof(name), "%s (%s)", sc->name, sc->path);
    print_wrapped(out, "scenario   ", name);
    print_wrapped(out, "           ", sc->description);
    char run[256];
    snprintf(run, sizeof(run), "seed %" PRIu64 ", manager %s, strategy %s; ended at %s (%s) "
             "after %" PRIu64 " events", rep->seed, rep->manager, rep->strategy, end,
             rep->interrupted ? "interrupted" : sim_end_name(r->end), r->events);
    print_wrapped(out, "run        ", run);
    fprintf(out, "verdict    %s: %zu of %zu expectations hold",
            summary_passed(rep) ? "PASS" : rep->interrupted ? "FAIL (interrupted)" : "FAIL", held,
            held + failed);
    if (skipped)
        fprintf(out, " (%zu for other managers)", skipped);
    fprintf(out, "; fingerprint %016" PRIx64 "\n", r->fingerprint);
}

/* Prints "name +time" items wrapped at WIDTH with a 6-space indent. */
static void print_phases(FILE *out, const world_suspend_record_t *s)
{
    size_t col = 0;
    for (int k = 1; k < EXPECT_PHASE_SLOTS; k++) {
        int64_t t = k == EXPECT_PHASE_REPLY_RECEIVED ? s->reply_received_ns : s->phase_ns[k];
        if (t < 0)
            continue;
        char rel[32], item[64];
        expect_format_ns(t - s->sent_ns, rel, sizeof(rel));
        int n = snprintf(item, sizeof(item), "%s +%s", expect_phase_names[k], rel);
        if (col > 0 && col + 2 + (size_t)n > WIDTH) {
            fputc('\n', out);
            col = 0;
        }
        fprintf(out, "%s%s", col == 0 ? "      " : "  ", item);
        col += (col == 0 ? 6 : 2) + (size_t)n;
    }
    if (col > 0)
        fputc('\n', out);
}

static void print_suspends(FILE *out, const world_results_t *r)
{
    fprintf(out, "\nsuspend attempts: %zu%s\n", r->suspend_count,
            r->suspend_count ? " (phase times after each request)" : "");
    for (size_t i = 0; i < r->suspend_count; i++) {
        if (i == SUSPENDS_SHOWN / 2 && r->suspend_count > SUSPENDS_SHOWN) {
            fprintf(out, "  ... %zu more (every attempt is in --json)\n",
                    r->suspend_count - SUSPENDS_SHOWN);
            i = r->suspend_count - SUSPENDS_SHOWN / 2;
        }
        const world_suspend_record_t *s = &r->suspends[i];
        char at[32], took[32] = "", st[32] = "", line[1400];
        expect_format_ns(s->sent_ns, at, sizeof(at));
        if (s->reply_received_ns >= 0)
            expect_format_ns(s->reply_received_ns - s->sent_ns, took, sizeof(took));
        if (s->has_suspend_time)
            expect_format_ns(s->suspend_time_ns, st, sizeof(st));
        snprintf(line, sizeof(line), "#%zu at %s: %s%s%s%s%s%s%s%s%s", i, at,
                 scenario_result_names[s->result],
                 s->result != WORLD_SUSPEND_NO_REPLY ? ""
                 : s->channel_closed                 ? " (channel closed)"
                                                     : " (run ended first)",
                 took[0] ? " after " : "", took, st[0] ? ", suspend_time " : "", st,
                 s->has_resume_reason ? ", resume_reason \"" : "",
                 s->has_resume_reason ? s->resume_reason : "",
                 s->has_resume_reason                 ? "\""
                 : s->result == WORLD_SUSPEND_OK      ? ", resume_reason null"
                                                      : "");
        print_indented(out, "  ", 6, line);
        print_phases(out, s);
    }
}

static void print_watchers(FILE *out, const scenario_t *sc, const world_results_t *r)
{
    if (sc->world.watcher_count == 0)
        return;
    fprintf(out, "\nwatchers\n");
    for (size_t i = 0; i < sc->world.watcher_count; i++) {
        const world_watcher_record_t *w = &r->watchers[i];
        /* The first observations, cut to leave room for the name and the totals. */
        char saw[48], last[32] = "";
        expect_format_watcher(w->observations, w->count, saw, sizeof(saw));
        if (w->total > 0)
            expect_format_ns(w->last_ns, last, sizeof(last));
        fprintf(out, "  %-16.16s %s%s", sc->world.watchers[i].name, saw,
                w->total > w->count && !strstr(saw, "...") ? " ..." : "");
        if (w->total > 0)
            fprintf(out, " (%zu, the last at %s)", w->total, last);
        fprintf(out, "%s\n", w->closed ? ", closed" : "");
    }
}

/* Messages of one proxy that reached each point of their life. */
typedef struct message_counts {
    uint64_t sent, counted, forwarded, read, handled, decremented;
} message_counts_t;

static void count_messages(const world_results_t *r, int proxy, message_counts_t *c)
{
    *c = (message_counts_t){0};
    for (size_t i = 0; i < r->message_count; i++) {
        const world_message_record_t *m = &r->messages[i];
        if (m->proxy != proxy)
            continue;
        c->sent += m->sent_ns >= 0;
        c->counted += m->counter_incremented_ns >= 0;
        c->forwarded += m->forwarded_ns >= 0;
        c->read += m->read_by_container_ns >= 0;
        c->handled += m->handled_ns >= 0;
        c->decremented += m->decremented_ns >= 0;
    }
}

/* A time with 4 significant digits ("8.81s", "202.9us"), for columns; --json has them exact. */
static void format_short_ns(int64_t ns, char *buf, size_t size)
{
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}};
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        if ((double)ns >= units[k].ns) {
            snprintf(buf, size, "%.4g%s", (double)ns / units[k].ns, units[k].unit);
            return;
        }
    }
    snprintf(buf, size, "%" PRId64 "ns", ns);
}

static void print_latency(FILE *out, const world_results_t *r, expect_metric_t metric,
                          int64_t *values)
{
    size_t n = expect_latency_values(r, metric, -1, values);
    if (n == 0)
        return;
    /* At most 2 + 19 + 10 + 4 * 14 = 87 columns: times print in at most 8 characters. */
    fprintf(out, "  %-19s n %-7zu", expect_metric_names[metric], n);
    for (int k = EXPECT_STAT_P50; k < EXPECT_STAT_COUNT; k++) {
        char t[32];
        format_short_ns(expect_percentile(values, n, expect_stat_pct[k]), t, sizeof(t));
        fprintf(out, "  %s %-*s", expect_stat_names[k], k + 1 < EXPECT_STAT_COUNT ? 8 : 0, t);
    }
    fputc('\n', out);
}

static void print_messages(FILE *out, const scenario_t *sc, const world_results_t *r)
{
    if (sc->world.proxy_count == 0)
        return;
    fprintf(out, "\nmessages: %zu (per proxy: sent/forwarded/read/handled/decremented, the "
            "counter at the end)\n",
            r->message_count);
    for (size_t p = 0; p < sc->world.proxy_count; p++) {
        message_counts_t c;
        count_messages(r, (int)p, &c);
        char counter[32] = "none";
        if (r->counter_end && r->counter_end[p] != INT64_MIN)
            snprintf(counter, sizeof(counter), "%" PRId64, r->counter_end[p]);
        fprintf(out, "  %-16.16s %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
                "  counter %s  remote end read %" PRIu64 "%s\n", sc->world.proxies[p].name,
                c.sent, c.forwarded, c.read, c.handled, c.decremented, counter,
                r->remote_received[p], r->remote_saw_peer_closed[p] ? ", saw PEER_CLOSED" : "");
    }
    int64_t *values = malloc((r->message_count ? r->message_count : 1) * sizeof(*values));
    if (!values)
        return;
    print_latency(out, r, EXPECT_METRIC_SENT_TO_FORWARDED, values);
    print_latency(out, r, EXPECT_METRIC_SENT_TO_HANDLED, values);
    free(values);
}

static void print_file_reads(FILE *out, const scenario_t *sc, const world_results_t *r)
{
    if (r->file_read_count == 0)
        return;
    fprintf(out, "\nfile reads\n");
    for (size_t i = 0; i < r->file_read_count; i++) {
        const world_file_read_record_t *f = &r->file_reads[i];
        char at[32], took[32];
        expect_format_ns(f->started_ns, at, sizeof(at));
        expect_format_ns(f->finished_ns - f->started_ns, took, sizeof(took));
        fprintf(out, "  %-16.16s at %s, bytes %" PRIu64 "+%" PRIu64 ": %s",
                f->file >= 0 && (size_t)f->file < sc->world.file_count
                    ? sc->world.files[f->file].name : "?",
                at, f->offset, f->length, expect_status_name(f->status));
        if (f->finished_ns >= 0)
            fprintf(out, " after %s", took);
        if (f->status == 0)
            fprintf(out, ", checksum %016" PRIx64, f->checksum);
        fputc('\n', out);
    }
}

static void print_stats(FILE *out, const world_results_t *r)
{
    char line[1300];
    snprintf(line, sizeof(line), "success %" PRIu64 ", fail %" PRIu64 ", wakeups %" PRIu64
             ", last_resume_reason %s%s%s", r->success_count, r->fail_count, r->wakeup_count,
             r->has_last_resume_reason ? "\"" : "",
             r->has_last_resume_reason ? r->last_resume_reason : "null",
             r->has_last_resume_reason ? "\"" : "");
    fputc('\n', out);
    print_indented(out, "kernel suspend stats: ", 2, line);
}

static void print_expectations(FILE *out, const run_report_t *rep)
{
    const scenario_t *sc = rep->scenario;
    fprintf(out, "\nexpectations\n");
    for (size_t i = 0; i < sc->expect_count; i++) {
        const expect_t *e = &sc->expects[i];
        const expect_verdict_t *v = &rep->verdicts[i];
        const char *mark = !v->applies ? "skip" : v->ok ? "ok" : "FAIL";
        char head[40];
        snprintf(head, sizeof(head), "  %-4s  #%-3zu ", mark, i);
        print_wrapped(out, head, e->description);
        if (v->applies && !v->ok && v->detail[0])
            print_wrapped(out, "                ", v->detail);
    }
}

static void print_violations(FILE *out, const run_outcome_t *o)
{
    if (o->violation_count == 0)
        fprintf(out, "\nviolations: none\n");
    else
        fprintf(out, "\nviolations: %zu\n", o->violation_count);
    for (size_t i = 0; i < o->violation_count; i++) {
        const sim_violation_t *x = &o->violations[i];
        char at[32];
        expect_format_ns(x->time_boot_ns, at, sizeof(at));
        fprintf(out, "  %s at %s (event %" PRIu64 ")\n", x->name, at, x->event_index);
        if (x->message && x->message[0])
            print_wrapped(out, "    ", x->message);
    }
}

void summary_print(FILE *out, const run_report_t *rep)
{
    const world_results_t *r = rep->outcome->results;
    print_header(out, rep);
    print_suspends(out, r);
    print_watchers(out, rep->scenario, r);
    print_messages(out, rep->scenario, r);
    print_file_reads(out, rep->scenario, r);
    print_stats(out, r);
    print_expectations(out, rep);
    print_violations(out, rep->outcome);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* Builders that remember an allocation failure, so the callers stay straight-line. Integers go
 * in as raw text: int64 and uint64 values are exact (cJSON's numbers are doubles). */
typedef struct jb {
    bool oom;
} jb_t;

static cJSON *jb_check(jb_t *jb, cJSON *item)
{
    if (!item)
        jb->oom = true;
    return item;
}

static void jb_i64(jb_t *jb, cJSON *o, const char *key, int64_t v)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRId64, v);
    jb_check(jb, cJSON_AddRawToObject(o, key, text));
}

static void jb_u64(jb_t *jb, cJSON *o, const char *key, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRIu64, v);
    jb_check(jb, cJSON_AddRawToObject(o, key, text));
}

/* A virtual time, or null when it did not happen (-1). */
static void jb_time(jb_t *jb, cJSON *o, const char *key, int64_t v)
{
    if (v < 0)
        jb_check(jb, cJSON_AddNullToObject(o, key));
    else
        jb_i64(jb, o, key, v);
}

static void jb_str(jb_t *jb, cJSON *o, const char *key, const char *s)
{
    jb_check(jb, s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key));
}

static void jb_bool(jb_t *jb, cJSON *o, const char *key, bool b)
{
    jb_check(jb, cJSON_AddBoolToObject(o, key, b));
}

static cJSON *jb_obj(jb_t *jb, cJSON *parent, const char *key)
{
    cJSON *o = jb_check(jb, cJSON_CreateObject());
    if (o && key && !cJSON_AddItemToObject(parent, key, o)) {
        cJSON_Delete(o);
        return jb_check(jb, NULL);
    }
    if (o && !key && !cJSON_AddItemToArray(parent, o)) {
        cJSON_Delete(o);
        return jb_check(jb, NULL);
    }
    return o;
}

static cJSON *jb_arr(jb_t *jb, cJSON *parent, const char *key)
{
    return jb_check(jb, parent ? cJSON_AddArrayToObject(parent, key) : NULL);
}

static void jb_push_str(jb_t *jb, cJSON *arr, const char *s)
{
    cJSON *item = cJSON_CreateString(s);
    if (!item || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        jb->oom = true;
    }
}

static void json_suspend(jb_t *jb, cJSON *arr, size_t i, const world_suspend_record_t *s)
{
    cJSON *o = jb_obj(jb, arr, NULL);
    if (!o)
        return;
    jb_u64(jb, o, "index", i);
    jb_str(jb, o, "result", scenario_result_names[s->result]);
    jb_str(jb, o, "resume_reason", s->has_resume_reason ? s->resume_reason : NULL);
    if (s->has_suspend_time)
        jb_i64(jb, o, "suspend_time_ns", s->suspend_time_ns);
    else
        jb_str(jb, o, "suspend_time_ns", NULL);
    jb_time(jb, o, "sent_ns", s->sent_ns);
    jb_time(jb, o, "reply_received_ns", s->reply_received_ns);
    jb_bool(jb, o, "channel_closed", s->channel_closed);
    cJSON *phases = jb_obj(jb, o, "phases_ns");
    for (int k = 1; phases && k < EXPECT_PHASE_REPLY_RECEIVED; k++)
        jb_time(jb, phases, expect_phase_names[k], s->phase_ns[k]);
}

static void json_watchers(jb_t *jb, cJSON *top, const scenario_t *sc, const world_results_t *r)
{
    cJSON *o = jb_obj(jb, top, "watchers");
    for (size_t i = 0; o && i < sc->world.watcher_count; i++) {
        cJSON *a = jb_arr(jb, o, sc->world.watchers[i].name);
        for (size_t k = 0; a && k < r->watchers[i].count; k++) {
            const char *word = r->watchers[i].observations[k] == 'A' ? "AWAKE" : "ASLEEP";
            jb_push_str(jb, a, word);
        }
    }
}

static void json_latency(jb_t *jb, cJSON *msgs, const world_results_t *r)
{
    int64_t *values = malloc((r->message_count ? r->message_count : 1) * sizeof(*values));
    cJSON *lat = jb_obj(jb, msgs, "latency_ns");
    if (!values)
        jb->oom = true;
    for (int m = 0; values && lat && m < EXPECT_METRIC_COUNT; m++) {
        size_t n = expect_latency_values(r, (expect_metric_t)m, -1, values);
        cJSON *o = jb_obj(jb, lat, expect_metric_names[m]);
        if (!o)
            break;
        jb_u64(jb, o, "count", n);
        for (int k = 0; n > 0 && k < EXPECT_STAT_COUNT; k++)
            jb_i64(jb, o, expect_stat_names[k], expect_percentile(values, n, expect_stat_pct[k]));
    }
    free(values);
}

static void json_messages(jb_t *jb, cJSON *top, const scenario_t *sc, const world_results_t *r)
{
    cJSON *msgs = jb_obj(jb, top, "messages");
    if (!msgs)
        return;
    jb_u64(jb, msgs, "count", r->message_count);
    cJSON *proxies = jb_obj(jb, msgs, "proxies");
    for (size_t p = 0; proxies && p < sc->world.proxy_count; p++) {
        message_counts_t c;
        count_messages(r, (int)p, &c);
        cJSON *o = jb_obj(jb, proxies, sc->world.proxies[p].name);
        if (!o)
            break;
        jb_u64(jb, o, "sent", c.sent);
        jb_u64(jb, o, "counted", c.counted);
        jb_u64(jb, o, "forwarded", c.forwarded);
        jb_u64(jb, o, "read", c.read);
        jb_u64(jb, o, "handled", c.handled);
        jb_u64(jb, o, "decremented", c.decremented);
        jb_u64(jb, o, "remote_received", r->remote_received[p]);
        jb_bool(jb, o, "remote_saw_peer_closed", r->remote_saw_peer_closed[p]);
        if (r->counter_end && r->counter_end[p] != INT64_MIN)
            jb_i64(jb, o, "counter_end", r->counter_end[p]);
        else
            jb_str(jb, o, "counter_end", NULL);
    }
    json_latency(jb, msgs, r);
}

static void json_file_reads(jb_t *jb, cJSON *top, const scenario_t *sc,
                            const world_results_t *r)
{
    cJSON *arr = jb_arr(jb, top, "file_reads");
    for (size_t i = 0; arr && i < r->file_read_count; i++) {
        const world_file_read_record_t *f = &r->file_reads[i];
        cJSON *o = jb_obj(jb, arr, NULL);
        if (!o)
            break;
        bool known = f->file >= 0 && (size_t)f->file < sc->world.file_count;
        jb_str(jb, o, "file", known ? sc->world.files[f->file].name : NULL);
        jb_u64(jb, o, "offset", f->offset);
        jb_u64(jb, o, "length", f->length);
        jb_time(jb, o, "started_ns", f->started_ns);
        jb_time(jb, o, "finished_ns", f->finished_ns);
        jb_str(jb, o, "status", expect_status_name(f->status));
        char sum[17];
        snprintf(sum, sizeof(sum), "%016" PRIx64, f->checksum);
        jb_str(jb, o, "checksum", f->status == 0 ? sum : NULL);
    }
}

static void json_stats(jb_t *jb, cJSON *top, const world_results_t *r)
{
    cJSON *o = jb_obj(jb, top, "stats");
    if (!o)
        return;
    jb_u64(jb, o, "success_count", r->success_count);
    jb_u64(jb, o, "fail_count", r->fail_count);
    jb_u64(jb, o, "wakeup_count", r->wakeup_count);
    jb_str(jb, o, "last_resume_reason", r->has_last_resume_reason ? r->last_resume_reason
                                                                   : NULL);
    jb_i64(jb, o, "last_time_in_sleep_ns", r->last_time_in_sleep_ns);
    jb_i64(jb, o, "last_time_in_suspend_operations_ns", r->last_time_in_suspend_operations_ns);
}

static void json_violations(jb_t *jb, cJSON *top, const run_outcome_t *o)
{
    cJSON *arr = jb_arr(jb, top, "violations");
    for (size_t i = 0; arr && i < o->violation_count; i++) {
        const sim_violation_t *x = &o->violations[i];
        cJSON *v = jb_obj(jb, arr, NULL);
        if (!v)
            break;
        jb_str(jb, v, "name", x->name);
        jb_str(jb, v, "message", x->message ? x->message : "");
        jb_i64(jb, v, "time_boot_ns", x->time_boot_ns);
        jb_i64(jb, v, "time_mono_ns", x->time_mono_ns);
        jb_u64(jb, v, "event_index", x->event_index);
    }
}

static void json_expectations(jb_t *jb, cJSON *top, const run_report_t *rep)
{
    cJSON *arr = jb_arr(jb, top, "expectations");
    for (size_t i = 0; arr && i < rep->scenario->expect_count; i++) {
        const expect_t *e = &rep->scenario->expects[i];
        const expect_verdict_t *v = &rep->verdicts[i];
        cJSON *o = jb_obj(jb, arr, NULL);
        if (!o)
            break;
        jb_u64(jb, o, "index", i);
        jb_str(jb, o, "kind", expect_kind_names[e->kind]);
        jb_str(jb, o, "description", e->description);
        jb_bool(jb, o, "ok", !v->applies || v->ok);
        jb_bool(jb, o, "applies", v->applies);
        jb_bool(jb, o, "implicit", e->implicit);
        jb_str(jb, o, "detail", v->applies && !v->ok ? v->detail : NULL);
    }
}

static void json_header(jb_t *jb, cJSON *top, const run_report_t *rep)
{
    const scenario_t *sc = rep->scenario;
    const world_results_t *r = rep->outcome->results;
    char fp[17];
    snprintf(fp, sizeof(fp), "%016" PRIx64, r->fingerprint);
    jb_str(jb, top, "scenario", sc->name);
    jb_str(jb, top, "path", sc->path);
    jb_str(jb, top, "description", sc->description);
    jb_u64(jb, top, "seed", rep->seed);
    jb_str(jb, top, "manager", rep->manager);
    jb_str(jb, top, "strategy", rep->strategy);
    jb_str(jb, top, "verdict", summary_passed(rep) ? "pass" : "fail");
    jb_str(jb, top, "end", rep->interrupted ? "interrupted" : sim_end_name(r->end));
    jb_str(jb, top, "fingerprint", fp);
    jb_u64(jb, top, "events", r->events);
    jb_i64(jb, top, "end_time_ns", r->end_time_ns);
    jb_str(jb, top, "schedule", rep->schedule ? rep->schedule : "");
}

cJSON *summary_json(const run_report_t *rep)
{
    const world_results_t *r = rep->outcome->results;
    jb_t jb = {0};
    cJSON *top = jb_check(&jb, cJSON_CreateObject());
    if (!top)
        return NULL;
    json_header(&jb, top, rep);
    cJSON *suspends = jb_arr(&jb, top, "suspends");
    for (size_t i = 0; suspends && i < r->suspend_count; i++)
        json_suspend(&jb, suspends, i, &r->suspends[i]);
    json_watchers(&jb, top, rep->scenario, r);
    json_messages(&jb, top, rep->scenario, r);
    json_file_reads(&jb, top, rep->scenario, r);
    json_stats(&jb, top, r);
    json_violations(&jb, top, rep->outcome);
    json_expectations(&jb, top, rep);
    if (jb.oom) {
        cJSON_Delete(top);
        return NULL;
    }
    return top;
}
