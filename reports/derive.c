/* derive.c - The streaming core of the manager-level derived tables: what each event of a run
 * leaves behind for derive_write (derive_build.c turns it into rows, derive_sql.c writes them).
 *
 * Port of reports/derive_manager.sql, which stays the specification. The SQL pairs events with
 * window functions over the whole run; here every pairing whose partner comes later in idx
 * order is done as the rows stream in, with a hash map from the SQL's partition key to the
 * open begin (durations, waits, page requests, mutex holds), and per-thread state for the
 * "latest earlier event of this thread" lookups (the queue of a sent message, the counter
 * named by a counter_incremented) and for forward_message spans. What needs facts that may
 * come later (object types, the queues of messages) is kept as small lists and resolved at
 * write time. Each kept list is in idx order, which is the order of the SQL's INSERTs.
 *
 * Cost. An ignored kind costs a bounds check and a table load; no used kind allocates per
 * event except by the amortised growth of its list. Texts are interned (hashed by content) so
 * that partitions by text compare ids.
 */
#include "derive_int.h"

#include <inttypes.h>
#include <string.h>

#define OPEN_NONE (MAP_EMPTY - 1) /* a pair key whose last edge was an end */

/* temp.wanted of derive_manager.sql: the kinds it reads, their expected spelling and role. */
static const struct wanted {
    int kind;
    uint8_t role;
    const char *name;
} WANTED[] = {
    {100, ROLE_EVENT, "kernel.syscall"},
    {102, ROLE_EVENT, "kernel.block"},
    {103, ROLE_EVENT, "kernel.wake"},
    {104, ROLE_EVENT, "kernel.suspend_token_create"},
    {105, ROLE_EVENT, "kernel.suspend_token_close"},
    {112, ROLE_EVENT, "kernel.burn"},
    {200, ROLE_EVENT, "kernel.channel_write"},
    {201, ROLE_EVENT, "kernel.channel_read"},
    {252, ROLE_EVENT, "kernel.page_wait"},
    {253, ROLE_EVENT, "kernel.page_wake"},
    {302, ROLE_EVENT, "kernel.mutex_acquire"},
    {303, ROLE_EVENT, "kernel.mutex_unlock"},
    {400, ROLE_DURATION, "starnix-runner:suspending-container"},
    {401, ROLE_INSTANT, "starnix-runner:suspend-failed-actual"},
    {402, ROLE_INSTANT, "starnix-runner:suspend-failed-with-wake-locks"},
    {403, ROLE_DURATION, "starnix-runner:waiting-on-container-wake"},
    {404, ROLE_DURATION, "starnix-runner:suspend_kernel"},
    {405, ROLE_INSTANT, "starnix-runner:drop-application-activity-lease"},
    {406, ROLE_DURATION, "starnix-runner:acquire-application-activity-lease"},
    {410, ROLE_INSTANT, "starnix_runner:start_proxy:loop:enter"},
    {411, ROLE_DURATION, "starnix_runner:start_proxy:wait_for_messages"},
    {412, ROLE_INSTANT, "starnix_runner:start_proxy:container_readable"},
    {413, ROLE_INSTANT, "starnix_runner:start_proxy:remote_readable"},
    {414, ROLE_INSTANT, "starnix_runner:start_proxy:result:error"},
    {415, ROLE_INSTANT, "starnix_runner:start_proxy:loop:exit"},
    {416, ROLE_DURATION, "starnix_runner:forward_message"},
    {417, ROLE_INSTANT, "starnix_runner:forward_message:counter_incremented"},
    {420, ROLE_INSTANT, "starnix:pager:file_register"},
    {421, ROLE_DURATION, "starnix:pager:vmo_read"},
    {422, ROLE_DURATION, "starnix:pager:vmo_complete"},
    {423, ROLE_DURATION, "starnix:pager:signal_zero_children"},
    {432, ROLE_EVENT, "manager.suspend_phase"},
    {500, ROLE_EVENT, "world.system_suspend"},
    {502, ROLE_EVENT, "world.system_resume"},
    {503, ROLE_EVENT, "world.lease"},
    {505, ROLE_EVENT, "world.suspend_request"},
    {506, ROLE_EVENT, "world.suspend_reply"},
    {507, ROLE_EVENT, "world.message"},
    {508, ROLE_EVENT, "world.watcher"},
    {509, ROLE_EVENT, "world.wake_lock"},
    {513, ROLE_EVENT, "world.peer"},
};

/* kernel.block's reasons (arg0), as the SQL's CASE names them; the last is its ELSE. */
static const struct {
    int64_t reason;
    const char *name;
} BLOCK_REASONS[10] = {
    {259, "exception"}, {515, "sleeping"},  {771, "futex"},      {1027, "port"},
    {1283, "channel"},  {1539, "wait_one"}, {1795, "wait_many"}, {2051, "interrupt"},
    {2307, "pager"},    {0, "other"},
};

/* suspend_phases' phase names by its seq. */
static const char *const PHASE_NAMES[POINTS] = {
    "sent",         "received",       "worker_picked", "job_frozen", "wake_lock_check",
    "watchers_asleep", "lease_dropped", "wait_begun",  "woken",      "lease_acquired",
    "watchers_awake", "thawed",       "reply",         "reply_received",
};

uint32_t derive__intern_cat(derive_t *d, const char *prefix, const char *rest)
{
    size_t a = strlen(prefix), b = rest ? strlen(rest) : 0;
    if (a + b + 1 > d->buf_size) {
        size_t size = (a + b + 1) * 2;
        char *buf = realloc(d->buf, size);
        if (!buf)
            return TEXT_FAIL;
        d->buf = buf;
        d->buf_size = size;
    }
    memcpy(d->buf, prefix, a);
    memcpy(d->buf + a, rest ? rest : "", b);
    d->buf[a + b] = '\0';
    return strpool_intern(&d->text, d->buf);
}

static int intern_names(derive_t *d)
{
    uint32_t fail = 0;
#define NAME(field, s) fail |= ((field) = strpool_intern(&d->text, (s))) == TEXT_FAIL
    for (size_t i = 0; i < sizeof(WANTED) / sizeof(WANTED[0]); i++)
        NAME(d->kind_name[WANTED[i].kind - KIND_FIRST], WANTED[i].name);
    for (int i = 0; i < 10; i++) {
        fail |= (d->block_names[0][i] = derive__intern_cat(d, "blocked:", BLOCK_REASONS[i].name))
                == TEXT_FAIL;
        fail |= (d->block_names[1][i] = derive__intern_cat(d, "await:", BLOCK_REASONS[i].name))
                == TEXT_FAIL;
    }
    for (int i = 0; i < POINTS; i++)
        NAME(d->phase_names[i], PHASE_NAMES[i]);
    NAME(d->name_suspended, "suspended");
    NAME(d->name_page_in, "page_in");
    NAME(d->name_page_dirty, "page_dirty");
    NAME(d->name_cpu, "cpu");
    NAME(d->name_token, "suspend_token");
    NAME(d->name_container, "SuspendContainer");
    NAME(d->counter_system, "system_suspended");
    NAME(d->counter_frozen, "container_frozen");
    NAME(d->counter_wake_locks, "wake_locks");
    NAME(d->counter_leases, "leases");
#undef NAME
    return fail ? DERIVE_ENOMEM : 0;
}

int derive_create(derive_t **out)
{
    derive_t *d = calloc(1, sizeof(*d));
    if (!d)
        return DERIVE_ENOMEM;
    int rc = intern_names(d);
    if (rc != 0) {
        derive_destroy(d);
        return rc;
    }
    *out = d;
    return 0;
}

void derive_destroy(derive_t *d)
{
    if (!d)
        return;
    strpool_free(&d->text);
    keymap_t *maps[] = {&d->thread_map, &d->object_map, &d->attempt_map, &d->sent_map,
                        &d->steps_map,  &d->proxy_map,  &d->namer_map,   &d->counter_obj_map,
                        &d->token_map,  &d->pair_map,   &d->mutex_map,   &d->counter_track_map};
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
        keymap_free(maps[i]);
    vec_t *vecs[] = {&d->threads,  &d->objects,      &d->attempts, &d->sent,    &d->steps,
                     &d->proxies,  &d->namers,       &d->counter_objs, &d->tokens,
                     &d->token_events, &d->spans,    &d->pairs,    &d->instants, &d->burns,
                     &d->mutexes,  &d->counter_tracks, &d->samples};
    for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
        vec_free(vecs[i]);
    free(d->buf);
    free(d);
}

int derive_kind(derive_t *d, int64_t kind, const char *name)
{
    if (kind < KIND_FIRST || kind >= KIND_END)
        return 0;
    d->role[kind - KIND_FIRST] = ROLE_NONE;
    for (size_t i = 0; i < sizeof(WANTED) / sizeof(WANTED[0]); i++)
        if (WANTED[i].kind == kind && name && strcmp(WANTED[i].name, name) == 0)
            d->role[kind - KIND_FIRST] = WANTED[i].role;
    return 0;
}

/* ---- Lookups --------------------------------------------------------------------------------- */

/* The item of `key` in (map, list), appended zeroed if new (*fresh set); NULL: out of memory. */
static void *slot(keymap_t *m, vec_t *v, size_t elem, dkey_t key, bool *fresh)
{
    uint32_t *value = keymap_put(m, &key, (uint32_t)v->count);
    if (!value)
        return NULL;
    *fresh = *value == v->count;
    if (*fresh && !vec_push(v, elem))
        return NULL;
    return (char *)v->data + (size_t)*value * elem;
}

static dthread_t *thread_get(derive_t *d, int64_t id)
{
    bool fresh;
    dthread_t *t = slot(&d->thread_map, &d->threads, sizeof(*t), (dkey_t){{id}}, &fresh);
    if (t && fresh)
        t->id = id;
    return t;
}

static dobject_t *object_get(derive_t *d, int64_t id)
{
    bool fresh;
    dobject_t *o = slot(&d->object_map, &d->objects, sizeof(*o), (dkey_t){{id}}, &fresh);
    if (o && fresh)
        o->id = id;
    return o;
}

int32_t derive__counter_track(derive_t *d, uint32_t name)
{
    bool fresh;
    dcounter_track_t *c = slot(&d->counter_track_map, &d->counter_tracks, sizeof(*c),
                               (dkey_t){{name}}, &fresh);
    if (!c)
        return -1;
    c->name = name;
    return (int32_t)(c - (dcounter_track_t *)d->counter_tracks.data);
}

/* max() of SQL over texts: NULL loses. */
static uint32_t text_max(const derive_t *d, uint32_t a, uint32_t b)
{
    if (a == TEXT_NULL || b == TEXT_NULL)
        return a == TEXT_NULL ? b : a;
    return strpool_cmp(&d->text, a, b) >= 0 ? a : b;
}

static void min_into(dnull_t *x, int64_t v)
{
    if (!x->set || v < x->v)
        *x = dn(v);
}

static void max_into(dnull_t *x, int64_t v)
{
    if (!x->set || v > x->v)
        *x = dn(v);
}

/* ---- Engine kinds: derive_sim.sql's threads and objects -------------------------------------- */

static int engine_row(derive_t *d, const derive_row_t *r)
{
    uint32_t text = strpool_intern(&d->text, r->text);
    if (text == TEXT_FAIL)
        return DERIVE_ENOMEM;
    if (r->kind <= 2) { /* sim.thread_create (1), sim.thread_exit (2): object = thread id */
        dthread_t *t = thread_get(d, r->object);
        if (!t)
            return DERIVE_ENOMEM;
        t->in_threads = true;
        if (r->kind == 1)
            t->name = text_max(d, t->name, text);
        return 0;
    }
    dobject_t *o = object_get(d, r->object);
    if (!o)
        return DERIVE_ENOMEM;
    if (r->kind == 8) { /* sim.object_create: arg2 = thread id, text = type name */
        o->type_name = text_max(d, o->type_name, text);
        max_into(&o->thread_arg, r->arg[2]);
        min_into(&o->created_tb, r->time_boot_ns);
    } else if (r->kind == 9) { /* sim.object_name: the last one wins */
        o->name = text;
    }
    return 0;
}

/* ---- Slices ---------------------------------------------------------------------------------- */

static dslice_t *slice_push(vec_t *v, const derive_row_t *r, int64_t dur, uint8_t category,
                            uint32_t name)
{
    dslice_t *s = vec_push(v, sizeof(*s));
    if (s)
        *s = (dslice_t){.ts = r->time_boot_ns, .dur = dur, .begin_idx = dn(r->idx),
                        .key = r->thread_id, .key_type = TRACK_THREAD, .category = category,
                        .name = name};
    return s;
}

/* One begin or end of the SQL's `edge`: a begin pairs with the next edge of its key when that
 * is an end (lead() over the key's partition in idx order), else stays open (dur -1). */
static int edge(derive_t *d, const derive_row_t *r, dkey_t key, bool is_begin, uint8_t category,
                uint32_t name)
{
    uint32_t *open = keymap_put(&d->pair_map, &key, OPEN_NONE);
    if (!open)
        return DERIVE_ENOMEM;
    if (*open != OPEN_NONE && !is_begin) {
        dslice_t *s = &VEC_AT(d->pairs, dslice_t, *open);
        s->dur = r->time_boot_ns - s->ts;
        s->end_idx = dn(r->idx);
    }
    *open = OPEN_NONE;
    if (!is_begin)
        return 0;
    *open = (uint32_t)d->pairs.count;
    return slice_push(&d->pairs, r, -1, category, name) ? 0 : DERIVE_ENOMEM;
}

static int block_edge(derive_t *d, const derive_row_t *r)
{
    const int64_t *a = r->arg;
    uint32_t name = d->name_suspended;
    if (a[0] != 0) {
        int i = 0;
        while (i < 9 && BLOCK_REASONS[i].reason != a[0])
            i++;
        name = d->block_names[a[2] == 1][i];
    }
    dkey_t key = {{102, r->thread_id, r->object, a[0], a[1], a[2], TEXT_NULL}};
    return edge(d, r, key, r->kind == 102, CAT_WAIT, name);
}

static int page_edge(derive_t *d, const derive_row_t *r)
{
    const int64_t *a = r->arg;
    dkey_t key = {{252, r->thread_id, r->object, a[0], a[1], 0, TEXT_NULL}};
    uint32_t name = a[0] == 0 ? d->name_page_in : d->name_page_dirty;
    return edge(d, r, key, r->kind == 252, CAT_PAGER, name);
}

static int duration_edge(derive_t *d, const derive_row_t *r)
{
    if (r->arg[3] != 0 && r->arg[3] != 1)
        return 0;
    uint32_t text = strpool_intern(&d->text, r->text);
    if (text == TEXT_FAIL)
        return DERIVE_ENOMEM;
    dkey_t key = {{r->kind, r->thread_id, r->object, 0, 0, 0, text}};
    return edge(d, r, key, r->arg[3] == 1, CAT_MANAGER, d->kind_name[r->kind - KIND_FIRST]);
}

/* Mutex holds: an acquire (302) to the next event of the same mutex (text) when it is an
 * unlock (303), else open. */
static int mutex_row(derive_t *d, const derive_row_t *r)
{
    uint32_t text = strpool_intern(&d->text, r->text);
    if (text == TEXT_FAIL)
        return DERIVE_ENOMEM;
    dkey_t key = {{text}};
    uint32_t *open = keymap_put(&d->mutex_map, &key, OPEN_NONE);
    if (!open)
        return DERIVE_ENOMEM;
    if (*open != OPEN_NONE && r->kind == 303) {
        dslice_t *s = &VEC_AT(d->mutexes, dslice_t, *open);
        s->dur = r->time_boot_ns - s->ts;
        s->end_idx = dn(r->idx);
    }
    *open = OPEN_NONE;
    if (r->kind == 303)
        return 0;
    *open = (uint32_t)d->mutexes.count;
    uint32_t name = derive__intern_cat(d, "mutex:", r->text);
    if (name == TEXT_FAIL)
        return DERIVE_ENOMEM;
    return slice_push(&d->mutexes, r, -1, CAT_MUTEX, name) ? 0 : DERIVE_ENOMEM;
}

/* kernel.suspend_token_create/_close (104/105): object = token, arg0 = task. */
static int token_row(derive_t *d, const derive_row_t *r)
{
    bool fresh;
    dtoken_t *t = slot(&d->token_map, &d->tokens, sizeof(*t), (dkey_t){{r->object}}, &fresh);
    dtoken_event_t *e = vec_push(&d->token_events, sizeof(*e));
    if (!t || !e)
        return DERIVE_ENOMEM;
    t->object = r->object;
    *e = (dtoken_event_t){.idx = r->idx, .tb = r->time_boot_ns, .task = r->arg[0],
                          .delta = r->kind == 104 ? 1 : -1};
    if (r->kind == 104) {
        max_into(&t->task, r->arg[0]);
        min_into(&t->created_idx, r->idx);
        min_into(&t->created_tb, r->time_boot_ns);
    } else {
        max_into(&t->closed_idx, r->idx);
        max_into(&t->closed_tb, r->time_boot_ns);
    }
    return 0;
}

/* ---- Messages and forwards ------------------------------------------------------------------- */

/* The thread's forward_message span takes this row (the SQL's `open > 0 AND span > 0`). */
static fspan_t *in_span(dthread_t *t)
{
    return t->open > 0 && t->span > 0 ? &t->cur : NULL;
}

static int forward_row(derive_t *d, const derive_row_t *r)
{
    dthread_t *t = thread_get(d, r->thread_id);
    if (!t)
        return DERIVE_ENOMEM;
    fspan_t *s = in_span(t);
    switch (r->kind) {
    case 200: /* kernel.channel_write */
        t->last_write_object = dn(r->object);
        if (s)
            min_into(&s->write_tb, r->time_boot_ns);
        return 0;
    case 201: /* kernel.channel_read */
        if (!s)
            return 0;
        if (!s->has_read) { /* the first read: min(idx) */
            s->has_read = true;
            s->read_idx = r->idx;
            s->read_object = r->object;
            s->read_tb = r->time_boot_ns;
        } else {
            s->read_object = r->object < s->read_object ? r->object : s->read_object;
            s->read_tb = r->time_boot_ns < s->read_tb ? r->time_boot_ns : s->read_tb;
        }
        return 0;
    case 416: /* forward_message: a begin opens the next span; anything else closes one */
        if (r->arg[3] != 1) {
            t->open--;
            return 0;
        }
        if (t->span > 0 && t->cur.has_read) {
            fspan_t *done = vec_push(&d->spans, sizeof(*done));
            if (!done)
                return DERIVE_ENOMEM;
            *done = t->cur;
        }
        t->span++;
        t->open++;
        t->cur = (fspan_t){0};
        return 0;
    default: /* 417 counter_incremented: text = the proxy's name */
        if (s)
            max_into(&s->count_tb, r->time_boot_ns);
        uint32_t text = strpool_intern(&d->text, r->text);
        bool fresh;
        dnamer_t *n = text == TEXT_FAIL
                          ? NULL
                          : slot(&d->namer_map, &d->namers, sizeof(*n), (dkey_t){{text}}, &fresh);
        if (!n)
            return DERIVE_ENOMEM;
        if (fresh)
            *n = (dnamer_t){.proxy_name = text, .object = t->last_counter_object};
        return 0;
    }
}

/* kernel.syscall (100) zx_counter_add / zx_counter_write: a proxy's message counter. */
static int counter_syscall(derive_t *d, const derive_row_t *r, bool is_add)
{
    dthread_t *t = thread_get(d, r->thread_id);
    if (!t)
        return DERIVE_ENOMEM;
    t->last_counter_object = dn(r->object);
    if (r->status != 0)
        return 0;
    bool fresh;
    int64_t *c = slot(&d->counter_obj_map, &d->counter_objs, sizeof(*c), (dkey_t){{r->object}},
                      &fresh);
    dsample_t *s = c ? vec_push(&d->samples, sizeof(*s)) : NULL;
    if (!s)
        return DERIVE_ENOMEM;
    *c = r->object;
    *s = (dsample_t){.track = -1, .object = r->object, .ts = r->time_boot_ns,
                     .value = is_add ? r->arg[1] : r->arg[0], .idx = dn(r->idx)};
    return 0;
}

/* world.message (507): arg0 = index, arg1 = proxy, arg2 = step (0 sent). */
static int message_row(derive_t *d, const derive_row_t *r)
{
    bool fresh;
    dkey_t key = {{r->arg[0]}};
    if (r->arg[2] == 0) {
        dthread_t *t = thread_get(d, r->thread_id);
        dsent_t *s = t ? slot(&d->sent_map, &d->sent, sizeof(*s), key, &fresh) : NULL;
        if (!s)
            return DERIVE_ENOMEM;
        if (fresh) /* min(idx) of the index, with that row's other columns */
            *s = (dsent_t){.index = r->arg[0], .proxy = r->arg[1], .idx = r->idx,
                           .tb = r->time_boot_ns, .queue = t->last_write_object};
        return 0;
    }
    if (r->arg[2] < 0 || r->arg[2] > 3)
        return 0; /* a steps row of NULLs changes nothing */
    dsteps_t *st = slot(&d->steps_map, &d->steps, sizeof(*st), key, &fresh);
    if (!st)
        return DERIVE_ENOMEM;
    st->index = r->arg[0];
    max_into(&st->tb[r->arg[2] - 1], r->time_boot_ns);
    return 0;
}

static int proxy_row(derive_t *d, const derive_row_t *r)
{
    bool fresh;
    uint32_t text = strpool_intern(&d->text, r->text);
    dproxy_t *p = text == TEXT_FAIL ? NULL
                                    : slot(&d->proxy_map, &d->proxies, sizeof(*p),
                                           (dkey_t){{r->arg[0]}}, &fresh);
    if (!p)
        return DERIVE_ENOMEM;
    p->proxy = r->arg[0];
    p->name = text_max(d, p->name, text);
    return 0;
}

/* ---- Suspends and counters ------------------------------------------------------------------- */

static int point(derive_t *d, const derive_row_t *r, int64_t attempt, int phase)
{
    bool fresh;
    dattempt_t *a = slot(&d->attempt_map, &d->attempts, sizeof(*a), (dkey_t){{attempt}}, &fresh);
    uint32_t text = phase == 11 || phase == 13 ? strpool_intern(&d->text, r->text) : TEXT_NULL;
    if (!a || text == TEXT_FAIL)
        return DERIVE_ENOMEM;
    a->attempt = attempt;
    /* Rows come in idx order: the last one is the newest (row_number() ... idx DESC). */
    a->p[phase] = (dpoint_t){.set = true, .idx = r->idx, .tb = r->time_boot_ns,
                             .tm = r->time_mono_ns, .value = r->arg[1], .detail = r->arg[2],
                             .status = r->status, .text = text};
    return 0;
}

static int sample(derive_t *d, const derive_row_t *r, uint32_t name, int64_t value)
{
    int32_t track = derive__counter_track(d, name);
    dsample_t *s = track < 0 ? NULL : vec_push(&d->samples, sizeof(*s));
    if (!s)
        return DERIVE_ENOMEM;
    *s = (dsample_t){.track = track, .ts = r->time_boot_ns, .value = value, .idx = dn(r->idx)};
    return 0;
}

static int watcher_row(derive_t *d, const derive_row_t *r)
{
    if (r->arg[1] != 65 && r->arg[1] != 83)
        return 0;
    char number[24];
    const char *label = r->text;
    if (!label) {
        snprintf(number, sizeof(number), "%" PRId64, r->arg[0]);
        label = number;
    }
    uint32_t name = derive__intern_cat(d, "watcher:", label);
    return name == TEXT_FAIL ? DERIVE_ENOMEM : sample(d, r, name, r->arg[1] == 65);
}

/* ---- Dispatch -------------------------------------------------------------------------------- */

static int layer_row(derive_t *d, const derive_row_t *r, uint8_t role)
{
    const int64_t *a = r->arg;
    switch (r->kind) {
    case 100:
        if (!r->text || strncmp(r->text, "zx_counter_", 11) != 0)
            return 0;
        if (strcmp(r->text + 11, "add") == 0 || strcmp(r->text + 11, "write") == 0)
            return counter_syscall(d, r, r->text[11] == 'a');
        return 0;
    case 102: case 103: return block_edge(d, r);
    case 252: case 253: return page_edge(d, r);
    case 104: case 105: return token_row(d, r);
    case 112:
        if (a[1] != 1)
            return 0;
        return slice_push(&d->burns, r, a[0], CAT_CPU, d->name_cpu) ? 0 : DERIVE_ENOMEM;
    case 200: case 201: return forward_row(d, r);
    case 302: case 303: return mutex_row(d, r);
    case 416: {
        int rc = forward_row(d, r);
        return rc != 0 ? rc : duration_edge(d, r);
    }
    case 417: {
        int rc = forward_row(d, r);
        if (rc == 0 && !slice_push(&d->instants, r, 0, CAT_MANAGER, d->kind_name[417 - 100]))
            rc = DERIVE_ENOMEM;
        if (rc == 0)
            VEC_AT(d->instants, dslice_t, d->instants.count - 1).end_idx = dn(r->idx);
        return rc;
    }
    case 432:
        return a[1] > 0 && a[0] >= 1 && a[0] <= 12 ? point(d, r, a[1], (int)a[0]) : 0;
    }
    if (r->kind >= 500)
        d->world_seen = true;
    switch (r->kind) {
    case 500: case 502: return sample(d, r, d->counter_system, r->kind == 500);
    case 503: return sample(d, r, d->counter_leases, a[1]);
    case 509: return sample(d, r, d->counter_wake_locks, a[1]);
    case 505: case 506:
        /* a0 + 1 overflows (SQLite would make it a REAL) only for a0 = INT64_MAX: skipped. */
        if (a[0] < 0 || a[0] == INT64_MAX)
            return 0;
        return point(d, r, a[0] + 1, r->kind == 505 ? 0 : 13);
    case 507: return message_row(d, r);
    case 508: return watcher_row(d, r);
    case 513: return proxy_row(d, r);
    }
    if (role == ROLE_DURATION)
        return duration_edge(d, r);
    if (role == ROLE_INSTANT) {
        dslice_t *s = slice_push(&d->instants, r, 0, CAT_MANAGER,
                                 d->kind_name[r->kind - KIND_FIRST]);
        if (!s)
            return DERIVE_ENOMEM;
        s->end_idx = dn(r->idx);
    }
    return 0;
}

bool derive__wants(const derive_t *d, int64_t kind)
{
    if (kind >= KIND_FIRST)
        return kind < KIND_END && d->role[kind - KIND_FIRST] != ROLE_NONE;
    return kind == 1 || kind == 2 || (kind >= 8 && kind <= 10);
}

int derive_row(derive_t *d, const derive_row_t *r)
{
    if (d->failed)
        return d->failed;
    if (d->has_rows && r->idx <= d->idx_last)
        return DERIVE_EINVAL;
    d->has_rows = true;
    d->idx_last = r->idx;
    int rc = 0;
    int64_t kind = r->kind;
    if (kind >= KIND_FIRST) {
        if (kind >= KIND_END || d->role[kind - KIND_FIRST] == ROLE_NONE)
            return 0;
        rc = layer_row(d, r, d->role[kind - KIND_FIRST]);
    } else if (kind == 1 || kind == 2 || (kind >= 8 && kind <= 10)) {
        rc = engine_row(d, r);
    }
    if (rc == DERIVE_ENOMEM)
        d->failed = rc; /* a list may now lack an item: refuse to derive anything */
    return rc;
}
