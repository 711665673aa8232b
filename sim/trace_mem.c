/* trace_mem.c - The in-memory trace sink: keeps every event, copying its text. Used by tests
 * and by tools that inspect a run after it ends. Memory grows with the run (amortised
 * doubling); text is copied into chunks so that event pointers stay valid. */
#include "sim_int.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_CHUNK_SIZE (64u * 1024u)

typedef struct text_chunk {
    struct text_chunk *next;
    size_t used;
    char bytes[];
} text_chunk_t;

struct sim_trace_mem {
    sim_trace_event_t *events;
    size_t count, capacity;
    text_chunk_t *chunks;
};

static const char *mem_copy_text(sim_trace_mem_t *mem, const char *text)
{
    size_t n = strlen(text) + 1;
    text_chunk_t *c = mem->chunks;
    if (!c || c->used + n > TEXT_CHUNK_SIZE) {
        size_t size = n > TEXT_CHUNK_SIZE ? n : TEXT_CHUNK_SIZE;
        c = malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->next = mem->chunks;
        c->used = 0;
        mem->chunks = c;
    }
    char *dst = c->bytes + c->used;
    memcpy(dst, text, n);
    c->used += n;
    return dst;
}

static int mem_event(void *ctx, const sim_trace_event_t *ev)
{
    sim_trace_mem_t *mem = ctx;
    if (mem->count == mem->capacity) {
        size_t cap = mem->capacity ? mem->capacity * 2 : 1024;
        sim_trace_event_t *p = realloc(mem->events, cap * sizeof(*p));
        if (!p)
            return SIM_ENOMEM;
        mem->events = p;
        mem->capacity = cap;
    }
    sim_trace_event_t copy = *ev;
    if (ev->text && !(copy.text = mem_copy_text(mem, ev->text)))
        return SIM_ENOMEM;
    mem->events[mem->count++] = copy;
    return 0;
}

const sim_trace_sink_ops_t sim_trace_mem_ops = {
    .name = "memory",
    .event = mem_event,
    .end = NULL,
};

int sim_trace_mem_create(sim_trace_mem_t **out)
{
    sim_trace_mem_t *mem = calloc(1, sizeof(*mem));
    if (!mem)
        return SIM_ENOMEM;
    *out = mem;
    return 0;
}

void sim_trace_mem_destroy(sim_trace_mem_t *mem)
{
    if (!mem)
        return;
    text_chunk_t *c = mem->chunks;
    while (c) {
        text_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    free(mem->events);
    free(mem);
}

size_t sim_trace_mem_count(const sim_trace_mem_t *mem)
{
    return mem->count;
}

const sim_trace_event_t *sim_trace_mem_get(const sim_trace_mem_t *mem, size_t i)
{
    SIM_ASSERT(i < mem->count);
    return &mem->events[i];
}

uint64_t sim_trace_mem_fingerprint(const sim_trace_mem_t *mem)
{
    uint64_t h = SIM_FINGERPRINT_SEED;
    for (size_t i = 0; i < mem->count; i++)
        h = sim_fingerprint_fold(h, &mem->events[i]);
    return h;
}
