/* vmo.c - Virtual memory objects: anonymous and pager-backed VMOs holding real bytes, REFERENCE
 * and SLICE children with ZX_VMO_ZERO_CHILDREN, ZX_INFO_VMO and zx_vmo_op_range. The pager side
 * of a pager-backed VMO (page requests, supply, dirty tracking syscalls) is in pager.c.
 *
 * Pages. A root VMO (zx_vmo_create, zx_pager_create_vmo) owns its pages: an array of entries
 * sorted by page index, each a ZX_PAGE_SIZE buffer or NULL for a zero page (present but not
 * committed, as Zircon's zero-page markers), with the page's dirty state. An anonymous root
 * reads an absent page as zeros and commits a page on the first write. A pager-backed root
 * treats an absent page as not present: an access parks the thread in pager.c until the pager
 * supplies it or fails it; pages at or above `zero_offset` (the size at creation, lowered by
 * shrinking; Zircon's supply_zero_offset) are implicitly dirty zeros that need no request. The
 * memory cost is ZX_PAGE_SIZE per committed page plus a small entry per present page, bounded
 * per root by VMO_COMMITTED_PAGES_MAX (beyond it: ZX_ERR_NO_MEMORY). Ranges are walked through
 * the entries, never page by page over the whole size, so UNBOUNDED VMOs cost nothing extra.
 *
 * Children. A REFERENCE or SLICE child owns no page: it is a window (root, root_offset) and
 * every operation acts on the root. A child holds a reference to its parent; when a child
 * object is destroyed (its handles and its own children are gone and no syscall holds it), the
 * parent's num_children drops and at zero ZX_VMO_ZERO_CHILDREN is asserted again. Mappings are
 * not modelled, so no mapping can keep ZERO_CHILDREN low. Snapshot children are not modelled.
 *
 * Blocking. An access to a pager-backed VMO is a restartable syscall step (kernel_int.h, step
 * 5): vmo_prepare() loops "find the first missing run, request it, park" until every page is
 * ready, then the bytes move without parking in between, so a read sees one consistent state.
 * A suspend interrupts the park (INTR_RETRY) and the whole call is issued again after resume.
 * ZX_VMO_OP_DONT_NEED, a hint that Zircon acts on under memory pressure, evicts the clean
 * pages of a pager-backed range at once: a deterministic stand-in for reclamation.
 *
 * Determinism: entries are kept in page order and waiters in registration order; nothing here
 * depends on addresses.
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

/* Committed pages a root may hold (1 GiB): a bound on the model's memory, not Zircon's. */
#define VMO_COMMITTED_PAGES_MAX ((uint64_t)256u * 1024u)
/* Rounds of "request, park, look again" in one access: far above any real use, so hitting it
 * means the model livelocks. */
#define VMO_PREPARE_ROUNDS_MAX 100000u

_Static_assert(ZX_PAGE_SIZE == 4096u, "the model's page size is Zircon's 4 KiB");
_Static_assert(KVMO_SIZE_MAX % ZX_PAGE_SIZE == 0, "the maximum size is page aligned");

typedef enum vmo_kind {
    VMO_ROOT = 0,
    VMO_REFERENCE = 1,
    VMO_SLICE = 2,
} vmo_kind_t;

/* Dirty state of a page of a pager-backed root (Zircon's Clean / Dirty / AwaitingClean). */
typedef enum vmo_page_state {
    VMO_PAGE_CLEAN = 0,
    VMO_PAGE_DIRTY = 1,
    VMO_PAGE_AWAITING_CLEAN = 2, /* WRITEBACK_BEGIN seen; WRITEBACK_END cleans it */
} vmo_page_state_t;

/* Flags from kvmo_parse_options. */
#define VMO_FLAG_RESIZABLE   1u
#define VMO_FLAG_DISCARDABLE 2u

typedef struct vmo_page {
    uint64_t index;   /* page number in the root */
    uint8_t *data;    /* ZX_PAGE_SIZE bytes; NULL = a zero page (present, not committed) */
    uint8_t state;    /* vmo_page_state_t; always CLEAN in anonymous roots */
    bool always_need; /* ZX_VMO_OP_ALWAYS_NEED: never evicted by DONT_NEED */
} vmo_page_t;

struct kvmo {
    kobj_t obj;
    kvmo_t *parent;        /* a reference; NULL for a root */
    kvmo_t *root;          /* itself for a root; kept alive through the parent chain */
    uint64_t root_offset;  /* bytes: where this VMO's offset 0 is in the root (slices) */
    uint64_t size_bytes;   /* roots and slices; a reference shows its root's size */
    uint64_t num_children; /* child objects not yet destroyed */
    uint8_t kind;          /* vmo_kind_t */
    bool resizable;
    bool discardable;
    /* Roots only. */
    vmo_page_t *pages;     /* present pages, sorted by index */
    size_t pages_count;
    size_t pages_capacity;
    uint64_t committed_pages; /* entries with data */
    bool paged;            /* pager-backed: absent pages come from the pager */
    bool trap_dirty;       /* ZX_VMO_TRAP_DIRTY: writes to clean pages need ZX_PAGER_OP_DIRTY */
    bool modified;         /* written or resized since the last stats reset */
    uint64_t zero_offset;  /* paged: bytes; absent pages at or above it are dirty zeros */
    zx_koid_t pager_koid;  /* paged: the pager it was created from */
    kpager_src_t *source;  /* paged: the pager side; NULL once the pager is gone */
};

static void vmo_destroy(kobj_t *obj);
static void vmo_teardown(kobj_t *obj);
static zx_status_t vmo_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                size_t buffer_size, size_t *actual, size_t *avail);

static const kobj_ops_t vmo_ops = {
    .type = ZX_OBJ_TYPE_VMO,
    .default_rights = ZX_DEFAULT_VMO_RIGHTS,
    .has_name = true,
    .get_info = vmo_get_info,
    .destroy = vmo_destroy,
    .teardown = vmo_teardown,
};

kvmo_t *kvmo_from(kobj_t *obj)
{
    SIM_ASSERT(obj != NULL);
    SIM_ASSERT(obj->ops == &vmo_ops);
    return (kvmo_t *)obj;
}

/* Allocations vmo.c and pager.c may still make, -1 = no limit: a white-box knob so that tests
 * reach ZX_ERR_NO_MEMORY deterministically. Per host thread, as the current kernel. */
static _Thread_local int64_t allocs_left = -1;

void kvmo_test_set_alloc_limit(int64_t count)
{
    allocs_left = count;
}

bool kvmo_alloc_ok(void)
{
    if (allocs_left < 0)
        return true;
    if (allocs_left == 0)
        return false;
    allocs_left--;
    return true;
}

kobj_t *kvmo_obj(kvmo_t *vmo)
{
    return &vmo->obj;
}

/* ---- Ranges ---------------------------------------------------------------------------------- */

static bool in_range(uint64_t offset, uint64_t length, uint64_t size)
{
    return offset <= size && length <= size - offset;
}

static uint64_t page_floor(uint64_t bytes)
{
    return bytes / ZX_PAGE_SIZE;
}

/* Pages up to the end of `bytes`; the caller made sure it cannot overflow. */
static uint64_t page_ceil(uint64_t bytes)
{
    return bytes / ZX_PAGE_SIZE + (bytes % ZX_PAGE_SIZE != 0);
}

/* VmObject::RoundSize: OUT_OF_RANGE above the maximum, else rounded up to a page. */
static zx_status_t round_size(uint64_t size, uint64_t *out)
{
    if (size > KVMO_SIZE_MAX)
        return ZX_ERR_OUT_OF_RANGE;
    *out = page_ceil(size) * ZX_PAGE_SIZE;
    return ZX_OK;
}

uint64_t kvmo_size(const kvmo_t *vmo)
{
    return vmo->kind == VMO_REFERENCE ? vmo->root->size_bytes : vmo->size_bytes;
}

kvmo_t *kvmo_root(kvmo_t *vmo, uint64_t *root_offset)
{
    *root_offset = vmo->root_offset;
    return vmo->root;
}

zx_koid_t kvmo_pager_koid(const kvmo_t *vmo)
{
    return vmo->root->paged ? vmo->root->pager_koid : ZX_KOID_INVALID;
}

kpager_src_t *kvmo_source(const kvmo_t *root)
{
    SIM_ASSERT(root->kind == VMO_ROOT);
    return root->source;
}

void kvmo_source_closed(kvmo_t *root)
{
    SIM_ASSERT(root->paged);
    root->source = NULL;
}

zx_rights_t kvmo_default_rights(const kvmo_t *vmo)
{
    return ZX_DEFAULT_VMO_RIGHTS | (vmo->resizable ? ZX_RIGHT_RESIZE : 0);
}

/* ---- The page array -------------------------------------------------------------------------- */

/* Position of the first entry whose index is >= `index`. O(log n). */
static size_t pages_lower_bound(const kvmo_t *root, uint64_t index)
{
    size_t lo = 0, hi = root->pages_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (root->pages[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static vmo_page_t *pages_find(const kvmo_t *root, uint64_t index)
{
    size_t pos = pages_lower_bound(root, index);
    if (pos < root->pages_count && root->pages[pos].index == index)
        return &root->pages[pos];
    return NULL;
}

/* Inserts an absent page at `pos` (from pages_lower_bound) as a clean zero page; NULL on OOM. */
static vmo_page_t *pages_insert(kvmo_t *root, size_t pos, uint64_t index)
{
    SIM_ASSERT(pos <= root->pages_count);
    SIM_ASSERT(pos == root->pages_count || root->pages[pos].index > index);
    if (root->pages_count == root->pages_capacity) {
        if (!kvmo_alloc_ok())
            return NULL;
        size_t capacity = root->pages_capacity ? root->pages_capacity * 2 : 8;
        vmo_page_t *pages = realloc(root->pages, capacity * sizeof(*pages));
        if (!pages)
            return NULL;
        root->pages = pages;
        root->pages_capacity = capacity;
    }
    memmove(&root->pages[pos + 1], &root->pages[pos],
            (root->pages_count - pos) * sizeof(root->pages[0]));
    root->pages[pos] = (vmo_page_t){.index = index, .state = VMO_PAGE_CLEAN};
    root->pages_count++;
    return &root->pages[pos];
}

/* Removes the entries [pos, pos + count) and frees their buffers. */
static void pages_remove(kvmo_t *root, size_t pos, size_t count)
{
    SIM_ASSERT(pos + count <= root->pages_count);
    if (count == 0)
        return; /* also keeps memmove away from a NULL array */
    for (size_t i = pos; i < pos + count; i++) {
        if (root->pages[i].data) {
            free(root->pages[i].data);
            root->committed_pages--;
        }
    }
    memmove(&root->pages[pos], &root->pages[pos + count],
            (root->pages_count - pos - count) * sizeof(root->pages[0]));
    root->pages_count -= count;
}

/* Gives a present zero page its own zeroed buffer. */
static zx_status_t page_commit(kvmo_t *root, vmo_page_t *p)
{
    if (p->data)
        return ZX_OK;
    if (root->committed_pages >= VMO_COMMITTED_PAGES_MAX || !kvmo_alloc_ok())
        return ZX_ERR_NO_MEMORY;
    p->data = calloc(1, ZX_PAGE_SIZE);
    if (!p->data)
        return ZX_ERR_NO_MEMORY;
    root->committed_pages++;
    return ZX_OK;
}

/* The entry for page `index`, inserted as a zero page if absent; NULL on OOM. */
static vmo_page_t *page_get(kvmo_t *root, uint64_t index)
{
    size_t pos = pages_lower_bound(root, index);
    if (pos < root->pages_count && root->pages[pos].index == index)
        return &root->pages[pos];
    return pages_insert(root, pos, index);
}

/* Pages of [first, end) that a write would have to commit (absent or zero). */
static uint64_t pages_uncommitted(const kvmo_t *root, uint64_t first, uint64_t end)
{
    uint64_t committed = 0;
    for (size_t pos = pages_lower_bound(root, first);
         pos < root->pages_count && root->pages[pos].index < end; pos++)
        committed += root->pages[pos].data != NULL;
    return (end - first) - committed;
}

/* Removes every entry of [first, end). */
static void pages_drop_range(kvmo_t *root, uint64_t first, uint64_t end)
{
    size_t pos = pages_lower_bound(root, first);
    size_t stop = pos;
    while (stop < root->pages_count && root->pages[stop].index < end)
        stop++;
    pages_remove(root, pos, stop - pos);
}

static bool pages_ok(const kvmo_t *root)
{
    for (size_t i = 1; i < root->pages_count; i++) {
        if (root->pages[i - 1].index >= root->pages[i].index)
            return false;
    }
    return root->pages_count <= root->pages_capacity;
}

/* ---- Bytes ----------------------------------------------------------------------------------- */

/* Copies [offset, +length) of the root out; absent and zero pages read as zeros. */
static void bytes_read(const kvmo_t *root, uint64_t offset, uint8_t *out, size_t length)
{
    while (length > 0) {
        size_t in = (size_t)(offset % ZX_PAGE_SIZE);
        size_t n = ZX_PAGE_SIZE - in < length ? (size_t)(ZX_PAGE_SIZE - in) : length;
        const vmo_page_t *p = pages_find(root, page_floor(offset));
        if (p && p->data)
            memcpy(out, p->data + in, n);
        else
            memset(out, 0, n);
        out += n;
        offset += n;
        length -= n;
    }
}

/* Marks a page of a pager-backed root written (Zircon: clean or awaiting clean -> dirty). */
static void page_written(kvmo_t *root, vmo_page_t *p)
{
    if (root->paged) {
        p->state = VMO_PAGE_DIRTY;
        root->modified = true;
    }
}

/* Writes `in` (NULL: zeros) to [offset, +length) of the root, committing pages. The caller
 * made the pages ready (vmo_prepare) and checked the commit budget, so only a host allocation
 * failure can stop it half way (NO_MEMORY, as a real partial write). */
static zx_status_t bytes_write(kvmo_t *root, uint64_t offset, const uint8_t *in, size_t length)
{
    while (length > 0) {
        size_t at = (size_t)(offset % ZX_PAGE_SIZE);
        size_t n = ZX_PAGE_SIZE - at < length ? (size_t)(ZX_PAGE_SIZE - at) : length;
        /* Zeros over an absent anonymous page change nothing: no entry is made for it. */
        uint64_t index = page_floor(offset);
        vmo_page_t *p = in || root->paged ? page_get(root, index) : pages_find(root, index);
        if ((in || root->paged) && !p)
            return ZX_ERR_NO_MEMORY;
        if (p && (in || p->data)) {
            zx_status_t st = page_commit(root, p);
            if (st != ZX_OK)
                return st;
            if (in)
                memcpy(p->data + at, in, n);
            else
                memset(p->data + at, 0, n);
        }
        if (p)
            page_written(root, p);
        if (in)
            in += n;
        offset += n;
        length -= n;
    }
    return ZX_OK;
}

/* Whether committing [offset, +length) of the root stays within the model's budget. */
static bool commit_fits(const kvmo_t *root, uint64_t offset, uint64_t length)
{
    if (length == 0)
        return true;
    uint64_t first = page_floor(offset), end = page_ceil(offset + length);
    if (end - first > VMO_COMMITTED_PAGES_MAX)
        return false;
    return root->committed_pages + pages_uncommitted(root, first, end) <=
           VMO_COMMITTED_PAGES_MAX;
}

/* ---- Readiness of pager-backed pages --------------------------------------------------------- */

/* The first run of pages in [first, end) that a READ request must bring in: absent and below
 * zero_offset. The run stops at the next present page. */
static bool find_absent_run(const kvmo_t *root, uint64_t first, uint64_t end,
                            uint64_t *run_first, uint64_t *run_end)
{
    uint64_t zero_first = page_floor(root->zero_offset);
    if (end > zero_first)
        end = zero_first;
    size_t pos = pages_lower_bound(root, first);
    for (uint64_t cur = first; cur < end; cur++, pos++) {
        if (pos < root->pages_count && root->pages[pos].index == cur)
            continue; /* present: entries are consecutive here */
        uint64_t next = pos < root->pages_count ? root->pages[pos].index : end;
        *run_first = cur;
        *run_end = next < end ? next : end;
        return true;
    }
    return false;
}

/* The first run of pages in [first, end) that a write to a TRAP_DIRTY root must dirty first:
 * clean present pages, and absent pages at or above zero_offset [unconfirmed: Zircon traps
 * those too; pages awaiting clean are written without a request]. Every page below
 * zero_offset is present (find_absent_run came first). */
static bool find_clean_run(const kvmo_t *root, uint64_t first, uint64_t end,
                           uint64_t *run_first, uint64_t *run_end)
{
    bool in_run = false;
    size_t pos = pages_lower_bound(root, first);
    uint64_t cur = first;
    while (cur < end) {
        bool trap;
        uint64_t next;
        if (pos < root->pages_count && root->pages[pos].index == cur) {
            trap = root->pages[pos].state == VMO_PAGE_CLEAN;
            next = cur + 1;
            pos++;
        } else {
            SIM_ASSERT(cur >= page_floor(root->zero_offset));
            trap = true;
            next = pos < root->pages_count && root->pages[pos].index < end
                       ? root->pages[pos].index
                       : end;
        }
        if (trap) {
            if (!in_run)
                *run_first = cur;
            in_run = true;
            *run_end = next;
        } else if (in_run) {
            break;
        }
        cur = next;
    }
    return in_run;
}

bool kvmo_range_ready(const kvmo_t *root, uint16_t command, uint64_t offset, uint64_t length)
{
    uint64_t first = page_floor(offset), end = page_ceil(offset + length), a, b;
    if (find_absent_run(root, first, end, &a, &b))
        return false;
    if (command == ZX_PAGER_VMO_READ)
        return true;
    SIM_ASSERT(command == ZX_PAGER_VMO_DIRTY);
    return !find_clean_run(root, first, end, &a, &b);
}

/* Makes [offset, +length) of `vmo` ready for a read (present) or a write (present and, with
 * TRAP_DIRTY, dirty): requests the first missing run from the pager and parks, then looks
 * again, since the size, the pages or the pager may have changed meanwhile. Returns ZX_OK,
 * OUT_OF_RANGE, BAD_STATE (no pager), the pager's FAIL status, or INTR_RETRY / INTR_KILLED.
 * May block; the caller holds a reference to `vmo`. */
static zx_status_t vmo_prepare(const kctx_t *c, kvmo_t *vmo, uint64_t offset, uint64_t length,
                               bool write)
{
    for (uint32_t round = 0;; round++) {
        SIM_ASSERT(round < VMO_PREPARE_ROUNDS_MAX);
        if (!in_range(offset, length, kvmo_size(vmo)))
            return ZX_ERR_OUT_OF_RANGE;
        kvmo_t *root = vmo->root;
        if (!root->paged || length == 0)
            return ZX_OK;
        uint64_t start = vmo->root_offset + offset;
        uint64_t first = page_floor(start), end = page_ceil(start + length), a, b;
        uint16_t command = ZX_PAGER_VMO_READ;
        if (!find_absent_run(root, first, end, &a, &b)) {
            if (!write || !root->trap_dirty || !find_clean_run(root, first, end, &a, &b))
                return ZX_OK;
            command = ZX_PAGER_VMO_DIRTY;
        }
        if (!root->source || kpager_src_is_detached(root->source))
            return ZX_ERR_BAD_STATE;
        zx_status_t st = kpager_src_wait(c, root->source, command, a * ZX_PAGE_SIZE,
                                         (b - a) * ZX_PAGE_SIZE);
        if (st != ZX_OK)
            return st;
    }
}

/* ---- Creation and destruction ---------------------------------------------------------------- */

zx_status_t kvmo_parse_options(uint32_t options, uint64_t size, uint32_t *flags_out,
                               uint64_t *size_out)
{
    uint32_t flags = 0;
    if (options & ZX_VMO_RESIZABLE) {
        if (options & ZX_VMO_UNBOUNDED)
            return ZX_ERR_INVALID_ARGS;
        flags |= VMO_FLAG_RESIZABLE;
        options &= ~ZX_VMO_RESIZABLE;
    }
    if (options & ZX_VMO_DISCARDABLE) {
        flags |= VMO_FLAG_DISCARDABLE;
        options &= ~ZX_VMO_DISCARDABLE;
    }
    uint64_t rounded = KVMO_SIZE_MAX;
    if (options & ZX_VMO_UNBOUNDED) {
        options &= ~ZX_VMO_UNBOUNDED;
    } else {
        zx_status_t st = round_size(size, &rounded);
        if (st != ZX_OK)
            return st;
    }
    if (options)
        return ZX_ERR_INVALID_ARGS;
    if (size > rounded)
        return ZX_ERR_OUT_OF_RANGE; /* UNBOUNDED with a content size above the maximum */
    *flags_out = flags;
    *size_out = rounded;
    return ZX_OK;
}

zx_status_t kvmo_create_root(kernel_t *k, uint64_t size_bytes, uint32_t flags,
                             kpager_src_t *src, zx_koid_t pager_koid, bool trap_dirty,
                             kvmo_t **out)
{
    SIM_ASSERT(size_bytes % ZX_PAGE_SIZE == 0);
    SIM_ASSERT(size_bytes <= KVMO_SIZE_MAX);
    if (!kvmo_alloc_ok())
        return ZX_ERR_NO_MEMORY;
    kobj_t *obj;
    zx_status_t st = kobj_create(k, &vmo_ops, sizeof(kvmo_t), ZX_VMO_ZERO_CHILDREN, &obj);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo = (kvmo_t *)obj;
    vmo->root = vmo;
    vmo->kind = VMO_ROOT;
    vmo->size_bytes = size_bytes;
    vmo->resizable = (flags & VMO_FLAG_RESIZABLE) != 0;
    vmo->discardable = (flags & VMO_FLAG_DISCARDABLE) != 0;
    vmo->paged = src != NULL;
    vmo->source = src;
    vmo->pager_koid = src ? pager_koid : ZX_KOID_INVALID;
    vmo->trap_dirty = src && trap_dirty;
    vmo->zero_offset = src ? size_bytes : 0;
    *out = vmo;
    return ZX_OK;
}

static void vmo_destroy(kobj_t *obj)
{
    kvmo_t *vmo = kvmo_from(obj);
    SIM_ASSERT(vmo->num_children == 0);
    if (vmo->kind == VMO_ROOT) {
        /* VmCowPages' destruction detaches the page source: the pager gets COMPLETE. */
        if (vmo->source)
            kpager_src_vmo_gone(vmo->source);
        vmo->source = NULL;
        vmo_teardown(obj);
        return;
    }
    kvmo_t *parent = vmo->parent;
    SIM_ASSERT(parent->num_children > 0);
    /* VmObjectDispatcher::OnZeroChild: the last child gone re-asserts ZERO_CHILDREN. */
    if (--parent->num_children == 0)
        kobj_signal(&parent->obj, 0, ZX_VMO_ZERO_CHILDREN);
    vmo->parent = NULL;
    kobj_unref(&parent->obj);
}

static void vmo_teardown(kobj_t *obj)
{
    kvmo_t *vmo = kvmo_from(obj);
    for (size_t i = 0; i < vmo->pages_count; i++)
        free(vmo->pages[i].data);
    free(vmo->pages);
    vmo->pages = NULL;
    vmo->pages_count = vmo->pages_capacity = 0;
    vmo->committed_pages = 0;
}

/* Installs a handle to a new object for the caller and drops the creation reference. */
static zx_status_t install(const kctx_t *c, kvmo_t *vmo, zx_rights_t rights, zx_handle_t *out)
{
    kobj_created(&vmo->obj, c->proc->obj.koid, 0);
    zx_status_t st = kobj_handle_install(c, &vmo->obj, rights, out);
    kobj_unref(&vmo->obj);
    return st;
}

/* ---- Page operations for pager.c ------------------------------------------------------------- */

bool kvmo_trap_dirty(const kvmo_t *root)
{
    return root->trap_dirty;
}

bool kvmo_modified(kvmo_t *root, bool reset)
{
    bool modified = root->modified;
    if (reset)
        root->modified = false;
    return modified;
}

zx_status_t kvmo_check_aux(kvmo_t *aux, uint64_t offset, uint64_t length)
{
    if (aux->root->paged)
        return ZX_ERR_NOT_SUPPORTED;
    /* "aux_vmo must have been created by zx_vmo_create(), must have no children" (seed 004):
     * otherwise it is not in a state where it can supply pages [status unconfirmed]. */
    if (aux->kind != VMO_ROOT || aux->num_children > 0)
        return ZX_ERR_BAD_STATE;
    if (!in_range(offset, length, kvmo_size(aux)))
        return ZX_ERR_OUT_OF_RANGE;
    return ZX_OK;
}

/* Removes aux page `index` and returns its buffer (NULL: uncommitted or a zero page). */
static uint8_t *page_take(kvmo_t *aux, uint64_t index)
{
    size_t pos = pages_lower_bound(aux, index);
    if (pos == aux->pages_count || aux->pages[pos].index != index)
        return NULL;
    uint8_t *data = aux->pages[pos].data;
    if (data)
        aux->committed_pages--;
    aux->pages[pos].data = NULL;
    pages_remove(aux, pos, 1);
    return data;
}

zx_status_t kvmo_supply(kvmo_t *root, uint64_t offset, kvmo_t *aux_root, uint64_t aux_offset,
                        uint64_t length, uint64_t *inserted, uint64_t *skipped)
{
    SIM_ASSERT(root->paged && !aux_root->paged);
    SIM_ASSERT(offset % ZX_PAGE_SIZE == 0 && aux_offset % ZX_PAGE_SIZE == 0);
    uint64_t zero_first = page_floor(root->zero_offset);
    for (uint64_t i = 0; i < length / ZX_PAGE_SIZE; i++) {
        uint64_t index = page_floor(offset) + i;
        uint8_t *data = page_take(aux_root, page_floor(aux_offset) + i);
        size_t pos = pages_lower_bound(root, index);
        bool present = pos < root->pages_count && root->pages[pos].index == index;
        /* Present pages are not replaced; pages past zero_offset are already (dirty) zeros
         * and are skipped too [inf: Zircon does not supply beyond supply_zero_offset]. */
        if (present || index >= zero_first) {
            free(data);
            (*skipped)++;
            continue;
        }
        vmo_page_t *p = pages_insert(root, pos, index);
        if (!p) {
            free(data);
            return ZX_ERR_NO_MEMORY;
        }
        p->data = data;
        root->committed_pages += data != NULL;
        (*inserted)++;
    }
    SIM_ASSERT(pages_ok(root));
    return ZX_OK;
}

/* Clean (and awaiting clean) pages of the range become dirty; absent pages past zero_offset
 * become dirty zero pages. */
zx_status_t kvmo_dirty(kvmo_t *root, uint64_t offset, uint64_t length, uint64_t *pages)
{
    uint64_t first = page_floor(offset), end = page_ceil(offset + length), a, b;
    if (find_absent_run(root, first, end, &a, &b))
        return ZX_ERR_NOT_FOUND;
    for (uint64_t i = first; i < end; i++) {
        vmo_page_t *p = page_get(root, i);
        if (!p)
            return ZX_ERR_NO_MEMORY;
        if (p->state != VMO_PAGE_DIRTY) {
            p->state = VMO_PAGE_DIRTY;
            (*pages)++;
        }
    }
    return ZX_OK;
}

/* WRITEBACK_BEGIN gives absent pages past zero_offset an entry (they are dirty zeros), so that
 * WRITEBACK_END can clean them. */
static zx_status_t materialize_zero_tail(kvmo_t *root, uint64_t first, uint64_t end)
{
    uint64_t zero_first = page_floor(root->zero_offset);
    for (uint64_t i = first > zero_first ? first : zero_first; i < end; i++) {
        size_t pos = pages_lower_bound(root, i);
        if (pos < root->pages_count && root->pages[pos].index == i)
            continue;
        vmo_page_t *p = pages_insert(root, pos, i);
        if (!p)
            return ZX_ERR_NO_MEMORY;
        p->state = VMO_PAGE_DIRTY; /* it was an implicit dirty zero page */
    }
    return ZX_OK;
}

uint64_t kvmo_writeback(kvmo_t *root, uint64_t offset, uint64_t length, bool begin,
                        bool zero_only)
{
    uint64_t first = page_floor(offset), end = page_ceil(offset + length), changed = 0;
    if (begin && materialize_zero_tail(root, first, end) != ZX_OK)
        return 0; /* out of host memory: nothing moves to awaiting clean */
    for (size_t pos = pages_lower_bound(root, first);
         pos < root->pages_count && root->pages[pos].index < end; pos++) {
        vmo_page_t *p = &root->pages[pos];
        if (begin && p->state == VMO_PAGE_DIRTY && (!zero_only || !p->data)) {
            p->state = VMO_PAGE_AWAITING_CLEAN;
            changed++;
        } else if (!begin && p->state == VMO_PAGE_AWAITING_CLEAN) {
            p->state = VMO_PAGE_CLEAN;
            changed++;
        }
    }
    return changed;
}

/* zx_pager_query_dirty_ranges' output: records while they fit, then only a count. */
typedef struct dirty_query {
    zx_vmo_dirty_range_t *buffer;
    size_t capacity;  /* records that fit in buffer */
    size_t count;     /* records written */
    size_t total;     /* ranges found */
    bool count_all;   /* avail wanted: keep counting past a full buffer */
    bool open;        /* `cur` is a range not yet emitted */
    zx_vmo_dirty_range_t cur;
} dirty_query_t;

/* Emits the open range; false when the query may stop (buffer full and no count wanted). */
static bool dirty_flush(dirty_query_t *q)
{
    if (!q->open)
        return true;
    q->open = false;
    q->total++;
    if (q->count < q->capacity) {
        q->buffer[q->count++] = q->cur;
        return true;
    }
    return q->count_all;
}

/* Adds dirty pages [first, end), merging with the open range when contiguous and alike. */
static bool dirty_add(dirty_query_t *q, uint64_t first, uint64_t end, bool zero)
{
    uint64_t offset = first * ZX_PAGE_SIZE, length = (end - first) * ZX_PAGE_SIZE;
    uint64_t options = zero ? ZX_VMO_DIRTY_RANGE_IS_ZERO : 0;
    if (q->open && q->cur.offset + q->cur.length == offset && q->cur.options == options) {
        q->cur.length += length;
        return true;
    }
    if (!dirty_flush(q))
        return false;
    q->cur = (zx_vmo_dirty_range_t){.offset = offset, .length = length, .options = options};
    q->open = true;
    return true;
}

/* Dirty pages are DIRTY and AWAITING_CLEAN ones (not yet written back) and the absent pages
 * past zero_offset; IS_ZERO marks the ones known to be zeros (no buffer). Walks the entries,
 * so a query over an UNBOUNDED VMO costs what is present, not its size. */
void kvmo_query_dirty(const kvmo_t *root, uint64_t offset, uint64_t length,
                      zx_vmo_dirty_range_t *buffer, size_t buffer_size, size_t *actual,
                      size_t *avail)
{
    dirty_query_t q = {.buffer = buffer,
                       .capacity = buffer_size / sizeof(*buffer),
                       .count_all = avail != NULL};
    uint64_t end = page_floor(offset + length), zero_first = page_floor(root->zero_offset);
    size_t pos = pages_lower_bound(root, page_floor(offset));
    bool go = true;
    for (uint64_t cur = page_floor(offset); go && cur < end;) {
        if (pos < root->pages_count && root->pages[pos].index == cur) {
            const vmo_page_t *p = &root->pages[pos++];
            if (p->state != VMO_PAGE_CLEAN)
                go = dirty_add(&q, cur, cur + 1, p->data == NULL);
            cur++;
            continue;
        }
        uint64_t next = pos < root->pages_count && root->pages[pos].index < end
                            ? root->pages[pos].index
                            : end;
        uint64_t zero_start = cur > zero_first ? cur : zero_first;
        if (zero_start < next)
            go = dirty_add(&q, zero_start, next, true);
        cur = next;
    }
    if (go)
        dirty_flush(&q);
    *actual = q.count;
    if (avail)
        *avail = q.total;
}

/* ---- ZX_INFO_VMO ----------------------------------------------------------------------------- */

static zx_status_t vmo_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                size_t buffer_size, size_t *actual, size_t *avail)
{
    SIM_ASSERT(topic == ZX_INFO_VMO);
    const kvmo_t *vmo = kvmo_from(obj);
    zx_info_vmo_t info = {
        .koid = obj->koid,
        .size_bytes = kvmo_size(vmo),
        .parent_koid = vmo->parent ? vmo->parent->obj.koid : ZX_KOID_INVALID,
        .num_children = (size_t)vmo->num_children,
        .flags = ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE |
                 (vmo->resizable ? ZX_INFO_VMO_RESIZABLE : 0) |
                 (vmo->discardable ? ZX_INFO_VMO_DISCARDABLE : 0) |
                 (vmo->root->paged ? ZX_INFO_VMO_PAGER_BACKED : 0),
        .cache_policy = ZX_CACHE_POLICY_CACHED,
        .handle_rights = rights, /* the queried handle's [inf: VmoToInfoEntry(is_handle)] */
    };
    memcpy(info.name, obj->name, sizeof(info.name));
    /* Memory is attributed to the root only: Zircon attributes none to references, and a slice
     * shares its parent's pages [inf: VmoToInfoEntry / GetAttributedMemory]. */
    if (vmo->kind == VMO_ROOT) {
        uint64_t bytes = vmo->committed_pages * ZX_PAGE_SIZE;
        info.committed_bytes = info.populated_bytes = bytes;
        info.committed_private_bytes = info.populated_private_bytes = bytes;
        info.committed_scaled_bytes = info.populated_scaled_bytes = bytes;
    }
    return kobj_info_single(buffer, buffer_size, actual, avail, &info, sizeof(info));
}

/* ---- Syscalls -------------------------------------------------------------------------------- */

uint32_t zx_system_get_page_size(void)
{
    return (uint32_t)ZX_PAGE_SIZE;
}

/* zx_vmo_create */

static zx_status_t sys_vmo_create(const kctx_t *c, uint64_t size, uint32_t options,
                                  zx_handle_t *out, zx_koid_t *koid)
{
    if (!out)
        return ZX_ERR_INVALID_ARGS;
    uint32_t flags;
    uint64_t rounded;
    zx_status_t st = kvmo_parse_options(options, size, &flags, &rounded);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo;
    st = kvmo_create_root(c->k, rounded, flags, NULL, ZX_KOID_INVALID, false, &vmo);
    if (st != ZX_OK)
        return st;
    *koid = vmo->obj.koid;
    return install(c, vmo, kvmo_default_rights(vmo), out);
}

zx_status_t zx_vmo_create(uint64_t size, uint32_t options, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_create, ZX_HANDLE_INVALID);
    zx_koid_t koid = ZX_KOID_INVALID;
    zx_status_t st = sys_vmo_create(&call.ctx, size, options, out, &koid);
    return kcall_end(&call, st, (int64_t)size, options, (int64_t)koid, 0);
}

/* zx_vmo_read */

static zx_status_t sys_vmo_read(const kctx_t *c, zx_handle_t handle, void *buffer,
                                uint64_t offset, size_t length)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_READ, &h);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo = kvmo_from(h->obj);
    if (!in_range(offset, length, kvmo_size(vmo)))
        return ZX_ERR_OUT_OF_RANGE;
    if (length > 0 && !buffer)
        return ZX_ERR_INVALID_ARGS; /* the copy-out would fault */
    kobj_ref(&vmo->obj);
    st = vmo_prepare(c, vmo, offset, length, false);
    if (st == ZX_OK)
        bytes_read(vmo->root, vmo->root_offset + offset, buffer, length);
    kobj_unref(&vmo->obj);
    return st;
}

zx_status_t zx_vmo_read(zx_handle_t handle, void *buffer, uint64_t offset, size_t length)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_read, handle);
    zx_status_t st;
    KCALL_RESTART(&call, st, sys_vmo_read(&call.ctx, handle, buffer, offset, length));
    return kcall_end(&call, st, (int64_t)offset, (int64_t)length, 0, 0);
}

/* zx_vmo_write */

static zx_status_t sys_vmo_write(const kctx_t *c, zx_handle_t handle, const void *buffer,
                                 uint64_t offset, size_t length)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo = kvmo_from(h->obj);
    if (!in_range(offset, length, kvmo_size(vmo)))
        return ZX_ERR_OUT_OF_RANGE;
    if (length > 0 && !buffer)
        return ZX_ERR_INVALID_ARGS;
    kobj_ref(&vmo->obj);
    st = vmo_prepare(c, vmo, offset, length, true);
    uint64_t start = vmo->root_offset + offset;
    if (st == ZX_OK && !commit_fits(vmo->root, start, length))
        st = ZX_ERR_NO_MEMORY;
    if (st == ZX_OK)
        st = bytes_write(vmo->root, start, buffer, length);
    kobj_unref(&vmo->obj);
    return st;
}

zx_status_t zx_vmo_write(zx_handle_t handle, const void *buffer, uint64_t offset, size_t length)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_write, handle);
    zx_status_t st;
    KCALL_RESTART(&call, st, sys_vmo_write(&call.ctx, handle, buffer, offset, length));
    return kcall_end(&call, st, (int64_t)offset, (int64_t)length, 0, 0);
}

/* zx_vmo_get_size */

static zx_status_t sys_vmo_get_size(const kctx_t *c, zx_handle_t handle, uint64_t *size)
{
    /* No right needed: "anyone should be able to get the size" (vmo.cc). */
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_NONE, &h);
    if (st != ZX_OK)
        return st;
    if (!size)
        return ZX_ERR_INVALID_ARGS;
    *size = kvmo_size(kvmo_from(h->obj));
    return ZX_OK;
}

zx_status_t zx_vmo_get_size(zx_handle_t handle, uint64_t *size)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_get_size, handle);
    zx_status_t st = sys_vmo_get_size(&call.ctx, handle, size);
    return kcall_end(&call, st, st == ZX_OK ? (int64_t)*size : 0, 0, 0, 0);
}

/* zx_vmo_set_size */

/* Zeroes [from, end of its page) if that page holds data (VmObjectDispatcher::SetSize zeroes
 * the tail past an unaligned size). An absent page of a pager-backed root is left to the pager
 * [unconfirmed: Zircon would fault it in first]. */
static void zero_tail(kvmo_t *root, uint64_t from)
{
    if (from % ZX_PAGE_SIZE == 0)
        return;
    vmo_page_t *p = pages_find(root, page_floor(from));
    if (!p || !p->data)
        return;
    memset(p->data + from % ZX_PAGE_SIZE, 0, ZX_PAGE_SIZE - from % ZX_PAGE_SIZE);
    page_written(root, p);
}

/* Resizes a root to `rounded` bytes (page aligned); `size` is the unrounded request. */
static void root_resize(kvmo_t *root, uint64_t size, uint64_t rounded)
{
    uint64_t old = root->size_bytes;
    if (rounded < old)
        pages_drop_range(root, page_floor(rounded), page_floor(old));
    root->size_bytes = rounded;
    zero_tail(root, size);
    if (!root->paged)
        return;
    /* Pages past the old size read as zeros without the pager; shrinking lowers that line. */
    if (rounded < root->zero_offset)
        root->zero_offset = rounded;
    root->modified = true;
    if (rounded < old && root->source)
        kpager_src_recheck(root->source, rounded, old - rounded, false);
}

static zx_status_t sys_vmo_set_size(const kctx_t *c, zx_handle_t handle, uint64_t size)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo = kvmo_from(h->obj);
    /* Only a resizable VMO checks RESIZE; the others answer UNAVAILABLE (vmo.cc). */
    if (vmo->resizable && !(h->rights & ZX_RIGHT_RESIZE))
        return ZX_ERR_ACCESS_DENIED;
    if (!vmo->resizable)
        return ZX_ERR_UNAVAILABLE;
    uint64_t rounded;
    st = round_size(size, &rounded);
    if (st != ZX_OK)
        return st;
    SIM_ASSERT(vmo->kind != VMO_SLICE); /* slices are never resizable */
    root_resize(vmo->root, size, rounded);
    SIM_ASSERT(pages_ok(vmo->root));
    return ZX_OK;
}

zx_status_t zx_vmo_set_size(zx_handle_t handle, uint64_t size)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_set_size, handle);
    zx_status_t st = sys_vmo_set_size(&call.ctx, handle, size);
    return kcall_end(&call, st, (int64_t)size, 0, 0, 0);
}

/* zx_vmo_create_child */

/* CreateChildSlice's checks: page-aligned offset, the window inside the parent, no resizable
 * parent. offset + size past 2^64 is OUT_OF_RANGE (vmo_create_child.md); a window that merely
 * leaves the parent is INVALID_ARGS (vm_object_paged.cc InRange). A slice of a fixed-size
 * reference to a resizable root is refused too [unconfirmed], so a window never outlives its
 * pages. */
static zx_status_t check_slice(const kvmo_t *parent, uint32_t options, uint64_t offset,
                               uint64_t size)
{
    if (options & ~ZX_VMO_CHILD_SLICE)
        return ZX_ERR_INVALID_ARGS;
    if (offset % ZX_PAGE_SIZE != 0)
        return ZX_ERR_INVALID_ARGS;
    if (offset + size < offset)
        return ZX_ERR_OUT_OF_RANGE;
    if (!in_range(offset, size, kvmo_size(parent)))
        return ZX_ERR_INVALID_ARGS;
    if (parent->resizable || parent->root->resizable)
        return ZX_ERR_NOT_SUPPORTED;
    return ZX_OK;
}

/* CreateChildReference's checks. The RESIZE right on the parent handle for a resizable
 * reference is [unconfirmed] (vmo.fidl; vmo.cc does not check it): ACCESS_DENIED. */
static zx_status_t check_reference(const kvmo_t *parent, uint32_t options, uint64_t offset,
                                   uint64_t size, zx_rights_t rights)
{
    if (options & ~(ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE))
        return ZX_ERR_INVALID_ARGS;
    if (offset != 0 || size != 0)
        return ZX_ERR_INVALID_ARGS;
    if (parent->kind == VMO_SLICE)
        return ZX_ERR_NOT_SUPPORTED;
    if (options & ZX_VMO_CHILD_RESIZABLE) {
        if (!parent->resizable)
            return ZX_ERR_NOT_SUPPORTED;
        if (!(rights & ZX_RIGHT_RESIZE))
            return ZX_ERR_ACCESS_DENIED;
    }
    return ZX_OK;
}

/* CreateChildInternal: which kind of child, or why none. */
static zx_status_t check_child(const kvmo_t *parent, uint32_t options, uint64_t offset,
                               uint64_t size, zx_rights_t rights, vmo_kind_t *kind)
{
    if (parent->discardable)
        return ZX_ERR_NOT_SUPPORTED;
    if (options & ZX_VMO_CHILD_SLICE) {
        *kind = VMO_SLICE;
        return check_slice(parent, options, offset, size);
    }
    if (options & ZX_VMO_CHILD_REFERENCE) {
        *kind = VMO_REFERENCE;
        return check_reference(parent, options, offset, size, rights);
    }
    uint32_t snapshot = options & (ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE |
                                   ZX_VMO_CHILD_SNAPSHOT_MODIFIED);
    if (snapshot == 0 || (snapshot & (snapshot - 1)) != 0)
        return ZX_ERR_INVALID_ARGS; /* none, or more than one type */
    if (options & ~(snapshot | ZX_VMO_CHILD_RESIZABLE))
        return ZX_ERR_INVALID_ARGS;
    return ZX_ERR_NOT_SUPPORTED; /* copy-on-write children are not modelled */
}

/* Creates the child object; the caller owns its one reference. */
static zx_status_t child_create(kernel_t *k, kvmo_t *parent, vmo_kind_t kind, uint32_t options,
                                uint64_t offset, uint64_t size, kvmo_t **out)
{
    if (!kvmo_alloc_ok())
        return ZX_ERR_NO_MEMORY;
    kobj_t *obj;
    zx_status_t st = kobj_create(k, &vmo_ops, sizeof(kvmo_t), ZX_VMO_ZERO_CHILDREN, &obj);
    if (st != ZX_OK)
        return st;
    kvmo_t *child = (kvmo_t *)obj;
    child->kind = (uint8_t)kind;
    child->root = parent->root;
    child->root_offset = parent->root_offset + (kind == VMO_SLICE ? offset : 0);
    child->size_bytes = kind == VMO_SLICE ? size : 0;
    child->resizable = (options & ZX_VMO_CHILD_RESIZABLE) != 0;
    kobj_ref(&parent->obj);
    child->parent = parent;
    /* VmObjectDispatcher::CreateChild clears ZERO_CHILDREN as soon as a child exists. */
    if (parent->num_children++ == 0)
        kobj_signal(&parent->obj, ZX_VMO_ZERO_CHILDREN, 0);
    *out = child;
    return ZX_OK;
}

static zx_status_t sys_vmo_create_child(const kctx_t *c, zx_handle_t handle, uint32_t options,
                                        uint64_t offset, uint64_t size, zx_handle_t *out,
                                        zx_koid_t *koid)
{
    if (!out)
        return ZX_ERR_INVALID_ARGS;
    uint64_t rounded;
    zx_status_t st = round_size(size, &rounded);
    if (st != ZX_OK)
        return st;
    if ((options & ZX_VMO_CHILD_NO_WRITE) && (options & ZX_VMO_CHILD_RESIZABLE))
        return ZX_ERR_INVALID_ARGS;
    bool no_write = (options & ZX_VMO_CHILD_NO_WRITE) != 0;
    options &= ~ZX_VMO_CHILD_NO_WRITE;
    khandle_t *h;
    st = kobj_lookup(c, handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ, &h);
    if (st != ZX_OK)
        return st;
    kvmo_t *parent = kvmo_from(h->obj);
    zx_rights_t in_rights = h->rights;
    vmo_kind_t kind = VMO_ROOT;
    st = check_child(parent, options, offset, rounded, in_rights, &kind);
    if (st != ZX_OK)
        return st;
    kvmo_t *child;
    st = child_create(c->k, parent, kind, options, offset, rounded, &child);
    if (st != ZX_OK)
        return st;
    if (in_rights & ZX_RIGHT_GET_PROPERTY)
        kobj_set_name(&child->obj, parent->obj.name, strnlen(parent->obj.name, ZX_MAX_NAME_LEN));
    /* No more than the parent handle's rights; RESIZE only with CHILD_RESIZABLE; properties
     * always, so the child can be named (vmo.cc). */
    zx_rights_t rights = (in_rights & ~ZX_RIGHT_RESIZE) |
                         (child->resizable ? ZX_RIGHT_RESIZE : 0) | ZX_RIGHTS_PROPERTY;
    if (no_write)
        rights &= ~ZX_RIGHT_WRITE;
    *koid = child->obj.koid;
    return install(c, child, rights, out);
}

zx_status_t zx_vmo_create_child(zx_handle_t handle, uint32_t options, uint64_t offset,
                                uint64_t size, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_create_child, handle);
    zx_koid_t koid = ZX_KOID_INVALID;
    zx_status_t st = sys_vmo_create_child(&call.ctx, handle, options, offset, size, out, &koid);
    return kcall_end(&call, st, options, (int64_t)offset, (int64_t)size, (int64_t)koid);
}

/* zx_vmo_op_range */

/* COMMIT of an anonymous root: every page of the range gets a buffer. */
static zx_status_t commit_pages(kvmo_t *root, uint64_t first, uint64_t end)
{
    if (!commit_fits(root, first * ZX_PAGE_SIZE, (end - first) * ZX_PAGE_SIZE))
        return ZX_ERR_NO_MEMORY;
    for (uint64_t i = first; i < end; i++) {
        vmo_page_t *p = page_get(root, i);
        if (!p)
            return ZX_ERR_NO_MEMORY;
        zx_status_t st = page_commit(root, p);
        if (st != ZX_OK)
            return st;
    }
    return ZX_OK;
}

/* ZX_VMO_OP_ZERO of an anonymous root: whole pages are decommitted (they read as zeros), the
 * partial pages at the ends are zeroed in place. */
static void zero_anonymous(kvmo_t *root, uint64_t start, uint64_t length)
{
    uint64_t whole_first = page_ceil(start), whole_end = page_floor(start + length);
    if (whole_first < whole_end)
        pages_drop_range(root, whole_first, whole_end);
    zx_status_t st = bytes_write(root, start, NULL, (size_t)length);
    SIM_ASSERT(st == ZX_OK); /* zeros over an anonymous root never allocate */
}

/* ZX_VMO_OP_DONT_NEED on a pager-backed root: a hint that Zircon applies under memory
 * pressure. The model applies it at once and deterministically: every clean page of the range
 * below zero_offset and not marked ALWAYS_NEED is evicted (the pager must supply it again);
 * dirty pages stay. */
static uint64_t evict_clean(kvmo_t *root, uint64_t first, uint64_t end)
{
    uint64_t zero_first = page_floor(root->zero_offset), evicted = 0;
    size_t pos = pages_lower_bound(root, first);
    while (pos < root->pages_count && root->pages[pos].index < end) {
        const vmo_page_t *p = &root->pages[pos];
        if (p->state == VMO_PAGE_CLEAN && !p->always_need && p->index < zero_first) {
            pages_remove(root, pos, 1);
            evicted++;
        } else {
            pos++;
        }
    }
    return evicted;
}

static void always_need(kvmo_t *root, uint64_t first, uint64_t end)
{
    for (size_t pos = pages_lower_bound(root, first);
         pos < root->pages_count && root->pages[pos].index < end; pos++)
        root->pages[pos].always_need = true;
}

/* The page-changing ops, on [start, +length) of the root (checked against the VMO's size). */
static zx_status_t op_pages(const kctx_t *c, kvmo_t *vmo, uint32_t op, uint64_t offset,
                            uint64_t length)
{
    kvmo_t *root = vmo->root;
    uint64_t start = vmo->root_offset + offset;
    uint64_t first = page_floor(start), end = page_ceil(start + length);
    switch (op) {
    case ZX_VMO_OP_COMMIT:
    case ZX_VMO_OP_PREFETCH:
        if (root->paged)
            return vmo_prepare(c, vmo, offset, length, false);
        return op == ZX_VMO_OP_COMMIT ? commit_pages(root, first, end) : ZX_OK;
    case ZX_VMO_OP_DECOMMIT:
        pages_drop_range(root, first, end);
        return ZX_OK;
    case ZX_VMO_OP_ZERO: {
        if (!root->paged) {
            zero_anonymous(root, start, length);
            return ZX_OK;
        }
        /* "Semantically equivalent to writing 0's": on a pager-backed root it is a write. */
        zx_status_t st = vmo_prepare(c, vmo, offset, length, true);
        return st == ZX_OK ? bytes_write(root, start, NULL, (size_t)length) : st;
    }
    case ZX_VMO_OP_DONT_NEED: {
        if (!root->paged)
            return ZX_OK;
        uint64_t evicted = evict_clean(root, first, end);
        kernel_trace(c->k, KERNEL_EV_PAGE_EVICT, root->obj.koid, (int64_t)(first * ZX_PAGE_SIZE),
                     (int64_t)((end - first) * ZX_PAGE_SIZE), (int64_t)evicted, 0, ZX_OK, NULL);
        if (evicted > 0 && root->source)
            kpager_src_recheck(root->source, first * ZX_PAGE_SIZE, (end - first) * ZX_PAGE_SIZE,
                               true);
        return ZX_OK;
    }
    case ZX_VMO_OP_ALWAYS_NEED:
        always_need(root, first, end);
        return ZX_OK;
    default:
        return ZX_OK; /* cache maintenance: nothing to model */
    }
}

/* The rights each op needs (VmObjectDispatcher::RangeOp), checked before anything else;
 * INVALID_ARGS for an unknown op, NOT_SUPPORTED for ops the model has no object for. */
static zx_status_t op_check(uint32_t op, zx_rights_t rights)
{
    switch (op) {
    case ZX_VMO_OP_COMMIT:
    case ZX_VMO_OP_DECOMMIT:
    case ZX_VMO_OP_ZERO:
        return (rights & ZX_RIGHT_WRITE) ? ZX_OK : ZX_ERR_ACCESS_DENIED;
    case ZX_VMO_OP_LOCK:
    case ZX_VMO_OP_TRY_LOCK:
    case ZX_VMO_OP_UNLOCK:
        /* Only discardable VMOs lock, and they are not modelled beyond their flag. */
        return (rights & ZX_RIGHTS_IO) ? ZX_ERR_NOT_SUPPORTED : ZX_ERR_ACCESS_DENIED;
    case ZX_VMO_OP_CACHE_INVALIDATE:
        return ZX_ERR_NOT_SUPPORTED; /* needs the debugging syscalls boot option */
    case ZX_VMO_OP_CACHE_SYNC:
    case ZX_VMO_OP_CACHE_CLEAN:
    case ZX_VMO_OP_CACHE_CLEAN_INVALIDATE:
    case ZX_VMO_OP_PREFETCH:
        return (rights & ZX_RIGHT_READ) ? ZX_OK : ZX_ERR_ACCESS_DENIED;
    case ZX_VMO_OP_DONT_NEED:
    case ZX_VMO_OP_ALWAYS_NEED:
        return ZX_OK;
    default:
        return ZX_ERR_INVALID_ARGS;
    }
}

static zx_status_t sys_vmo_op_range(const kctx_t *c, zx_handle_t handle, uint32_t op,
                                    uint64_t offset, uint64_t size)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_NONE, &h);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo = kvmo_from(h->obj);
    st = op_check(op, h->rights);
    if (st != ZX_OK)
        return st;
    if (op == ZX_VMO_OP_DECOMMIT) {
        /* Only anonymous pages can be released, in whole pages [order unconfirmed]. */
        if (vmo->root->paged)
            return ZX_ERR_NOT_SUPPORTED;
        if (offset % ZX_PAGE_SIZE != 0 || size % ZX_PAGE_SIZE != 0)
            return ZX_ERR_INVALID_ARGS;
    }
    if (!in_range(offset, size, kvmo_size(vmo)))
        return ZX_ERR_OUT_OF_RANGE;
    kobj_ref(&vmo->obj);
    st = op_pages(c, vmo, op, offset, size);
    SIM_ASSERT(pages_ok(vmo->root));
    kobj_unref(&vmo->obj);
    return st;
}

zx_status_t zx_vmo_op_range(zx_handle_t handle, uint32_t op, uint64_t offset, uint64_t size,
                            void *buffer, size_t buffer_size)
{
    (void)buffer; /* only LOCK uses it, and LOCK is not modelled */
    (void)buffer_size;
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_vmo_op_range, handle);
    zx_status_t st;
    KCALL_RESTART(&call, st, sys_vmo_op_range(&call.ctx, handle, op, offset, size));
    return kcall_end(&call, st, op, (int64_t)offset, (int64_t)size, 0);
}

/* ---- Page faults (kernel_thread_touch) ------------------------------------------------------- */

/* What a fault does once the pages are ready: a write fault commits the pages and dirties them
 * (the store that follows is not modelled); a read fault maps what is there. */
static zx_status_t touch_pages(kvmo_t *vmo, uint64_t offset, uint64_t length, bool write)
{
    if (!write || length == 0)
        return ZX_OK;
    kvmo_t *root = vmo->root;
    uint64_t start = vmo->root_offset + offset;
    uint64_t first = page_floor(start), end = page_ceil(start + length);
    zx_status_t st = commit_pages(root, first, end);
    for (size_t pos = pages_lower_bound(root, first);
         st == ZX_OK && pos < root->pages_count && root->pages[pos].index < end; pos++)
        page_written(root, &root->pages[pos]);
    return st;
}

/* The fault proper: the pages ready (parking in the pager as a read does), then touched. A
 * suspend interrupts the wait and the fault is taken again after resume, as the faulting
 * instruction is re-executed. */
static zx_status_t fault(const kctx_t *c, kvmo_t *vmo, uint64_t offset, uint64_t length,
                         bool write)
{
    for (;;) {
        zx_status_t st = vmo_prepare(c, vmo, offset, length, write);
        if (st == ZX_OK)
            return touch_pages(vmo, offset, length, write);
        if (st != ZX_ERR_INTERNAL_INTR_RETRY)
            return st;
        kthread_safe_point(c); /* parks while the thread is suspended */
    }
}

zx_status_t kernel_thread_touch(zx_handle_t handle, uint64_t offset, uint64_t length, bool write)
{
    kctx_t c;
    kctx_current(&c);
    khandle_t *h;
    zx_rights_t rights = ZX_RIGHT_READ | (write ? ZX_RIGHT_WRITE : 0);
    zx_status_t st = kobj_lookup(&c, handle, ZX_OBJ_TYPE_VMO, rights, &h);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo = kvmo_from(h->obj);
    if (!in_range(offset, length, kvmo_size(vmo)))
        return ZX_ERR_OUT_OF_RANGE;
    kobj_ref(&vmo->obj);
    st = fault(&c, vmo, offset, length, write);
    zx_koid_t root_koid = vmo->root->obj.koid;
    kobj_unref(&vmo->obj);
    zx_koid_t thread_koid = c.thread ? c.thread->obj.koid : ZX_KOID_INVALID;
    kernel_trace(c.k, KERNEL_EV_PAGE_FAULT, root_koid, (int64_t)offset, (int64_t)length, write,
                 (int64_t)thread_koid, st, NULL);
    if (st == ZX_OK || !c.thread)
        return st;
    /* A fatal page fault with no exception handler: the process dies (reference 2.6). */
    if (st != ZX_ERR_INTERNAL_INTR_KILLED)
        kproc_kill(c.proc, ZX_TASK_RETCODE_EXCEPTION_KILL);
    kthread_safe_point(&c); /* the thread is killed: its task ends here */
    SIM_ASSERT(!"a killed thread returned from its safe point");
    return st;
}
