/* kpool.c - Fixed-size node pools for the kernel's small, frequently recycled records.
 *
 * Handles and port observers come and go at the rate of the modelled code's syscalls; a pool
 * keeps freed nodes on a LIFO free list so that steady-state churn allocates nothing and the
 * reuse order is a deterministic function of the call sequence. Memory is returned to the host
 * only by kpool_deinit (kernel_destroy).
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

#define KPOOL_CHUNK_NODES 64u

/* A chunk: the link to the next chunk, then KPOOL_CHUNK_NODES nodes. */
typedef struct kpool_chunk {
    struct kpool_chunk *next;
    max_align_t nodes[];
} kpool_chunk_t;

void kpool_init(kpool_t *pool, size_t node_size)
{
    SIM_ASSERT(node_size > 0);
    size_t align = sizeof(max_align_t);
    if (node_size < sizeof(void *))
        node_size = sizeof(void *);
    pool->node_size = (node_size + align - 1) / align * align;
    pool->free = NULL;
    pool->chunks = NULL;
    pool->live = 0;
}

void kpool_deinit(kpool_t *pool)
{
    kpool_chunk_t *c = pool->chunks;
    while (c) {
        kpool_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    pool->chunks = NULL;
    pool->free = NULL;
    pool->live = 0;
}

/* Threads a new chunk's nodes onto the free list, first node on top. */
static bool grow(kpool_t *pool)
{
    kpool_chunk_t *c = malloc(sizeof(*c) + pool->node_size * KPOOL_CHUNK_NODES);
    if (!c)
        return false;
    c->next = pool->chunks;
    pool->chunks = c;
    char *base = (char *)c->nodes;
    for (uint32_t i = KPOOL_CHUNK_NODES; i-- > 0;) {
        void **node = (void **)(base + (size_t)i * pool->node_size);
        *node = pool->free;
        pool->free = node;
    }
    return true;
}

void *kpool_alloc(kpool_t *pool)
{
    if (!pool->free && !grow(pool))
        return NULL;
    void **node = pool->free;
    pool->free = *node;
    memset(node, 0, pool->node_size);
    pool->live++;
    return node;
}

void kpool_free(kpool_t *pool, void *node)
{
    SIM_ASSERT(node != NULL);
    SIM_ASSERT(pool->live > 0);
    *(void **)node = pool->free;
    pool->free = node;
    pool->live--;
}
