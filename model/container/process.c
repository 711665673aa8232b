/* process.c - The container's Linux processes: direct children of the container job (so the
 * runner's suspend_job freezes them), each with threads that are IDLE (blocked in a wait that
 * never ends), BUSY (CPU bursts of burst_ns separated by sleeps of sleep_ns) or READER (a read
 * of a pager-backed file, which page-faults, then idle).
 *
 * Processes without start_later exist at t = 0; the others are created by "spawn_process", and
 * any process dies by "kill_process" (zx_task_kill). Both are done by the platform's launcher,
 * not by the Starnix kernel: on a device Linux processes are created and killed by the Starnix
 * kernel itself, but a frozen kernel could then never spawn or kill during suspend_job, and
 * scenarios need to place a spawn or a death inside the runner's suspend_job precisely
 * (R9: a dying process; a process born after the first enumeration pass).
 *
 * READER threads start once the launcher holds the file VMOs (files.c): each gets a duplicate
 * of its file's VMO moved into its process.
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

static const world_process_config_t *lcfg(const world_t *w, int i)
{
    return &w->cfg->container.processes[i];
}

static const world_thread_config_t *tcfg(const world_lthread_t *t)
{
    return &lcfg(t->w, t->proc)->threads[t->index];
}

/* Blocks in a syscall until `deadline` (a suspend interrupts and re-issues it). */
static void sleep_until(zx_instant_mono_t deadline)
{
    zx_wait_item_t none = {0};
    (void)zx_object_wait_many(&none, 0, deadline);
}

static void idle_main(void *arg)
{
    (void)arg;
    for (;;)
        sleep_until(ZX_TIME_INFINITE);
}

static void busy_main(void *arg)
{
    world_lthread_t *t = arg;
    const world_thread_config_t *c = tcfg(t);
    for (;;) {
        kernel_thread_burn(c->burst_ns);
        if (c->sleep_ns > 0)
            sleep_until(zx_deadline_after(c->sleep_ns));
    }
}

static void reader_main(void *arg)
{
    world_lthread_t *t = arg;
    const world_thread_config_t *c = tcfg(t);
    files_read(t->w, c->file, t->vmo, c->offset, c->length);
    idle_main(NULL);
}

static void thread_name(const world_lthread_t *t, char *buf, size_t size)
{
    const world_thread_config_t *c = tcfg(t);
    if (c->name)
        snprintf(buf, size, "%s", c->name);
    else
        snprintf(buf, size, "%s:%d", lcfg(t->w, t->proc)->name, t->index);
}

/* Starts a READER thread (platform: the launcher or the timeline driver). */
static void reader_start(world_t *w, world_lthread_t *t)
{
    world_lproc_t *lp = &w->lprocs[t->proc];
    zx_handle_t src = w->files.plat_vmos[tcfg(t)->file];
    zx_handle_t dup = ZX_HANDLE_INVALID;
    t->vmo = ZX_HANDLE_INVALID;
    if (src != ZX_HANDLE_INVALID &&
        zx_handle_duplicate(src, ZX_RIGHT_SAME_RIGHTS, &dup) == ZX_OK &&
        kernel_handle_transfer(dup, lp->proc, &t->vmo) != ZX_OK)
        zx_handle_close(dup);
    char name[64];
    thread_name(t, name, sizeof(name));
    t->started = true;
    world_thread_start(lp->proc, name, reader_main, t);
}

static void threads_start(world_t *w, int i, zx_handle_t proc)
{
    world_lproc_t *lp = &w->lprocs[i];
    for (size_t j = 0; j < lcfg(w, i)->thread_count; j++) {
        world_lthread_t *t = &lp->threads[j];
        const world_thread_config_t *c = tcfg(t);
        if (c->kind == WORLD_THREAD_READER)
            continue; /* started by process_files_known or below */
        char name[64];
        thread_name(t, name, sizeof(name));
        t->started = true;
        world_thread_start(proc, name, c->kind == WORLD_THREAD_BUSY ? busy_main : idle_main, t);
    }
}

static zx_koid_t koid_of(zx_handle_t h)
{
    zx_info_handle_basic_t info = {0};
    if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK)
        return ZX_KOID_INVALID;
    return info.koid;
}

void process_spawn(world_t *w, int i)
{
    world_lproc_t *lp = &w->lprocs[i];
    if (lp->spawned)
        return;
    /* At setup the caller is the bootstrap process; later, the platform's timeline driver. */
    bool setup = !sim_task_self(w->s);
    zx_handle_t job = setup ? w->container_job : w->tl.job;
    zx_handle_t proc = ZX_HANDLE_INVALID;
    if (kernel_process_create(job, lcfg(w, i)->name, &proc) != ZX_OK)
        return;
    lp->spawned = true;
    lp->koid = koid_of(proc);
    records_container_process(w, lp->koid);
    threads_start(w, i, proc);
    lp->proc = setup ? world_give(proc, w->platform_proc) : proc;
    if (w->files.known)
        process_files_known(w);
    world_trace(w, WORLD_EV_PROCESS, lp->koid, 1, 0, 0, 0, lcfg(w, i)->name);
}

void process_kill(world_t *w, int i)
{
    world_lproc_t *lp = &w->lprocs[i];
    if (!lp->spawned || lp->killed)
        return;
    lp->killed = true;
    (void)zx_task_kill(lp->proc);
    world_trace(w, WORLD_EV_PROCESS, lp->koid, 0, 0, 0, 0, lcfg(w, i)->name);
}

void process_files_known(world_t *w)
{
    for (size_t i = 0; i < w->cfg->container.process_count; i++) {
        world_lproc_t *lp = &w->lprocs[i];
        if (!lp->spawned || lp->killed)
            continue;
        for (size_t j = 0; j < lcfg(w, (int)i)->thread_count; j++) {
            world_lthread_t *t = &lp->threads[j];
            if (!t->started && tcfg(t)->kind == WORLD_THREAD_READER)
                reader_start(w, t);
        }
    }
}

void process_setup(world_t *w)
{
    for (size_t i = 0; i < w->cfg->container.process_count; i++) {
        world_lproc_t *lp = &w->lprocs[i];
        size_t n = lcfg(w, (int)i)->thread_count;
        lp->threads = world_alloc(n * sizeof(*lp->threads));
        for (size_t j = 0; j < n; j++)
            lp->threads[j] = (world_lthread_t){.w = w, .proc = (int)i, .index = (int)j};
    }
    for (size_t i = 0; i < w->cfg->container.process_count; i++) {
        if (!lcfg(w, (int)i)->start_later)
            process_spawn(w, (int)i);
    }
}

void process_teardown(world_t *w)
{
    if (!w->lprocs)
        return;
    for (size_t i = 0; i < w->process_count; i++)
        free(w->lprocs[i].threads);
}
