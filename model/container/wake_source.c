/* wake_source.c - Interrupt-like wake sources: objects the hardware (the platform) signals and
 * the Starnix kernel registers with AddWakeSource (K-D's add_external_wake_source; nanohub's
 * data channel registers SIGNAL_WAKELOCK this way, reference 6.2).
 *
 * Kinds: an event (both sides hold the same object), an eventpair (the platform signals its
 * peer: the runner waits on the kernel's end), or a counter. A "signal" action clears then
 * sets bits: on an event or counter with zx_object_signal on the platform's handle, on an
 * eventpair with zx_object_signal_peer. For a counter, COUNTER_POSITIVE in `set` adds 1 and in
 * `clear` writes 0 (the value drives that signal; the other bits are user-settable). Each
 * AddWakeSource sends a fresh duplicate of the kernel's handle, with the config's mask unless
 * omit_signals (R19: the runner ignores the request). RemoveWakeSource sends a duplicate too:
 * the runner finds the entry by koid.
 */
#include "world_int.h"

static const world_source_config_t *scfg(const world_t *w, int i)
{
    return &w->cfg->sources[i];
}

void source_add(world_t *w, int i)
{
    const world_source_config_t *c = scfg(w, i);
    fidl_add_wake_source_req_t req = {0};
    (void)zx_handle_duplicate(w->kside.job, ZX_RIGHT_SAME_RIGHTS, &req.container_job);
    (void)zx_handle_duplicate(w->sources[i].kern, ZX_RIGHT_SAME_RIGHTS, &req.handle);
    fidl_string_set(req.name, &req.has_name, c->name);
    req.has_signals = !c->omit_signals;
    req.signals = c->signals;
    zx_handle_t ch = world_connect(w->kside.svc, MANAGER_PROTOCOL);
    if (ch != ZX_HANDLE_INVALID)
        (void)fidl_add_wake_source_req_write(ch, 0, &req);
    fidl_add_wake_source_req_close(&req);
    zx_handle_close(ch);
    world_trace(w, WORLD_EV_SOURCE, 0, i, 1, 0, 0, c->name);
}

void source_remove(world_t *w, int i)
{
    fidl_remove_wake_source_req_t req = {0};
    (void)zx_handle_duplicate(w->kside.job, ZX_RIGHT_SAME_RIGHTS, &req.container_job);
    (void)zx_handle_duplicate(w->sources[i].kern, ZX_RIGHT_SAME_RIGHTS, &req.handle);
    zx_handle_t ch = world_connect(w->kside.svc, MANAGER_PROTOCOL);
    if (ch != ZX_HANDLE_INVALID)
        (void)fidl_remove_wake_source_req_write(ch, 0, &req);
    fidl_remove_wake_source_req_close(&req);
    zx_handle_close(ch);
    world_trace(w, WORLD_EV_SOURCE, 0, i, 0, 0, 0, scfg(w, i)->name);
}

static void counter_signal(zx_handle_t h, uint32_t clear, uint32_t set)
{
    const uint32_t user = ZX_USER_SIGNAL_ALL | ZX_COUNTER_SIGNALED;
    if (clear & ZX_COUNTER_POSITIVE)
        (void)zx_counter_write(h, 0);
    if (set & ZX_COUNTER_POSITIVE)
        (void)zx_counter_add(h, 1);
    if ((clear | set) & user)
        (void)zx_object_signal(h, clear & user, set & user);
}

void source_signal(world_t *w, int i, uint32_t clear, uint32_t set)
{
    const world_source_config_t *c = scfg(w, i);
    zx_handle_t h = w->sources[i].plat;
    const uint32_t settable = ZX_USER_SIGNAL_ALL | __ZX_OBJECT_SIGNALED;
    switch (c->kind) {
    case WORLD_SOURCE_EVENT:
        (void)zx_object_signal(h, clear & settable, set & settable);
        break;
    case WORLD_SOURCE_EVENTPAIR:
        (void)zx_object_signal_peer(h, clear & settable, set & settable);
        break;
    case WORLD_SOURCE_COUNTER:
        counter_signal(h, clear, set);
        break;
    }
    world_trace(w, WORLD_EV_SOURCE, 0, i, 2, set, 0, c->name);
}

static void source_create(world_t *w, int i)
{
    world_source_t *src = &w->sources[i];
    zx_handle_t a = ZX_HANDLE_INVALID, b = ZX_HANDLE_INVALID;
    zx_status_t st = ZX_ERR_INVALID_ARGS;
    switch (scfg(w, i)->kind) {
    case WORLD_SOURCE_EVENT:
        st = zx_event_create(0, &a);
        break;
    case WORLD_SOURCE_EVENTPAIR:
        st = zx_eventpair_create(0, &a, &b);
        break;
    case WORLD_SOURCE_COUNTER:
        st = zx_counter_create(0, &a);
        break;
    }
    SIM_ASSERT(st == ZX_OK);
    if (b == ZX_HANDLE_INVALID) {
        src->kern = world_give_dup(a, w->starnix_proc);
        src->plat = world_give(a, w->platform_proc);
    } else {
        src->kern = world_give(b, w->starnix_proc);
        src->plat = world_give(a, w->platform_proc);
    }
}

void source_setup(world_t *w)
{
    for (size_t i = 0; i < w->cfg->source_count; i++)
        source_create(w, (int)i);
}
