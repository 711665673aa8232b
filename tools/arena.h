/* arena.h - A bump allocator for what a loaded scenario owns: one free releases it all.
 *
 * The scenario loader copies every value out of the cJSON tree into memory from an arena, so
 * the tree can be freed before the loader returns (STYLE: "cJSON trees stay inside the
 * loader") and the whole scenario is released by arena_deinit in one place. Allocations are
 * zeroed and aligned for any scalar type; they are never freed one by one.
 */
#ifndef WAKESIM_TOOLS_ARENA_H
#define WAKESIM_TOOLS_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct arena_chunk arena_chunk_t;

/* Caller-allocated; zero it with arena_init. */
typedef struct arena {
    /* private */
    arena_chunk_t *head; /* newest chunk first */
    size_t used;         /* bytes used in head */
    size_t total;        /* bytes handed out, for tests and limits */
} arena_t;

void arena_init(arena_t *a);
/* Frees every chunk; the arena may be initialised again. */
void arena_deinit(arena_t *a);
/* `size` zeroed bytes (size 0 gives a valid unique pointer), or NULL when out of memory. */
void *arena_alloc(arena_t *a, size_t size);
/* `count` zeroed elements of `size` bytes; NULL on overflow or out of memory. */
void *arena_alloc_n(arena_t *a, size_t count, size_t size);
/* A copy of `s` (NULL gives NULL), or NULL when out of memory. */
char *arena_strdup(arena_t *a, const char *s);
/* A copy of the `len` bytes at `s` with a NUL after them. */
char *arena_strndup(arena_t *a, const char *s, size_t len);
/* printf into the arena. */
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes handed out so far. */
size_t arena_total(const arena_t *a);

#endif /* WAKESIM_TOOLS_ARENA_H */
