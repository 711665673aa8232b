/* derive_util.c - The containers of the derive core: growable arrays, a hash map keyed by
 * integers and a pool of interned texts. Hashes are of values only (never of addresses), and
 * nothing iterates a table: the output does not depend on the host or the allocator. */
#include "derive_int.h"

#include <string.h>

void *vec_push(vec_t *v, size_t elem)
{
    if (v->count == v->capacity) {
        size_t capacity = v->capacity ? v->capacity * 2 : 16;
        void *data = realloc(v->data, capacity * elem);
        if (!data)
            return NULL;
        v->data = data;
        v->capacity = capacity;
    }
    void *item = (char *)v->data + v->count * elem;
    memset(item, 0, elem);
    v->count++;
    return item;
}

void vec_free(vec_t *v)
{
    free(v->data);
    *v = (vec_t){0};
}

/* ---- keymap ---------------------------------------------------------------------------------- */

/* splitmix64's finaliser over the words: cheap and well mixed for small integer keys. */
static uint64_t key_hash(const dkey_t *k)
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < KEY_WORDS; i++) {
        h ^= (uint64_t)k->w[i] + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
        h ^= h >> 31;
        h *= 0xbf58476d1ce4e5b9u;
    }
    return h ^ (h >> 29);
}

static bool key_equal(const dkey_t *a, const dkey_t *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

uint32_t *keymap_get(const keymap_t *m, const dkey_t *key)
{
    if (m->capacity == 0)
        return NULL;
    uint32_t mask = m->capacity - 1;
    for (uint32_t i = (uint32_t)key_hash(key) & mask;; i = (i + 1) & mask) {
        if (m->values[i] == MAP_EMPTY)
            return NULL;
        if (key_equal(&m->keys[i], key))
            return &m->values[i];
    }
}

static int keymap_grow(keymap_t *m)
{
    uint32_t capacity = m->capacity ? m->capacity * 2 : 64;
    keymap_t g = {.keys = malloc(capacity * sizeof(dkey_t)),
                  .values = malloc(capacity * sizeof(uint32_t)),
                  .capacity = capacity};
    if (!g.keys || !g.values) {
        keymap_free(&g);
        return DERIVE_ENOMEM;
    }
    memset(g.values, 0xff, capacity * sizeof(uint32_t)); /* MAP_EMPTY */
    for (uint32_t i = 0; i < m->capacity; i++) {
        if (m->values[i] == MAP_EMPTY)
            continue;
        uint32_t j = (uint32_t)key_hash(&m->keys[i]) & (capacity - 1);
        while (g.values[j] != MAP_EMPTY)
            j = (j + 1) & (capacity - 1);
        g.keys[j] = m->keys[i];
        g.values[j] = m->values[i];
    }
    g.count = m->count;
    keymap_free(m);
    *m = g;
    return 0;
}

uint32_t *keymap_put(keymap_t *m, const dkey_t *key, uint32_t fresh)
{
    DERIVE_ASSERT(fresh != MAP_EMPTY);
    /* At most half full, so probes stay short. */
    if ((m->count + 1) * 2 > m->capacity && keymap_grow(m) != 0)
        return NULL;
    uint32_t mask = m->capacity - 1;
    uint32_t i = (uint32_t)key_hash(key) & mask;
    for (; m->values[i] != MAP_EMPTY; i = (i + 1) & mask)
        if (key_equal(&m->keys[i], key))
            return &m->values[i];
    m->keys[i] = *key;
    m->values[i] = fresh;
    m->count++;
    return &m->values[i];
}

void keymap_free(keymap_t *m)
{
    free(m->keys);
    free(m->values);
    *m = (keymap_t){0};
}

/* ---- strpool --------------------------------------------------------------------------------- */

static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

const char *strpool_text(const strpool_t *p, uint32_t id)
{
    if (id == TEXT_NULL)
        return NULL;
    DERIVE_ASSERT(id < p->offsets.count);
    return p->bytes + VEC_AT(p->offsets, uint32_t, id);
}

int strpool_cmp(const strpool_t *p, uint32_t a, uint32_t b)
{
    /* BINARY is memcmp, then the shorter first: strcmp for texts without NUL bytes. */
    return strcmp(strpool_text(p, a), strpool_text(p, b));
}

static int table_grow(strpool_t *p)
{
    uint32_t capacity = p->table_capacity ? p->table_capacity * 2 : 256;
    uint32_t *table = calloc(capacity, sizeof(uint32_t));
    if (!table)
        return DERIVE_ENOMEM;
    for (uint32_t id = 1; id < p->offsets.count; id++) {
        const char *s = strpool_text(p, id);
        uint32_t j = (uint32_t)text_hash(s, strlen(s)) & (capacity - 1);
        while (table[j])
            j = (j + 1) & (capacity - 1);
        table[j] = id;
    }
    free(p->table);
    p->table = table;
    p->table_capacity = capacity;
    return 0;
}

static uint32_t pool_add(strpool_t *p, const char *s, size_t len)
{
    if (p->size + len + 1 > UINT32_MAX)
        return TEXT_FAIL; /* offsets are 32-bit; checked before any id is taken */
    if (p->size + len + 1 > p->capacity) {
        size_t capacity = p->capacity ? p->capacity : 4096;
        while (p->size + len + 1 > capacity)
            capacity *= 2;
        char *bytes = realloc(p->bytes, capacity);
        if (!bytes)
            return TEXT_FAIL;
        p->bytes = bytes;
        p->capacity = capacity;
    }
    if (p->offsets.count == 0 && !vec_push(&p->offsets, sizeof(uint32_t)))
        return TEXT_FAIL; /* id 0 is TEXT_NULL */
    uint32_t *offset = vec_push(&p->offsets, sizeof(uint32_t));
    if (!offset)
        return TEXT_FAIL;
    *offset = (uint32_t)p->size;
    memcpy(p->bytes + p->size, s, len);
    p->bytes[p->size + len] = '\0';
    p->size += len + 1;
    return (uint32_t)(p->offsets.count - 1);
}

uint32_t strpool_intern(strpool_t *p, const char *s)
{
    if (!s)
        return TEXT_NULL;
    if ((p->offsets.count + 1) * 2 > p->table_capacity && table_grow(p) != 0)
        return TEXT_FAIL;
    size_t len = strlen(s);
    uint32_t mask = p->table_capacity - 1;
    uint32_t j = (uint32_t)text_hash(s, len) & mask;
    for (; p->table[j]; j = (j + 1) & mask)
        if (strcmp(strpool_text(p, p->table[j]), s) == 0)
            return p->table[j];
    uint32_t id = pool_add(p, s, len);
    if (id != TEXT_FAIL)
        p->table[j] = id;
    return id;
}

void strpool_free(strpool_t *p)
{
    free(p->bytes);
    vec_free(&p->offsets);
    free(p->table);
    *p = (strpool_t){0};
}
