/* derive_track.c - The counter samples, the tracks and the slices' depths of the derived
 * tables (the second half of derive_manager.sql: temp.counters, temp.trk, the depth sweep and
 * the counter ids). See derive_build.c for the orders relied on.
 */
#include "derive_int.h"

#include <inttypes.h>
#include <string.h>

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))
#define TRACK_ID_STRIDE 1000000 /* track.id = run_id * 1000000 + n (migrate_2.sql) */

typedef struct slots {
    dnull_t *object;   /* per counter-track slot: max(object) of its samples */
    bool *used;        /* per slot: it has a sample */
    int64_t *track_id; /* per slot */
    size_t count;
} slots_t;

/* The name of a message counter: the smallest proxy name whose first counter_incremented
 * followed a counter syscall on it (temp.counters), else its koid. */
static uint32_t counter_name(derive_t *d, int64_t object)
{
    uint32_t best = TEXT_NULL;
    for (size_t i = 0; i < d->namers.count; i++) {
        const dnamer_t *n = &VEC_AT(d->namers, dnamer_t, i);
        if (!n->object.set || n->object.v != object || n->proxy_name == TEXT_NULL)
            continue;
        if (best == TEXT_NULL || strpool_cmp(&d->text, n->proxy_name, best) < 0)
            best = n->proxy_name;
    }
    if (best != TEXT_NULL) {
        /* The pool may move while interning: copy the name out first. */
        const char *name = strpool_text(&d->text, best);
        char *copy = malloc(strlen(name) + 1);
        if (!copy)
            return TEXT_FAIL;
        strcpy(copy, name);
        uint32_t id = derive__intern_cat(d, "message_counter:", copy);
        free(copy);
        return id;
    }
    char koid[24];
    snprintf(koid, sizeof(koid), "%" PRId64, object);
    return derive__intern_cat(d, "message_counter:", koid);
}

static int push_sample(vec_t *samples, dsample_t s)
{
    dsample_t *p = vec_push(samples, sizeof(*p));
    if (!p)
        return DERIVE_ENOMEM;
    *p = s;
    return 0;
}

/* temp.cs: every sample with its counter-track slot resolved. */
static int gather_samples(derive_t *d, vec_t *samples, int32_t **slot_of_counter)
{
    size_t n = d->counter_objs.count;
    int32_t *slot_of = calloc(n ? n : 1, sizeof(*slot_of));
    *slot_of_counter = slot_of;
    if (!slot_of)
        return DERIVE_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t object = VEC_AT(d->counter_objs, int64_t, i);
        uint32_t name = counter_name(d, object);
        slot_of[i] = name == TEXT_FAIL ? -1 : derive__counter_track(d, name);
        const dobject_t *o = NULL;
        const uint32_t *at = keymap_get(&d->object_map, &(dkey_t){{object}});
        if (at)
            o = &VEC_AT(d->objects, dobject_t, *at);
        if (slot_of[i] < 0)
            rc = DERIVE_ENOMEM;
        else if (o && o->created_tb.set) /* the counter's initial 0 */
            rc = push_sample(samples, (dsample_t){.track = slot_of[i], .object = object,
                                                  .ts = o->created_tb.v});
    }
    for (size_t i = 0; i < d->samples.count && rc == 0; i++) {
        dsample_t s = VEC_AT(d->samples, dsample_t, i);
        if (s.track < 0)
            s.track = slot_of[*keymap_get(&d->counter_obj_map, &(dkey_t){{s.object}})];
        rc = push_sample(samples, s);
    }
    const uint32_t world[] = {d->counter_system, d->counter_frozen, d->counter_wake_locks,
                              d->counter_leases};
    for (size_t i = 0; i < 4 && rc == 0 && d->world_seen; i++) {
        int32_t track = derive__counter_track(d, world[i]);
        rc = track < 0 ? DERIVE_ENOMEM
                       : push_sample(samples, (dsample_t){.track = track}); /* 0 at time 0 */
    }
    return rc;
}

static int slots_init(derive_t *d, slots_t *s, const int32_t *slot_of_counter)
{
    s->count = d->counter_tracks.count;
    s->object = calloc(s->count + 1, sizeof(*s->object));
    s->used = calloc(s->count + 1, sizeof(*s->used));
    s->track_id = calloc(s->count + 1, sizeof(*s->track_id));
    if (!s->object || !s->used || !s->track_id)
        return DERIVE_ENOMEM;
    for (size_t i = 0; i < d->counter_objs.count; i++) {
        dnull_t *m = &s->object[slot_of_counter[i]];
        int64_t object = VEC_AT(d->counter_objs, int64_t, i);
        if (!m->set || object > m->v)
            *m = dn(object);
    }
    return 0;
}

static void slots_free(slots_t *s)
{
    free(s->object);
    free(s->used);
    free(s->track_id);
}

/* ---- track ----------------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    return CMP(*(const int64_t *)a, *(const int64_t *)b);
}

/* Sorts and removes duplicates. */
static void unique(vec_t *v)
{
    if (v->count == 0)
        return;
    qsort(v->data, v->count, sizeof(int64_t), cmp_i64);
    size_t n = 1;
    for (size_t i = 1; i < v->count; i++)
        if (VEC_AT(*v, int64_t, i) != VEC_AT(*v, int64_t, n - 1))
            VEC_AT(*v, int64_t, n++) = VEC_AT(*v, int64_t, i);
    v->count = n;
}

typedef struct counter_order {
    const derive_t *d;
    const slots_t *slots;
} counter_order_t;

/* Counter tracks: ORDER BY object_id (NULL first), name. */
static int cmp_counter_slot(const void *a, const void *b, void *ctx)
{
    const counter_order_t *o = ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    dnull_t ox = o->slots->object[x], oy = o->slots->object[y];
    if (ox.set != oy.set)
        return ox.set ? 1 : -1;
    int c = ox.set ? CMP(ox.v, oy.v) : 0;
    if (c)
        return c;
    const dcounter_track_t *t = o->d->counter_tracks.data;
    return strpool_cmp(&o->d->text, t[x].name, t[y].name);
}

static track_row_t *track_add(derive_out_t *out, int64_t run_id, uint32_t name, const char *type)
{
    track_row_t *t = vec_push(&out->tracks, sizeof(*t));
    if (t)
        *t = (track_row_t){.id = run_id * TRACK_ID_STRIDE + (int64_t)out->tracks.count,
                           .name = name, .type = type};
    return t;
}

/* The SQL's `tracks`: global, process, thread, counter, numbered in that order. */
static int build_tracks(derive_t *d, int64_t run_id, derive_out_t *out, slots_t *slots,
                        keymap_t *by_key)
{
    vec_t processes = {0}, threads = {0};
    bool global = false;
    int rc = 0;
    for (size_t i = 0; i < out->slices.count && rc == 0; i++) {
        const dslice_t *s = &VEC_AT(out->slices, dslice_t, i);
        global |= s->key_type == TRACK_GLOBAL;
        vec_t *v = s->key_type == TRACK_PROCESS ? &processes
                   : s->key_type == TRACK_THREAD ? &threads : NULL;
        int64_t *k = v ? vec_push(v, sizeof(*k)) : NULL;
        if (v && !k)
            rc = DERIVE_ENOMEM;
        else if (k)
            *k = s->key;
    }
    for (size_t i = 0; i < d->threads.count && rc == 0; i++) {
        const dthread_t *t = &VEC_AT(d->threads, dthread_t, i);
        int64_t *k = t->in_threads ? vec_push(&threads, sizeof(*k)) : NULL;
        if (t->in_threads && !k)
            rc = DERIVE_ENOMEM;
        else if (k)
            *k = t->id;
    }
    unique(&processes);
    unique(&threads);
    uint32_t no_thread = strpool_intern(&d->text, "(no thread)");
    uint32_t process = strpool_intern(&d->text, "process");
    if (no_thread == TEXT_FAIL || process == TEXT_FAIL)
        rc = DERIVE_ENOMEM;
    track_row_t *t = NULL;
    if (rc == 0 && global) {
        t = track_add(out, run_id, d->name_container, "global");
        if (!t || !keymap_put(by_key, &(dkey_t){{TRACK_GLOBAL, 0}}, (uint32_t)out->tracks.count))
            rc = DERIVE_ENOMEM;
    }
    for (size_t i = 0; i < processes.count && rc == 0; i++) {
        int64_t koid = VEC_AT(processes, int64_t, i);
        const uint32_t *at = keymap_get(&d->object_map, &(dkey_t){{koid}});
        const dobject_t *o = at ? &VEC_AT(d->objects, dobject_t, *at) : NULL;
        uint32_t name = !o ? process : o->name ? o->name : o->type_name ? o->type_name : process;
        t = track_add(out, run_id, name, "process");
        if (t)
            t->object_id = dn(koid);
        if (!t || !keymap_put(by_key, &(dkey_t){{TRACK_PROCESS, koid}},
                              (uint32_t)out->tracks.count))
            rc = DERIVE_ENOMEM;
    }
    for (size_t i = 0; i < threads.count && rc == 0; i++) {
        int64_t id = VEC_AT(threads, int64_t, i);
        const uint32_t *at = keymap_get(&d->thread_map, &(dkey_t){{id}});
        const dthread_t *th = at ? &VEC_AT(d->threads, dthread_t, *at) : NULL;
        uint32_t name = th && th->in_threads && th->name ? th->name : no_thread;
        t = track_add(out, run_id, name, "thread");
        if (t)
            t->thread_id = dn(id);
        if (!t || !keymap_put(by_key, &(dkey_t){{TRACK_THREAD, id}}, (uint32_t)out->tracks.count))
            rc = DERIVE_ENOMEM;
    }
    vec_free(&processes);
    vec_free(&threads);
    if (rc != 0)
        return rc;
    int32_t *order = malloc((slots->count + 1) * sizeof(*order));
    if (!order)
        return DERIVE_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < slots->count; i++)
        if (slots->used[i])
            order[n++] = (int32_t)i;
    counter_order_t ctx = {d, slots};
    qsort_r(order, n, sizeof(*order), cmp_counter_slot, &ctx);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const dcounter_track_t *c = &VEC_AT(d->counter_tracks, dcounter_track_t, order[i]);
        t = track_add(out, run_id, c->name, "counter");
        if (!t) {
            rc = DERIVE_ENOMEM;
            break;
        }
        t->object_id = slots->object[order[i]];
        slots->track_id[order[i]] = t->id;
    }
    free(order);
    return rc;
}

/* ---- depth ----------------------------------------------------------------------------------- */

/* One +1 (a start) or -1 (an end) of the SQL's sweep, with its sort key. `at` is 4 * time plus
 * 0 (an end), 2 (either edge of a slice of no duration) or 3 (another start); it is computed
 * in 128 bits where SQLite's would overflow to a REAL (times far beyond 2^61 ns only). */
typedef struct mark {
    int64_t track_id;
    __int128 at;
    int64_t longest, tie;
    int64_t slice; /* index of a start's slice, -1 for an end */
} mark_t;

static int cmp_mark(const void *a, const void *b)
{
    const mark_t *x = a, *y = b;
    int c = CMP(x->track_id, y->track_id);
    c = c ? c : CMP(x->at, y->at);
    c = c ? c : CMP(x->longest, y->longest);
    return c ? c : CMP(x->tie, y->tie);
}

static int place_depths(vec_t *slices)
{
    mark_t *marks = malloc((2 * slices->count + 1) * sizeof(*marks));
    if (!marks)
        return DERIVE_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < slices->count; i++) {
        const dslice_t *s = &VEC_AT(*slices, dslice_t, i);
        int64_t tie = 2 * ((int64_t)i + 1); /* n * 2, n = temp.sl's 1-based row */
        marks[n++] = (mark_t){.track_id = s->track_id, .at = (__int128)s->ts * 4 + 2 + (s->dur != 0),
                              .longest = s->dur < 0 ? -INT64_MAX : -s->dur, .tie = tie,
                              .slice = (int64_t)i};
        if (s->dur < 0)
            continue; /* never ends */
        marks[n++] = (mark_t){.track_id = s->track_id,
                              .at = s->dur == 0 ? (__int128)s->ts * 4 + 2
                                                : ((__int128)s->ts + s->dur) * 4,
                              .tie = s->dur == 0 ? tie + 1 : 0, .slice = -1};
    }
    qsort(marks, n, sizeof(*marks), cmp_mark);
    int64_t open = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && marks[i].track_id != marks[i - 1].track_id)
            open = 0;
        open += marks[i].slice >= 0 ? 1 : -1;
        if (marks[i].slice >= 0)
            VEC_AT(*slices, dslice_t, marks[i].slice).depth = open - 1;
    }
    free(marks);
    return 0;
}

/* ---- counter --------------------------------------------------------------------------------- */

static int cmp_counter(const void *a, const void *b)
{
    const counter_row_t *x = a, *y = b;
    int c = CMP(x->track_id, y->track_id);
    c = c ? c : CMP(x->ts, y->ts);
    return c ? c : CMP(x->idx.set ? x->idx.v : -1, y->idx.set ? y->idx.v : -1);
}

static int build_counters(const vec_t *samples, const slots_t *slots, derive_out_t *out)
{
    for (size_t i = 0; i < samples->count; i++) {
        const dsample_t *s = &VEC_AT(*samples, dsample_t, i);
        counter_row_t *c = vec_push(&out->counters, sizeof(*c));
        if (!c)
            return DERIVE_ENOMEM;
        *c = (counter_row_t){.ts = s->ts, .track_id = slots->track_id[s->track],
                             .value = s->value, .idx = s->idx};
    }
    if (out->counters.count)
        qsort(out->counters.data, out->counters.count, sizeof(counter_row_t), cmp_counter);
    return 0;
}

int derive__tracks(derive_t *d, int64_t run_id, derive_out_t *out, vec_t *samples)
{
    int32_t *slot_of_counter = NULL;
    slots_t slots = {0};
    keymap_t by_key = {0};
    int rc = gather_samples(d, samples, &slot_of_counter);
    if (rc == 0)
        rc = slots_init(d, &slots, slot_of_counter);
    for (size_t i = 0; i < samples->count && rc == 0; i++)
        slots.used[VEC_AT(*samples, dsample_t, i).track] = true;
    if (rc == 0)
        rc = build_tracks(d, run_id, out, &slots, &by_key);
    for (size_t i = 0; i < out->slices.count && rc == 0; i++) {
        dslice_t *s = &VEC_AT(out->slices, dslice_t, i);
        int64_t key = s->key_type == TRACK_GLOBAL ? 0 : s->key;
        const uint32_t *pos = keymap_get(&by_key, &(dkey_t){{s->key_type, key}});
        DERIVE_ASSERT(pos); /* every slice's key made a track */
        s->track_id = run_id * TRACK_ID_STRIDE + *pos;
    }
    if (rc == 0)
        rc = place_depths(&out->slices);
    if (rc == 0)
        rc = build_counters(samples, &slots, out);
    free(slot_of_counter);
    slots_free(&slots);
    keymap_free(&by_key);
    return rc;
}
