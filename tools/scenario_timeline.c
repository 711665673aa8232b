/* scenario_timeline.c - The scenario's timeline (actions at virtual times) and workloads
 * (Poisson message streams), loaded into world_config_t.timeline and .poisson.
 *
 * Each action object has "at" and "action" plus the arguments of that action only; any other
 * key is reported as unknown with the list of the keys this action takes. The timeline is
 * sorted by time for the world, keeping file order among actions at the same instant (the
 * world runs them in that order).
 */
#include "scenario_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/types.h>

#define SEND_COUNT_MAX   1000000
#define SEND_BYTES_MAX   65536 /* ZX_CHANNEL_MAX_MSG_BYTES */
#define SEND_BYTES_DEFAULT 16

static const char *const side_names[] = {"remote", "container", NULL};
static const char *const client_names[] = {"kernel", "tool", NULL};

/* Bits zx_object_signal (zx_object_signal_peer for an eventpair) may set or clear: the user
 * signals and SIGNALED, whose bit is the same for events, eventpairs and counters. */
#define SETTABLE_SIGNALS (ZX_USER_SIGNAL_ALL | ZX_EVENT_SIGNALED)

static void load_send(loader_t *ld, json_obj_t *o, world_action_t *a)
{
    loader_ref(ld, o, "proxy", JSON_REQUIRED, &ld->proxies, &a->target);
    int64_t count = 1, bytes = SEND_BYTES_DEFAULT;
    json_get_int64_in(o, "count", JSON_OPTIONAL, 1, SEND_COUNT_MAX, &count);
    json_get_int64_in(o, "bytes", JSON_OPTIONAL, 0, SEND_BYTES_MAX, &bytes);
    a->count = (uint32_t)count;
    a->bytes = (uint32_t)bytes;
}

static bool signal_mask(loader_t *ld, json_obj_t *o, const char *key, uint32_t *mask)
{
    const cJSON *node = json_obj_get(o, key, JSON_OPTIONAL);
    if (!loader_signals(ld, node, mask))
        return false;
    if (*mask & ~SETTABLE_SIGNALS) {
        char text[160];
        loader_signal_text(*mask & ~SETTABLE_SIGNALS, text, sizeof(text));
        json_doc_report(ld->doc, node, "expected signals that zx_object_signal can change "
                        "(USER_0 to USER_7, EVENT_SIGNALED), got %s", text);
        return false;
    }
    return true;
}

static void load_signal(loader_t *ld, json_obj_t *o, const cJSON *node, world_action_t *a)
{
    loader_ref(ld, o, "source", JSON_REQUIRED, &ld->sources, &a->target);
    bool ok = !json_obj_has(o, "set") || signal_mask(ld, o, "set", &a->set);
    ok = (!json_obj_has(o, "clear") || signal_mask(ld, o, "clear", &a->clear)) && ok;
    if (ok && a->set == 0 && a->clear == 0)
        json_doc_report(ld->doc, node, "expected \"set\" or \"clear\" signals, got none");
}

static void load_process_action(loader_t *ld, json_obj_t *o, world_action_t *a)
{
    const cJSON *node = json_obj_get(o, "process", JSON_REQUIRED);
    if (!node || !loader_ref_node(ld, node, &ld->processes, &a->target))
        return;
    bool later = ld->sc->world.container.processes[a->target].start_later;
    if (a->kind == WORLD_ACTION_SPAWN_PROCESS && !later)
        json_doc_report(ld->doc, node, "expected a process declared with \"start_later\": "
                        "true, got \"%.40s\", which starts with the container", node->valuestring);
}

static void load_read_file(loader_t *ld, json_obj_t *o, world_action_t *a)
{
    if (!loader_ref(ld, o, "file", JSON_REQUIRED, &ld->files, &a->target))
        return;
    uint64_t size = ld->sc->world.files[a->target].size;
    const cJSON *off = json_obj_get(o, "offset", JSON_OPTIONAL);
    json_as_uint64(ld->doc, off, &a->offset);
    a->length = a->offset < size ? size - a->offset : 0;
    bool has_length = json_get_uint64(o, "length", JSON_OPTIONAL, &a->length);
    if (off && !has_length && a->offset >= size)
        json_doc_report(ld->doc, off, "expected an offset inside the file (%" PRIu64 " bytes) "
                        "or a \"length\", got %" PRIu64, size, a->offset);
}

static void load_counter_add(loader_t *ld, json_obj_t *o, world_action_t *a)
{
    loader_ref(ld, o, "proxy", JSON_REQUIRED, &ld->proxies, &a->target);
    const cJSON *node = json_obj_get(o, "delta", JSON_REQUIRED);
    if (json_as_int64(ld->doc, node, &a->delta) && a->delta == 0)
        json_doc_report(ld->doc, node, "expected a non-zero delta, got 0");
}

/* The arguments of action `a->kind`; the keys asked for here are the only ones allowed. */
static void load_args(loader_t *ld, json_obj_t *o, const cJSON *node, world_action_t *a)
{
    int side = 0, client = 0;
    switch (a->kind) {
    case WORLD_ACTION_SUSPEND:
        json_get_enum(o, "client", JSON_OPTIONAL, client_names, &client);
        a->from_tool = client == 1;
        break;
    case WORLD_ACTION_STOP_CONTAINER:
        break;
    case WORLD_ACTION_SEND:
        load_send(ld, o, a);
        break;
    case WORLD_ACTION_WAKE_LOCK_ACQUIRE:
    case WORLD_ACTION_WAKE_LOCK_RELEASE:
        loader_name(ld, o, "name", JSON_REQUIRED, &a->name);
        break;
    case WORLD_ACTION_SIGNAL:
        load_signal(ld, o, node, a);
        break;
    case WORLD_ACTION_ADD_WAKE_SOURCE:
    case WORLD_ACTION_REMOVE_WAKE_SOURCE:
        loader_ref(ld, o, "source", JSON_REQUIRED, &ld->sources, &a->target);
        break;
    case WORLD_ACTION_REGISTER_WATCHER:
    case WORLD_ACTION_CLOSE_WATCHER:
        loader_ref(ld, o, "watcher", JSON_REQUIRED, &ld->watchers, &a->target);
        break;
    case WORLD_ACTION_CLOSE_PEER:
        loader_ref(ld, o, "proxy", JSON_REQUIRED, &ld->proxies, &a->target);
        json_get_enum(o, "side", JSON_OPTIONAL, side_names, &side);
        a->remote_side = side == 0;
        break;
    case WORLD_ACTION_SPAWN_PROCESS:
    case WORLD_ACTION_KILL_PROCESS:
        load_process_action(ld, o, a);
        break;
    case WORLD_ACTION_READ_FILE:
        load_read_file(ld, o, a);
        break;
    case WORLD_ACTION_COUNTER_ADD:
        load_counter_add(ld, o, a);
        break;
    case WORLD_ACTION_COUNT:
        SIM_ASSERT(!"not an action");
    }
}

static bool load_action(loader_t *ld, const cJSON *node, world_action_t *a)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
        return false;
    size_t before = loader_problem_count(ld);
    *a = (world_action_t){.target = -1};
    loader_time(ld, &o, "at", JSON_REQUIRED, &a->at_ns);
    int kind;
    if (!json_get_enum(&o, "action", JSON_REQUIRED, scenario_action_names, &kind)) {
        json_obj_end_unchecked(&o); /* which keys are valid depends on the action */
        return false;
    }
    a->kind = (world_action_kind_t)kind;
    load_args(ld, &o, node, a);
    json_obj_end(&o);
    return loader_problem_count(ld) == before;
}

typedef struct ordered_action {
    world_action_t action;
    size_t order; /* position in the file: ties keep it */
} ordered_action_t;

static int action_cmp(const void *pa, const void *pb)
{
    const ordered_action_t *a = pa, *b = pb;
    if (a->action.at_ns != b->action.at_ns)
        return a->action.at_ns < b->action.at_ns ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

void timeline_load(loader_t *ld, json_obj_t *top)
{
    const cJSON *arr;
    if (!json_get_array(top, "timeline", JSON_OPTIONAL, &arr))
        return;
    size_t n = json_count(arr);
    if (n > SCENARIO_TIMELINE_MAX) {
        json_doc_report(ld->doc, arr, "expected at most %u actions, got %zu",
                        SCENARIO_TIMELINE_MAX, n);
        return;
    }
    ordered_action_t *tmp = calloc(n ? n : 1, sizeof(*tmp));
    world_action_t *actions = loader_alloc(ld, n, sizeof(*actions));
    if (!tmp || !actions) {
        ld->oom = true;
        free(tmp);
        return;
    }
    size_t k = 0;
    for (const cJSON *it = json_first(arr); it; it = json_next(it)) {
        if (load_action(ld, it, &tmp[k].action))
            tmp[k].order = k, k++;
    }
    qsort(tmp, k, sizeof(*tmp), action_cmp);
    for (size_t i = 0; i < k; i++)
        actions[i] = tmp[i].action;
    free(tmp);
    ld->sc->world.timeline = actions;
    ld->sc->world.timeline_count = k;
}

/* ---- Workloads ------------------------------------------------------------------------------ */

static bool load_workload(loader_t *ld, const cJSON *node, world_poisson_config_t *p)
{
    json_obj_t o;
    if (!json_obj_begin(ld->doc, node, &o))
        return false;
    size_t before = loader_problem_count(ld);
    *p = (world_poisson_config_t){.proxy = -1, .stop_ns = ld->sc->time_limit_ns,
                                  .bytes = SEND_BYTES_DEFAULT};
    loader_ref(ld, &o, "proxy", JSON_REQUIRED, &ld->proxies, &p->proxy);
    const cJSON *mean = json_obj_get(&o, "mean_interval", JSON_REQUIRED);
    if (json_as_duration_ns(ld->doc, mean, &p->mean_interval_ns) && p->mean_interval_ns == 0)
        json_doc_report(ld->doc, mean, "expected a mean interval above zero, got 0");
    loader_time(ld, &o, "start", JSON_OPTIONAL, &p->start_ns);
    const cJSON *stop = json_obj_get(&o, "stop", JSON_OPTIONAL);
    if (stop && loader_time(ld, &o, "stop", JSON_OPTIONAL, &p->stop_ns) &&
        p->stop_ns <= p->start_ns)
        json_doc_report(ld->doc, stop, "expected a stop after the start, got one at or before "
                        "it");
    int64_t bytes = SEND_BYTES_DEFAULT;
    json_get_int64_in(&o, "bytes", JSON_OPTIONAL, 0, SEND_BYTES_MAX, &bytes);
    p->bytes = (uint32_t)bytes;
    json_obj_end(&o);
    return loader_problem_count(ld) == before;
}

void workloads_load(loader_t *ld, json_obj_t *top)
{
    const cJSON *arr;
    if (!json_get_array(top, "workloads", JSON_OPTIONAL, &arr))
        return;
    size_t n = json_count(arr);
    if (n > SCENARIO_NAMED_MAX) {
        json_doc_report(ld->doc, arr, "expected at most %u workloads, got %zu",
                        SCENARIO_NAMED_MAX, n);
        return;
    }
    world_poisson_config_t *p = loader_alloc(ld, n, sizeof(*p));
    size_t k = 0;
    for (const cJSON *it = json_first(arr); p && it; it = json_next(it))
        k += load_workload(ld, it, &p[k]);
    ld->sc->world.poisson = p;
    ld->sc->world.poisson_count = p ? k : 0;
}
