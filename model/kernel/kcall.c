/* kcall.c - The syscall entry and exit every zx_ wrapper goes through: the calling context, the
 * cost charged as a CPU burst, the safe points, the retry after a suspend interrupted a wait,
 * and the KERNEL_EV_SYSCALL trace event.
 *
 * Order of a call made by a kernel thread:
 *   1. safe point: a suspend that became pending while the thread ran user code takes effect
 *      before the call acts (a kill ends the thread here);
 *   2. the call's cost, a CPU burst in kernel mode (a suspend requested meanwhile waits for 4);
 *   3. the sys_ body, re-issued after each ZX_ERR_INTERNAL_INTR_RETRY once the thread resumes;
 *   4. while the thread is suspended it does not return to user code: it parks here, and only
 *      then is the call traced with its result; a kill ends the thread right after the trace.
 * Outside kernel threads (setup code, bare engine tasks) steps 1, 2 and 4 are skipped.
 */
#include "kernel_int.h"

/* The configured cost of `id`, scaled by the seeded jitter if any. */
static zx_duration_t cost_of(const kernel_t *k, kernel_syscall_t id)
{
    int64_t ns = k->costs.syscall_ns[id];
    uint32_t j = k->costs.jitter_permille;
    if (ns <= 0 || j == 0)
        return ns;
    if (j > 1000)
        j = 1000;
    uint64_t draw = sim_rng_below(k->s, SIM_RNG_JITTER, 2u * j + 1u);
    int64_t permille = 1000 - (int64_t)j + (int64_t)draw;
    return ns / 1000 * permille + ns % 1000 * permille / 1000;
}

void kcall_begin(kcall_t *call, kernel_syscall_t id, zx_handle_t handle)
{
    SIM_ASSERT((unsigned)id < KERNEL_SYSCALL_COUNT);
    kctx_current(&call->ctx);
    call->id = id;
    call->koid = ZX_KOID_INVALID;
    if (handle != ZX_HANDLE_INVALID) {
        khandle_t *h = handle_table_lookup(call->ctx.proc, handle);
        if (h)
            call->koid = h->obj->koid;
    }
    if (!call->ctx.thread)
        return;
    kthread_safe_point(&call->ctx);
    kthread_charge(&call->ctx, cost_of(call->ctx.k, id));
}

bool kcall_retry(kcall_t *call)
{
    kthread_safe_point(&call->ctx);
    return true;
}

zx_status_t kcall_end(kcall_t *call, zx_status_t status, int64_t a0, int64_t a1, int64_t a2,
                      int64_t a3)
{
    kthread_suspend_wait(&call->ctx);
    kernel_trace(call->ctx.k, KERNEL_EV_SYSCALL, call->koid, a0, a1, a2, a3, status,
                 kernel_syscall_name(call->id));
    kthread_safe_point(&call->ctx);
    return status;
}
