/* job.c - Jobs: the tree of child jobs and processes, NO_JOBS / NO_PROCESSES, kill and death.
 * Port of the parts of Zircon's job_dispatcher.cc the model needs (no policies, no critical
 * processes, no exception channels).
 *
 * A job lists its direct children in creation order and holds a reference to each while it
 * is alive. Killing a job kills its whole subtree; the job is DEAD (TERMINATED) once it has no
 * children left. A job whose last handle closed dies as soon as it has no children [inf:
 * JobDispatcher keeps a handle-less job only while it has children].
 */
#include "kernel_int.h"

#include <string.h>

static zx_status_t job_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                size_t buffer_size, size_t *actual, size_t *avail);
static zx_koid_t job_related_koid(const kobj_t *obj);
static void job_on_zero_handles(kobj_t *obj);
static void job_destroy(kobj_t *obj);

static const kobj_ops_t job_ops = {
    .type = ZX_OBJ_TYPE_JOB,
    .default_rights = ZX_DEFAULT_JOB_RIGHTS,
    .has_name = true,
    .related_koid = job_related_koid,
    .on_zero_handles = job_on_zero_handles,
    .get_info = job_get_info,
    .destroy = job_destroy,
};

kjob_t *kjob_from(kobj_t *obj)
{
    SIM_ASSERT(obj->ops == &job_ops);
    return (kjob_t *)obj;
}

static void set_state(kjob_t *job, kjob_state_t state)
{
    job->state = (uint8_t)state;
    kernel_trace(job->obj.k, KERNEL_EV_JOB_STATE, job->obj.koid, state, job->retcode, 0, 0, 0,
                 NULL);
}

static void update_signals(kjob_t *job)
{
    zx_signals_t set = 0, clear = 0;
    *(job->jobs_head ? &clear : &set) |= ZX_JOB_NO_JOBS;
    *(job->procs_head ? &clear : &set) |= ZX_JOB_NO_PROCESSES;
    kobj_signal(&job->obj, clear, set);
}

zx_status_t kjob_create(kernel_t *k, kjob_t *parent, const char *name, kjob_t **out)
{
    if (parent && parent->state != KJOB_RUNNING)
        return ZX_ERR_BAD_STATE;
    kobj_t *obj;
    zx_status_t st =
        kobj_create(k, &job_ops, sizeof(kjob_t), ZX_JOB_NO_JOBS | ZX_JOB_NO_PROCESSES, &obj);
    if (st != ZX_OK)
        return st;
    kjob_t *job = (kjob_t *)obj;
    kobj_set_name(obj, name, name ? strlen(name) : 0);
    job->parent = parent;
    kobj_created(obj, parent ? parent->obj.koid : 0, 0);
    if (parent) {
        kobj_ref(&parent->obj);
        kobj_ref(obj); /* the parent's list reference */
        job->sib_prev = parent->jobs_tail;
        if (parent->jobs_tail)
            parent->jobs_tail->sib_next = job;
        else
            parent->jobs_head = job;
        parent->jobs_tail = job;
        update_signals(parent);
    }
    *out = job;
    return ZX_OK;
}

static void job_unlink_child(kjob_t *parent, kjob_t *job)
{
    if (job->sib_prev)
        job->sib_prev->sib_next = job->sib_next;
    else
        parent->jobs_head = job->sib_next;
    if (job->sib_next)
        job->sib_next->sib_prev = job->sib_prev;
    else
        parent->jobs_tail = job->sib_prev;
    job->sib_prev = job->sib_next = NULL;
}

/* Dies when killed (or handle-less) and childless: TERMINATED, then out of the parent. */
static void maybe_finish(kjob_t *job)
{
    if (job->state == KJOB_DEAD || job->jobs_head || job->procs_head || !job->parent)
        return;
    if (job->state != KJOB_KILLING && job->obj.handle_count > 0)
        return;
    set_state(job, KJOB_DEAD);
    kobj_signal(&job->obj, 0, ZX_JOB_TERMINATED);
    kjob_t *parent = job->parent;
    job_unlink_child(parent, job);
    update_signals(parent);
    maybe_finish(parent);
    kobj_unref(&job->obj); /* the parent's list reference */
}

void kjob_process_added(kjob_t *job, kproc_t *p)
{
    kobj_ref(&p->obj);
    p->in_job = true;
    p->job_prev = job->procs_tail;
    p->job_next = NULL;
    if (job->procs_tail)
        job->procs_tail->job_next = p;
    else
        job->procs_head = p;
    job->procs_tail = p;
    update_signals(job);
}

void kjob_process_removed(kjob_t *job, kproc_t *p)
{
    SIM_ASSERT(p->in_job);
    if (p->job_prev)
        p->job_prev->job_next = p->job_next;
    else
        job->procs_head = p->job_next;
    if (p->job_next)
        p->job_next->job_prev = p->job_prev;
    else
        job->procs_tail = p->job_prev;
    p->job_prev = p->job_next = NULL;
    p->in_job = false;
    kobj_ref(&job->obj); /* finishing may drop the last reference to `job` */
    update_signals(job);
    maybe_finish(job);
    kobj_unref(&p->obj);
    kobj_unref(&job->obj);
}

void kjob_kill(kjob_t *job, int64_t retcode)
{
    if (job->state != KJOB_RUNNING)
        return;
    kobj_ref(&job->obj);
    job->retcode = retcode;
    set_state(job, KJOB_KILLING);
    for (kjob_t *j = job->jobs_head, *next; j; j = next) {
        next = j->sib_next;
        kjob_kill(j, retcode);
    }
    for (kproc_t *p = job->procs_head, *next; p; p = next) {
        next = p->job_next;
        kproc_kill(p, retcode);
    }
    maybe_finish(job);
    kobj_unref(&job->obj);
}

/* ---- Object hooks -------------------------------------------------------------------------- */

static zx_status_t job_get_info(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                                size_t buffer_size, size_t *actual, size_t *avail)
{
    (void)rights;
    kjob_t *job = kjob_from(obj);
    size_t n = 0;
    if (topic == ZX_INFO_JOB_CHILDREN) {
        for (kjob_t *j = job->jobs_head; j; j = j->sib_next)
            n++;
        zx_koid_t koids[n ? n : 1];
        n = 0;
        for (kjob_t *j = job->jobs_head; j; j = j->sib_next)
            koids[n++] = j->obj.koid;
        kobj_info_koids(buffer, buffer_size, actual, avail, koids, n);
        return ZX_OK;
    }
    SIM_ASSERT(topic == ZX_INFO_JOB_PROCESSES);
    /* Direct children only; a process still INITIAL with no handle is hidden, as upstream's
     * SimpleJobEnumerator does. A dying process is still listed until it is dead. */
    for (kproc_t *p = job->procs_head; p; p = p->job_next)
        n++;
    zx_koid_t koids[n ? n : 1];
    n = 0;
    for (kproc_t *p = job->procs_head; p; p = p->job_next) {
        if (p->state == KERNEL_PROCESS_INITIAL && p->obj.handle_count == 0)
            continue;
        koids[n++] = p->obj.koid;
    }
    kobj_info_koids(buffer, buffer_size, actual, avail, koids, n);
    return ZX_OK;
}

static zx_koid_t job_related_koid(const kobj_t *obj)
{
    const kjob_t *job = (const kjob_t *)obj;
    return job->parent ? job->parent->obj.koid : ZX_KOID_INVALID;
}

static void job_on_zero_handles(kobj_t *obj)
{
    maybe_finish(kjob_from(obj));
}

static void job_destroy(kobj_t *obj)
{
    kjob_t *job = kjob_from(obj);
    if (job->parent)
        kobj_unref(&job->parent->obj);
}
