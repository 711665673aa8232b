/* invariants.c - The oracles of every run (WORLD_INVARIANTS in world.h). Each reports a
 * violation with sim_violation, naming in its message the event that broke the property (its
 * index in the trace) when that event is not the last one emitted.
 *
 *  message_wakes_container  a message forwarded (written into the handler's channel) while the
 *                           container is frozen must see it thawed within
 *                           message_wake_bound_ns of boot time; checked by an engine timer
 *                           armed at the first such message of a frozen episode (one report
 *                           per episode: a stuck suspension would otherwise report every
 *                           message of a stream).
 *  suspend_gets_reply       at the end: every SuspendContainer got a reply or saw its channel
 *                           close (a closed channel is an answer: upstream's dropped responder).
 *                           Excused: a request whose runner sits in its wake wait while the
 *                           system is asleep (a device at rest, waiting for hardware: the normal
 *                           end of an autosuspend run), or one that moved within WORLD_SETTLE_NS
 *                           of a time-limit end (the end cut a cycle). R1 on v1 is caught
 *                           because the system stays awake, or by no_deadlock / the messages.
 *  watcher_agrees           at the end: a registered, open watcher's last observation (AWAKE /
 *                           ASLEEP) matches the container (thawed / frozen), unless a time-limit
 *                           end came within WORLD_SETTLE_NS of a change of either (R18's windows
 *                           are short and legitimate; a run that ended with nothing scheduled
 *                           has settled; a lasting disagreement, e.g. the ASLEEP that v1's
 *                           aborted resume leaves behind (R7), is reported).
 *  counter_non_negative     a proxy's counter going below 0 (on_next_read with a counter that
 *                           starts at 0, R6), reported once per excursion below 0.
 *  no_deadlock              the run ended "stalled" or "quiescent" (every thread blocked and
 *                           nothing scheduled) before the time limit while work was still owed:
 *                           a SuspendContainer unanswered while the runner is not in its wake
 *                           wait, a message sent but neither forwarded (runner proxy alive) nor
 *                           handled (handler alive), or a file read that never finished. A run
 *                           that merely went idle (everything answered, the container asleep
 *                           waiting for hardware that never comes) is not a deadlock; world
 *                           threads are daemons so such runs end "quiescent".
 *  no_manager_panic         a MANAGER_EV_PANIC event.
 *
 * The first invariant's on_event hook also feeds records.c, so that every record is up to date
 * before any check looks at it.
 */
#include "world_int.h"

#include <string.h>

#define WORLD_SETTLE_NS 10000000 /* 10 ms */

/* ---- Event-driven checks --------------------------------------------------------------------- */

static void on_event(sim_t *s, const sim_trace_event_t *ev, void *arg)
{
    world_t *w = arg;
    records_on_event(w, ev);
    if (ev->kind == MANAGER_EV_PANIC)
        sim_violation(s, "no_manager_panic", "the runner panicked at event %llu: %s",
                      (unsigned long long)ev->index, ev->text ? ev->text : "(no message)");
}

void invariants_counter(world_t *w, int p, int64_t value, const sim_trace_event_t *ev)
{
    world_proxy_t *px = &w->proxies[p];
    if (value >= 0) {
        px->counter_negative = false;
        return;
    }
    if (px->counter_negative)
        return;
    px->counter_negative = true;
    sim_violation(w->s, "counter_non_negative", "the counter of proxy '%s' went to %lld (%s at "
                  "event %llu)", w->cfg->proxies[p].name, (long long)value,
                  ev->text, (unsigned long long)ev->index);
}

static void wake_fire(sim_t *s, sim_timer_t *t)
{
    world_t *w = t->data;
    world_records_t *r = &w->rec;
    if (!r->wake_watching || !records_container_frozen(w))
        return;
    r->wake_watching = false;
    r->wake_reported = true;
    const world_message_record_t *m = &w->res.messages[r->wake_message];
    sim_violation(s, "message_wakes_container", "message %zu of proxy '%s' was forwarded to the "
                  "frozen container at event %llu (%lld ns) and did not wake it within %lld ns",
                  r->wake_message, w->cfg->proxies[m->proxy].name,
                  (unsigned long long)r->wake_event, (long long)m->forwarded_ns,
                  (long long)w->message_wake_bound_ns);
}

void invariants_forwarded(world_t *w, size_t message, uint64_t event_index)
{
    world_records_t *r = &w->rec;
    if (!records_container_frozen(w) || r->wake_watching || r->wake_reported)
        return;
    r->wake_watching = true;
    r->wake_message = message;
    r->wake_event = event_index;
    sim_timer_start(w->s, &r->wake_timer, SIM_CLOCK_BOOT,
                    sim_now_boot(w->s) + w->message_wake_bound_ns);
}

void invariants_frozen(world_t *w, bool frozen)
{
    world_records_t *r = &w->rec;
    if (frozen)
        return;
    sim_timer_cancel(w->s, &r->wake_timer);
    r->wake_watching = false;
    r->wake_reported = false;
}

/* ---- End-of-run checks ----------------------------------------------------------------------- */

/* A run that ended with nothing scheduled has settled for good; one cut by its time limit (or
 * budget, or a stop) may be in the middle of a transition that started at `changed_ns`. */
static bool settled(sim_t *s, int64_t changed_ns)
{
    sim_end_t end = sim_end_reason(s);
    if (end == SIM_END_QUIESCENT || end == SIM_END_STALLED || end == SIM_END_COMPLETE)
        return true;
    return sim_now_boot(s) - changed_ns >= WORLD_SETTLE_NS;
}

/* The last time the request moved: sent, or any phase the runner traced for it. */
static int64_t last_progress(const world_suspend_record_t *rec)
{
    int64_t t = rec->sent_ns;
    for (size_t p = 0; p < sizeof(rec->phase_ns) / sizeof(rec->phase_ns[0]); p++)
        t = rec->phase_ns[p] > t ? rec->phase_ns[p] : t;
    return t;
}

static void check_replies(sim_t *s, void *arg)
{
    world_t *w = arg;
    for (size_t i = 0; i < w->res.suspend_count; i++) {
        const world_suspend_record_t *rec = &w->res.suspends[i];
        if (rec->reply_received_ns >= 0)
            continue;
        bool at_rest = w->rec.runner_attempt_waiting == i + 1 && !sag_is_running(w);
        if (at_rest || !settled(s, last_progress(rec)))
            continue;
        sim_violation(s, "suspend_gets_reply", "SuspendContainer #%zu (request event %llu, sent "
                      "at %lld ns) got neither a reply nor a closed channel before the run "
                      "ended (%s)", i + 1, (unsigned long long)rec->request_event,
                      (long long)rec->sent_ns, sim_end_name(sim_end_reason(s)));
    }
}

static void check_watchers(sim_t *s, void *arg)
{
    world_t *w = arg;
    bool frozen = records_container_frozen(w);
    for (size_t i = 0; i < w->cfg->watcher_count; i++) {
        const world_watcher_record_t *rec = &w->res.watchers[i];
        if (rec->closed || rec->last == 0)
            continue; /* closed, or (re)registered and not told anything yet */
        int64_t changed = rec->last_ns > w->rec.last_change_ns ? rec->last_ns
                                                                : w->rec.last_change_ns;
        if (!settled(s, changed))
            continue;
        char want = frozen ? 'S' : 'A';
        if (rec->last == want)
            continue;
        sim_violation(s, "watcher_agrees", "watcher '%s' last saw %s at %lld ns but the container "
                      "is %s since %lld ns", w->cfg->watchers[i].name,
                      rec->last == 'A' ? "AWAKE" : "ASLEEP", (long long)rec->last_ns,
                      frozen ? "frozen" : "thawed", (long long)w->rec.last_change_ns);
    }
}

static void check_deadlock(sim_t *s, void *arg)
{
    world_t *w = arg;
    sim_end_t end = sim_end_reason(s);
    if (end != SIM_END_STALLED && end != SIM_END_QUIESCENT)
        return;
    char what[256];
    if (!records_outstanding(w, what, sizeof(what)))
        return;
    sim_violation(s, "no_deadlock", "the run ended %s at %lld ns with every thread blocked and "
                  "nothing scheduled: %s", sim_end_name(end), (long long)sim_now_boot(s), what);
}

int invariants_setup(world_t *w)
{
    struct {
        const char *name;
        sim_invariant_event_fn on_event;
        sim_invariant_end_fn on_end;
    } table[] = {
        {"message_wakes_container", on_event, NULL},
        {"suspend_gets_reply", NULL, check_replies},
        {"watcher_agrees", NULL, check_watchers},
        {"counter_non_negative", NULL, NULL}, /* from records.c's counter tracking */
        {"no_deadlock", NULL, check_deadlock},
        {"no_manager_panic", NULL, NULL},     /* from on_event */
    };
    static const char *const names[] = {
#define X(name, description) name,
        WORLD_INVARIANTS(X)
#undef X
    };
    _Static_assert(sizeof(table) / sizeof(table[0]) == sizeof(names) / sizeof(names[0]),
                   "one row per WORLD_INVARIANTS entry");
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        SIM_ASSERT(strcmp(table[i].name, names[i]) == 0);
        int rc = sim_invariant_add(w->s, table[i].name, table[i].on_event, table[i].on_end, w);
        if (rc != 0)
            return rc;
    }
    sim_timer_init(&w->rec.wake_timer, wake_fire, w);
    records_start(w);
    return 0;
}
