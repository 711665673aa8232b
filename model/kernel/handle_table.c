/* handle_table.c - Handles and per-process handle tables. Port of the parts of Zircon's
 * handle.cc and process_dispatcher's handle table that the model needs.
 *
 * A handle (khandle_t) is a small record holding one reference and one handle count of its
 * object; it lives either in one process's table or "in transit" inside a channel message, so
 * that an object whose only handle is in flight keeps its peer open, as on Zircon.
 *
 * Handle values are deterministic: ((slot + 1) << 8) | (generation << 2) | 0x3. Slots are
 * reused last-freed first and each reuse bumps the slot's 6-bit generation, so a stale value
 * does not name the new handle until the generation wraps (64 reuses of one slot). The two low
 * bits are always set (ZX_HANDLE_FIXED_BITS_MASK). Upstream mixes in a per-process random
 * value; wakesim must not.
 */
#include "kernel_int.h"

#include <stdlib.h>

#define HANDLE_GEN_BITS 6u
#define HANDLE_GEN_MASK ((1u << HANDLE_GEN_BITS) - 1u)
#define HANDLE_SLOTS_MAX ((1u << 24) - 2u)

static zx_handle_t handle_value(uint32_t index, uint32_t gen)
{
    return ((index + 1u) << 8) | ((gen & HANDLE_GEN_MASK) << 2) | ZX_HANDLE_FIXED_BITS_MASK;
}

khandle_t *khandle_create(kobj_t *obj, zx_rights_t rights)
{
    khandle_t *h = kpool_alloc(&obj->k->handle_pool);
    if (!h)
        return NULL;
    h->obj = obj;
    h->rights = rights;
    kobj_ref(obj);
    obj->handle_count++;
    return h;
}

void khandle_destroy(khandle_t *h)
{
    SIM_ASSERT(h->owner == NULL);
    kobj_t *obj = h->obj;
    /* Zircon's handle deletion: cancel waits made through this handle, free it, then drop the
     * handle count (running the zero-handles step) and the reference. */
    if (kobj_is_waitable(obj))
        kobj_observers_cancel(obj, h);
    kpool_free(&obj->k->handle_pool, h);
    SIM_ASSERT(obj->handle_count > 0);
    if (--obj->handle_count == 0)
        kobj_zero_handles(obj);
    kobj_unref(obj);
}

void handle_table_init(handle_table_t *t)
{
    *t = (handle_table_t){0};
}

void handle_table_deinit(handle_table_t *t)
{
    free(t->slots);
    *t = (handle_table_t){0};
}

/* The index of a free slot (reused last-freed first, generation bumped), or UINT32_MAX. */
static uint32_t slot_take(handle_table_t *t)
{
    if (t->free_head) {
        uint32_t index = t->free_head - 1;
        t->free_head = t->slots[index].next_free;
        t->slots[index].gen++;
        return index;
    }
    if (t->count == t->capacity) {
        uint32_t cap = t->capacity ? t->capacity * 2 : 16;
        if (cap > HANDLE_SLOTS_MAX)
            return UINT32_MAX;
        handle_slot_t *slots = realloc(t->slots, cap * sizeof(*slots));
        if (!slots)
            return UINT32_MAX;
        t->slots = slots;
        t->capacity = cap;
    }
    t->slots[t->count] = (handle_slot_t){0};
    return t->count++;
}

zx_status_t handle_table_attach(kproc_t *p, khandle_t *h, zx_handle_t *out)
{
    SIM_ASSERT(h->owner == NULL);
    handle_table_t *t = &p->handles;
    uint32_t index = slot_take(t);
    if (index == UINT32_MAX)
        return ZX_ERR_NO_MEMORY;
    t->slots[index].handle = h;
    t->live++;
    h->owner = p;
    h->value = handle_value(index, t->slots[index].gen);
    if (out)
        *out = h->value;
    return ZX_OK;
}

static uint32_t slot_of(const handle_table_t *t, zx_handle_t value)
{
    if ((value & ZX_HANDLE_FIXED_BITS_MASK) != ZX_HANDLE_FIXED_BITS_MASK)
        return UINT32_MAX;
    uint32_t index = (value >> 8) - 1u; /* wraps to UINT32_MAX for value < 0x100 */
    if (index >= t->count || !t->slots[index].handle || t->slots[index].handle->value != value)
        return UINT32_MAX;
    return index;
}

khandle_t *handle_table_lookup(kproc_t *p, zx_handle_t value)
{
    uint32_t index = slot_of(&p->handles, value);
    return index == UINT32_MAX ? NULL : p->handles.slots[index].handle;
}

khandle_t *handle_table_detach(kproc_t *p, zx_handle_t value)
{
    handle_table_t *t = &p->handles;
    uint32_t index = slot_of(t, value);
    if (index == UINT32_MAX)
        return NULL;
    khandle_t *h = t->slots[index].handle;
    t->slots[index].handle = NULL;
    t->slots[index].next_free = t->free_head;
    t->free_head = index + 1;
    t->live--;
    h->owner = NULL;
    h->value = ZX_HANDLE_INVALID;
    return h;
}

void handle_table_close_all(kproc_t *p)
{
    handle_table_t *t = &p->handles;
    /* Closing a handle can run arbitrary zero-handles steps; re-read the table each time. */
    for (uint32_t i = 0; i < t->count; i++) {
        khandle_t *h = t->slots[i].handle;
        if (!h)
            continue;
        khandle_destroy(handle_table_detach(p, h->value));
    }
    SIM_ASSERT(t->live == 0);
}

zx_status_t kobj_lookup(const kctx_t *c, zx_handle_t value, zx_obj_type_t type,
                        zx_rights_t rights, khandle_t **out)
{
    khandle_t *h = handle_table_lookup(c->proc, value);
    if (!h)
        return ZX_ERR_BAD_HANDLE;
    /* "Wrong type takes precedence over access denied" (handle_table.h). */
    if (type != ZX_OBJ_TYPE_NONE && h->obj->ops->type != type)
        return ZX_ERR_WRONG_TYPE;
    if ((h->rights & rights) != rights)
        return ZX_ERR_ACCESS_DENIED;
    *out = h;
    return ZX_OK;
}

zx_status_t kobj_handle_install(const kctx_t *c, kobj_t *obj, zx_rights_t rights,
                                zx_handle_t *out)
{
    khandle_t *h = khandle_create(obj, rights);
    if (!h)
        return ZX_ERR_NO_MEMORY;
    zx_status_t st = handle_table_attach(c->proc, h, out);
    if (st != ZX_OK)
        khandle_destroy(h);
    return st;
}
