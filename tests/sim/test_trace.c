/* test_trace.c - Trace events, sinks and the run fingerprint.
 *
 * Method: a small workload emits events from several threads; the fingerprint must be equal
 * across reruns, equal to the one recomputed from the in-memory sink, and different when one
 * field of one event changes. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim.h"

#define EV_PING (SIM_TRACE_KIND_USER + 1)

static void emitter(sim_t *s, void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < 5; i++) {
        sim_trace(s, EV_PING, "test.ping", (uint64_t)id, i, id * i, -i, i % 2 ? "odd" : NULL);
        sim_sleep(s, SIM_CLOCK_MONO, 100 + id);
    }
}

static uint64_t run_emitters(sim_trace_mem_t *mem, int variant)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 1}, &s), 0);
    if (mem)
        cr_assert_eq(sim_trace_attach(s, &sim_trace_mem_ops, mem), 0);
    for (intptr_t i = 0; i < 3; i++)
        cr_assert_eq(sim_thread_create(s, "emitter", emitter, (void *)(i + variant), NULL, NULL),
                     0);
    sim_run(s);
    uint64_t fp = sim_fingerprint(s);
    if (mem)
        cr_assert_eq(sim_trace_mem_count(mem), sim_trace_count(s));
    sim_destroy(s);
    return fp;
}

Test(trace, fingerprint_is_stable_across_runs)
{
    uint64_t a = run_emitters(NULL, 0), b = run_emitters(NULL, 0);
    cr_assert_eq(a, b, "%016llx vs %016llx", (unsigned long long)a, (unsigned long long)b);
    cr_assert_neq(a, SIM_FINGERPRINT_SEED);
}

Test(trace, fingerprint_changes_with_the_events)
{
    cr_assert_neq(run_emitters(NULL, 0), run_emitters(NULL, 1));
}

Test(trace, memory_sink_keeps_every_event_and_its_fingerprint)
{
    sim_trace_mem_t *mem;
    cr_assert_eq(sim_trace_mem_create(&mem), 0);
    uint64_t fp = run_emitters(mem, 0);
    cr_assert_eq(sim_trace_mem_fingerprint(mem), fp);
    size_t pings = 0;
    for (size_t i = 0; i < sim_trace_mem_count(mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(mem, i);
        cr_assert_eq(ev->index, i);
        if (i > 0)
            cr_assert_geq(ev->time_boot_ns, sim_trace_mem_get(mem, i - 1)->time_boot_ns);
        if (ev->kind == EV_PING) {
            pings++;
            cr_assert_str_eq(ev->kind_name, "test.ping");
            cr_assert_neq(ev->thread_id, 0, "events from a task carry its thread");
            if (ev->arg[0] % 2)
                cr_assert_str_eq(ev->text, "odd");
            else
                cr_assert_null(ev->text);
        }
    }
    cr_assert_eq(pings, 15);
    /* The engine's own events: three thread creations and exits and the run's end. */
    const sim_trace_event_t *last = sim_trace_mem_get(mem, sim_trace_mem_count(mem) - 1);
    cr_assert_eq(last->kind, SIM_EV_RUN_END);
    cr_assert_str_eq(last->text, "complete");
    sim_trace_mem_destroy(mem);
}

Test(trace, fold_depends_on_text_bytes_not_pointers)
{
    char a[] = "name", b[] = "name";
    sim_trace_event_t e1 = {.kind = 1, .text = a}, e2 = {.kind = 1, .text = b};
    cr_assert_eq(sim_fingerprint_fold(1, &e1), sim_fingerprint_fold(1, &e2));
    b[0] = 'N';
    cr_assert_neq(sim_fingerprint_fold(1, &e1), sim_fingerprint_fold(1, &e2));
    sim_trace_event_t e3 = {.kind = 1, .text = NULL}, e4 = {.kind = 1, .text = ""};
    cr_assert_neq(sim_fingerprint_fold(1, &e3), sim_fingerprint_fold(1, &e4));
}

static int failing_event(void *ctx, const sim_trace_event_t *ev)
{
    int *n = ctx;
    (void)ev;
    return ++*n >= 4 ? -1 : 0;
}

static const sim_trace_sink_ops_t failing_ops = {.name = "failing", .event = failing_event};

static void loop_forever(sim_t *s, void *arg)
{
    (void)arg;
    for (;;)
        sim_trace(s, EV_PING, "test.ping", 0, 0, 0, 0, NULL), sim_sleep(s, SIM_CLOCK_MONO, 1);
}

Test(trace, a_failing_sink_ends_the_run)
{
    sim_t *s = NULL;
    int n = 0;
    cr_assert_eq(sim_create(NULL, &s), 0);
    cr_assert_eq(sim_trace_attach(s, &failing_ops, &n), 0);
    cr_assert_eq(sim_thread_create(s, "loop", loop_forever, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_SINK_ERROR);
    sim_destroy(s);
}

Test(trace, at_most_four_sinks)
{
    sim_t *s = NULL;
    int n = 0;
    cr_assert_eq(sim_create(NULL, &s), 0);
    for (int i = 0; i < SIM_TRACE_SINKS_MAX; i++)
        cr_assert_eq(sim_trace_attach(s, &failing_ops, &n), 0);
    cr_assert_eq(sim_trace_attach(s, &failing_ops, &n), SIM_ERANGE);
    sim_destroy(s);
}
