/* trace.c - The trace: typed events, sinks, and the run fingerprint.
 *
 * Every event goes, in order, into the fingerprint, to every attached sink, then to every
 * invariant. The fingerprint folds each field as a 64-bit integer and the text byte by byte
 * (never a struct's memory, never a pointer), so it is the same on every machine and
 * independent of padding and endianness.
 */
#include "sim_int.h"

#include <string.h>

static inline uint64_t fold(uint64_t h, uint64_t w)
{
    h ^= w * 0x9E3779B97F4A7C15ULL;
    h = (h << 31) | (h >> 33);
    return h * 0xBF58476D1CE4E5B9ULL + 0x94D049BB133111EBULL;
}

uint64_t sim_fingerprint_fold(uint64_t h, const sim_trace_event_t *ev)
{
    h = fold(h, ev->index);
    h = fold(h, (uint64_t)ev->time_boot_ns);
    h = fold(h, (uint64_t)ev->time_mono_ns);
    h = fold(h, ev->thread_id);
    h = fold(h, ev->kind);
    h = fold(h, ev->object);
    for (int i = 0; i < 4; i++)
        h = fold(h, (uint64_t)ev->arg[i]);
    h = fold(h, (uint64_t)(int64_t)ev->status);
    if (ev->text) {
        size_t n = strlen(ev->text);
        for (size_t i = 0; i < n; i++)
            h = fold(h, (uint8_t)ev->text[i]);
        h = fold(h, n);
    } else {
        h = fold(h, UINT64_MAX);
    }
    return h;
}

int sim_trace_attach(sim_t *s, const sim_trace_sink_ops_t *ops, void *ctx)
{
    SIM_ASSERT(ops != NULL);
    SIM_ASSERT(ops->event != NULL);
    if (s->sink_count == SIM_TRACE_SINKS_MAX)
        return SIM_ERANGE;
    s->sink_ops[s->sink_count] = ops;
    s->sink_ctx[s->sink_count] = ctx;
    s->sink_count++;
    return 0;
}

void sim_trace_emit(sim_t *s, sim_trace_event_t *ev)
{
    ev->index = s->trace_count++;
    ev->time_boot_ns = s->now_boot_ns;
    ev->time_mono_ns = sim_now_mono(s);
    ev->thread_id = s->current ? s->current->thread->id : 0;
    if (!ev->kind_name)
        ev->kind_name = "?";
    s->fingerprint = sim_fingerprint_fold(s->fingerprint, ev);
    for (uint32_t i = 0; i < s->sink_count; i++) {
        if (s->sink_ops[i]->event(s->sink_ctx[i], ev) != 0 && s->stop_request == SIM_END_NONE)
            s->stop_request = SIM_END_SINK_ERROR;
    }
    if (s->invariant_count && !s->in_invariant)
        sim__invariants_run(s, ev);
}

void sim_trace(sim_t *s, uint32_t kind, const char *kind_name, uint64_t object, int64_t a0,
               int64_t a1, int32_t status, const char *text)
{
    sim_trace_event_t ev = {
        .kind = kind,
        .kind_name = kind_name,
        .object = object,
        .arg = {a0, a1, 0, 0},
        .status = status,
        .text = text,
    };
    sim_trace_emit(s, &ev);
}

void sim__trace_end(sim_t *s)
{
    for (uint32_t i = 0; i < s->sink_count; i++) {
        if (s->sink_ops[i]->end && s->sink_ops[i]->end(s->sink_ctx[i], s) != 0 &&
            s->end != SIM_END_SINK_ERROR)
            s->end = SIM_END_SINK_ERROR;
    }
}

uint64_t sim_fingerprint(const sim_t *s)
{
    return s->fingerprint;
}

uint64_t sim_trace_count(const sim_t *s)
{
    return s->trace_count;
}
