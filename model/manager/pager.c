/* pager.c - The ext4 pager: file VMOs whose pages the runner supplies from a backing "disk" VMO,
 * per the file's extents. Port of kernel_manager/src/pager.rs (misttech/fuchsia @0620b3d4, the
 * V5w revision: one global Pager serving every filesystem, port keys (filesystem id << 32 |
 * inode), and the old readahead; v6 swaps in the new readahead through m->ops->readahead).
 *
 * Threads and locks. run_pager (a task on the main executor per CreatePager) serves one Pager
 * connection: RegisterFile creates (or reuses) the pager-backed VMO of an inode and returns a
 * REFERENCE child. PAGER_THREADS ("pager-0") wait on the pager's port for page requests and
 * ZERO_CHILDREN signals. Lock rules:
 *  - `filesystems` (Pager) protects the id -> Filesystem map. The pager thread holds it while it
 *    serves a whole READ request and while it handles ZERO_CHILDREN (upstream's guard is a
 *    temporary of the statement); run_pager takes it to add or remove its filesystem.
 *  - `files_by_inode` (Filesystem) protects the inode -> PagedFile map; never held across a
 *    supply. Order: filesystems before files_by_inode.
 * Nothing here awaits while holding a lock; the pager thread blocks only in zx_port_wait.
 *
 * Deviation: upstream maps the transfer VMO and fills the mapping; mappings are not modelled,
 * so each pager thread stages bytes in a buffer of TRANSFER_VMO_SIZE and zx_vmo_writes the
 * whole pages into the transfer VMO right before zx_pager_supply_pages (SupplyHelper). The
 * extra write charges zx_vmo_write's cost where upstream has memory stores. Pager::terminate
 * (a USER packet per thread) has no caller in the runner; the pager thread still ends on a USER
 * packet as upstream's does.
 */
#include <stdio.h>
#include <string.h>

#include "manager_int.h"

#define PAGER_THREADS 1u
#define TRANSFER_VMO_SIZE ((uint64_t)1u << 20)
#define ZERO_VMO_SIZE ((uint64_t)1u << 20)
#define READAHEAD_ALIGNMENT ((uint64_t)128u * 1024u)
#define BLOCK_SIZE_MAX ((uint64_t)1u << 20)
#define PAGE_SIZE ZX_PAGE_SIZE /* *starnix_core::mm::PAGE_SIZE */

/* PagedFile, shared (Arc) between the map and whoever is using it. */
typedef struct paged_file {
    uint32_t refs;
    zx_handle_t vmo;                /* the pager-backed VMO; children are handed out */
    fidl_pager_extent_t *extents;   /* sorted, not overlapping; holes read as zeros */
    size_t extent_count;
} paged_file_t;

typedef struct file_entry {
    uint32_t inode;
    paged_file_t *file;
} file_entry_t;

typedef struct filesystem {
    uint32_t refs;                  /* Arc<Filesystem>: run_pager and the Pager's map */
    pager_t *pager;
    zx_handle_t backing_vmo;
    uint64_t block_size;            /* bytes, a power of two <= 1 MiB */
    kmutex_t files_by_inode_lock;
    file_entry_t *files;            /* files_by_inode, in insertion order */
    size_t file_count, file_capacity;
    uint32_t id;                    /* from 1; the high half of the port keys */
} filesystem_t;

struct pager {
    manager_t *m;
    zx_handle_t pager;
    zx_handle_t port;
    zx_handle_t zero_vmo;           /* never written: whole zero pages are supplied from it */
    uint32_t next_filesystem_id;
    kmutex_t filesystems_lock;
    filesystem_t **filesystems;
    size_t filesystem_count, filesystem_capacity;
};

/* SupplyHelper: stages partial pages, supplies whole ones. */
typedef struct supply_helper {
    zx_handle_t transfer_vmo;
    uint8_t *buffer;                /* the "mapping" of the transfer VMO (see the deviation) */
    zx_handle_t target_vmo;
    uint64_t offset;                /* next byte of the target to supply */
    pager_t *pager;
    uint64_t page_size;
    size_t buf_len;                 /* bytes staged in buffer */
} supply_helper_t;

/* ---- PagedFile and Filesystem lifetimes ----------------------------------------------------- */

static void file_unref(manager_t *m, paged_file_t *file)
{
    if (--file->refs > 0)
        return;
    zx_handle_close(file->vmo);
    manager_free(m, file->extents);
    manager_free(m, file);
}

static void filesystem_unref(manager_t *m, filesystem_t *fs)
{
    if (--fs->refs > 0)
        return;
    for (size_t i = 0; i < fs->file_count; i++)
        file_unref(m, fs->files[i].file);
    zx_handle_close(fs->backing_vmo);
    manager_free(m, fs->files);
    manager_free(m, fs);
}

static file_entry_t *find_file(filesystem_t *fs, uint32_t inode)
{
    for (size_t i = 0; i < fs->file_count; i++) {
        if (fs->files[i].inode == inode)
            return &fs->files[i];
    }
    return NULL;
}

static void remove_file(manager_t *m, filesystem_t *fs, uint32_t inode)
{
    file_entry_t *entry = find_file(fs, inode);
    if (!entry)
        return;
    paged_file_t *file = entry->file;
    size_t index = (size_t)(entry - fs->files);
    memmove(&fs->files[index], &fs->files[index + 1],
            (fs->file_count - index - 1) * sizeof(*fs->files));
    fs->file_count--;
    file_unref(m, file);
}

/* ---- Pager ---------------------------------------------------------------------------------- */

static void set_name(zx_handle_t h, const char *name)
{
    zx_object_set_property(h, ZX_PROP_NAME, name, strnlen(name, ZX_MAX_NAME_LEN - 1));
}

/* Port of Pager::new() in pager.rs; NULL for Err(EINVAL). */
pager_t *pager_new(manager_t *m)
{
    pager_t *pager = manager_alloc(m, sizeof(*pager));
    pager->m = m;
    pager->next_filesystem_id = 1;
    kmutex_init(&pager->filesystems_lock, "filesystems");
    zx_status_t st = zx_pager_create(0, &pager->pager);
    if (st != ZX_OK) {
        MANAGER_ERROR("Pager::create failed: %s", zx_status_get_string(st));
        manager_free(m, pager);
        return NULL;
    }
    if (zx_port_create(0, &pager->port) != ZX_OK)
        MANAGER_PANIC("zx::Port::create failed");
    st = zx_vmo_create(ZERO_VMO_SIZE, 0, &pager->zero_vmo);
    if (st != ZX_OK) {
        zx_handle_close(pager->pager);
        zx_handle_close(pager->port);
        manager_free(m, pager);
        return NULL;
    }
    set_name(pager->zero_vmo, "starnix:ext4");
    return pager;
}

/* Port of Pager::add_filesystem() (the id came from allocate_filesystem_id in
 * filesystem_new). */
static void add_filesystem(pager_t *pager, filesystem_t *fs)
{
    manager_t *m = pager->m;
    kmutex_lock(&pager->filesystems_lock);
    if (pager->filesystem_count == pager->filesystem_capacity) {
        pager->filesystem_capacity = pager->filesystem_capacity ? pager->filesystem_capacity * 2
                                                                : 4;
        pager->filesystems = manager_realloc(
            m, pager->filesystems, pager->filesystem_capacity * sizeof(*pager->filesystems));
    }
    fs->refs++;
    pager->filesystems[pager->filesystem_count++] = fs;
    kmutex_unlock(&pager->filesystems_lock);
}

static filesystem_t *find_filesystem(pager_t *pager, uint32_t id, size_t *index)
{
    for (size_t i = 0; i < pager->filesystem_count; i++) {
        if (pager->filesystems[i]->id == id) {
            if (index)
                *index = i;
            return pager->filesystems[i];
        }
    }
    return NULL;
}

/* Port of Pager::remove_filesystem(). */
static void remove_filesystem(pager_t *pager, filesystem_t *fs)
{
    kmutex_lock(&pager->filesystems_lock);
    size_t index;
    if (find_filesystem(pager, fs->id, &index)) {
        memmove(&pager->filesystems[index], &pager->filesystems[index + 1],
                (pager->filesystem_count - index - 1) * sizeof(*pager->filesystems));
        pager->filesystem_count--;
        filesystem_unref(pager->m, fs);
    }
    kmutex_unlock(&pager->filesystems_lock);
}

size_t pager_file_count(const pager_t *pager)
{
    size_t count = 0;
    for (size_t i = 0; i < pager->filesystem_count; i++)
        count += pager->filesystems[i]->file_count;
    return count;
}

/* ---- SupplyHelper --------------------------------------------------------------------------- */

/* Port of SupplyHelper::supply_pages(): flushes whole pages. Deviation: they are first written
 * into the transfer VMO (upstream writes through its mapping). */
static zx_status_t supply_pages(supply_helper_t *sh)
{
    if (sh->buf_len < sh->page_size)
        return ZX_OK;
    size_t len = sh->buf_len - sh->buf_len % sh->page_size;
    zx_status_t st = zx_vmo_write(sh->transfer_vmo, sh->buffer, 0, len);
    if (st != ZX_OK)
        return st;
    st = zx_pager_supply_pages(sh->pager->pager, sh->target_vmo, sh->offset, len,
                               sh->transfer_vmo, 0);
    if (st != ZX_OK)
        return st;
    /* Move any remaining data to the beginning of the buffer. */
    memmove(sh->buffer, sh->buffer + len, sh->buf_len - len);
    sh->buf_len -= len;
    sh->offset += len;
    return ZX_OK;
}

/* Port of SupplyHelper::zero(): the partial page in the buffer, whole pages from the zero VMO,
 * then the remaining partial page in the buffer. */
static zx_status_t supply_zero(supply_helper_t *sh, uint64_t len)
{
    uint64_t unaligned = sh->buf_len % sh->page_size;
    if (unaligned > 0) {
        uint64_t amount = sh->page_size - unaligned < len ? sh->page_size - unaligned : len;
        memset(sh->buffer + sh->buf_len, 0, amount);
        sh->buf_len += amount;
        len -= amount;
        zx_status_t st = supply_pages(sh);
        if (st != ZX_OK)
            return st;
    }
    while (len >= sh->page_size) {
        uint64_t amount = len >= ZERO_VMO_SIZE ? ZERO_VMO_SIZE : len - len % sh->page_size;
        zx_status_t st = zx_pager_supply_pages(sh->pager->pager, sh->target_vmo, sh->offset,
                                               amount, sh->pager->zero_vmo, 0);
        if (st != ZX_OK)
            return st;
        sh->offset += amount;
        len -= amount;
    }
    memset(sh->buffer + sh->buf_len, 0, len);
    sh->buf_len += len;
    return ZX_OK;
}

/* Port of SupplyHelper::fill_buf() with receive_pager_packet's closure: reads as much of
 * `wanted` as the buffer takes from the backing VMO at `phys_offset`. */
static zx_status_t fill_buf(supply_helper_t *sh, zx_handle_t backing_vmo, uint64_t phys_offset,
                            uint64_t wanted, uint64_t *amount)
{
    uint64_t room = TRANSFER_VMO_SIZE - sh->buf_len;
    *amount = room < wanted ? room : wanted;
    zx_status_t st = zx_vmo_read(backing_vmo, sh->buffer + sh->buf_len, phys_offset, *amount);
    if (st != ZX_OK)
        return st;
    sh->buf_len += *amount;
    return supply_pages(sh);
}

/* Port of SupplyHelper::finish(): zeroes out to at least `end`, then pads to a page boundary
 * and supplies those pages. */
static zx_status_t supply_finish(supply_helper_t *sh, uint64_t end)
{
    uint64_t byte_offset = sh->offset + sh->buf_len;
    if (end < byte_offset)
        end = byte_offset;
    end = end + sh->page_size - 1;
    end -= end % sh->page_size;
    return supply_zero(sh, end - byte_offset);
}

/* Port of SupplyHelper::fail_to(): fails the request up to `end`; the pager is fussy about
 * statuses, so it is always IO. */
static void supply_fail_to(supply_helper_t *sh, uint64_t end, zx_status_t error)
{
    if (sh->offset >= end)
        return;
    MANAGER_WARN("Failing page-in, range: %llu..%llu: %s", (unsigned long long)sh->offset,
                 (unsigned long long)end, zx_status_get_string(error));
    zx_status_t st = zx_pager_op_range(sh->pager->pager, ZX_PAGER_OP_FAIL, sh->target_vmo,
                                       sh->offset, end - sh->offset,
                                       (uint64_t)(int64_t)ZX_ERR_IO);
    if (st != ZX_OK)
        MANAGER_ERROR("Failed to report error: %s", zx_status_get_string(st));
    sh->offset = end;
    sh->buf_len = 0;
}

/* ---- Filesystem ----------------------------------------------------------------------------- */

/* Port of Filesystem::new(): NULL for EINVAL ("Bad block size"). Takes `backing_vmo`. */
static filesystem_t *filesystem_new(pager_t *pager, zx_handle_t backing_vmo,
                                    uint64_t block_size)
{
    manager_t *m = pager->m;
    if (block_size > BLOCK_SIZE_MAX || block_size == 0 || (block_size & (block_size - 1))) {
        MANAGER_ERROR("Unable to register filesystem EINVAL: Bad block size %llu",
                      (unsigned long long)block_size);
        zx_handle_close(backing_vmo);
        return NULL;
    }
    filesystem_t *fs = manager_alloc(m, sizeof(*fs));
    *fs = (filesystem_t){.refs = 1, .pager = pager, .backing_vmo = backing_vmo,
                         .block_size = block_size, .id = pager->next_filesystem_id++};
    kmutex_init(&fs->files_by_inode_lock, "files_by_inode");
    return fs;
}

/* Port of Filesystem::port_key_for_inode(): (id << 32) | inode. */
static uint64_t port_key_for_inode(const filesystem_t *fs, uint32_t inode)
{
    return ((uint64_t)fs->id << 32) | inode;
}

/* Port of Filesystem::watch_for_zero_children(). */
static zx_status_t watch_for_zero_children(filesystem_t *fs, zx_handle_t vmo, uint32_t inode)
{
    return zx_object_wait_async(vmo, fs->pager->port, port_key_for_inode(fs, inode),
                                ZX_VMO_ZERO_CHILDREN, 0);
}

/* Inserts a new PagedFile for `inode` (caller holds files_by_inode). */
static paged_file_t *insert_file(manager_t *m, filesystem_t *fs, uint32_t inode,
                                 zx_handle_t vmo, fidl_pager_extent_t *extents, size_t count)
{
    paged_file_t *file = manager_alloc(m, sizeof(*file));
    *file = (paged_file_t){.refs = 1, .vmo = vmo, .extents = extents, .extent_count = count};
    if (fs->file_count == fs->file_capacity) {
        fs->file_capacity = fs->file_capacity ? fs->file_capacity * 2 : 8;
        fs->files = manager_realloc(m, fs->files, fs->file_capacity * sizeof(*fs->files));
    }
    fs->files[fs->file_count++] = (file_entry_t){.inode = inode, .file = file};
    return file;
}

/* Port of Filesystem::register(): returns a REFERENCE child of the inode's VMO. Takes
 * `extents` (manager_alloc'd). */
static zx_status_t filesystem_register(filesystem_t *fs, const char *name, uint32_t inode,
                                       uint64_t size, fidl_pager_extent_t *extents,
                                       size_t extent_count, zx_handle_t *out)
{
    manager_t *m = fs->pager->m;
    kmutex_lock(&fs->files_by_inode_lock);
    file_entry_t *entry = find_file(fs, inode);
    paged_file_t *file;
    bool did_create = entry == NULL;
    if (entry) {
        file = entry->file; /* Entry::Occupied: clone the Arc; the new extents are dropped */
        manager_free(m, extents);
    } else {
        zx_handle_t vmo;
        zx_status_t st = zx_pager_create_vmo(fs->pager->pager, ZX_VMO_RESIZABLE, fs->pager->port,
                                             port_key_for_inode(fs, inode), size, &vmo);
        if (st != ZX_OK) {
            kmutex_unlock(&fs->files_by_inode_lock); /* create_pager_vmo(...)? */
            manager_free(m, extents);
            return st;
        }
        file = insert_file(m, fs, inode, vmo, extents, extent_count);
    }
    file->refs++;
    kmutex_unlock(&fs->files_by_inode_lock);

    zx_handle_t child = ZX_HANDLE_INVALID;
    zx_status_t child_st = zx_vmo_create_child(file->vmo, ZX_VMO_CHILD_REFERENCE, 0, 0, &child);
    if (did_create) {
        zx_status_t st = watch_for_zero_children(fs, file->vmo, inode);
        if (st == ZX_OK) {
            /* format!("ext4!{}", name) cut by Name::new_lossy to ZX_MAX_NAME_LEN - 1. */
            char vmo_name[ZX_MAX_NAME_LEN];
            size_t prefix = strlen("ext4!");
            memcpy(vmo_name, "ext4!", prefix);
            size_t n = strnlen(name, ZX_MAX_NAME_LEN - 1 - prefix);
            memcpy(vmo_name + prefix, name, n);
            st = zx_object_set_property(file->vmo, ZX_PROP_NAME, vmo_name, prefix + n);
        }
        if (st != ZX_OK) {
            kmutex_lock(&fs->files_by_inode_lock);
            remove_file(m, fs, inode);
            kmutex_unlock(&fs->files_by_inode_lock);
            zx_handle_close(child);
            file_unref(m, file);
            return st;
        }
    }
    file_unref(m, file);
    if (child_st != ZX_OK)
        return child_st;
    *out = child;
    return ZX_OK;
}

/* The index of the first extent whose logical end is past `block` (partition_point). */
static size_t first_extent(const paged_file_t *file, uint32_t block)
{
    size_t lo = 0, hi = file->extent_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (file->extents[mid].logical_end <= block)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Supplies one extent's bytes in [*offset, end); false after a failure (already reported). */
static bool supply_extent(filesystem_t *fs, supply_helper_t *sh,
                          const fidl_pager_extent_t *extent, uint64_t *offset, uint64_t end,
                          uint64_t fail_end)
{
    uint64_t logical_start = (uint64_t)extent->logical_start * fs->block_size;
    while (*offset < end) {
        uint64_t phys_offset =
            extent->physical_block * fs->block_size + *offset - logical_start;
        uint64_t amount;
        zx_status_t st = fill_buf(sh, fs->backing_vmo, phys_offset, end - *offset, &amount);
        if (st != ZX_OK) {
            supply_fail_to(sh, fail_end, st);
            return false;
        }
        /* We don't need the pages in the backing VMO any more; errors don't matter (a hint). */
        zx_vmo_op_range(fs->backing_vmo, ZX_VMO_OP_DONT_NEED, phys_offset, amount, NULL, 0);
        *offset += amount;
    }
    return true;
}

/* The supply loop of receive_pager_packet over the window `w`. */
static void supply_window(filesystem_t *fs, paged_file_t *file, supply_helper_t *sh,
                          const pager_window_t *w)
{
    uint64_t offset = w->start;
    size_t ix = first_extent(file, (uint32_t)(w->start / fs->block_size));
    while (ix < file->extent_count && offset < w->readahead_end) {
        const fidl_pager_extent_t *extent = &file->extents[ix];
        uint64_t logical_start = (uint64_t)extent->logical_start * fs->block_size;
        if (offset < logical_start) { /* a hole */
            zx_status_t st = supply_zero(sh, logical_start - offset);
            if (st != ZX_OK) {
                supply_fail_to(sh, w->finish_end, st);
                return;
            }
            offset = logical_start;
        }
        uint64_t end = (uint64_t)extent->logical_end * fs->block_size;
        if (end > w->readahead_end)
            end = w->readahead_end;
        if (!supply_extent(fs, sh, extent, &offset, end, w->finish_end))
            return;
        ix++;
    }
    /* Old readahead: zeroes only to the requested end, never the readahead past the last
     * extent (the end of the file is not known without asking the VMO's size). */
    zx_status_t st = supply_finish(sh, w->finish_end);
    if (st != ZX_OK)
        supply_fail_to(sh, w->finish_end, st);
}

/* receive_pager_packet's readahead of pager.rs @0620b3d4: reads are made multiples of 128 KiB
 * long from the requested start, not clamped to the VMO size (R17 d). */
bool pager_readahead_old(zx_handle_t pager, zx_handle_t vmo, uint64_t offset, uint64_t length,
                         pager_window_t *out)
{
    (void)pager, (void)vmo;
    uint64_t end = offset + length;
    uint64_t unaligned = length % READAHEAD_ALIGNMENT;
    uint64_t readahead_end = unaligned > 0 ? end - unaligned + READAHEAD_ALIGNMENT : end;
    *out = (pager_window_t){.start = offset, .readahead_end = readahead_end, .finish_end = end};
    return true;
}

/* Port of Filesystem::receive_pager_packet(). An inode no longer registered is ignored: no
 * supply, no failure, so its reader stays blocked (R17 a). */
static void receive_pager_packet(filesystem_t *fs, uint32_t inode,
                                 const zx_packet_page_request_t *request,
                                 zx_handle_t transfer_vmo, uint8_t *buffer)
{
    manager_t *m = fs->pager->m;
    kmutex_lock(&fs->files_by_inode_lock);
    file_entry_t *entry = find_file(fs, inode);
    paged_file_t *file = entry ? entry->file : NULL;
    if (file)
        file->refs++; /* .cloned(); the guard drops at the end of the statement */
    kmutex_unlock(&fs->files_by_inode_lock);
    if (!file)
        return;
    pager_window_t w;
    if (m->ops->readahead(fs->pager->pager, file->vmo, request->offset, request->length, &w)) {
        supply_helper_t sh = {.transfer_vmo = transfer_vmo,
                              .buffer = buffer,
                              .target_vmo = file->vmo,
                              .offset = w.start,
                              .pager = fs->pager,
                              .page_size = PAGE_SIZE};
        supply_window(fs, file, &sh, &w);
    }
    file_unref(m, file);
}

/* Port of Filesystem::on_zero_children(): a true signal removes the entry, a spurious one
 * (a child was created since) re-arms the wait. */
static void on_zero_children(filesystem_t *fs, uint32_t inode)
{
    manager_t *m = fs->pager->m;
    kmutex_lock(&fs->files_by_inode_lock);
    file_entry_t *entry = find_file(fs, inode);
    if (entry) {
        zx_info_vmo_t info;
        zx_status_t st = zx_object_get_info(entry->file->vmo, ZX_INFO_VMO, &info, sizeof(info),
                                            NULL, NULL);
        if (st != ZX_OK) {
            MANAGER_ERROR("Vmo::info failed: %s", zx_status_get_string(st));
        } else if (info.num_children == 0) {
            remove_file(m, fs, inode); /* a true signal */
        } else {
            st = watch_for_zero_children(fs, entry->file->vmo, inode);
            if (st != ZX_OK)
                MANAGER_ERROR("watch_for_zero_children failed: %s", zx_status_get_string(st));
        }
    }
    kmutex_unlock(&fs->files_by_inode_lock);
}

/* ---- The pager threads ---------------------------------------------------------------------- */

static void on_page_read(pager_t *pager, const zx_port_packet_t *packet,
                         zx_handle_t transfer_vmo, uint8_t *buffer)
{
    manager_trace_duration(MANAGER_EV_PAGER_VMO_READ, 0, 0, NULL, true);
    uint32_t filesystem_num = (uint32_t)(packet->key >> 32), inode = (uint32_t)packet->key;
    kmutex_lock(&pager->filesystems_lock); /* held through the whole supply */
    filesystem_t *fs = find_filesystem(pager, filesystem_num, NULL);
    if (!fs)
        MANAGER_PANIC("Unexpected packet key");
    receive_pager_packet(fs, inode, &packet->page_request, transfer_vmo, buffer);
    kmutex_unlock(&pager->filesystems_lock);
    manager_trace_duration(MANAGER_EV_PAGER_VMO_READ, 0, 0, NULL, false);
}

static void on_zero_children_packet(pager_t *pager, const zx_port_packet_t *packet)
{
    manager_trace_duration(MANAGER_EV_PAGER_ZERO_CHILDREN, 0, 0, NULL, true);
    uint32_t filesystem_num = (uint32_t)(packet->key >> 32), inode = (uint32_t)packet->key;
    /* ZERO_CHILDREN may come for files of a filesystem already unmounted: ignored. */
    kmutex_lock(&pager->filesystems_lock);
    filesystem_t *fs = find_filesystem(pager, filesystem_num, NULL);
    if (fs)
        on_zero_children(fs, inode);
    kmutex_unlock(&pager->filesystems_lock);
    manager_trace_duration(MANAGER_EV_PAGER_ZERO_CHILDREN, 0, 0, NULL, false);
}

/* Port of Pager::run_pager_thread(). */
static void run_pager_thread(void *arg)
{
    pager_t *pager = arg;
    manager_t *m = pager->m;
    zx_handle_t transfer_vmo;
    if (zx_vmo_create(TRANSFER_VMO_SIZE, 0, &transfer_vmo) != ZX_OK)
        MANAGER_PANIC("unable to create transfer vmo");
    set_name(transfer_vmo, "starnix:ext4");
    uint8_t *buffer = manager_alloc(m, TRANSFER_VMO_SIZE); /* the mapping (deviation) */
    for (;;) {
        zx_port_packet_t packet;
        zx_status_t st = zx_port_wait(pager->port, ZX_TIME_INFINITE, &packet);
        if (st != ZX_OK) {
            MANAGER_ERROR("Port::wait failed: %s", zx_status_get_string(st));
            continue;
        }
        if (packet.type == ZX_PKT_TYPE_PAGE_REQUEST &&
            packet.page_request.command == ZX_PAGER_VMO_READ) {
            on_page_read(pager, &packet, transfer_vmo, buffer);
        } else if (packet.type == ZX_PKT_TYPE_PAGE_REQUEST &&
                   packet.page_request.command == ZX_PAGER_VMO_COMPLETE) {
            /* Not needed, but it comes and must not be logged as unexpected. */
            manager_trace_duration(MANAGER_EV_PAGER_VMO_COMPLETE, 0, 0, NULL, true);
            manager_trace_duration(MANAGER_EV_PAGER_VMO_COMPLETE, 0, 0, NULL, false);
        } else if (packet.type == ZX_PKT_TYPE_SIGNAL_ONE &&
                   (packet.signal.observed & ZX_VMO_ZERO_CHILDREN)) {
            on_zero_children_packet(pager, &packet);
        } else if (packet.type == ZX_PKT_TYPE_USER) {
            break; /* Pager::terminate */
        } else {
            MANAGER_ERROR("Unexpected port packet: type %u", packet.type);
        }
    }
    MANAGER_DEBUG("Pager thread terminating");
    manager_free(m, buffer);
    zx_handle_close(transfer_vmo);
}

/* Port of Pager::start_threads(): `let _ = std::thread::Builder::new().name(...).spawn(..)`. */
void pager_start_threads(pager_t *pager)
{
    for (uint32_t i = 0; i < PAGER_THREADS; i++) {
        char name[ZX_MAX_NAME_LEN];
        snprintf(name, sizeof(name), "pager-%u", i);
        kernel_thread_opts_t opts = {.daemon = true};
        zx_handle_t thread;
        if (kernel_thread_create(pager->m->self_process, name, run_pager_thread, pager, &opts,
                                 &thread) == ZX_OK)
            zx_handle_close(thread);
    }
}

/* ---- run_pager ------------------------------------------------------------------------------ */

/* One RegisterFile with every field: register, then reply. Returns false to end the loop. */
static bool on_register_file(filesystem_t *fs, manager_responder_t *responder,
                             fidl_register_file_req_t *req)
{
    manager_t *m = fs->pager->m;
    manager_trace_instant(MANAGER_EV_PAGER_FILE_REGISTER, 0, req->name);
    fidl_pager_extent_t *extents =
        manager_alloc(m, (req->extent_count + 1) * sizeof(*extents));
    if (req->extent_count)
        memcpy(extents, req->extents, req->extent_count * sizeof(*extents));
    fidl_register_file_resp_t resp = {0};
    zx_status_t st = filesystem_register(fs, req->name, req->inode_num, req->size, extents,
                                         req->extent_count, &resp.vmo);
    if (st != ZX_OK) {
        resp.is_error = true;
        resp.error = st; /* e.into_raw() */
    }
    st = manager_responder_send_register_file(responder, &resp);
    if (st != ZX_OK) {
        MANAGER_ERROR("Error sending pager %sresponse: %s", resp.is_error ? "error " : "",
                      zx_status_get_string(st));
        return false;
    }
    return true;
}

/* Port of run_pager() in pager.rs: serves one Pager connection. Consumes the request. */
void run_pager(manager_t *m, fidl_create_pager_req_t *req, pager_t *pager)
{
    if (!req->backing_vmo || !req->has_block_size || !req->pager) {
        MANAGER_ERROR("Invalid create pager request");
        fidl_create_pager_req_close(req);
        return;
    }
    filesystem_t *fs = filesystem_new(pager, req->backing_vmo, req->block_size);
    req->backing_vmo = ZX_HANDLE_INVALID;
    if (!fs) {
        fidl_create_pager_req_close(req); /* the server end drops: the client sees it close */
        return;
    }
    add_filesystem(pager, fs);
    manager_conn_t *conn = manager_conn_create(m, req->pager);
    req->pager = ZX_HANDLE_INVALID;
    for (;;) {
        fidl_message_t msg;
        if (manager_conn_next(conn, &msg) != ZX_OK) /* while let Ok(Some(event)) = ... */
            break;
        if (msg.header.ordinal != FIDL_PAGER_REGISTER_FILE) {
            fidl_message_close(&msg); /* `_ => {}` */
            continue;
        }
        fidl_register_file_req_t file_req;
        if (fidl_register_file_req_decode(&msg, &file_req) != ZX_OK)
            break; /* an Err from the stream ends the loop */
        manager_responder_t responder = manager_responder_make(conn, &msg);
        bool more;
        if (file_req.has_name && file_req.has_inode_num && file_req.has_size &&
            file_req.has_extents) {
            more = on_register_file(fs, &responder, &file_req);
        } else {
            MANAGER_ERROR("Invalid RegisterFile request");
            manager_responder_drop(&responder);
            more = false;
        }
        fidl_register_file_req_close(&file_req);
        if (!more)
            break;
    }
    remove_filesystem(pager, fs);
    manager_conn_unref(conn);
    filesystem_unref(m, fs);
}
