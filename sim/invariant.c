/* invariant.c - Checks that run as the simulation goes, and the violations they record.
 *
 * An invariant sees every traced event (the model traces every state change it makes) and the
 * end of the run. A violation is data: it names the invariant and the event that broke it, is
 * traced itself, and never stops the run; the verdict of the scenario decides what it means.
 */
#include "sim_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int sim_invariant_add(sim_t *s, const char *name, sim_invariant_event_fn on_event,
                      sim_invariant_end_fn on_end, void *arg)
{
    SIM_ASSERT(name != NULL);
    sim_invariant_t *p =
        sim__realloc(s, s->invariants, (s->invariant_count + 1) * sizeof(*s->invariants));
    if (!p)
        return SIM_ENOMEM;
    s->invariants = p;
    char *copy = sim__strdup(s, name);
    if (!copy)
        return SIM_ENOMEM;
    p[s->invariant_count++] = (sim_invariant_t){copy, on_event, on_end, arg};
    return 0;
}

void sim__invariants_run(sim_t *s, const sim_trace_event_t *ev)
{
    s->in_invariant = true;
    for (uint32_t i = 0; i < s->invariant_count; i++) {
        if (s->invariants[i].on_event)
            s->invariants[i].on_event(s, ev, s->invariants[i].arg);
    }
    s->in_invariant = false;
}

void sim__invariants_end(sim_t *s)
{
    s->in_invariant = true;
    for (uint32_t i = 0; i < s->invariant_count; i++) {
        if (s->invariants[i].on_end)
            s->invariants[i].on_end(s, s->invariants[i].arg);
    }
    s->in_invariant = false;
}

void sim__invariants_free(sim_t *s)
{
    for (uint32_t i = 0; i < s->invariant_count; i++)
        sim__free(s->invariants[i].name);
    sim__free(s->invariants);
    for (size_t i = 0; i < s->violation_count; i++) {
        sim__free((char *)s->violations[i].name);
        sim__free(s->violations[i].message);
    }
    sim__free(s->violations);
}

void sim_violation(sim_t *s, const char *name, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (s->violation_count == s->violation_capacity) {
        size_t cap = s->violation_capacity ? s->violation_capacity * 2 : 8;
        sim_violation_t *p = sim__realloc(s, s->violations, cap * sizeof(*p));
        SIM_ASSERT(p != NULL);
        s->violations = p;
        s->violation_capacity = cap;
    }
    sim_violation_t *v = &s->violations[s->violation_count++];
    v->name = sim__strdup(s, name);
    v->message = sim__strdup(s, buf);
    SIM_ASSERT(v->name && v->message);
    v->event_index = s->trace_count ? s->trace_count - 1 : 0;
    v->time_boot_ns = s->now_boot_ns;
    v->time_mono_ns = sim_now_mono(s);
    bool nested = s->in_invariant;
    s->in_invariant = true;
    sim_trace(s, SIM_EV_VIOLATION, "sim.violation", 0, (int64_t)v->event_index, 0, 0, v->name);
    s->in_invariant = nested;
}

size_t sim_violation_count(const sim_t *s)
{
    return s->violation_count;
}

const sim_violation_t *sim_violation_get(const sim_t *s, size_t i)
{
    SIM_ASSERT(i < s->violation_count);
    return &s->violations[i];
}
