/* timeline.c - The scenario's clock: thread "timeline" of the platform process executes the
 * timeline's actions at their absolute (boot) times, and thread "poisson" writes the Poisson
 * message streams.
 *
 * Entries. Besides the scenario's actions the driver schedules the implicit registrations:
 * each proxy's ProxyWakeChannel at register_at_ns, each source's AddWakeSource at add_at_ns
 * (>= 0) and each watcher's registration at register_at_ns (>= 0). At equal times implicit
 * entries come first, then the actions in timeline order.
 *
 * Who executes what. Hardware actions (world.h: send, signal, close_peer on the remote side)
 * wake the system and wait out its resume, then act from the platform. Software actions need
 * the system running: while it sleeps the driver waits, but when a later hardware entry comes
 * due in the meantime it wakes the system on that entry's behalf (order is kept: the earlier
 * software action still runs first). Platform actions (watchers, spawn, kill) run in the driver
 * itself; container actions go to the Starnix kernel's worker or suspend loop over a channel,
 * so a frozen container runs them when it is thawed. A tool's "suspend" goes to the tool's
 * thread (kernel_side.c), outside the container.
 *
 * Poisson. One thread serves every stream so that the draws from SIM_RNG_WORKLOAD happen in
 * arrival order whatever the schedule: the next arrival of each stream is drawn when its
 * previous one is sent (ties go to the stream listed first).
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Entries --------------------------------------------------------------------------------- */

static int entry_cmp(const void *pa, const void *pb)
{
    const world_entry_t *a = pa, *b = pb;
    if (a->at_ns != b->at_ns)
        return a->at_ns < b->at_ns ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void entry_add(world_timeline_t *tl, int64_t at, int kind, int target,
                      const world_action_t *action)
{
    tl->entries[tl->count] = (world_entry_t){at, kind, target, action, (uint32_t)tl->count};
    tl->count++;
}

/* An implicit entry: its action lives in tl->implicit. */
static void implicit_add(world_timeline_t *tl, size_t *n, int64_t at, int kind, int target)
{
    world_action_t *a = &tl->implicit[(*n)++];
    *a = (world_action_t){.at_ns = at, .kind = (world_action_kind_t)(kind < WORLD_ACTION_COUNT
                                                                           ? kind : 0),
                          .target = target};
    entry_add(tl, at, kind, target, a);
}

static void entries_build(world_t *w)
{
    const world_config_t *c = w->cfg;
    world_timeline_t *tl = &w->tl;
    size_t implicit = c->proxy_count + c->source_count + c->watcher_count, n = 0;
    tl->implicit = world_alloc(implicit * sizeof(*tl->implicit));
    tl->entries = world_alloc((implicit + c->timeline_count) * sizeof(*tl->entries));
    for (size_t i = 0; i < c->proxy_count; i++)
        implicit_add(tl, &n, c->proxies[i].register_at_ns, WORLD_ENTRY_REGISTER_PROXY, (int)i);
    for (size_t i = 0; i < c->source_count; i++) {
        if (c->sources[i].add_at_ns >= 0)
            implicit_add(tl, &n, c->sources[i].add_at_ns, WORLD_ACTION_ADD_WAKE_SOURCE, (int)i);
    }
    for (size_t i = 0; i < c->watcher_count; i++) {
        if (c->watchers[i].register_at_ns >= 0)
            implicit_add(tl, &n, c->watchers[i].register_at_ns, WORLD_ACTION_REGISTER_WATCHER,
                         (int)i);
    }
    for (size_t i = 0; i < c->timeline_count; i++)
        entry_add(tl, c->timeline[i].at_ns, c->timeline[i].kind, c->timeline[i].target,
                  &c->timeline[i]);
    qsort(tl->entries, tl->count, sizeof(*tl->entries), entry_cmp);
}

static bool is_hardware(const world_entry_t *e)
{
    return e->kind == WORLD_ACTION_SEND || e->kind == WORLD_ACTION_SIGNAL ||
           (e->kind == WORLD_ACTION_CLOSE_PEER && e->action->remote_side);
}

static bool is_container_side(const world_entry_t *e)
{
    switch (e->kind) {
    case WORLD_ENTRY_REGISTER_PROXY:
    case WORLD_ACTION_WAKE_LOCK_ACQUIRE:
    case WORLD_ACTION_WAKE_LOCK_RELEASE:
    case WORLD_ACTION_ADD_WAKE_SOURCE:
    case WORLD_ACTION_REMOVE_WAKE_SOURCE:
    case WORLD_ACTION_READ_FILE:
    case WORLD_ACTION_COUNTER_ADD:
        return true;
    case WORLD_ACTION_CLOSE_PEER:
        return !e->action->remote_side;
    default:
        return false;
    }
}

static void cause_of(const world_t *w, const world_entry_t *e, char *buf, size_t size)
{
    const char *name = "?";
    if (e->kind == WORLD_ACTION_SIGNAL)
        name = w->cfg->sources[e->target].name;
    else if (e->kind == WORLD_ACTION_SEND || e->kind == WORLD_ACTION_CLOSE_PEER)
        name = w->cfg->proxies[e->target].name;
    snprintf(buf, size, "%s:%s", world_action_name((world_action_kind_t)e->kind), name);
}

/* ---- Driver ---------------------------------------------------------------------------------- */

/* A software entry while the system sleeps: waits for it to run, waking it for the first later
 * hardware entry that comes due meanwhile. May block. */
static void wait_software(world_t *w, size_t i)
{
    const world_timeline_t *tl = &w->tl;
    size_t j = i + 1;
    while (j < tl->count && !is_hardware(&tl->entries[j]))
        j++;
    int64_t deadline = j < tl->count ? tl->entries[j].at_ns : SIM_TIME_INFINITE;
    if (sag_wait_running(w, deadline))
        return;
    char cause[96];
    cause_of(w, &tl->entries[j], cause, sizeof(cause));
    sag_hardware_wake(w, cause);
    (void)sag_wait_running(w, SIM_TIME_INFINITE);
}

static void command(zx_handle_t ch, uint32_t index)
{
    (void)zx_channel_write(ch, 0, &index, sizeof(index), NULL, 0);
}

static void run_platform(world_t *w, const world_entry_t *e)
{
    const world_action_t *a = e->action;
    switch (e->kind) {
    case WORLD_ACTION_SEND:
        proxy_send(w, e->target, a->count, a->bytes, w->tl.payload);
        break;
    case WORLD_ACTION_SIGNAL:
        source_signal(w, e->target, a->clear, a->set);
        break;
    case WORLD_ACTION_REGISTER_WATCHER:
        hal_register(w, e->target);
        break;
    case WORLD_ACTION_CLOSE_WATCHER:
        hal_close(w, e->target);
        break;
    case WORLD_ACTION_CLOSE_PEER:
        proxy_close_remote(w, e->target);
        break;
    case WORLD_ACTION_SPAWN_PROCESS:
        process_spawn(w, e->target);
        break;
    case WORLD_ACTION_KILL_PROCESS:
        process_kill(w, e->target);
        break;
    case WORLD_ACTION_STOP_CONTAINER:
        /* The kernel component stops: the framework drops the controller (the runner's
         * on_stop task then removes the kernel, R11). */
        zx_handle_close(w->controller);
        w->controller = ZX_HANDLE_INVALID;
        break;
    default:
        SIM_ASSERT(!"not a platform action");
    }
}

static void run_entry(world_t *w, size_t i)
{
    const world_entry_t *e = &w->tl.entries[i];
    if (is_hardware(e)) {
        char cause[96];
        cause_of(w, e, cause, sizeof(cause));
        sag_hardware_wake(w, cause);
        (void)sag_wait_running(w, SIM_TIME_INFINITE);
    } else if (!sag_is_running(w)) {
        wait_software(w, i);
    }
    const char *name = e->kind == WORLD_ENTRY_REGISTER_PROXY
                           ? "register_proxy"
                           : world_action_name((world_action_kind_t)e->kind);
    world_trace(w, WORLD_EV_ACTION, 0, e->kind == WORLD_ENTRY_REGISTER_PROXY ? -1 : e->kind,
                e->target, (int64_t)i, 0, name);
    if (e->kind == WORLD_ACTION_SUSPEND && e->action->from_tool)
        kside_tool_suspend(w, (uint32_t)i);
    else if (e->kind == WORLD_ACTION_SUSPEND)
        command(w->tl.sctl, (uint32_t)i);
    else if (is_container_side(e))
        command(w->tl.kctl, (uint32_t)i);
    else
        run_platform(w, e);
}

static void driver_main(void *arg)
{
    world_t *w = arg;
    for (size_t i = 0; i < w->tl.count; i++) {
        (void)sim_park_until(w->s, SIM_PARK_THREAD, SIM_CLOCK_BOOT, w->tl.entries[i].at_ns, 0);
        run_entry(w, i);
    }
}

/* ---- Poisson streams ------------------------------------------------------------------------- */

static int64_t stream_stop(const world_t *w, const world_poisson_config_t *p)
{
    return p->stop_ns > 0 ? p->stop_ns : w->opts.time_limit_ns;
}

static int64_t draw(world_t *w, int64_t from, const world_poisson_config_t *p)
{
    int64_t d = sim_rng_exp_ns(w->s, SIM_RNG_WORKLOAD, p->mean_interval_ns);
    return d > INT64_MAX - from ? INT64_MAX : from + d;
}

static void poisson_main(void *arg)
{
    world_t *w = arg;
    const world_config_t *c = w->cfg;
    int64_t *next = w->tl.poisson_next_ns;
    for (size_t k = 0; k < c->poisson_count; k++)
        next[k] = draw(w, c->poisson[k].start_ns, &c->poisson[k]);
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t k = 0; k < c->poisson_count; k++) {
            bool live = next[k] < stream_stop(w, &c->poisson[k]);
            if (live && (best == SIZE_MAX || next[k] < next[best]))
                best = k;
        }
        if (best == SIZE_MAX)
            return;
        const world_poisson_config_t *p = &c->poisson[best];
        (void)sim_park_until(w->s, SIM_PARK_THREAD, SIM_CLOCK_BOOT, next[best], 0);
        char cause[96];
        snprintf(cause, sizeof(cause), "poisson:%s", c->proxies[p->proxy].name);
        sag_hardware_wake(w, cause);
        (void)sag_wait_running(w, SIM_TIME_INFINITE);
        proxy_send(w, p->proxy, 1, p->bytes, w->tl.poisson_payload);
        next[best] = draw(w, next[best], p);
    }
}

/* ---- Setup ----------------------------------------------------------------------------------- */

void timeline_setup(world_t *w)
{
    world_timeline_t *tl = &w->tl;
    entries_build(w);
    tl->job = world_give_dup(w->container_job, w->platform_proc);
    tl->svc = world_give(tl->svc, w->platform_proc);
    tl->payload = world_alloc(ZX_CHANNEL_MAX_MSG_BYTES);
    tl->poisson_payload = world_alloc(ZX_CHANNEL_MAX_MSG_BYTES);
    tl->poisson_next_ns = world_alloc(w->cfg->poisson_count * sizeof(int64_t));
    world_thread_start(w->platform_proc, "timeline", driver_main, w);
    if (w->cfg->poisson_count)
        world_thread_start(w->platform_proc, "poisson", poisson_main, w);
}

void timeline_teardown(world_t *w)
{
    world_timeline_t *tl = &w->tl;
    free(tl->entries);
    free(tl->implicit);
    free(tl->payload);
    free(tl->poisson_payload);
    free(tl->poisson_next_ns);
}
