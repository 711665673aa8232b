/* arena.c - Bump allocation in chunks of at least 64 KiB (contract in arena.h).
 *
 * A scenario is a few kilobytes, so most loads use one chunk; a larger request gets a chunk
 * of its own size. Chunks are kept in a list and freed together.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_SIZE (64u * 1024u)
#define ARENA_ALIGN      16u

struct arena_chunk {
    arena_chunk_t *next;
    size_t size; /* bytes in data */
    _Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a)
{
    *a = (arena_t){0};
}

void arena_deinit(arena_t *a)
{
    arena_chunk_t *c = a->head;
    while (c) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    *a = (arena_t){0};
}

static bool grow(arena_t *a, size_t size)
{
    size_t data_size = size > ARENA_CHUNK_SIZE ? size : ARENA_CHUNK_SIZE;
    if (data_size > SIZE_MAX - sizeof(arena_chunk_t))
        return false;
    arena_chunk_t *c = malloc(sizeof(*c) + data_size);
    if (!c)
        return false;
    c->next = a->head;
    c->size = data_size;
    a->head = c;
    a->used = 0;
    return true;
}

void *arena_alloc(arena_t *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded == 0)
        rounded = ARENA_ALIGN;
    if (!a->head || a->head->size - a->used < rounded) {
        if (!grow(a, rounded))
            return NULL;
    }
    void *p = a->head->data + a->used;
    a->used += rounded;
    a->total += rounded;
    memset(p, 0, rounded);
    return p;
}

void *arena_alloc_n(arena_t *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return arena_alloc(a, count * size);
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *copy = arena_alloc(a, len + 1);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = arena_alloc(a, (size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

size_t arena_total(const arena_t *a)
{
    return a->total;
}
