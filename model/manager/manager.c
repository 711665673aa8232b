/* manager.c - The runner as a simulated component: manager_start() launches process
 * "starnix_runner" with upstream's main thread, manager_destroy() frees what the port
 * allocated; plus the port's trace, log and panic points, its memory list and the variant
 * lookup. The upstream logic itself is in lib.c, suspend.c, proxy.c, kernels.c and pager.c.
 *
 * What manager_start stands for. On a device component manager launches the runner with its
 * namespace (/svc), its outgoing directory request and processargs (zx_process_self, ...), and
 * main() (runner/main.rs) runs on the initial thread. Here the world asks for the same through
 * the launching API of the kernel (kernel_process_create, kernel_handle_transfer,
 * kernel_thread_create), which charges no cost, and main() is manager_main() in lib.c.
 */
#include <wakesim/manager.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager_int.h"

/* ---- Names ---------------------------------------------------------------------------------- */

const char *manager_trace_kind_name(uint32_t kind)
{
    switch (kind) {
#define X(name, value, text)                                                                   \
    case value:                                                                                \
        return text;
        MANAGER_TRACE_KINDS(X)
#undef X
    }
    return NULL;
}

const char *manager_suspend_phase_name(uint32_t phase)
{
    switch (phase) {
#define X(name, value, text)                                                                   \
    case value:                                                                                \
        return text;
        MANAGER_SUSPEND_PHASES(X)
#undef X
    }
    return NULL;
}

static const char *const variant_names[] = {"v5w", "v1", "v6", NULL};
static const manager_variant_ops_t *const variants[] = {
    &manager_variant_v5w,
    &manager_variant_v1,
    &manager_variant_v6,
};
_Static_assert(sizeof(variants) / sizeof(variants[0]) + 1 ==
                   sizeof(variant_names) / sizeof(variant_names[0]),
               "one ops table per variant name");

const char *const *manager_variant_names(void)
{
    return variant_names;
}

const manager_variant_ops_t *manager_variant_find(const char *name)
{
    for (size_t i = 0; variant_names[i]; i++) {
        SIM_ASSERT(strcmp(variants[i]->name, variant_names[i]) == 0);
        if (strcmp(name, variant_names[i]) == 0)
            return variants[i];
    }
    return NULL;
}

bool manager_variant_exists(const char *name)
{
    return name && manager_variant_find(name) != NULL;
}

/* ---- Trace, logs, panics -------------------------------------------------------------------- */

void manager_trace(uint32_t kind, uint64_t object, int64_t a0, int64_t a1, int64_t a2,
                   int64_t a3, int32_t status, const char *text)
{
    kernel_t *k = kernel_current();
    SIM_ASSERT(k != NULL);
    const char *kind_name = manager_trace_kind_name(kind);
    SIM_ASSERT(kind_name != NULL);
    sim_trace_event_t ev = {
        .kind = kind,
        .kind_name = kind_name,
        .object = object,
        .arg = {a0, a1, a2, a3},
        .status = status,
        .text = text,
    };
    sim_trace_emit(kernel_sim(k), &ev);
}

void manager_trace_instant(uint32_t kind, uint64_t object, const char *text)
{
    manager_trace(kind, object, 0, 0, 0, 0, 0, text);
}

void manager_trace_duration(uint32_t kind, uint64_t object, int64_t a0, const char *text,
                            bool begin)
{
    manager_trace(kind, object, a0, 0, 0, begin ? 1 : 0, 0, text);
}

void manager_phase(uint32_t phase, uint64_t attempt, int64_t a2, int64_t a3, int32_t status,
                   const char *text)
{
    SIM_ASSERT(manager_suspend_phase_name(phase) != NULL);
    manager_trace(MANAGER_EV_SUSPEND_PHASE, 0, phase, (int64_t)attempt, a2, a3, status, text);
}

void manager_log(manager_log_level_t level, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    manager_trace(MANAGER_EV_LOG, 0, level, 0, 0, 0, 0, text);
}

_Noreturn void manager_panic(const char *func, const char *msg)
{
    char text[256];
    snprintf(text, sizeof(text), "%s: %s", func, msg);
    manager_trace(MANAGER_EV_PANIC, 0, (int64_t)kernel_thread_self_koid(), 0, 0, 0, 0, text);
    zx_thread_exit();
}

zx_status_t manager_koid(zx_handle_t h, zx_koid_t *out)
{
    zx_info_handle_basic_t info;
    zx_status_t st =
        zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL);
    if (st != ZX_OK)
        return st;
    *out = info.koid;
    return ZX_OK;
}

/* ---- Memory --------------------------------------------------------------------------------- */

/* A block's header: blocks form one doubly-linked list per runner, so that manager_destroy frees
 * what parked tasks still own. The union keeps the payload maximally aligned. */
struct manager_block {
    union {
        struct {
            manager_block_t *prev, *next;
            size_t size;
        } link;
        max_align_t align;
    };
};

void *manager_alloc(manager_t *m, size_t size)
{
    manager_block_t *b = calloc(1, sizeof(*b) + size);
    SIM_ASSERT(b != NULL);
    b->link.size = size;
    b->link.next = m->blocks;
    if (m->blocks)
        m->blocks->link.prev = b;
    m->blocks = b;
    return b + 1;
}

static void unlink_block(manager_t *m, manager_block_t *b)
{
    if (b->link.prev)
        b->link.prev->link.next = b->link.next;
    else
        m->blocks = b->link.next;
    if (b->link.next)
        b->link.next->link.prev = b->link.prev;
}

void manager_free(manager_t *m, void *block)
{
    if (!block)
        return;
    manager_block_t *b = (manager_block_t *)block - 1;
    unlink_block(m, b);
    free(b);
}

void *manager_realloc(manager_t *m, void *block, size_t size)
{
    if (!block)
        return manager_alloc(m, size);
    manager_block_t *old = (manager_block_t *)block - 1;
    void *fresh = manager_alloc(m, size);
    memcpy(fresh, block, old->link.size < size ? old->link.size : size);
    manager_free(m, block);
    return fresh;
}

char *manager_strdup(manager_t *m, const char *s)
{
    size_t n = strlen(s);
    char *copy = manager_alloc(m, n + 1);
    memcpy(copy, s, n);
    return copy;
}

/* ---- Start and destroy ---------------------------------------------------------------------- */

zx_status_t manager_start(zx_handle_t parent_job, const manager_config_t *config,
                          zx_handle_t *outgoing, manager_t **out)
{
    zx_handle_t svc = config ? config->svc : ZX_HANDLE_INVALID;
    const char *variant = config && config->variant ? config->variant : variant_names[0];
    const manager_variant_ops_t *ops = manager_variant_find(variant);
    zx_status_t st = ZX_ERR_INVALID_ARGS;
    if (!ops)
        goto fail_close_svc;
    manager_t *m = calloc(1, sizeof(*m));
    st = ZX_ERR_NO_MEMORY;
    if (!m)
        goto fail_close_svc;
    m->ops = ops;
    m->txid_next = 1;

    zx_handle_t process, self = ZX_HANDLE_INVALID, client, server, thread;
    st = kernel_process_create(parent_job, "starnix_runner", &process);
    if (st != ZX_OK)
        goto fail_free;
    /* processargs: the runner's own process handle, its /svc and its outgoing directory. */
    st = zx_handle_duplicate(process, ZX_RIGHT_SAME_RIGHTS, &self);
    if (st == ZX_OK)
        st = kernel_handle_transfer(self, process, &m->self_process);
    if (st != ZX_OK)
        goto fail_close_self;
    self = ZX_HANDLE_INVALID;
    if (svc != ZX_HANDLE_INVALID) {
        st = kernel_handle_transfer(svc, process, &m->svc);
        if (st != ZX_OK)
            goto fail_close_process;
        svc = ZX_HANDLE_INVALID;
    }
    st = zx_channel_create(0, &client, &server);
    if (st != ZX_OK)
        goto fail_close_process;
    st = kernel_handle_transfer(server, process, &m->outgoing);
    if (st != ZX_OK)
        goto fail_close_channel;
    server = ZX_HANDLE_INVALID;
    /* Every runner thread is a daemon: a run may end while the runner waits for requests. */
    kernel_thread_opts_t opts = {.daemon = true};
    st = kernel_thread_create(process, "main", manager_main, m, &opts, &thread);
    if (st != ZX_OK)
        goto fail_close_channel;
    zx_handle_close(thread);
    zx_handle_close(process);
    *outgoing = client;
    *out = m;
    return ZX_OK;

fail_close_channel:
    zx_handle_close(client);
    zx_handle_close(server);
fail_close_process:
    /* Handles already moved into the process die with it (it never started a thread). */
    zx_handle_close(process);
    goto fail_free;
fail_close_self:
    zx_handle_close(self);
    zx_handle_close(process);
fail_free:
    free(m);
fail_close_svc:
    zx_handle_close(svc);
    return st;
}

void manager_destroy(manager_t *m)
{
    if (!m)
        return;
    while (m->blocks) {
        manager_block_t *b = m->blocks;
        m->blocks = b->link.next;
        free(b);
    }
    free(m);
}
