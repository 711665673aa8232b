/* object.c - Kernel objects: koids, reference counts, the zero-handles step, signals and their
 * observers, and the generic object syscalls (signal, signal_peer, get_info, get_child,
 * get/set_property). Port of Zircon's dispatcher.cc and syscalls/object.cc.
 *
 * Signals and observers follow Dispatcher::UpdateState exactly: the new state is
 * (old & ~clear) | set; observers are looked at only when a bit of `set` was not active
 * before (clearing, or setting an already active bit, never wakes anyone); then every
 * observer whose trigger intersects the whole new state is unlinked and called. The observer
 * list is newest-first (Zircon's push_front), so of two waiters on one object the one that
 * started waiting last is woken (made ready) first; the order is a pure function of the call
 * sequence. A callback must not add or remove observers of the object that calls it.
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

const char *kobj_type_name(zx_obj_type_t type)
{
    switch (type) {
#define X(suffix, text)                                                                        \
    case ZX_OBJ_TYPE_##suffix:                                                                 \
        return text;
        KOBJ_TYPES(X)
#undef X
    default:
        return "unknown";
    }
}

/* ---- Lifetime ------------------------------------------------------------------------------ */

zx_status_t kobj_create(kernel_t *k, const kobj_ops_t *ops, size_t size, zx_signals_t signals,
                        kobj_t **out)
{
    SIM_ASSERT(size >= sizeof(kobj_t));
    SIM_ASSERT(ops->type != ZX_OBJ_TYPE_NONE);
    kobj_t *obj = calloc(1, size);
    if (!obj)
        return ZX_ERR_NO_MEMORY;
    obj->ops = ops;
    obj->k = k;
    obj->koid = k->koid_next++;
    obj->ref_count = 1;
    obj->signals = signals;
    obj->all_prev = k->objects_tail;
    if (k->objects_tail)
        k->objects_tail->all_next = obj;
    else
        k->objects_head = obj;
    k->objects_tail = obj;
    k->objects_live++;
    *out = obj;
    return ZX_OK;
}

void kobj_created(kobj_t *obj, zx_koid_t owner, uint32_t sim_thread_id)
{
    SIM_ASSERT(!obj->announced);
    obj->announced = true;
    sim_trace_event_t ev = {
        .kind = SIM_EV_OBJECT_CREATE,
        .kind_name = "sim.object_create",
        .object = obj->koid,
        .arg = {(int64_t)owner, (int64_t)obj->ops->type, (int64_t)sim_thread_id, 0},
        .text = kobj_type_name(obj->ops->type),
    };
    sim_trace_emit(obj->k->s, &ev);
    if (obj->name[0])
        sim_trace(obj->k->s, SIM_EV_OBJECT_NAME, "sim.object_name", obj->koid, 0, 0, 0,
                  obj->name);
}

void kobj_ref(kobj_t *obj)
{
    SIM_ASSERT(obj->ref_count > 0);
    obj->ref_count++;
}

static void unlink_all(kobj_t *obj)
{
    kernel_t *k = obj->k;
    if (obj->all_prev)
        obj->all_prev->all_next = obj->all_next;
    else
        k->objects_head = obj->all_next;
    if (obj->all_next)
        obj->all_next->all_prev = obj->all_prev;
    else
        k->objects_tail = obj->all_prev;
    k->objects_live--;
}

void kobj_unref(kobj_t *obj)
{
    SIM_ASSERT(obj->ref_count > 0);
    if (--obj->ref_count > 0)
        return;
    SIM_ASSERT(obj->handle_count == 0);
    SIM_ASSERT(obj->observers == NULL);
    if (obj->ops->destroy)
        obj->ops->destroy(obj);
    if (obj->announced)
        sim_trace(obj->k->s, SIM_EV_OBJECT_DESTROY, "sim.object_destroy", obj->koid, 0, 0, 0,
                  NULL);
    unlink_all(obj);
    free(obj);
}

void kobj_set_name(kobj_t *obj, const char *name, size_t len)
{
    if (len >= ZX_MAX_NAME_LEN)
        len = ZX_MAX_NAME_LEN - 1;
    memset(obj->name, 0, sizeof(obj->name));
    if (name)
        memcpy(obj->name, name, strnlen(name, len));
    if (obj->announced)
        sim_trace(obj->k->s, SIM_EV_OBJECT_NAME, "sim.object_name", obj->koid, 0, 0, 0,
                  obj->name);
}

void kobj_peer_init(kobj_t *a, kobj_t *b)
{
    SIM_ASSERT(a->ops->peered);
    SIM_ASSERT(b->ops->peered);
    SIM_ASSERT(a->peer == NULL);
    SIM_ASSERT(b->peer == NULL);
    kobj_ref(b);
    a->peer = b;
    a->peer_koid = b->koid;
    kobj_ref(a);
    b->peer = a;
    b->peer_koid = a->koid;
}

void kobj_zero_handles(kobj_t *obj)
{
    SIM_ASSERT(obj->handle_count == 0);
    kernel_trace(obj->k, KERNEL_EV_ZERO_HANDLES, obj->koid, (int64_t)obj->ops->type, 0, 0, 0,
                 0, NULL);
    /* PeeredDispatcher::on_zero_handles: take the peer, run our own step, then tell the peer. */
    kobj_t *peer = obj->peer;
    obj->peer = NULL;
    if (obj->ops->on_zero_handles)
        obj->ops->on_zero_handles(obj);
    if (!peer)
        return;
    SIM_ASSERT(peer->peer == obj);
    peer->peer = NULL;
    if (peer->ops->on_peer_zero_handles)
        peer->ops->on_peer_zero_handles(peer);
    kobj_unref(obj);  /* the peer's reference to us */
    kobj_unref(peer); /* ours to the peer */
}

/* ---- Signals and observers ----------------------------------------------------------------- */

static void observer_unlink(kobj_t *obj, kobj_observer_t *o)
{
    SIM_ASSERT(o->linked);
    if (o->prev)
        o->prev->next = o->next;
    else
        obj->observers = o->next;
    if (o->next)
        o->next->prev = o->prev;
    o->prev = o->next = NULL;
    o->linked = false;
}

void kobj_signal(kobj_t *obj, zx_signals_t clear_mask, zx_signals_t set_mask)
{
    zx_signals_t previous = obj->signals;
    zx_signals_t updated = (previous & ~clear_mask) | set_mask;
    if (updated == previous)
        return;
    obj->signals = updated;
    kernel_trace(obj->k, KERNEL_EV_SIGNAL, obj->koid, previous, updated, 0, 0, 0, NULL);
    if ((set_mask & ~previous) == 0)
        return; /* nothing became active: no observer can trigger */
    kobj_observer_t *o = obj->observers;
    while (o) {
        kobj_observer_t *next = o->next;
        if (o->trigger & updated) {
            observer_unlink(obj, o);
            o->on_match(o, updated);
        }
        o = next;
    }
}

zx_status_t kobj_observer_add(kobj_t *obj, kobj_observer_t *o, const khandle_t *handle,
                              zx_signals_t trigger, bool edge)
{
    SIM_ASSERT(o->on_match != NULL);
    SIM_ASSERT(o->on_cancel != NULL);
    if (!kobj_is_waitable(obj))
        return ZX_ERR_NOT_SUPPORTED;
    o->linked = false;
    o->handle = handle;
    o->trigger = trigger;
    if (!edge && (obj->signals & trigger)) {
        o->on_match(o, obj->signals);
        return ZX_OK;
    }
    o->prev = NULL;
    o->next = obj->observers;
    if (obj->observers)
        obj->observers->prev = o;
    obj->observers = o;
    o->linked = true;
    return ZX_OK;
}

bool kobj_observer_remove(kobj_t *obj, kobj_observer_t *o, zx_signals_t *signals)
{
    if (signals)
        *signals = obj->signals;
    if (!o->linked)
        return false;
    observer_unlink(obj, o);
    return true;
}

bool kobj_observers_cancel_if(kobj_t *obj, const khandle_t *handle,
                              bool (*pred)(kobj_observer_t *o, void *arg), void *arg)
{
    bool any = false;
    kobj_observer_t *o = obj->observers;
    while (o) {
        kobj_observer_t *next = o->next;
        if (o->handle == handle && (!pred || pred(o, arg))) {
            observer_unlink(obj, o);
            o->on_cancel(o, obj->signals);
            any = true;
        }
        o = next;
    }
    return any;
}

void kobj_observers_cancel(kobj_t *obj, const khandle_t *handle)
{
    (void)kobj_observers_cancel_if(obj, handle, NULL, NULL);
}

/* ---- Info helpers -------------------------------------------------------------------------- */

zx_status_t kobj_info_single(void *buffer, size_t buffer_size, size_t *actual, size_t *avail,
                             const void *record, size_t record_size)
{
    size_t n = buffer_size >= record_size ? 1 : 0;
    if (n) {
        if (!buffer)
            return ZX_ERR_INVALID_ARGS;
        memcpy(buffer, record, record_size);
    }
    if (actual)
        *actual = n;
    if (avail)
        *avail = 1;
    return n ? ZX_OK : ZX_ERR_BUFFER_TOO_SMALL;
}

void kobj_info_koids(void *buffer, size_t buffer_size, size_t *actual, size_t *avail,
                     const zx_koid_t *koids, size_t count)
{
    size_t room = buffer ? buffer_size / sizeof(zx_koid_t) : 0;
    size_t n = count < room ? count : room;
    if (n)
        memcpy(buffer, koids, n * sizeof(zx_koid_t));
    if (actual)
        *actual = n;
    if (avail)
        *avail = count;
}

/* ---- Syscalls ------------------------------------------------------------------------------ */

/* Dispatcher::UserSignalSelfSolo / PeeredDispatcher::user_signal_self. */
static zx_status_t user_signal(kobj_t *target, const kobj_t *obj, uint32_t clear_mask,
                               uint32_t set_mask)
{
    zx_signals_t allowed = ZX_USER_SIGNAL_ALL | obj->ops->extra_user_signals;
    if ((set_mask & ~allowed) || (clear_mask & ~allowed))
        return ZX_ERR_INVALID_ARGS;
    kobj_signal(target, clear_mask, set_mask);
    return ZX_OK;
}

/* zx_object_signal */
static zx_status_t sys_object_signal(const kctx_t *c, zx_handle_t handle, uint32_t clear_mask,
                                     uint32_t set_mask)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SIGNAL, &h);
    if (st != ZX_OK)
        return st;
    return user_signal(h->obj, h->obj, clear_mask, set_mask);
}

zx_status_t zx_object_signal(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_signal, handle);
    zx_status_t st = sys_object_signal(&call.ctx, handle, clear_mask, set_mask);
    return kcall_end(&call, st, clear_mask, set_mask, handle, 0);
}

/* zx_object_signal_peer */
static zx_status_t sys_object_signal_peer(const kctx_t *c, zx_handle_t handle,
                                          uint32_t clear_mask, uint32_t set_mask)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SIGNAL_PEER, &h);
    if (st != ZX_OK)
        return st;
    kobj_t *obj = h->obj;
    if (!obj->ops->peered)
        return ZX_ERR_NOT_SUPPORTED; /* SoloDispatcher::user_signal_peer */
    zx_signals_t allowed = ZX_USER_SIGNAL_ALL | obj->ops->extra_user_signals;
    if ((set_mask & ~allowed) || (clear_mask & ~allowed))
        return ZX_ERR_INVALID_ARGS;
    if (!obj->peer)
        return ZX_ERR_PEER_CLOSED;
    return user_signal(obj->peer, obj, clear_mask, set_mask);
}

zx_status_t zx_object_signal_peer(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_signal_peer, handle);
    zx_status_t st = sys_object_signal_peer(&call.ctx, handle, clear_mask, set_mask);
    return kcall_end(&call, st, clear_mask, set_mask, handle, 0);
}

/* Topics served by a type's get_info hook, with the type and right the handle needs. */
static const struct info_topic {
    uint32_t topic;
    zx_obj_type_t type;
    zx_rights_t rights;
} info_topics[] = {
    {ZX_INFO_PROCESS, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_INSPECT},
    {ZX_INFO_PROCESS_THREADS, ZX_OBJ_TYPE_PROCESS, ZX_RIGHT_ENUMERATE},
    {ZX_INFO_JOB_CHILDREN, ZX_OBJ_TYPE_JOB, ZX_RIGHT_ENUMERATE},
    {ZX_INFO_JOB_PROCESSES, ZX_OBJ_TYPE_JOB, ZX_RIGHT_ENUMERATE},
    {ZX_INFO_THREAD, ZX_OBJ_TYPE_THREAD, ZX_RIGHT_INSPECT},
    {ZX_INFO_TIMER, ZX_OBJ_TYPE_TIMER, ZX_RIGHT_INSPECT},
    {ZX_INFO_VMO, ZX_OBJ_TYPE_VMO, ZX_RIGHT_INSPECT}, /* vmo.c */
};

static zx_status_t info_handle_basic(const khandle_t *h, void *buffer, size_t buffer_size,
                                     size_t *actual, size_t *avail)
{
    const kobj_t *obj = h->obj;
    zx_koid_t related = obj->ops->peered ? obj->peer_koid : 0;
    if (obj->ops->related_koid)
        related = obj->ops->related_koid(obj);
    zx_info_handle_basic_t info = {
        .koid = obj->koid,
        .rights = h->rights,
        .type = obj->ops->type,
        .related_koid = related,
    };
    return kobj_info_single(buffer, buffer_size, actual, avail, &info, sizeof(info));
}

/* zx_object_get_info */
static zx_status_t sys_object_get_info(const kctx_t *c, zx_handle_t handle, uint32_t topic,
                                      void *buffer, size_t buffer_size, size_t *actual,
                                      size_t *avail)
{
    khandle_t *h;
    zx_status_t st;
    switch (topic) {
    case ZX_INFO_HANDLE_VALID:
        return kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_NONE, &h);
    case ZX_INFO_HANDLE_BASIC:
        st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_NONE, &h);
        return st != ZX_OK ? st : info_handle_basic(h, buffer, buffer_size, actual, avail);
    case ZX_INFO_HANDLE_COUNT: {
        st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_INSPECT, &h);
        if (st != ZX_OK)
            return st;
        zx_info_handle_count_t info = {.handle_count = h->obj->handle_count};
        return kobj_info_single(buffer, buffer_size, actual, avail, &info, sizeof(info));
    }
    default:
        break;
    }
    for (size_t i = 0; i < sizeof(info_topics) / sizeof(info_topics[0]); i++) {
        if (info_topics[i].topic != topic)
            continue;
        st = kobj_lookup(c, handle, info_topics[i].type, info_topics[i].rights, &h);
        if (st != ZX_OK)
            return st;
        SIM_ASSERT(h->obj->ops->get_info != NULL);
        return h->obj->ops->get_info(h->obj, h->rights, topic, buffer, buffer_size, actual,
                                     avail);
    }
    return ZX_ERR_NOT_SUPPORTED;
}

zx_status_t zx_object_get_info(zx_handle_t handle, uint32_t topic, void *buffer,
                               size_t buffer_size, size_t *actual, size_t *avail)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_get_info, handle);
    zx_status_t st =
        sys_object_get_info(&call.ctx, handle, topic, buffer, buffer_size, actual, avail);
    return kcall_end(&call, st, topic, (int64_t)buffer_size, handle, 0);
}

/* The live child with `koid` of a process (its threads) or job (child jobs, then processes). */
static kobj_t *find_child(kobj_t *parent, zx_koid_t koid)
{
    if (parent->ops->type == ZX_OBJ_TYPE_PROCESS) {
        for (kthread_t *t = kproc_from(parent)->threads_head; t; t = t->proc_next) {
            if (t->obj.koid == koid)
                return &t->obj;
        }
        return NULL;
    }
    kjob_t *job = kjob_from(parent);
    for (kjob_t *j = job->jobs_head; j; j = j->sib_next) {
        if (j->obj.koid == koid)
            return &j->obj;
    }
    for (kproc_t *p = job->procs_head; p; p = p->job_next) {
        if (p->obj.koid == koid)
            return &p->obj;
    }
    return NULL;
}

/* zx_object_get_child */
static zx_status_t sys_object_get_child(const kctx_t *c, zx_handle_t handle, uint64_t koid,
                                        zx_rights_t rights, zx_handle_t *out)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_NONE, &h);
    if (st != ZX_OK)
        return st;
    if (!(h->rights & ZX_RIGHT_ENUMERATE))
        return ZX_ERR_ACCESS_DENIED;
    if (rights == ZX_RIGHT_SAME_RIGHTS)
        rights = h->rights;
    else if ((h->rights & rights) != rights)
        return ZX_ERR_ACCESS_DENIED;
    zx_obj_type_t type = h->obj->ops->type;
    if (type != ZX_OBJ_TYPE_PROCESS && type != ZX_OBJ_TYPE_JOB)
        return ZX_ERR_WRONG_TYPE;
    kobj_t *child = find_child(h->obj, koid);
    if (!child)
        return ZX_ERR_NOT_FOUND;
    return kobj_handle_install(c, child, rights, out);
}

zx_status_t zx_object_get_child(zx_handle_t handle, uint64_t koid, zx_rights_t rights,
                                zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_get_child, handle);
    zx_status_t st = sys_object_get_child(&call.ctx, handle, koid, rights, out);
    return kcall_end(&call, st, (int64_t)koid, rights, handle, 0);
}

/* zx_object_get_property */
static zx_status_t sys_object_get_property(const kctx_t *c, zx_handle_t handle,
                                           uint32_t property, void *value, size_t value_size)
{
    if (!value)
        return ZX_ERR_INVALID_ARGS;
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_GET_PROPERTY, &h);
    if (st != ZX_OK)
        return st;
    if (property != ZX_PROP_NAME)
        return ZX_ERR_INVALID_ARGS;
    if (value_size < ZX_MAX_NAME_LEN)
        return ZX_ERR_BUFFER_TOO_SMALL;
    if (!h->obj->ops->has_name)
        return ZX_ERR_WRONG_TYPE;
    memcpy(value, h->obj->name, ZX_MAX_NAME_LEN);
    return ZX_OK;
}

zx_status_t zx_object_get_property(zx_handle_t handle, uint32_t property, void *value,
                                   size_t value_size)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_get_property, handle);
    zx_status_t st = sys_object_get_property(&call.ctx, handle, property, value, value_size);
    return kcall_end(&call, st, property, (int64_t)value_size, handle, 0);
}

/* zx_object_set_property */
static zx_status_t sys_object_set_property(const kctx_t *c, zx_handle_t handle,
                                           uint32_t property, const void *value,
                                           size_t value_size)
{
    if (!value)
        return ZX_ERR_INVALID_ARGS;
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, handle, ZX_OBJ_TYPE_NONE, ZX_RIGHT_SET_PROPERTY, &h);
    if (st != ZX_OK)
        return st;
    if (property != ZX_PROP_NAME)
        return ZX_ERR_INVALID_ARGS;
    if (!h->obj->ops->has_name)
        return ZX_ERR_WRONG_TYPE;
    kobj_set_name(h->obj, value, value_size);
    return ZX_OK;
}

zx_status_t zx_object_set_property(zx_handle_t handle, uint32_t property, const void *value,
                                   size_t value_size)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_object_set_property, handle);
    zx_status_t st = sys_object_set_property(&call.ctx, handle, property, value, value_size);
    return kcall_end(&call, st, property, (int64_t)value_size, handle, 0);
}
