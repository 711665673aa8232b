/* kernel.c - The kernel instance: creation on a run, the current kernel, the calling context of
 * a syscall, the cost table and the trace helpers.
 *
 * Syscalls take no kernel argument, as upstream, so the kernel lives in a per-host-thread
 * "current kernel" pointer set by kernel_create (Criterion runs every test in its own process;
 * a host thread that drives several runs switches with kernel_make_current). The caller of a
 * syscall is found from the running engine task: its data slot holds the ktask record of a
 * kernel thread (thread.c); no task, or a task that is not a kernel thread, acts as the
 * bootstrap process.
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local kernel_t *current;

/* ---- Names --------------------------------------------------------------------------------- */

static const char *const syscall_names[KERNEL_SYSCALL_COUNT] = {
#define X(name, cost_ns) "zx_" #name,
    KERNEL_SYSCALLS(X)
#undef X
};

static const int64_t syscall_default_ns[KERNEL_SYSCALL_COUNT] = {
#define X(name, cost_ns) (cost_ns),
    KERNEL_SYSCALLS(X)
#undef X
};

const char *kernel_syscall_name(kernel_syscall_t id)
{
    if ((unsigned)id >= KERNEL_SYSCALL_COUNT)
        return NULL;
    if (id == KERNEL_SYSCALL_kernel_await)
        return "kernel_await"; /* not a syscall: no "zx_" */
    return syscall_names[id];
}

const char *kernel_trace_kind_name(uint32_t kind)
{
    switch (kind) {
#define X(name, value, text)                                                                   \
    case (value):                                                                              \
        return text;
        KERNEL_TRACE_KINDS(X)
#undef X
    default:
        return NULL;
    }
}

/* ---- Costs --------------------------------------------------------------------------------- */

void kernel_costs_default(kernel_costs_t *costs)
{
    *costs = (kernel_costs_t){.jitter_permille = 0};
    memcpy(costs->syscall_ns, syscall_default_ns, sizeof(costs->syscall_ns));
}

zx_status_t kernel_costs_set(kernel_costs_t *costs, const char *name, int64_t cost_ns)
{
    if (cost_ns < 0)
        return ZX_ERR_OUT_OF_RANGE;
    for (int i = 0; i < KERNEL_SYSCALL_COUNT; i++) {
        const char *full = kernel_syscall_name((kernel_syscall_t)i);
        const char *bare = strncmp(full, "zx_", 3) == 0 ? full + 3 : full;
        if (strcmp(name, full) == 0 || strcmp(name, bare) == 0) {
            costs->syscall_ns[i] = cost_ns;
            return ZX_OK;
        }
    }
    return ZX_ERR_NOT_FOUND;
}

/* ---- Trace --------------------------------------------------------------------------------- */

void kernel_trace(kernel_t *k, uint32_t kind, zx_koid_t object, int64_t a0, int64_t a1,
                  int64_t a2, int64_t a3, zx_status_t status, const char *text)
{
    sim_trace_event_t ev = {
        .kind = kind,
        .kind_name = kernel_trace_kind_name(kind),
        .object = object,
        .arg = {a0, a1, a2, a3},
        .status = status,
        .text = text,
    };
    sim_trace_emit(k->s, &ev);
}

/* ---- The calling context ------------------------------------------------------------------- */

void kctx_current(kctx_t *c)
{
    kernel_t *k = current;
    SIM_ASSERT(k != NULL); /* a zx_ call needs a kernel: kernel_create first */
    *c = (kctx_t){.k = k, .proc = k->bootstrap};
    /* In a timer callback the engine still reports the task whose stack runs the scheduler:
     * a callback is not a caller. */
    c->sim_task = sim__may_block(k->s) ? sim_task_self(k->s) : NULL;
    if (!c->sim_task)
        return;
    ktask_t *t = sim_task_data(c->sim_task);
    if (!t)
        return; /* a bare engine task: acts as the bootstrap process */
    SIM_ASSERT(t->magic == KTASK_MAGIC);
    c->task = t;
    c->thread = t->thread;
    c->proc = t->thread->proc;
}

/* ---- Creation ------------------------------------------------------------------------------ */

static zx_status_t boot(kernel_t *k)
{
    zx_status_t st = kjob_create(k, NULL, "root", &k->root_job);
    if (st != ZX_OK)
        return st;
    st = kproc_create(k, k->root_job, "bootstrap", &k->bootstrap);
    if (st != ZX_OK)
        return st;
    /* The bootstrap process runs the setup code: it is started, but has no kernel thread. */
    k->bootstrap->state = KERNEL_PROCESS_RUNNING;
    kctx_t c = {.k = k, .proc = k->bootstrap};
    return kobj_handle_install(&c, &k->root_job->obj, ZX_DEFAULT_JOB_RIGHTS,
                               &k->root_job_handle);
}

zx_status_t kernel_create(sim_t *s, const kernel_config_t *config, kernel_t **out)
{
    SIM_ASSERT(s != NULL);
    SIM_ASSERT(out != NULL);
    kernel_t *k = calloc(1, sizeof(*k));
    if (!k)
        return ZX_ERR_NO_MEMORY;
    k->s = s;
    k->koid_next = ZX_KOID_FIRST;
    if (config && config->costs)
        k->costs = *config->costs;
    else
        kernel_costs_default(&k->costs);
    kpool_init(&k->handle_pool, sizeof(khandle_t));
    kernel_t *previous = current;
    current = k;
    zx_status_t st = boot(k);
    if (st != ZX_OK) {
        kernel_destroy(k);
        current = previous;
        return st;
    }
    *out = k;
    return ZX_OK;
}

void kernel_destroy(kernel_t *k)
{
    if (!k)
        return;
    /* Objects are freed without their destroy step (which would signal and wake): first every
     * object lets go of engine timers and private memory, then the memory goes. */
    for (kobj_t *o = k->objects_head; o; o = o->all_next) {
        if (o->ops->teardown)
            o->ops->teardown(o);
    }
    kobj_t *o = k->objects_head;
    while (o) {
        kobj_t *next = o->all_next;
        free(o);
        o = next;
    }
    kpool_deinit(&k->handle_pool);
    kpool_deinit(&k->port_observer_pool);
    kpool_deinit(&k->port_packet_pool);
    if (current == k)
        current = NULL;
    free(k);
}

kernel_t *kernel_current(void)
{
    return current;
}

void kernel_make_current(kernel_t *k)
{
    current = k;
}

sim_t *kernel_sim(const kernel_t *k)
{
    return k->s;
}

const kernel_costs_t *kernel_costs(const kernel_t *k)
{
    return &k->costs;
}

zx_handle_t kernel_root_job(const kernel_t *k)
{
    return k->root_job_handle;
}
