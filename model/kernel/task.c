/* task.c - Task syscalls and suspend tokens: zx_task_suspend(_token), zx_task_kill,
 * zx_job_create, zx_process_exit, zx_thread_exit, and the launching calls of wakesim/kernel.h.
 * Port of Zircon's syscalls/task.cc and suspend_token_dispatcher.cc.
 *
 * A suspend token is an object of type SUSPEND_TOKEN with rights TRANSFER | INSPECT (so it can
 * be neither waited on nor duplicated). It holds its task; closing its last handle resumes the
 * task (the task stays suspended while any other token is open).
 */
#include "kernel_int.h"

#include <string.h>

typedef struct ktoken {
    kobj_t obj;
    kobj_t *task; /* a reference to the thread or process, until the last handle closes */
} ktoken_t;

static void token_on_zero_handles(kobj_t *obj);
static void token_destroy(kobj_t *obj);

static const kobj_ops_t token_ops = {
    .type = ZX_OBJ_TYPE_SUSPEND_TOKEN,
    .default_rights = ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS,
    .on_zero_handles = token_on_zero_handles,
    .destroy = token_destroy,
};

static void token_on_zero_handles(kobj_t *obj)
{
    ktoken_t *token = (ktoken_t *)obj;
    kobj_t *task = token->task;
    token->task = NULL;
    if (!task)
        return;
    kernel_trace(obj->k, KERNEL_EV_SUSPEND_TOKEN_CLOSE, obj->koid, (int64_t)task->koid, 0, 0, 0,
                 0, NULL);
    if (task->ops->type == ZX_OBJ_TYPE_THREAD)
        kthread_resume(kthread_from(task));
    else
        kproc_resume(kproc_from(task));
    kobj_unref(task);
}

static void token_destroy(kobj_t *obj)
{
    ktoken_t *token = (ktoken_t *)obj;
    if (token->task)
        kobj_unref(token->task);
}

/* SuspendTask() of suspend_token_dispatcher.cc. */
static zx_status_t suspend_task(const kctx_t *c, kobj_t *task)
{
    if (task->ops->type == ZX_OBJ_TYPE_THREAD) {
        if (c->thread && &c->thread->obj == task)
            return ZX_ERR_NOT_SUPPORTED;
        return kthread_suspend(kthread_from(task));
    }
    if (task->ops->type == ZX_OBJ_TYPE_PROCESS) {
        if (&c->proc->obj == task)
            return ZX_ERR_NOT_SUPPORTED;
        return kproc_suspend(kproc_from(task));
    }
    return ZX_ERR_WRONG_TYPE;
}

/* zx_task_suspend */
static zx_status_t sys_task_suspend(const kctx_t *c, zx_handle_t handle, zx_handle_t *out)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    kobj_t *obj;
    st = kobj_create(c->k, &token_ops, sizeof(ktoken_t), 0, &obj);
    if (st != ZX_OK)
        return st;
    kobj_t *task = h->obj;
    st = suspend_task(c, task);
    if (st != ZX_OK) {
        kobj_unref(obj);
        return st;
    }
    /* Saved after suspending, so that the zero-handles step resumes it. */
    ((ktoken_t *)obj)->task = task;
    kobj_ref(task);
    kobj_created(obj, c->proc->obj.koid, 0);
    kernel_trace(c->k, KERNEL_EV_SUSPEND_TOKEN_CREATE, obj->koid, (int64_t)task->koid, 0, 0, 0,
                 0, NULL);
    st = kobj_handle_install(c, obj, token_ops.default_rights, out);
    if (st != ZX_OK)
        token_on_zero_handles(obj); /* no handle was made: release the task by hand */
    kobj_unref(obj);
    return st;
}

zx_status_t zx_task_suspend(zx_handle_t handle, zx_handle_t *token)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_task_suspend, handle);
    zx_status_t st = sys_task_suspend(&call.ctx, handle, token);
    return kcall_end(&call, st, handle, st == ZX_OK ? *token : 0, 0, 0);
}

/* zx_task_suspend_token */
zx_status_t zx_task_suspend_token(zx_handle_t handle, zx_handle_t *token)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_task_suspend_token, handle);
    zx_status_t st = sys_task_suspend(&call.ctx, handle, token);
    return kcall_end(&call, st, handle, st == ZX_OK ? *token : 0, 0, 0);
}

/* zx_task_kill */
static zx_status_t sys_task_kill(const kctx_t *c, zx_handle_t handle)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_DESTROY, &h);
    if (st != ZX_OK)
        return st;
    switch (h->obj->ops->type) {
    case ZX_OBJ_TYPE_JOB:
        kjob_kill(kjob_from(h->obj), ZX_TASK_RETCODE_SYSCALL_KILL);
        return ZX_OK;
    case ZX_OBJ_TYPE_PROCESS:
        kproc_kill(kproc_from(h->obj), ZX_TASK_RETCODE_SYSCALL_KILL);
        return ZX_OK;
    case ZX_OBJ_TYPE_THREAD:
        return ZX_ERR_NOT_SUPPORTED;
    default:
        return ZX_ERR_WRONG_TYPE;
    }
}

zx_status_t zx_task_kill(zx_handle_t handle)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_task_kill, handle);
    zx_status_t st = sys_task_kill(&call.ctx, handle);
    return kcall_end(&call, st, handle, 0, 0, 0);
}

/* zx_job_create */
static zx_status_t sys_job_create(const kctx_t *c, zx_handle_t parent, uint32_t options,
                                  zx_handle_t *out)
{
    if (options != 0)
        return ZX_ERR_INVALID_ARGS;
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, parent, ZX_OBJ_TYPE_JOB, ZX_RIGHT_MANAGE_JOB, &h);
    if (st != ZX_OK)
        return st;
    kjob_t *job;
    st = kjob_create(c->k, kjob_from(h->obj), "", &job);
    if (st != ZX_OK)
        return st;
    st = kobj_handle_install(c, &job->obj, ZX_DEFAULT_JOB_RIGHTS, out);
    kobj_unref(&job->obj);
    return st;
}

zx_status_t zx_job_create(zx_handle_t parent_job, uint32_t options, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_job_create, parent_job);
    zx_status_t st = sys_job_create(&call.ctx, parent_job, options, out);
    return kcall_end(&call, st, options, st == ZX_OK ? *out : 0, 0, 0);
}

/* zx_process_exit */
_Noreturn void zx_process_exit(int64_t retcode)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_process_exit, ZX_HANDLE_INVALID);
    SIM_ASSERT(call.ctx.thread != NULL); /* setup code has no process to exit */
    kernel_trace(call.ctx.k, KERNEL_EV_SYSCALL, call.ctx.proc->obj.koid, retcode, 0, 0, 0,
                 ZX_OK, kernel_syscall_name(call.id));
    kproc_t *p = call.ctx.proc;
    if (p->state != KERNEL_PROCESS_DYING && p->state != KERNEL_PROCESS_DEAD) {
        p->retcode = retcode;
        kproc_kill(p, retcode); /* DYING: kills every thread, this one included */
    }
    kthread_exit_task(&call.ctx);
}

/* zx_thread_exit */
_Noreturn void zx_thread_exit(void)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_thread_exit, ZX_HANDLE_INVALID);
    SIM_ASSERT(call.ctx.thread != NULL); /* setup code is not a thread */
    kernel_trace(call.ctx.k, KERNEL_EV_SYSCALL, call.ctx.thread->obj.koid, 0, 0, 0, 0, ZX_OK,
                 kernel_syscall_name(call.id));
    kthread_kill(call.ctx.thread); /* sibling tasks end with it */
    kthread_exit_task(&call.ctx);
}

/* ---- Launching (wakesim/kernel.h) ---------------------------------------------------------- */

zx_status_t kernel_process_create(zx_handle_t job, const char *name, zx_handle_t *out)
{
    kctx_t c;
    kctx_current(&c);
    khandle_t *h;
    zx_status_t st = kobj_lookup(&c, job, ZX_OBJ_TYPE_JOB, ZX_RIGHT_MANAGE_PROCESS, &h);
    if (st != ZX_OK)
        return st;
    kproc_t *p;
    st = kproc_create(c.k, kjob_from(h->obj), name, &p);
    if (st != ZX_OK)
        return st;
    st = kobj_handle_install(&c, &p->obj, ZX_DEFAULT_PROCESS_RIGHTS, out);
    kobj_unref(&p->obj);
    return st;
}

zx_status_t kernel_thread_create(zx_handle_t process, const char *name, kernel_thread_fn fn,
                                 void *arg, const kernel_thread_opts_t *opts, zx_handle_t *out)
{
    SIM_ASSERT(fn != NULL);
    kctx_t c;
    kctx_current(&c);
    khandle_t *h;
    zx_status_t st = kobj_lookup(&c, process, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_MANAGE_THREAD, &h);
    if (st != ZX_OK)
        return st;
    kthread_t *t;
    st = kthread_create(&c, kproc_from(h->obj), name, fn, arg, opts, &t);
    if (st != ZX_OK)
        return st;
    st = kobj_handle_install(&c, &t->obj, ZX_DEFAULT_THREAD_RIGHTS, out);
    kobj_unref(&t->obj);
    return st;
}

zx_status_t kernel_handle_transfer(zx_handle_t handle, zx_handle_t process, zx_handle_t *out)
{
    kctx_t c;
    kctx_current(&c);
    khandle_t *ph;
    zx_status_t st = kobj_lookup(&c, process, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_MANAGE_PROCESS, &ph);
    if (st != ZX_OK)
        return st;
    kproc_t *target = kproc_from(ph->obj);
    khandle_t *h = handle_table_lookup(c.proc, handle);
    if (!h)
        return ZX_ERR_BAD_HANDLE;
    if (!(h->rights & ZX_RIGHT_TRANSFER))
        return ZX_ERR_ACCESS_DENIED;
    if (target->state == KERNEL_PROCESS_DEAD)
        return ZX_ERR_BAD_STATE;
    h = handle_table_detach(c.proc, handle);
    st = handle_table_attach(target, h, out);
    if (st != ZX_OK)
        khandle_destroy(h); /* out of memory: the handle is consumed */
    return st;
}
