/* derive_build.c - Turns what the stream kept (derive.c) into the rows of suspends, messages,
 * track, slice and counter, in the order and with the ids derive_manager.sql gives them.
 *
 * Every order here is one of the SQL's ORDER BY clauses, made total. Where the SQL's order is
 * not total the tied rows are equal in every column they write, so no choice is visible:
 *   - counter: ORDER BY (track, ts, coalesce(idx, -1)) ties only for two initial samples
 *     (idx NULL, value 0) of one track at one time, e.g. two counter objects named by the same
 *     proxy created at the same instant: identical rows;
 *   - the depth sweep: ORDER BY (at, longest, tie) ties only for ends (-1) of slices of
 *     positive duration ending at the same time on a track, whose order changes no running sum
 *     read at a start (a start never ties: its `tie` is 2n, unique).
 * Every other order (slice insertion by idx, attempt, message index, track rank/thread/object/
 * name) is on unique keys. qsort is therefore safe although it is not stable.
 */
#include "derive_int.h"

#include <inttypes.h>
#include <string.h>

/* The table's column pair i (received, ..., watchers_awake, reply, reply_received, thawed)
 * shows point COLUMN_POINT[i]; suspend_phases' seq s reads point SEQ_POINT[s]. */
static const int COLUMN_POINT[POINTS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 12};
static const int SEQ_POINT[POINTS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 11, 13};

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static const dobject_t *object_find(const derive_t *d, int64_t id)
{
    const uint32_t *i = keymap_get(&d->object_map, &(dkey_t){{id}});
    return i ? &VEC_AT(d->objects, dobject_t, *i) : NULL;
}

static dnull_t point_value(const dpoint_t *p, int64_t v)
{
    return p->set ? dn(v) : (dnull_t){0};
}

/* ---- suspends -------------------------------------------------------------------------------- */

static int cmp_attempt(const void *a, const void *b)
{
    return CMP(((const dattempt_t *)a)->attempt, ((const dattempt_t *)b)->attempt);
}

static void suspend_fill(const dattempt_t *a, suspend_row_t *s)
{
    const dpoint_t *p = a->p, *reply = &p[11], *client = &p[13];
    bool has_request = p[0].set;
    dnull_t reply_status = point_value(reply, reply->status);
    dnull_t result = has_request ? point_value(client, client->status) : reply_status;
    static const char *const RESULTS[3] = {"ok", "wake_locks_exist", "suspend_failure"};
    s->attempt = a->attempt;
    s->result = result.set && result.v >= 0 && result.v <= 2 ? RESULTS[result.v] : "no_reply";
    s->resume_reason = has_request ? client->text : reply->text; /* TEXT_NULL if unset */
    if (has_request && client->set && client->value >= 0)
        s->suspend_time_ns = dn(client->value);
    s->channel_closed = client->set && client->status == 3;
    s->wake_locks_held = point_value(&p[4], p[4].detail);
    s->wait_status = point_value(&p[8], p[8].status);
    s->reply_status = reply_status;
    s->request_idx = point_value(&p[0], p[0].idx);
    for (int i = 0; i < POINTS; i++) {
        const dpoint_t *c = &p[COLUMN_POINT[i]], *q = &p[SEQ_POINT[i]];
        s->at[i][0] = point_value(c, c->tb);
        s->at[i][1] = point_value(c, c->tm);
        s->seq_boot[i] = point_value(q, q->tb);
        s->seq_mono[i] = point_value(q, q->tm);
    }
}

static int build_suspends(const derive_t *d, derive_out_t *out)
{
    size_t n = d->attempts.count;
    dattempt_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));
    if (!sorted)
        return DERIVE_ENOMEM;
    if (n > 0) { /* memcpy and qsort take no NULL, even for 0 bytes */
        memcpy(sorted, d->attempts.data, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_attempt);
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        suspend_row_t *s = vec_push(&out->suspends, sizeof(*s));
        if (!s)
            rc = DERIVE_ENOMEM;
        else
            suspend_fill(&sorted[i], s);
    }
    free(sorted);
    return rc;
}

/* ---- messages -------------------------------------------------------------------------------- */

typedef struct change {
    int64_t idx, tb;
    bool frozen;
} change_t;

/* temp.frozen: the changes of "a suspend token of a process is open". */
static int build_frozen(const derive_t *d, vec_t *changes)
{
    int64_t open = 0;
    bool before = false;
    for (size_t i = 0; i < d->token_events.count; i++) {
        const dtoken_event_t *e = &VEC_AT(d->token_events, dtoken_event_t, i);
        const dobject_t *o = object_find(d, e->task);
        const char *type = o ? strpool_text(&d->text, o->type_name) : NULL;
        if (!type || strcmp(type, "process") != 0)
            continue;
        open += e->delta;
        if ((open > 0) == before)
            continue;
        before = open > 0;
        change_t *c = vec_push(changes, sizeof(*c));
        if (!c)
            return DERIVE_ENOMEM;
        *c = (change_t){.idx = e->idx, .tb = e->tb, .frozen = before};
    }
    return 0;
}

/* temp.resumed: at the sending if the container was not frozen then, else at the next thaw. */
static dnull_t resumed_at(const vec_t *changes, const dsent_t *s)
{
    size_t lo = 0, hi = changes->count; /* first change after the send */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (VEC_AT(*changes, change_t, mid).idx < s->idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || !VEC_AT(*changes, change_t, lo - 1).frozen)
        return dn(s->tb);
    return lo < changes->count ? dn(VEC_AT(*changes, change_t, lo).tb) : (dnull_t){0};
}

typedef struct forward {
    int64_t proxy, read_idx, read_tb;
    dnull_t count_tb, write_tb;
} forward_t;

static int cmp_forward(const void *a, const void *b)
{
    const forward_t *x = a, *y = b;
    int c = CMP(x->proxy, y->proxy);
    return c ? c : CMP(x->read_idx, y->read_idx);
}

static int add_forward(vec_t *fw, const keymap_t *queues, const vec_t *queue_proxy,
                       const fspan_t *s)
{
    const uint32_t *q = s->has_read ? keymap_get(queues, &(dkey_t){{s->read_object}}) : NULL;
    if (!q)
        return 0;
    forward_t *f = vec_push(fw, sizeof(*f));
    if (!f)
        return DERIVE_ENOMEM;
    *f = (forward_t){.proxy = VEC_AT(*queue_proxy, int64_t, *q), .read_idx = s->read_idx,
                     .read_tb = s->read_tb, .count_tb = s->count_tb, .write_tb = s->write_tb};
    return 0;
}

/* temp.forwards, numbered k = 1, 2, ... per proxy in read order, found by (proxy, k). */
static int build_forwards(const derive_t *d, vec_t *fw, keymap_t *by_k)
{
    keymap_t queues = {0};
    vec_t queue_proxy = {0}; /* min(proxy) of each queue */
    int rc = 0;
    for (size_t i = 0; i < d->sent.count && rc == 0; i++) {
        const dsent_t *s = &VEC_AT(d->sent, dsent_t, i);
        if (!s->queue.set)
            continue;
        uint32_t *q = keymap_put(&queues, &(dkey_t){{s->queue.v}}, (uint32_t)queue_proxy.count);
        if (!q) {
            rc = DERIVE_ENOMEM;
        } else if (*q == queue_proxy.count) {
            int64_t *p = vec_push(&queue_proxy, sizeof(*p));
            if (!p)
                rc = DERIVE_ENOMEM;
            else
                *p = s->proxy;
        } else if (s->proxy < VEC_AT(queue_proxy, int64_t, *q)) {
            VEC_AT(queue_proxy, int64_t, *q) = s->proxy;
        }
    }
    for (size_t i = 0; i < d->spans.count && rc == 0; i++)
        rc = add_forward(fw, &queues, &queue_proxy, &VEC_AT(d->spans, fspan_t, i));
    for (size_t i = 0; i < d->threads.count && rc == 0; i++)
        rc = add_forward(fw, &queues, &queue_proxy, &VEC_AT(d->threads, dthread_t, i).cur);
    if (rc == 0 && fw->count > 0)
        qsort(fw->data, fw->count, sizeof(forward_t), cmp_forward);
    int64_t k = 0;
    for (size_t i = 0; i < fw->count && rc == 0; i++) {
        const forward_t *f = &VEC_AT(*fw, forward_t, i);
        k = i > 0 && VEC_AT(*fw, forward_t, i - 1).proxy == f->proxy ? k + 1 : 1;
        if (!keymap_put(by_k, &(dkey_t){{f->proxy, k}}, (uint32_t)i))
            rc = DERIVE_ENOMEM;
    }
    keymap_free(&queues);
    vec_free(&queue_proxy);
    return rc;
}

static int cmp_sent(const void *a, const void *b)
{
    return CMP(((const dsent_t *)a)->index, ((const dsent_t *)b)->index);
}

static void message_fill(const derive_t *d, const dsent_t *s, int64_t k, const vec_t *fw,
                         const keymap_t *by_k, const vec_t *changes, message_row_t *m)
{
    const uint32_t *p = keymap_get(&d->proxy_map, &(dkey_t){{s->proxy}});
    const uint32_t *f = keymap_get(by_k, &(dkey_t){{s->proxy, k}});
    const uint32_t *st = keymap_get(&d->steps_map, &(dkey_t){{s->index}});
    *m = (message_row_t){.index = s->index, .proxy = s->proxy, .sent_idx = s->idx,
                         .sent_tb = s->tb, .resumed = resumed_at(changes, s)};
    m->proxy_name = p ? VEC_AT(d->proxies, dproxy_t, *p).name : TEXT_NULL;
    if (f) {
        const forward_t *x = &VEC_AT(*fw, forward_t, *f);
        m->proxy_read = dn(x->read_tb);
        m->counted = x->count_tb;
        m->forwarded = x->write_tb;
    }
    if (st) {
        const dsteps_t *y = &VEC_AT(d->steps, dsteps_t, *st);
        m->container_read = y->tb[0];
        m->handled = y->tb[1];
        m->decremented = y->tb[2];
    }
}

static int build_messages(const derive_t *d, const vec_t *changes, derive_out_t *out)
{
    vec_t fw = {0}, sorted = {0};
    keymap_t by_k = {0}, per_proxy = {0};
    int rc = build_forwards(d, &fw, &by_k);
    for (size_t i = 0; i < d->sent.count && rc == 0; i++) {
        dsent_t *s = vec_push(&sorted, sizeof(*s));
        if (!s)
            rc = DERIVE_ENOMEM;
        else
            *s = VEC_AT(d->sent, dsent_t, i);
    }
    if (rc == 0 && sorted.count)
        qsort(sorted.data, sorted.count, sizeof(dsent_t), cmp_sent);
    for (size_t i = 0; i < sorted.count && rc == 0; i++) {
        const dsent_t *s = &VEC_AT(sorted, dsent_t, i);
        uint32_t *k = keymap_put(&per_proxy, &(dkey_t){{s->proxy}}, 0);
        message_row_t *m = k ? vec_push(&out->messages, sizeof(*m)) : NULL;
        if (!m) {
            rc = DERIVE_ENOMEM;
            break;
        }
        ++*k; /* row_number() OVER (PARTITION BY proxy ORDER BY message_index) */
        message_fill(d, s, *k, &fw, &by_k, changes, m);
    }
    vec_free(&fw);
    vec_free(&sorted);
    keymap_free(&by_k);
    keymap_free(&per_proxy);
    return rc;
}

/* ---- slices ---------------------------------------------------------------------------------- */

static int append(vec_t *to, const vec_t *from)
{
    for (size_t i = 0; i < from->count; i++) {
        dslice_t *s = vec_push(to, sizeof(*s));
        if (!s)
            return DERIVE_ENOMEM;
        *s = VEC_AT(*from, dslice_t, i);
    }
    return 0;
}

static int cmp_token(const void *a, const void *b)
{
    const dtoken_t *x = a, *y = b;
    return CMP(x->created_idx.v, y->created_idx.v);
}

/* Suspend tokens from create to close, on the task's thread track or its process track. */
static int token_slices(const derive_t *d, vec_t *slices)
{
    vec_t made = {0};
    int rc = 0;
    for (size_t i = 0; i < d->tokens.count && rc == 0; i++) {
        const dtoken_t *t = &VEC_AT(d->tokens, dtoken_t, i);
        dtoken_t *c = t->created_idx.set ? vec_push(&made, sizeof(*c)) : NULL;
        if (c)
            *c = *t;
        else if (t->created_idx.set)
            rc = DERIVE_ENOMEM;
    }
    if (made.count)
        qsort(made.data, made.count, sizeof(dtoken_t), cmp_token);
    for (size_t i = 0; i < made.count && rc == 0; i++) {
        const dtoken_t *t = &VEC_AT(made, dtoken_t, i);
        const dobject_t *o = object_find(d, t->task.v);
        bool on_thread = o && o->thread_arg.set && o->thread_arg.v != 0;
        dslice_t *s = vec_push(slices, sizeof(*s));
        if (!s) {
            rc = DERIVE_ENOMEM;
            break;
        }
        *s = (dslice_t){.ts = t->created_tb.v,
                        .dur = t->closed_tb.set ? t->closed_tb.v - t->created_tb.v : -1,
                        .begin_idx = t->created_idx, .end_idx = t->closed_idx,
                        .key = on_thread ? o->thread_arg.v : t->task.v,
                        .key_type = on_thread ? TRACK_THREAD : TRACK_PROCESS,
                        .category = CAT_TASK, .name = d->name_token};
    }
    vec_free(&made);
    return rc;
}

/* The SuspendContainer slices of each attempt, then its suspend_phases intervals. */
static int suspend_slices(const derive_t *d, const vec_t *suspends, vec_t *slices)
{
    for (size_t i = 0; i < suspends->count; i++) {
        const suspend_row_t *r = &VEC_AT(*suspends, suspend_row_t, i);
        dnull_t start = r->at[0][0].set ? r->at[0][0] : r->at[1][0];
        if (!start.set)
            continue;
        dnull_t end = r->at[12][0].set ? r->at[12][0] : r->at[11][0]; /* received, reply */
        dslice_t *s = vec_push(slices, sizeof(*s));
        if (!s)
            return DERIVE_ENOMEM;
        *s = (dslice_t){.ts = start.v, .dur = end.set ? end.v - start.v : -1,
                        .begin_idx = r->request_idx, .key_type = TRACK_GLOBAL,
                        .category = CAT_SUSPEND, .name = d->name_container};
    }
    for (size_t i = 0; i < suspends->count; i++) {
        const suspend_row_t *r = &VEC_AT(*suspends, suspend_row_t, i);
        int order[POINTS], n = 0;
        for (int q = 0; q < POINTS; q++) { /* insertion sort by (boot, seq) */
            if (!r->seq_boot[q].set)
                continue;
            int j = n++;
            for (; j > 0 && r->seq_boot[order[j - 1]].v > r->seq_boot[q].v; j--)
                order[j] = order[j - 1];
            order[j] = q;
        }
        for (int j = 1; j < n; j++) {
            int64_t from = r->seq_boot[order[j - 1]].v, at = r->seq_boot[order[j]].v;
            dslice_t *s = vec_push(slices, sizeof(*s));
            if (!s)
                return DERIVE_ENOMEM;
            *s = (dslice_t){.ts = from, .dur = at - from, .key_type = TRACK_GLOBAL,
                            .category = CAT_SUSPEND, .name = d->phase_names[order[j]]};
        }
    }
    return 0;
}

/* temp.sl in insertion order: its n - 1 is the slice's id. */
static int build_slices(const derive_t *d, derive_out_t *out)
{
    const vec_t *groups[] = {&d->pairs, &d->instants, &d->burns, &d->mutexes};
    int rc = 0;
    for (size_t i = 0; i < 4 && rc == 0; i++)
        rc = append(&out->slices, groups[i]);
    if (rc == 0)
        rc = token_slices(d, &out->slices);
    if (rc == 0)
        rc = suspend_slices(d, &out->suspends, &out->slices);
    return rc;
}

void derive__out_free(derive_out_t *out)
{
    vec_free(&out->suspends);
    vec_free(&out->messages);
    vec_free(&out->tracks);
    vec_free(&out->slices);
    vec_free(&out->counters);
}

int derive__build(derive_t *d, int64_t run_id, derive_out_t *out)
{
    *out = (derive_out_t){0};
    if (d->failed)
        return d->failed;
    vec_t changes = {0}, samples = {0};
    int rc = build_suspends(d, out);
    if (rc == 0)
        rc = build_frozen(d, &changes);
    if (rc == 0)
        rc = build_messages(d, &changes, out);
    if (rc == 0)
        rc = build_slices(d, out);
    for (size_t i = 0; i < changes.count && rc == 0; i++) {
        const change_t *c = &VEC_AT(changes, change_t, i);
        dsample_t *s = vec_push(&samples, sizeof(*s));
        if (!s)
            rc = DERIVE_ENOMEM;
        else /* the container_frozen counter */
            *s = (dsample_t){.track = derive__counter_track(d, d->counter_frozen), .ts = c->tb,
                             .value = c->frozen, .idx = dn(c->idx)};
        if (s && s->track < 0)
            rc = DERIVE_ENOMEM;
    }
    if (rc == 0)
        rc = derive__tracks(d, run_id, out, &samples);
    vec_free(&changes);
    vec_free(&samples);
    if (rc != 0)
        derive__out_free(out);
    return rc;
}
