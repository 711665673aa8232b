/* files.c - Pager-backed files: the backing disk, the Starnix kernel mounting its filesystem
 * through the runner's pager (CreatePager, Pager.RegisterFile, reference 4.10), and container
 * threads reading those files (a read of a page not yet supplied blocks on the pager).
 *
 * The disk is a VMO filled at setup with a deterministic pattern: byte i of block b is
 * (b * 31 + i) & 0xff, except where `block_text` puts bytes at the start of a block. Thread
 * "fs_mount" of starnix_kernel sends CreatePager (one-way, the disk VMO moved in) and then one
 * RegisterFile per file on the Pager connection, which it keeps open (closing it drops the
 * filesystem in V5w). When every file is registered it signals the "mounted" event and hands a
 * duplicate of each file VMO to the platform's launcher (process.c starts READER threads of
 * Linux processes with them; on a device those threads fault through the Starnix kernel's
 * mappings instead).
 *
 * A "read_file" action runs in a new thread "read:<file>" of starnix_kernel: it waits until
 * the files are mounted, then zx_vmo_read on the file's VMO. Every read is recorded with its
 * status, FNV-1a checksum and first bytes.
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Disk ------------------------------------------------------------------------------------ */

static void disk_fill(uint8_t *data, const world_disk_config_t *d)
{
    for (uint64_t b = 0; b < d->block_count; b++) {
        uint8_t *block = data + b * d->block_size;
        for (uint64_t i = 0; i < d->block_size; i++)
            block[i] = (uint8_t)((b * 31 + i) & 0xff);
        const char *text = b < d->block_text_count ? d->block_text[b] : NULL;
        if (text) {
            size_t n = strlen(text);
            memcpy(block, text, n < d->block_size ? n : d->block_size);
        }
    }
}

static zx_handle_t disk_create(const world_disk_config_t *d)
{
    uint64_t size = d->block_size * d->block_count;
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t st = zx_vmo_create(size, 0, &vmo);
    SIM_ASSERT(st == ZX_OK);
    if (size) {
        uint8_t *data = world_alloc(size);
        disk_fill(data, d);
        st = zx_vmo_write(vmo, data, 0, size);
        SIM_ASSERT(st == ZX_OK);
        free(data);
    }
    return vmo;
}

/* ---- Mount (starnix_kernel) ------------------------------------------------------------------ */

static void create_pager(world_t *w, zx_handle_t server)
{
    fidl_create_pager_req_t req = {.backing_vmo = w->files.disk, .pager = server};
    w->files.disk = ZX_HANDLE_INVALID;
    req.has_block_size = true;
    req.block_size = w->cfg->disk.block_size;
    zx_handle_t ch = world_connect(w->kside.svc, MANAGER_PROTOCOL);
    if (ch != ZX_HANDLE_INVALID)
        (void)fidl_create_pager_req_write(ch, 0, &req);
    fidl_create_pager_req_close(&req);
    zx_handle_close(ch);
}

/* RegisterFile for file i; returns its status and sets vmos[i] on success. */
static zx_status_t register_file(world_t *w, size_t i)
{
    const world_file_config_t *f = &w->cfg->files[i];
    world_files_t *fs = &w->files;
    fidl_register_file_req_t req = {.inode_num = f->inode, .size = f->size};
    fidl_string_set(req.name, &req.has_name, f->name);
    req.has_inode_num = req.has_size = req.has_extents = true;
    for (size_t e = 0; e < f->extent_count; e++)
        fs->extents[e] = (fidl_pager_extent_t){f->extents[e].logical_start,
                                               f->extents[e].logical_end,
                                               f->extents[e].physical_block};
    req.extent_count = (uint32_t)f->extent_count;
    req.extents = fs->extents;
    zx_status_t st = fidl_register_file_req_write(fs->pager, (uint32_t)i + 1, &req);
    if (st != ZX_OK)
        return st;
    fidl_message_t msg;
    st = world_await_reply(fs->pager, fs->buf.bytes, fs->buf.handles, &msg);
    if (st != ZX_OK)
        return st;
    fidl_register_file_resp_t resp;
    if (fidl_register_file_resp_decode(&msg, &resp) != ZX_OK)
        return ZX_ERR_INTERNAL;
    if (resp.is_error) {
        fidl_register_file_resp_close(&resp);
        return resp.error;
    }
    fs->vmos[i] = resp.vmo;
    return resp.vmo == ZX_HANDLE_INVALID ? ZX_ERR_NOT_FOUND : ZX_OK;
}

/* Hands a duplicate of every registered file VMO to the launcher, 64 per message. */
static void hand_over(world_t *w)
{
    world_files_t *fs = &w->files;
    size_t n = w->cfg->file_count, i = 0;
    do {
        uint32_t words[1 + ZX_CHANNEL_MAX_MSG_HANDLES];
        zx_handle_t handles[ZX_CHANNEL_MAX_MSG_HANDLES];
        uint32_t count = 0;
        for (; i < n && count < ZX_CHANNEL_MAX_MSG_HANDLES; i++) {
            if (fs->vmos[i] == ZX_HANDLE_INVALID ||
                zx_handle_duplicate(fs->vmos[i], ZX_RIGHT_SAME_RIGHTS, &handles[count]) != ZX_OK)
                continue;
            words[1 + count++] = (uint32_t)i;
        }
        words[0] = i >= n; /* last message */
        (void)zx_channel_write(fs->tx, 0, words, (1 + count) * sizeof(uint32_t), handles, count);
    } while (i < n);
}

static void mount_main(void *arg)
{
    world_t *w = arg;
    world_files_t *fs = &w->files;
    if (w->cfg->disk.present) {
        zx_handle_t server;
        if (zx_channel_create(0, &fs->pager, &server) == ZX_OK) {
            create_pager(w, server);
            for (size_t i = 0; i < w->cfg->file_count; i++)
                fs->status[i] = register_file(w, i);
        }
    }
    (void)zx_object_signal(fs->mounted, 0, ZX_EVENT_SIGNALED);
    hand_over(w);
}

/* ---- Launcher side (platform) ---------------------------------------------------------------- */

static bool launcher_read(world_t *w)
{
    world_files_t *fs = &w->files;
    uint32_t actual_bytes = 0, actual_handles = 0;
    zx_status_t st = zx_channel_read(fs->rx, 0, fs->lbuf.bytes, fs->lbuf.handles,
                                     ZX_CHANNEL_MAX_MSG_BYTES, ZX_CHANNEL_MAX_MSG_HANDLES,
                                     &actual_bytes, &actual_handles);
    if (st == ZX_ERR_SHOULD_WAIT)
        return false;
    if (st != ZX_OK)
        return true; /* the kernel is gone: no file will ever come */
    uint32_t words[1 + ZX_CHANNEL_MAX_MSG_HANDLES];
    memcpy(words, fs->lbuf.bytes, actual_bytes < sizeof(words) ? actual_bytes : sizeof(words));
    for (uint32_t k = 0; k < actual_handles; k++) {
        uint32_t file = words[1 + k];
        SIM_ASSERT(file < w->cfg->file_count);
        fs->plat_vmos[file] = fs->lbuf.handles[k];
    }
    return words[0] != 0;
}

static void launcher_main(void *arg)
{
    world_t *w = arg;
    bool done = false;
    while (!done) {
        zx_signals_t observed = 0;
        if (zx_object_wait_one(w->files.rx, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                               ZX_TIME_INFINITE, &observed) != ZX_OK)
            break;
        done = launcher_read(w);
    }
    w->files.known = true;
    process_files_known(w);
}

/* ---- Reads ----------------------------------------------------------------------------------- */

void files_read(world_t *w, int file, zx_handle_t vmo, uint64_t offset, uint64_t length)
{
    world_files_t *fs = &w->files;
    size_t rec = records_read_begin(w, file, offset, length);
    world_grow((void **)&fs->read_bufs, &fs->read_buf_capacity, rec + 1, sizeof(uint8_t *));
    fs->read_bufs[rec] = world_alloc(length);
    zx_status_t st = zx_vmo_read(vmo, fs->read_bufs[rec], offset, length);
    records_read_end(w, rec, st, fs->read_bufs[rec]);
}

typedef struct read_arg {
    world_t *w;
    const world_action_t *a;
} read_arg_t;

static void read_main(void *arg)
{
    read_arg_t *ra = arg;
    world_t *w = ra->w;
    zx_signals_t observed = 0;
    if (zx_object_wait_one(w->files.mounted, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &observed) !=
        ZX_OK)
        return;
    int file = ra->a->target;
    files_read(w, file, w->files.vmos[file], ra->a->offset, ra->a->length);
}

void files_read_action(world_t *w, const world_action_t *a)
{
    world_files_t *fs = &w->files;
    read_arg_t *ra = world_alloc(sizeof(*ra));
    *ra = (read_arg_t){w, a};
    world_grow((void **)&fs->read_args, &fs->read_arg_capacity, fs->read_arg_count + 1,
               sizeof(void *));
    fs->read_args[fs->read_arg_count++] = ra;
    char name[64];
    snprintf(name, sizeof(name), "read:%s", w->cfg->files[a->target].name);
    world_thread_start(w->kside.self, name, read_main, ra);
}

/* ---- Setup ----------------------------------------------------------------------------------- */

void files_setup(world_t *w)
{
    world_files_t *fs = &w->files;
    const world_config_t *c = w->cfg;
    size_t n = c->file_count, extents_max = 1;
    fs->vmos = world_alloc(n * sizeof(zx_handle_t));
    fs->plat_vmos = world_alloc(n * sizeof(zx_handle_t));
    fs->status = world_alloc(n * sizeof(zx_status_t));
    for (size_t i = 0; i < n; i++) {
        fs->status[i] = ZX_ERR_SHOULD_WAIT; /* not registered (yet) */
        if (c->files[i].extent_count > extents_max)
            extents_max = c->files[i].extent_count;
    }
    fs->extents = world_alloc(extents_max * sizeof(fidl_pager_extent_t));
    world_msgbuf_init(&fs->buf);
    world_msgbuf_init(&fs->lbuf);
    if (c->disk.present)
        fs->disk = world_give(disk_create(&c->disk), w->starnix_proc);
    zx_handle_t mounted, tx, rx;
    zx_status_t st = zx_event_create(0, &mounted);
    SIM_ASSERT(st == ZX_OK);
    fs->mounted = world_give(mounted, w->starnix_proc);
    st = zx_channel_create(0, &tx, &rx);
    SIM_ASSERT(st == ZX_OK);
    fs->tx = world_give(tx, w->starnix_proc);
    fs->rx = world_give(rx, w->platform_proc);
    world_thread_start(w->starnix_proc, "fs_mount", mount_main, w);
    world_thread_start(w->platform_proc, "launcher", launcher_main, w);
}

void files_teardown(world_t *w)
{
    world_files_t *fs = &w->files;
    for (size_t i = 0; i < w->res.file_read_count && i < fs->read_buf_capacity; i++)
        free(fs->read_bufs[i]);
    for (size_t i = 0; i < fs->read_arg_count; i++)
        free(fs->read_args[i]);
    free(fs->read_bufs);
    free(fs->read_args);
    free(fs->vmos);
    free(fs->plat_vmos);
    free(fs->status);
    free(fs->extents);
    world_msgbuf_deinit(&fs->buf);
    world_msgbuf_deinit(&fs->lbuf);
}
