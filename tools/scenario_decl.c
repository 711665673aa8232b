/* scenario_decl.c - The declarations of a scenario: the pager's disk and files, the container
 * (processes, threads, wake locks, suspend loop), proxies, wake sources and watchers, loaded
 * into world_config_t with a table of names per kind for the references that follow.
 *
 * Proxies and wake sources may carry "count" to declare many alike ("irq" with count 65 is
 * irq-0 ... irq-64): a first pass over the list sizes the arrays, the full pass fills them.
 */
#include "scenario_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <zircon/types.h>

static const char *const thread_kind_names[] = {"idle", "busy", "reader", NULL};
static const char *const suspend_mode_names[] = {"one_shot", "autosuspend", NULL};
static const char *const decrement_names[] = {"after_handle", "on_next_read", "never", NULL};
static const char *const source_kind_names[] = {"event", "eventpair", "counter", NULL};

/* ---- Name tables ---------------------------------------------------------------------------- */

static bool table_init(loader_t *ld, ref_table_t *t, const char *what, size_t count)
{
    *t = (ref_table_t){.what = what, .count = count};
    t->names = loader_alloc(ld, count, sizeof(*t->names));
    t->nodes = loader_alloc(ld, count, sizeof(*t->nodes));
    return t->names && t->nodes;
}

/* Enters name i of `t`, declared at `node`; a name seen before is a problem at `node`. */
static bool table_set(loader_t *ld, ref_table_t *t, size_t i, const char *name,
                      const cJSON *node)
{
    for (size_t k = 0; k < i; k++) {
        if (t->names[k] && strcmp(t->names[k], name) == 0) {
            json_pos_t first = json_doc_value_pos(ld->doc, t->nodes[k]);
            json_doc_report(ld->doc, node, "expected a %s name not declared before, got "
                            "\"%.40s\" (first declared at line %" PRIu32 ", column %" PRIu32
                            ")", t->what, name, first.line, first.col);
            return false;
        }
    }
    t->names[i] = name;
    t->nodes[i] = node;
    return true;
}

/* "count" of a declaration before it is read in full: sizes the arrays of a section. A bad
 * value counts as 1 here; the full read reports it. */
static size_t replicas(const cJSON *item)
{
    const cJSON *c = cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "count")
                                          : NULL;
    if (!cJSON_IsNumber(c) || c->valuedouble < 1 || c->valuedouble > SCENARIO_NAMED_MAX ||
        c->valuedouble != (double)(int64_t)c->valuedouble)
        return 1;
    return (size_t)c->valuedouble;
}

/* Total entries of a list whose elements may carry "count"; 0 with a problem past `max`. */
static size_t section_size(loader_t *ld, const cJSON *arr, size_t max, bool counted)
{
    size_t total = 0;
    for (const cJSON *it = json_first(arr); it && total <= max; it = json_next(it))
        total += counted ? replicas(it) : 1;
    if (total > max) {
        json_doc_report(ld->doc, arr, "expected at most %zu entries, got more", max);
        return 0;
    }
    return total;
}

/* Reads "name" (and "count" when `counted`) of declaration `o` and enters its names in `t`
 * from position `first`: "name", or "name-0" ... "name-<count-1>" when count > 1. Returns the
 * number of entries the declaration takes, which is what replicas() counted. */
static size_t declare(loader_t *ld, json_obj_t *o, ref_table_t *t, size_t first, bool counted,
                      bool reason_name)
{
    const char *name = NULL;
    const cJSON *node = json_obj_get(o, "name", JSON_REQUIRED);
    bool ok = loader_name(ld, o, "name", JSON_REQUIRED, &name);
    if (ok && reason_name && strchr(name, ',')) {
        /* Upstream joins the names of the sources that woke the container with ",". */
        json_doc_report(ld->doc, node, "expected a name without \",\", got \"%.40s\" (resume "
                        "reasons join names with \",\")", name);
        ok = false;
    }
    int64_t count = 1;
    if (counted)
        json_get_int64_in(o, "count", JSON_OPTIONAL, 1, SCENARIO_NAMED_MAX, &count);
    if (!ok) {
        t->incomplete = true;
        return (size_t)count;
    }
    for (int64_t i = 0; i < count; i++) {
        const char *n = count == 1 ? name : arena_printf(ld->arena, "%s-%" PRId64, name, i);
        if (!n) {
            ld->oom = true;
            break;
        }
        if (!table_set(ld, t, first + (size_t)i, n, node))
            t->incomplete = true;
    }
    return (size_t)count;
}

/* ---- Disk and files ------------------------------------------------------------------------ */

static void load_disk_contents(loader_t *ld, const cJSON *arr, world_disk_config_t *d)
{
    size_t count = 0;
    for (const cJSON *it = json_first(arr); it; it = json_next(it)) {
        const cJSON *b = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "block") : 0;
        if (cJSON_IsNumber(b) && b->valuedouble >= count && b->valuedouble < d->block_count)
            count = (size_t)b->valuedouble + 1;
    }
    const char **text = loader_alloc(ld, count, sizeof(*text));
    for (const cJSON *it = json_first(arr); text && it; it = json_next(it)) {
        json_obj_t o;
        json_obj_begin(ld->doc, it, &o);
        int64_t block;
        const cJSON *bnode = json_obj_get(&o, "block", JSON_REQUIRED);
        bool has_block = json_as_int64_in(ld->doc, bnode, 0, (int64_t)d->block_count - 1,
                                          &block);
        const cJSON *tnode = json_obj_get(&o, "text", JSON_REQUIRED);
        const char *t;
        if (json_as_string(ld->doc, tnode, &t) && strlen(t) > d->block_size)
            json_doc_report(ld->doc, tnode, "expected at most %" PRIu64 " bytes (the block "
                            "size), got %zu", d->block_size, strlen(t));
        else if (has_block && tnode && cJSON_IsString(tnode) && text[block])
            json_doc_report(ld->doc, bnode, "expected a block not written before, got %" PRId64,
                            block);
        else if (has_block && tnode && cJSON_IsString(tnode))
            text[block] = loader_strdup(ld, t);
        json_obj_end(&o);
    }
    d->block_text = (const char *const *)text;
    d->block_text_count = text ? count : 0;
}

static void load_disk(loader_t *ld, json_obj_t *top)
{
    world_disk_config_t *d = &ld->sc->world.disk;
    json_obj_t o;
    if (!json_get_object(top, "disk", JSON_OPTIONAL, &o))
        return;
    d->present = true;
    d->block_size = 4096;
    json_get_uint64(&o, "block_size", JSON_OPTIONAL, &d->block_size);
    const cJSON *count = json_obj_get(&o, "block_count", JSON_REQUIRED);
    if (json_as_uint64(ld->doc, count, &d->block_count) && d->block_size != 0 &&
        d->block_count > SCENARIO_DISK_BYTES_MAX / d->block_size) {
        json_doc_report(ld->doc, count, "expected a disk of at most 1 GiB, got %" PRIu64
                        " blocks of %" PRIu64 " bytes", d->block_count, d->block_size);
        d->block_count = 0;
    }
    const cJSON *contents;
    if (json_get_array(&o, "contents", JSON_OPTIONAL, &contents) && json_count(contents) > 0) {
        if (d->block_count == 0)
            json_doc_report(ld->doc, contents, "expected no contents on a disk without blocks, "
                            "got %zu", json_count(contents));
        else
            load_disk_contents(ld, contents, d);
    }
    json_obj_end(&o);
}

static bool load_extent(loader_t *ld, const cJSON *node, world_extent_config_t *prev,
                        world_extent_config_t *e)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
        return false;
    int64_t start = 0, end = 0;
    bool ok = json_get_int64_in(&o, "logical_start", JSON_REQUIRED, 0, UINT32_MAX, &start);
    const cJSON *end_node = json_obj_get(&o, "logical_end", JSON_REQUIRED);
    ok = json_as_int64_in(ld->doc, end_node, 0, UINT32_MAX, &end) && ok;
    ok = json_get_uint64(&o, "physical_block", JSON_REQUIRED, &e->physical_block) && ok;
    json_obj_end(&o);
    if (!ok)
        return false;
    if (end <= start) {
        json_doc_report(ld->doc, end_node, "expected a logical_end above logical_start (%"
                        PRId64 "), got %" PRId64, start, end);
        return false;
    }
    if (prev && start < prev->logical_end) {
        json_doc_report(ld->doc, node, "expected extents sorted and apart, got one starting at "
                        "block %" PRId64 " before the previous ends (%" PRIu32 ")", start,
                        prev->logical_end);
        return false;
    }
    e->logical_start = (uint32_t)start;
    e->logical_end = (uint32_t)end;
    return true;
}

static void load_file(loader_t *ld, const cJSON *node, size_t i, world_file_config_t *f)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o)) {
        ld->files.incomplete = true;
        return;
    }
    declare(ld, &o, &ld->files, i, false, false);
    f->name = ld->files.names[i];
    int64_t inode = (int64_t)i + 1;
    json_get_int64_in(&o, "inode", JSON_OPTIONAL, 0, UINT32_MAX, &inode);
    f->inode = (uint32_t)inode;
    json_get_uint64(&o, "size", JSON_REQUIRED, &f->size);
    const cJSON *arr;
    if (json_get_array(&o, "extents", JSON_OPTIONAL, &arr)) {
        size_t n = section_size(ld, arr, SCENARIO_EXTENTS_MAX, false);
        world_extent_config_t *e = loader_alloc(ld, n, sizeof(*e));
        size_t k = 0;
        for (const cJSON *it = json_first(arr); e && k < n; it = json_next(it), k++)
            load_extent(ld, it, k ? &e[k - 1] : NULL, &e[k]);
        f->extents = e;
        f->extent_count = e ? n : 0;
    }
    json_obj_end(&o);
}

static void load_files(loader_t *ld, json_obj_t *top)
{
    world_config_t *w = &ld->sc->world;
    const cJSON *arr;
    table_init(ld, &ld->files, "file", 0);
    if (!json_get_array(top, "files", JSON_OPTIONAL, &arr))
        return;
    size_t n = section_size(ld, arr, SCENARIO_NAMED_MAX, false);
    if (n > 0 && !w->disk.present)
        json_doc_report(ld->doc, arr, "expected a \"disk\" for the files to live on, got none");
    world_file_config_t *f = loader_alloc(ld, n, sizeof(*f));
    if (!f || !table_init(ld, &ld->files, "file", n))
        return;
    size_t i = 0;
    for (const cJSON *it = json_first(arr); i < n; it = json_next(it), i++)
        load_file(ld, it, i, &f[i]);
    w->files = f;
    w->file_count = n;
}

/* ---- The container ------------------------------------------------------------------------- */

static void load_reader(loader_t *ld, json_obj_t *o, world_thread_config_t *t)
{
    if (!loader_ref(ld, o, "file", JSON_REQUIRED, &ld->files, &t->file)) {
        t->file = -1;
        return;
    }
    uint64_t size = ld->sc->world.files[t->file].size;
    const cJSON *off = json_obj_get(o, "offset", JSON_OPTIONAL);
    json_as_uint64(ld->doc, off, &t->offset);
    t->length = t->offset < size ? size - t->offset : 0;
    json_get_uint64(o, "length", JSON_OPTIONAL, &t->length);
    if (off && t->offset >= size && t->length == 0)
        json_doc_report(ld->doc, off, "expected an offset inside the file (%" PRIu64 " bytes) "
                        "or a \"length\", got %" PRIu64, size, t->offset);
}

static void load_thread(loader_t *ld, const cJSON *node, const char *process, size_t i,
                        world_thread_config_t *t)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
        return;
    if (!loader_name(ld, &o, "name", JSON_OPTIONAL, &t->name))
        t->name = arena_printf(ld->arena, "%s-%zu", process ? process : "process", i);
    int kind = WORLD_THREAD_IDLE;
    json_get_enum(&o, "kind", JSON_OPTIONAL, thread_kind_names, &kind);
    t->kind = (world_thread_kind_t)kind;
    t->file = -1;
    if (t->kind == WORLD_THREAD_BUSY) {
        t->burst_ns = 1000000;
        t->sleep_ns = 10000000;
        const cJSON *burst = json_obj_get(&o, "burst", JSON_OPTIONAL);
        if (json_as_duration_ns(ld->doc, burst, &t->burst_ns) && t->burst_ns == 0)
            json_doc_report(ld->doc, burst, "expected a burst above zero, got 0");
        json_get_duration_ns(&o, "sleep", JSON_OPTIONAL, &t->sleep_ns);
    } else if (t->kind == WORLD_THREAD_READER) {
        load_reader(ld, &o, t);
    }
    json_obj_end(&o);
}

static void load_process(loader_t *ld, const cJSON *node, size_t i, world_process_config_t *p)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o)) {
        ld->processes.incomplete = true;
        return;
    }
    declare(ld, &o, &ld->processes, i, false, false);
    p->name = ld->processes.names[i];
    json_get_bool(&o, "start_later", JSON_OPTIONAL, &p->start_later);
    const cJSON *arr;
    world_thread_config_t *t;
    if (json_get_array(&o, "threads", JSON_OPTIONAL, &arr)) {
        size_t n = section_size(ld, arr, SCENARIO_THREADS_MAX, false);
        t = loader_alloc(ld, n, sizeof(*t));
        size_t k = 0;
        for (const cJSON *it = json_first(arr); t && k < n; it = json_next(it), k++)
            load_thread(ld, it, p->name, k, &t[k]);
        p->thread_count = t ? n : 0;
    } else if ((t = loader_alloc(ld, 1, sizeof(*t)))) {
        /* A process without "threads" has one idle thread, named after it. */
        t->name = p->name ? p->name : "main";
        t->file = -1;
        p->thread_count = 1;
    }
    p->threads = t;
    json_obj_end(&o);
}

static void load_wake_locks(loader_t *ld, json_obj_t *o, world_container_config_t *c)
{
    const cJSON *arr;
    if (!json_get_array(o, "wake_locks_held", JSON_OPTIONAL, &arr))
        return;
    size_t n = json_count(arr), k = 0;
    const char **names = loader_alloc(ld, n, sizeof(*names));
    for (const cJSON *it = json_first(arr); names && it; it = json_next(it)) {
        const char *s;
        if (!json_as_string(ld->doc, it, &s))
            continue;
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen = seen || strcmp(names[j], s) == 0;
        if (seen || !*s)
            json_doc_report(ld->doc, it, "expected a %s wake lock name, got \"%.40s\"",
                            seen ? "distinct" : "non-empty", s);
        else
            names[k++] = loader_strdup(ld, s);
    }
    c->wake_locks_held = (const char *const *)names;
    c->wake_locks_held_count = names ? k : 0;
}

static void load_suspend(loader_t *ld, json_obj_t *container, world_suspend_config_t *s)
{
    *s = (world_suspend_config_t){.mode = WORLD_SUSPEND_ONE_SHOT,
                                  .auto_backoff_ns = 100000000LL,
                                  .auto_backoff_max_ns = 60000000000LL,
                                  .send_wake_locks = true,
                                  .send_container_job = true};
    json_obj_t o;
    if (!json_get_object(container, "suspend", JSON_OPTIONAL, &o))
        return;
    int mode = WORLD_SUSPEND_ONE_SHOT;
    json_get_enum(&o, "mode", JSON_OPTIONAL, suspend_mode_names, &mode);
    s->mode = (world_suspend_mode_t)mode;
    json_get_bool(&o, "wake_locks", JSON_OPTIONAL, &s->send_wake_locks);
    json_get_bool(&o, "container_job", JSON_OPTIONAL, &s->send_container_job);
    if (s->mode == WORLD_SUSPEND_AUTO) {
        /* Only autosuspend has these keys: json_obj_end reports them as unknown otherwise. */
        loader_time(ld, &o, "start", JSON_OPTIONAL, &s->auto_start_ns);
        json_get_duration_ns(&o, "delay", JSON_OPTIONAL, &s->auto_delay_ns);
        json_get_duration_ns(&o, "backoff", JSON_OPTIONAL, &s->auto_backoff_ns);
        const cJSON *max = json_obj_get(&o, "backoff_max", JSON_OPTIONAL);
        if (json_as_duration_ns(ld->doc, max, &s->auto_backoff_max_ns) &&
            s->auto_backoff_max_ns < s->auto_backoff_ns)
            json_doc_report(ld->doc, max, "expected a backoff_max at least \"backoff\", got "
                            "less");
    }
    json_obj_end(&o);
}

static void load_container(loader_t *ld, json_obj_t *top)
{
    world_container_config_t *c = &ld->sc->world.container;
    c->name = SCENARIO_CONTAINER_NAME;
    table_init(ld, &ld->processes, "process", 0);
    json_obj_t o;
    bool present = json_get_object(top, "container", JSON_OPTIONAL, &o);
    load_suspend(ld, &o, &c->suspend); /* defaults even when absent */
    if (!present)
        return;
    loader_name(ld, &o, "name", JSON_OPTIONAL, &c->name);
    load_wake_locks(ld, &o, c);
    const cJSON *arr;
    if (json_get_array(&o, "processes", JSON_OPTIONAL, &arr)) {
        size_t n = section_size(ld, arr, SCENARIO_NAMED_MAX, false);
        world_process_config_t *p = loader_alloc(ld, n, sizeof(*p));
        if (p && table_init(ld, &ld->processes, "process", n)) {
            size_t i = 0;
            for (const cJSON *it = json_first(arr); i < n; it = json_next(it), i++)
                load_process(ld, it, i, &p[i]);
            c->processes = p;
            c->process_count = n;
        }
    }
    json_obj_end(&o);
}

/* ---- Proxies, wake sources, watchers ---------------------------------------------------- */

/* Reads one declaration that may carry "count" into entries [first, first + count) of `arr`
 * (elements of `size` bytes): `fill` reads the other keys into a template copied to each. */
typedef void (*fill_fn)(loader_t *ld, json_obj_t *o, void *entry);

static size_t load_counted(loader_t *ld, const cJSON *node, ref_table_t *t, size_t first,
                           char *arr, size_t size, fill_fn fill)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o)) {
        t->incomplete = true;
        return 1;
    }
    size_t count = declare(ld, &o, t, first, true, true);
    fill(ld, &o, arr + first * size);
    json_obj_end(&o);
    for (size_t i = 1; i < count; i++)
        memcpy(arr + (first + i) * size, arr + first * size, size);
    for (size_t i = 0; i < count; i++)
        *(const char **)(void *)(arr + (first + i) * size) = t->names[first + i];
    return count;
}

/* Loads the list `key` of declarations with "count" into a new array of `size`-byte entries
 * whose first member is `const char *name`; returns the array and *count. */
static void *load_named_list(loader_t *ld, json_obj_t *top, const char *key, ref_table_t *t,
                             const char *what, size_t size, fill_fn fill, size_t *count)
{
    const cJSON *arr;
    *count = 0;
    table_init(ld, t, what, 0);
    if (!json_get_array(top, key, JSON_OPTIONAL, &arr))
        return NULL;
    size_t n = section_size(ld, arr, SCENARIO_NAMED_MAX, true);
    char *entries = loader_alloc(ld, n, size);
    if (!entries || !table_init(ld, t, what, n))
        return NULL;
    size_t i = 0;
    for (const cJSON *it = json_first(arr); it && i < n; it = json_next(it))
        i += load_counted(ld, it, t, i, entries, size, fill);
    *count = n;
    return entries;
}

_Static_assert(offsetof(world_proxy_config_t, name) == 0, "load_counted writes the name first");
_Static_assert(offsetof(world_source_config_t, name) == 0, "load_counted writes the name first");
_Static_assert(offsetof(world_watcher_config_t, name) == 0,
               "load_counted writes the name first");

static void fill_proxy(loader_t *ld, json_obj_t *o, void *entry)
{
    world_proxy_config_t *p = entry;
    p->handle_ns = 100000;
    json_get_int64_in(o, "counter_start", JSON_OPTIONAL, 0, 1, &p->counter_start);
    int dec = WORLD_DECREMENT_AFTER_HANDLE;
    json_get_enum(o, "counter_decrement", JSON_OPTIONAL, decrement_names, &dec);
    p->decrement = (world_decrement_policy_t)dec;
    json_get_duration_ns(o, "handle_time", JSON_OPTIONAL, &p->handle_ns);
    loader_time(ld, o, "register_at", JSON_OPTIONAL, &p->register_at_ns);
    json_get_bool(o, "omit_counter", JSON_OPTIONAL, &p->omit_counter);
    json_get_bool(o, "reply", JSON_OPTIONAL, &p->reply);
}

/* "register_at"/"add_at": a time, or "never" (-1: only a timeline action registers it). */
static void load_when(loader_t *ld, json_obj_t *o, const char *key, int64_t *out_ns)
{
    const cJSON *node = json_obj_get(o, key, JSON_OPTIONAL);
    if (cJSON_IsString(node) && strcmp(node->valuestring, "never") == 0)
        *out_ns = -1;
    else if (node)
        loader_time(ld, o, key, JSON_OPTIONAL, out_ns);
}

static void fill_source(loader_t *ld, json_obj_t *o, void *entry)
{
    static const uint32_t default_signals[] = {ZX_EVENT_SIGNALED, ZX_EVENTPAIR_SIGNALED,
                                               ZX_COUNTER_POSITIVE};
    world_source_config_t *s = entry;
    int kind = WORLD_SOURCE_EVENT;
    json_get_enum(o, "kind", JSON_OPTIONAL, source_kind_names, &kind);
    s->kind = (world_source_kind_t)kind;
    s->signals = default_signals[kind];
    loader_signals(ld, json_obj_get(o, "signals", JSON_OPTIONAL), &s->signals);
    load_when(ld, o, "add_at", &s->add_at_ns);
    json_get_bool(o, "omit_signals", JSON_OPTIONAL, &s->omit_signals);
}

static void fill_watcher(loader_t *ld, json_obj_t *o, void *entry)
{
    world_watcher_config_t *w = entry;
    load_when(ld, o, "register_at", &w->register_at_ns);
}

static void load_actors(loader_t *ld, json_obj_t *top)
{
    world_config_t *w = &ld->sc->world;
    w->proxies = load_named_list(ld, top, "proxies", &ld->proxies, "proxy",
                                 sizeof(world_proxy_config_t), fill_proxy, &w->proxy_count);
    w->sources = load_named_list(ld, top, "wake_sources", &ld->sources, "wake source",
                                 sizeof(world_source_config_t), fill_source, &w->source_count);
    w->watchers = load_named_list(ld, top, "watchers", &ld->watchers, "watcher",
                                  sizeof(world_watcher_config_t), fill_watcher,
                                  &w->watcher_count);
    if (w->watcher_count > SCENARIO_WATCHERS_MAX) {
        json_doc_report(ld->doc, json_obj_get(top, "watchers", JSON_OPTIONAL),
                        "expected at most %u watchers, got %zu", SCENARIO_WATCHERS_MAX,
                        w->watcher_count);
    }
}

/* ---- Entry ---------------------------------------------------------------------------------- */

void decl_load(loader_t *ld, json_obj_t *top)
{
    load_disk(ld, top);
    load_files(ld, top); /* before the container: reader threads name files */
    load_container(ld, top);
    load_actors(ld, top);
}
