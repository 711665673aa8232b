/* process.c - Processes: their thread lists, handle tables, states, suspension and death.
 * Port of Zircon's process_dispatcher.cc.
 *
 * States: INITIAL (created, no thread started) -> RUNNING (first thread started) -> DYING
 * (killed or exiting: every thread is killed; the process is still listed by its job and
 * zx_task_suspend answers BAD_STATE) -> DEAD (the last thread left, or killed with none).
 * The transition to DEAD closes every handle in the table, asserts TERMINATED and removes the
 * process from its job, in that order (FinishDeadTransition). A process in INITIAL whose last
 * handle closes dies too; a started one is kept alive by its threads.
 */
#include "kernel_int.h"

#include <string.h>

static zx_status_t process_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                    size_t buffer_size, size_t *actual, size_t *avail);
static zx_koid_t process_related_koid(const kobj_t *obj);
static void process_on_zero_handles(kobj_t *obj);
static void process_destroy(kobj_t *obj);
static void process_teardown(kobj_t *obj);

static const kobj_ops_t process_ops = {
    .type = ZX_OBJ_TYPE_PROCESS,
    .default_rights = ZX_DEFAULT_PROCESS_RIGHTS,
    .has_name = true,
    .related_koid = process_related_koid,
    .on_zero_handles = process_on_zero_handles,
    .get_info = process_get_info,
    .destroy = process_destroy,
    .teardown = process_teardown,
};

kproc_t *kproc_from(kobj_t *obj)
{
    SIM_ASSERT(obj->ops == &process_ops);
    return (kproc_t *)obj;
}

static void set_state(kproc_t *p, kernel_process_state_t state)
{
    p->state = (uint8_t)state;
    kernel_trace(p->obj.k, KERNEL_EV_PROCESS_STATE, p->obj.koid, state, p->retcode, 0, 0, 0,
                 NULL);
}

zx_status_t kproc_create(kernel_t *k, kjob_t *job, const char *name, kproc_t **out)
{
    if (job->state != KJOB_RUNNING)
        return ZX_ERR_BAD_STATE; /* AddChildProcess refuses a dying job */
    kobj_t *obj;
    zx_status_t st = kobj_create(k, &process_ops, sizeof(kproc_t), 0, &obj);
    if (st != ZX_OK)
        return st;
    kproc_t *p = (kproc_t *)obj;
    kobj_set_name(obj, name, name ? strlen(name) : 0);
    handle_table_init(&p->handles);
    p->job = job;
    kobj_ref(&job->obj);
    p->state = KERNEL_PROCESS_INITIAL;
    kobj_created(obj, job->obj.koid, 0);
    kjob_process_added(job, p);
    *out = p;
    return ZX_OK;
}

/* FinishDeadTransition: handles closed, TERMINATED, out of the job. */
static void finish_dead(kproc_t *p)
{
    set_state(p, KERNEL_PROCESS_DEAD);
    handle_table_close_all(p);
    kobj_signal(&p->obj, 0, ZX_TASK_TERMINATED);
    if (p->in_job)
        kjob_process_removed(p->job, p); /* drops the job's reference: `p` may be gone */
}

void kproc_kill(kproc_t *p, int64_t retcode)
{
    if (p->state == KERNEL_PROCESS_DEAD)
        return;
    if (p->state != KERNEL_PROCESS_DYING)
        p->retcode = retcode;
    if (!p->threads_head) {
        finish_dead(p);
        return;
    }
    if (p->state == KERNEL_PROCESS_DYING)
        return;
    set_state(p, KERNEL_PROCESS_DYING);
    for (kthread_t *t = p->threads_head; t; t = t->proc_next)
        kthread_kill(t);
}

zx_status_t kproc_suspend(kproc_t *p)
{
    if (p->state == KERNEL_PROCESS_DYING || p->state == KERNEL_PROCESS_DEAD)
        return ZX_ERR_BAD_STATE;
    if (++p->suspend_count == 1) {
        for (kthread_t *t = p->threads_head; t; t = t->proc_next)
            kthread_suspend_update(t);
    }
    return ZX_OK;
}

void kproc_resume(kproc_t *p)
{
    /* A dying process is left to finish dying. */
    if (p->state == KERNEL_PROCESS_DYING || p->state == KERNEL_PROCESS_DEAD)
        return;
    SIM_ASSERT(p->suspend_count > 0);
    if (--p->suspend_count == 0) {
        for (kthread_t *t = p->threads_head; t; t = t->proc_next)
            kthread_suspend_update(t);
    }
}

zx_status_t kproc_thread_add(kproc_t *p, kthread_t *t)
{
    /* AddInitializedThread: the first thread starts the process; later ones need RUNNING. */
    bool initial = p->threads_head == NULL;
    if (initial ? p->state != KERNEL_PROCESS_INITIAL : p->state != KERNEL_PROCESS_RUNNING)
        return ZX_ERR_BAD_STATE;
    kobj_ref(&t->obj);
    t->proc_prev = p->threads_tail;
    t->proc_next = NULL;
    if (p->threads_tail)
        p->threads_tail->proc_next = t;
    else
        p->threads_head = t;
    p->threads_tail = t;
    if (initial) {
        p->start_time_mono = sim_now_mono(p->obj.k->s);
        set_state(p, KERNEL_PROCESS_RUNNING);
    }
    return ZX_OK;
}

void kproc_thread_remove(kproc_t *p, kthread_t *t)
{
    if (t->proc_prev)
        t->proc_prev->proc_next = t->proc_next;
    else
        p->threads_head = t->proc_next;
    if (t->proc_next)
        t->proc_next->proc_prev = t->proc_prev;
    else
        p->threads_tail = t->proc_prev;
    t->proc_prev = t->proc_next = NULL;
    if (!p->threads_head)
        finish_dead(p); /* the last thread left: DEAD, whatever the state was */
    kobj_unref(&t->obj); /* the list's reference; the thread holds `p` until it goes */
}

/* ---- Object hooks -------------------------------------------------------------------------- */

static zx_status_t process_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                    size_t buffer_size, size_t *actual, size_t *avail)
{
    (void)rights;
    kproc_t *p = kproc_from(obj);
    if (topic == ZX_INFO_PROCESS) {
        zx_info_process_t info = {.return_code = p->retcode, .start_time = p->start_time_mono};
        if (p->state != KERNEL_PROCESS_INITIAL)
            info.flags |= ZX_INFO_PROCESS_FLAG_STARTED;
        if (p->state == KERNEL_PROCESS_DYING || p->state == KERNEL_PROCESS_DEAD)
            info.flags |= ZX_INFO_PROCESS_FLAG_EXITED;
        return kobj_info_single(buffer, buffer_size, actual, avail, &info, sizeof(info));
    }
    SIM_ASSERT(topic == ZX_INFO_PROCESS_THREADS);
    /* Racy by nature upstream; here a snapshot at the call, in thread creation order. */
    size_t n = 0;
    for (kthread_t *t = p->threads_head; t; t = t->proc_next)
        n++;
    zx_koid_t koids[n ? n : 1];
    n = 0;
    for (kthread_t *t = p->threads_head; t; t = t->proc_next)
        koids[n++] = t->obj.koid;
    kobj_info_koids(buffer, buffer_size, actual, avail, koids, n);
    return ZX_OK;
}

static zx_koid_t process_related_koid(const kobj_t *obj)
{
    return ((const kproc_t *)obj)->job->obj.koid;
}

static void process_on_zero_handles(kobj_t *obj)
{
    kproc_t *p = kproc_from(obj);
    /* A started process is kept alive by its threads (see RemoveThread). */
    if (p->state == KERNEL_PROCESS_INITIAL)
        finish_dead(p);
}

static void process_teardown(kobj_t *obj)
{
    handle_table_deinit(&kproc_from(obj)->handles);
}

static void process_destroy(kobj_t *obj)
{
    kproc_t *p = kproc_from(obj);
    SIM_ASSERT(p->handles.live == 0);
    handle_table_deinit(&p->handles);
    kobj_unref(&p->job->obj);
}
