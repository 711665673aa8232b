/* test_invariant.c - Invariants see every event and the end of the run; violations are
 * recorded with the event that broke them and traced, and never stop the run. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim.h"

#define EV_LEVEL (SIM_TRACE_KIND_USER + 2)

static void leveller(sim_t *s, void *arg)
{
    (void)arg;
    int64_t levels[] = {3, 1, 0, -2, 4};
    for (int i = 0; i < 5; i++) {
        sim_trace(s, EV_LEVEL, "test.level", 7, levels[i], 0, 0, NULL);
        sim_sleep(s, SIM_CLOCK_MONO, 10);
    }
}

static int events_seen, ends_seen;

static void never_negative(sim_t *s, const sim_trace_event_t *ev, void *arg)
{
    (void)arg;
    events_seen++;
    if (ev->kind == EV_LEVEL && ev->arg[0] < 0)
        sim_violation(s, "level_non_negative", "level went to %lld", (long long)ev->arg[0]);
}

static void at_end(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    ends_seen++;
}

Test(invariant, violation_names_the_breaking_event)
{
    sim_t *s = NULL;
    sim_trace_mem_t *mem;
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_trace_mem_create(&mem), 0);
    cr_assert_eq(sim_trace_attach(s, &sim_trace_mem_ops, mem), 0);
    cr_assert_eq(sim_invariant_add(s, "level_non_negative", never_negative, at_end, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "leveller", leveller, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE, "a violation never stops the run");
    cr_assert_eq(ends_seen, 1);
    cr_assert_gt(events_seen, 5);
    cr_assert_eq(sim_violation_count(s), 1);
    const sim_violation_t *v = sim_violation_get(s, 0);
    cr_assert_str_eq(v->name, "level_non_negative");
    cr_assert_str_eq(v->message, "level went to -2");
    cr_assert_eq(v->time_mono_ns, 30);
    const sim_trace_event_t *culprit = sim_trace_mem_get(mem, v->event_index);
    cr_assert_eq(culprit->kind, EV_LEVEL);
    cr_assert_eq(culprit->arg[0], -2);
    /* The violation itself is traced right after the culprit. */
    const sim_trace_event_t *traced = sim_trace_mem_get(mem, v->event_index + 1);
    cr_assert_eq(traced->kind, SIM_EV_VIOLATION);
    cr_assert_str_eq(traced->text, "level_non_negative");
    sim_trace_mem_destroy(mem);
    sim_destroy(s);
}

Test(invariant, no_invariant_no_violation)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_thread_create(s, "leveller", leveller, NULL, NULL, NULL), 0);
    sim_run(s);
    cr_assert_eq(sim_violation_count(s), 0);
    sim_destroy(s);
}
