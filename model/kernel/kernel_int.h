/* kernel_int.h - What the files of model/kernel share: the kernel instance, the object header
 * and its ops table, handles and handle tables, signals and observers, the blocking machinery
 * (kblock), kernel threads, and the syscall entry (kcall). Not for use outside model/kernel;
 * tests include it only for white-box checks.
 *
 * How to add an object type (channel.c, vmo.c, pager.c, mutex.c do this):
 *  1. Embed `kobj_t obj` as the FIRST member of the type's struct and define a
 *     `static const kobj_ops_t` with its type, default rights, extra user-settable signals and
 *     the optional hooks (zero handles, peer zero handles, get_info, destroy, teardown).
 *  2. Create with kobj_create() (allocates, assigns the next koid, one reference owned by the
 *     caller), set it up, then kobj_created() (traces SIM_EV_OBJECT_CREATE) and
 *     kobj_handle_install() for each handle the caller receives; drop the creation reference
 *     with kobj_unref() once the handles hold theirs.
 *  3. Look handles up with kobj_lookup(c, value, type, rights, &h): BAD_HANDLE, WRONG_TYPE,
 *     ACCESS_DENIED in Zircon's order. The object is borrowed until the syscall parks or closes
 *     a handle; take kobj_ref() across a park.
 *  4. Change signals with kobj_signal(obj, clear, set): waiters whose signals became active are
 *     woken synchronously, in Zircon's order (newest observer first), and the change is traced.
 *  5. A blocking syscall body is a restartable step: register observers (their callbacks call
 *     kblock_wake), then `st = kblock_park(c, &b, reason, koid, deadline)`, unregister, and
 *     return st. A suspend of the thread makes kblock_park return ZX_ERR_INTERNAL_INTR_RETRY;
 *     the zx_ wrapper loops with KCALL_RESTART, which parks while the thread is suspended and
 *     calls the body again with the original arguments (so the absolute deadline is kept). A
 *     kill returns ZX_ERR_INTERNAL_INTR_KILLED: return it; the thread ends in kcall_end().
 *  6. The zx_ wrapper: kcall_begin(&call, KERNEL_SYSCALL_x, handle) (charges the cost, safe
 *     point), the sys_ body, then `return kcall_end(&call, st, a0, a1, a2, a3)` (trace + safe
 *     point). Put it under a one-line `/ * zx_name * /` marker after the sys_ body.
 *  7. Trace extra facts with kernel_trace(k, KIND, koid, a0..a3, status, text) using kinds of
 *     the type's reserved range in KERNEL_TRACE_KINDS.
 */
#ifndef WAKESIM_MODEL_KERNEL_KERNEL_INT_H
#define WAKESIM_MODEL_KERNEL_KERNEL_INT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wakesim/kernel.h>
#include <zircon/errors.h>
#include <zircon/syscalls.h>
#include <zircon/types.h>

#include "sim.h"

typedef struct kobj kobj_t;
typedef struct kobj_ops kobj_ops_t;
typedef struct kobj_observer kobj_observer_t;
typedef struct khandle khandle_t;
typedef struct kproc kproc_t;
typedef struct kjob kjob_t;
typedef struct kthread kthread_t;
typedef struct ktask ktask_t;
typedef struct kblock kblock_t;
typedef struct kctx kctx_t;

#define KCONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- Pools (kpool.c) --------------------------------------------------------------------- */

/* Fixed-size nodes (handles, port observers, user packets) reused through a free list, so that
 * steady-state handle churn and wait_async registrations allocate nothing. Chunks are freed
 * only by kpool_deinit. Reuse order is LIFO and deterministic. */
typedef struct kpool {
    size_t node_size; /* bytes per node, at least a pointer */
    void *free;       /* free list threaded through the nodes */
    void *chunks;     /* chunks allocated so far, each starting with the next-chunk link */
    uint64_t live;    /* nodes handed out and not yet freed */
} kpool_t;

void kpool_init(kpool_t *pool, size_t node_size);
void kpool_deinit(kpool_t *pool);
void *kpool_alloc(kpool_t *pool); /* zeroed node, or NULL when out of memory */
void kpool_free(kpool_t *pool, void *node);

/* ---- The kernel instance (kernel.c) -------------------------------------------------------- */

struct kernel {
    sim_t *s;
    kernel_costs_t costs;
    zx_koid_t koid_next;          /* next koid to hand out, from ZX_KOID_FIRST */
    kobj_t *objects_head;         /* every live object, in koid order */
    kobj_t *objects_tail;
    uint64_t objects_live;
    kpool_t handle_pool;          /* khandle_t */
    kpool_t port_observer_pool;   /* port.c */
    kpool_t port_packet_pool;     /* port.c: user packets */
    kjob_t *root_job;             /* holds one reference */
    kproc_t *bootstrap;           /* holds one reference */
    zx_handle_t root_job_handle;  /* in the bootstrap process */
};

/* The calling context of a syscall: who calls, in which process. */
struct kctx {
    kernel_t *k;
    kproc_t *proc;        /* the caller's process; the bootstrap process outside kernel threads */
    kthread_t *thread;    /* NULL outside kernel threads */
    ktask_t *task;        /* NULL outside kernel threads */
    sim_task_t *sim_task; /* NULL outside any engine task: such a caller must never block */
};

/* Fills `c` for the code running now, on the current kernel (asserts there is one). */
void kctx_current(kctx_t *c);

/* Emits a kernel trace event; `text` is borrowed for the call. */
void kernel_trace(kernel_t *k, uint32_t kind, zx_koid_t object, int64_t a0, int64_t a1,
                  int64_t a2, int64_t a3, zx_status_t status, const char *text);

/* ---- Objects (object.c) -------------------------------------------------------------------- */

/* X(ZX_OBJ_TYPE_ suffix, printable name): the object types the model knows. */
#define KOBJ_TYPES(X)                                                                          \
    X(PROCESS, "process")                                                                      \
    X(THREAD, "thread")                                                                        \
    X(VMO, "vmo")                                                                              \
    X(CHANNEL, "channel")                                                                      \
    X(EVENT, "event")                                                                          \
    X(PORT, "port")                                                                            \
    X(EVENTPAIR, "eventpair")                                                                  \
    X(JOB, "job")                                                                              \
    X(TIMER, "timer")                                                                          \
    X(SUSPEND_TOKEN, "suspend_token")                                                          \
    X(PAGER, "pager")                                                                          \
    X(COUNTER, "counter")

/* "eventpair" for ZX_OBJ_TYPE_EVENTPAIR; "unknown" otherwise. */
const char *kobj_type_name(zx_obj_type_t type);

struct kobj_ops {
    zx_obj_type_t type;
    zx_rights_t default_rights; /* also decides waitability: waitable iff it has WAIT */
    /* Bits beyond ZX_USER_SIGNAL_ALL that zx_object_signal(_peer) may set or clear. */
    zx_signals_t extra_user_signals;
    bool peered;   /* zx_object_signal_peer works (eventpair, channel) */
    bool has_name; /* ZX_PROP_NAME is supported (tasks, VMOs) */
    /* Optional: ZX_INFO_HANDLE_BASIC's related_koid for non-peered types. */
    zx_koid_t (*related_koid)(const kobj_t *obj);
    /* Optional: the last handle closed (waits through it are already canceled). */
    void (*on_zero_handles)(kobj_t *obj);
    /* Optional, peered types: the peer's last handle closed; obj->peer is already NULL. */
    void (*on_peer_zero_handles)(kobj_t *obj);
    /* Optional: a topic of this type listed in object.c's topic table; the handle was already
     * checked for type and rights, and `rights` are its rights (ZX_INFO_VMO reports them).
     * Fill through kobj_info_single / kobj_info_koids. */
    zx_status_t (*get_info)(kobj_t *obj, zx_rights_t rights, uint32_t topic, void *buffer,
                            size_t buffer_size, size_t *actual, size_t *avail);
    /* Optional: the last reference is gone; drop references to other objects. object.c frees
     * the memory afterwards. */
    void (*destroy)(kobj_t *obj);
    /* Optional: kernel_destroy frees objects without destroy(); disarm engine timers here. */
    void (*teardown)(kobj_t *obj);
};

struct kobj {
    /* read-only outside object.c */
    const kobj_ops_t *ops;
    kernel_t *k;
    zx_koid_t koid;
    uint32_t ref_count;    /* handles, parents, waits in progress, creator */
    uint32_t handle_count; /* handles in tables and in transit */
    zx_signals_t signals;
    kobj_t *peer;          /* peered types: the other endpoint (a reference), NULL once closed */
    zx_koid_t peer_koid;   /* peered types: the other endpoint's koid, forever */
    char name[ZX_MAX_NAME_LEN];
    /* private to object.c */
    kobj_t *all_prev, *all_next;
    kobj_observer_t *observers; /* newest first, as Zircon's observers_.push_front */
    bool announced;             /* SIM_EV_OBJECT_CREATE was traced */
};

/* Allocates `size` zeroed bytes (a struct that starts with kobj_t), assigns the next koid and
 * the initial signals. The caller owns the one reference. ZX_ERR_NO_MEMORY on failure. */
zx_status_t kobj_create(kernel_t *k, const kobj_ops_t *ops, size_t size, zx_signals_t signals,
                        kobj_t **out);
/* Traces SIM_EV_OBJECT_CREATE (and the name, if set). `owner` is the koid of the parent task or
 * creating process; `sim_thread_id` is the engine thread of a thread object, else 0. */
void kobj_created(kobj_t *obj, zx_koid_t owner, uint32_t sim_thread_id);
void kobj_ref(kobj_t *obj);
/* Drops a reference; the last one runs ops->destroy and frees the object. */
void kobj_unref(kobj_t *obj);
/* Sets the name (truncated to ZX_MAX_NAME_LEN - 1) and traces SIM_EV_OBJECT_NAME. */
void kobj_set_name(kobj_t *obj, const char *name, size_t len);
/* The zero-handles step (handle_table.c calls it when handle_count drops to 0): the type's
 * hook, then, for peered types, the peer's on_peer_zero_handles. */
void kobj_zero_handles(kobj_t *obj);
/* Links two endpoints as peers; each holds a reference to the other until its last handle
 * closes. */
void kobj_peer_init(kobj_t *a, kobj_t *b);

static inline bool kobj_is_waitable(const kobj_t *obj)
{
    return (obj->ops->default_rights & ZX_RIGHT_WAIT) != 0;
}

/* Zircon's UpdateState: clear, then set; when a bit became newly active, every observer whose
 * trigger matches the new state is removed and called (newest first). Traces the change. */
void kobj_signal(kobj_t *obj, zx_signals_t clear_mask, zx_signals_t set_mask);

/* An observer of an object's signals (a wait in progress, a port registration). Caller-
 * allocated: it lives on the waiting coroutine's stack or in a port observer node. */
typedef void (*kobj_observer_fn)(kobj_observer_t *o, zx_signals_t signals);
struct kobj_observer {
    /* public: set before kobj_observer_add */
    kobj_observer_fn on_match;  /* a trigger bit became active; called after removal */
    kobj_observer_fn on_cancel; /* its handle closed or it was canceled; after removal */
    /* private */
    kobj_observer_t *prev, *next;
    const khandle_t *handle; /* the handle it was registered through (cancellation key) */
    zx_signals_t trigger;
    bool linked;
};

/* Registers `o` (AddObserver): NOT_SUPPORTED if the object is not waitable. Unless `edge`, a
 * trigger already active calls on_match at once and leaves `o` unlinked. Callbacks must not
 * add or remove observers of the same object. */
zx_status_t kobj_observer_add(kobj_t *obj, kobj_observer_t *o, const khandle_t *handle,
                              zx_signals_t trigger, bool edge);
/* Unregisters `o` if still linked (returns whether it was); `*signals` (may be NULL) gets the
 * object's current signals. */
bool kobj_observer_remove(kobj_t *obj, kobj_observer_t *o, zx_signals_t *signals);
/* Cancels every observer registered through `handle` (handle close). */
void kobj_observers_cancel(kobj_t *obj, const khandle_t *handle);
/* Cancels the observers registered through `handle` for which pred(o, arg) holds; returns
 * whether any was (zx_port_cancel). */
bool kobj_observers_cancel_if(kobj_t *obj, const khandle_t *handle,
                              bool (*pred)(kobj_observer_t *o, void *arg), void *arg);

/* zx_object_get_info helpers, as Zircon's single_record_result and the koid-list topics. */
zx_status_t kobj_info_single(void *buffer, size_t buffer_size, size_t *actual, size_t *avail,
                             const void *record, size_t record_size);
void kobj_info_koids(void *buffer, size_t buffer_size, size_t *actual, size_t *avail,
                     const zx_koid_t *koids, size_t count);

/* ---- Handles (handle_table.c) ---------------------------------------------------------------- */

struct khandle {
    kobj_t *obj;        /* holds one reference and one handle count */
    zx_rights_t rights;
    kproc_t *owner;     /* the table it is in; NULL in transit (inside a channel message) */
    zx_handle_t value;  /* its value in owner's table; ZX_HANDLE_INVALID in transit */
};

typedef struct handle_slot {
    khandle_t *handle; /* NULL when free */
    uint32_t gen;      /* bumped on each reuse, so a stale value never aliases a new handle */
    uint32_t next_free;
} handle_slot_t;

typedef struct handle_table {
    handle_slot_t *slots;
    uint32_t count;     /* slots in use or freed */
    uint32_t capacity;
    uint32_t free_head; /* index + 1 of the first free slot, 0 if none */
    uint32_t live;      /* handles in the table */
} handle_table_t;

/* Creates a detached handle: takes a reference and a handle count on `obj`. NULL on OOM. */
khandle_t *khandle_create(kobj_t *obj, zx_rights_t rights);
/* Closes a detached handle: cancels waits made through it, drops the handle count (running
 * the zero-handles step when it was the last) and the reference. */
void khandle_destroy(khandle_t *h);

void handle_table_init(handle_table_t *t);
/* Frees the table's memory; every handle must be gone (handle_table_close_all). */
void handle_table_deinit(handle_table_t *t);
/* Puts a detached handle into `p`'s table; `*out` gets its value. ZX_ERR_NO_MEMORY. */
zx_status_t handle_table_attach(kproc_t *p, khandle_t *h, zx_handle_t *out);
/* The handle with `value` in `p`'s table, or NULL (not a valid handle there). */
khandle_t *handle_table_lookup(kproc_t *p, zx_handle_t value);
/* Removes and returns the handle (now detached), or NULL if `value` is not valid. */
khandle_t *handle_table_detach(kproc_t *p, zx_handle_t value);
/* Closes every handle of `p`, in slot order (process death). */
void handle_table_close_all(kproc_t *p);

/* Zircon's GetDispatcherWithRights: BAD_HANDLE, then WRONG_TYPE (unless `type` is
 * ZX_OBJ_TYPE_NONE), then ACCESS_DENIED when `rights` are not all present. `*out` is borrowed. */
zx_status_t kobj_lookup(const kctx_t *c, zx_handle_t value, zx_obj_type_t type,
                        zx_rights_t rights, khandle_t **out);
/* Creates a handle to `obj` with `rights` in the caller's table (MakeAndAddHandle). */
zx_status_t kobj_handle_install(const kctx_t *c, kobj_t *obj, zx_rights_t rights,
                                zx_handle_t *out);

/* ---- Blocking (thread.c) ------------------------------------------------------------------- */

typedef enum kblock_kind {
    KBLOCK_WAIT = 0,      /* a blocking syscall: a suspend interrupts it (INTR_RETRY) */
    KBLOCK_AWAIT = 1,     /* a cooperative await (SIM_PARK_TASK): suspend leaves it armed */
    KBLOCK_BURN = 2,      /* a CPU burst: only a kill ends it early */
    KBLOCK_SUSPENDED = 3, /* parked at a safe point while the thread is suspended */
} kblock_kind_t;

/* One park of one task; lives on that task's stack. */
struct kblock {
    /* private */
    sim_task_t *task;   /* the parked task; NULL outside tasks */
    zx_status_t status; /* what the waker passed */
    bool woken;         /* a waker decided the outcome (the first one wins) */
    uint8_t kind;       /* kblock_kind_t */
};

void kblock_init(kblock_t *b, const kctx_t *c, kblock_kind_t kind);
/* Parks the caller until kblock_wake() or `deadline` (monotonic; ZX_TIME_INFINITE = never, a
 * past deadline = do not park). Returns the waker's status if woken (even when the deadline
 * has passed too), else ZX_ERR_TIMED_OUT. A KBLOCK_WAIT returns ZX_ERR_INTERNAL_INTR_RETRY
 * when the thread must suspend and ZX_ERR_INTERNAL_INTR_KILLED when it was killed, without
 * parking if that was already so. `reason` (ZX_THREAD_STATE_BLOCKED_*) is what
 * ZX_INFO_THREAD reports meanwhile; `koid` is for the trace. Outside tasks it asserts that it
 * would not block. */
zx_status_t kblock_park(const kctx_t *c, kblock_t *b, zx_thread_state_t reason, zx_koid_t koid,
                        zx_instant_mono_t deadline);
/* Wakes the task parked on `b` with `status`, unless it was already woken or is not parked
 * any more (timed out); returns whether this call woke it. Never blocks (timer callbacks and
 * observers call it). */
bool kblock_wake(kernel_t *k, kblock_t *b, zx_status_t status);

/* ---- Tasks: jobs, processes, threads (job.c, process.c, thread.c) -------------------------- */

typedef enum kthread_lifecycle {
    KTHREAD_RUNNING = 0, /* started (SUSPENDED is the `suspended` flag below) */
    KTHREAD_DYING = 1,
    KTHREAD_DEAD = 2,
} kthread_lifecycle_t;

typedef struct kspawn kspawn_t; /* start record of a task (thread.c) */

/* Lock-free by construction: everything runs on one host thread, and a simulated thread only
 * changes these fields while it runs or from another thread's syscall, never concurrently. */
struct kthread {
    kobj_t obj;
    kproc_t *proc;              /* a reference */
    sim_thread_t *sim_thread;
    kthread_t *proc_prev, *proc_next; /* in the process's thread list while not dead */
    ktask_t *tasks_head, *tasks_tail; /* live tasks, in start order */
    kspawn_t *spawns;           /* start records, freed with the thread object */
    uint32_t tasks_alive;       /* spawned and not yet returned */
    uint32_t tasks_active;      /* tasks away from a safe point: user code or kernel code */
    uint32_t suspend_count;     /* open suspend tokens on this thread */
    zx_thread_state_t blocked_reason; /* of the task blocking the thread in a syscall, or 0 */
    uint8_t lifecycle;          /* kthread_lifecycle_t */
    bool suspended;             /* SUSPENDED asserted: stopped at a safe point */
    bool killed;                /* every task ends at its next safe point */
};

#define KTASK_MAGIC 0x6b7461736bu /* "ktask" */

/* A cooperative task of a kernel thread; lives at the bottom of its own coroutine stack. */
struct ktask {
    uint64_t magic;          /* KTASK_MAGIC: the engine task's data really is a ktask */
    kthread_t *thread;
    ktask_t *prev, *next;
    kblock_t *block;         /* the park it is in, NULL while it runs */
    bool active;             /* counted in thread->tasks_active */
    jmp_buf exit_jmp;        /* where a killed or exiting task unwinds to */
};

struct kproc {
    kobj_t obj;
    kjob_t *job;                 /* a reference */
    kproc_t *job_prev, *job_next; /* in the job's process list while not dead */
    kthread_t *threads_head, *threads_tail;
    handle_table_t handles;
    uint32_t suspend_count;      /* open suspend tokens on this process */
    uint8_t state;               /* kernel_process_state_t */
    bool in_job;                 /* linked in job's list */
    int64_t retcode;
    zx_instant_mono_t start_time_mono;
};

typedef enum kjob_state {
    KJOB_RUNNING = 0,
    KJOB_KILLING = 1,
    KJOB_DEAD = 2,
} kjob_state_t;

struct kjob {
    kobj_t obj;
    kjob_t *parent;                 /* a reference; NULL for the root job */
    kjob_t *sib_prev, *sib_next;    /* in the parent's job list while not dead */
    kjob_t *jobs_head, *jobs_tail;  /* child jobs */
    kproc_t *procs_head, *procs_tail; /* child processes */
    uint8_t state;                  /* kjob_state_t */
    int64_t retcode;
};

/* job.c */
zx_status_t kjob_create(kernel_t *k, kjob_t *parent, const char *name, kjob_t **out);
void kjob_kill(kjob_t *job, int64_t retcode);
/* A child process or job joined (`added`) or died: updates NO_PROCESSES / NO_JOBS and finishes
 * a killed or orphaned job. */
void kjob_process_added(kjob_t *job, kproc_t *p);
void kjob_process_removed(kjob_t *job, kproc_t *p);
kjob_t *kjob_from(kobj_t *obj);

/* process.c */
zx_status_t kproc_create(kernel_t *k, kjob_t *job, const char *name, kproc_t **out);
void kproc_kill(kproc_t *p, int64_t retcode);
/* BAD_STATE when dying or dead; else counts one token and suspends every thread. */
zx_status_t kproc_suspend(kproc_t *p);
void kproc_resume(kproc_t *p);
/* Thread bookkeeping (thread.c calls these). */
zx_status_t kproc_thread_add(kproc_t *p, kthread_t *t);
void kproc_thread_remove(kproc_t *p, kthread_t *t);
kproc_t *kproc_from(kobj_t *obj);

/* thread.c */
zx_status_t kthread_create(const kctx_t *c, kproc_t *p, const char *name, kernel_thread_fn fn,
                           void *arg, const kernel_thread_opts_t *opts, kthread_t **out);
/* Ends the thread: every task ends at its next safe point; parked tasks are woken for it. */
void kthread_kill(kthread_t *t);
/* BAD_STATE when dying or dead; else counts one token (and suspends if it is the first). */
zx_status_t kthread_suspend(kthread_t *t);
void kthread_resume(kthread_t *t);
/* Suspend state changed (a process token came or went): suspend or resume as needed. */
void kthread_suspend_update(kthread_t *t);
/* Parks the running task while its thread must be suspended (asserting SUSPENDED first);
 * returns at once if the thread was killed. Safe inside a syscall body. May block. */
void kthread_suspend_wait(const kctx_t *c);
/* A safe point of the running task: kthread_suspend_wait, then ends the task if the thread was
 * killed. Only where no kernel record of the task is linked anywhere (outside sys_ bodies).
 * May block. */
void kthread_safe_point(const kctx_t *c);
/* Charges `duration` of CPU time to the running kernel thread (kernel code: no safe point;
 * a kill ends the task at once). */
void kthread_charge(const kctx_t *c, zx_duration_t duration);
/* Ends the calling task now (it never returns to its caller). */
_Noreturn void kthread_exit_task(const kctx_t *c);
zx_thread_state_t kthread_state(const kthread_t *t);
kthread_t *kthread_from(kobj_t *obj);

/* ---- Syscall entry (kcall.c) ----------------------------------------------------------------- */

typedef struct kcall {
    kctx_t ctx;
    kernel_syscall_t id;
    zx_koid_t koid; /* of the handle argument at entry, for the trace (0 if none/invalid) */
} kcall_t;

/* Entry of a zx_ call: resolves the caller, records the handle's koid, passes a safe point (a
 * pending suspend takes effect before the call acts) and charges the cost. May block. */
void kcall_begin(kcall_t *call, kernel_syscall_t id, zx_handle_t handle);
/* After a body returned ZX_ERR_INTERNAL_INTR_RETRY: parks while the thread is suspended (or
 * ends it if killed), then returns true so that the body is issued again. May block. */
bool kcall_retry(kcall_t *call);
/* Exit of a zx_ call: traces KERNEL_EV_SYSCALL with `status` and a0..a3, passes a safe point
 * (a killed thread ends here) and returns `status`. May block. */
zx_status_t kcall_end(kcall_t *call, zx_status_t status, int64_t a0, int64_t a1, int64_t a2,
                      int64_t a3);

/* Issues `expr` until it returns something else than ZX_ERR_INTERNAL_INTR_RETRY (Zircon's
 * vDSO re-issuing an interrupted syscall after resume). */
#define KCALL_RESTART(call, status, expr)                                                      \
    do {                                                                                       \
        (status) = (expr);                                                                     \
    } while ((status) == ZX_ERR_INTERNAL_INTR_RETRY && kcall_retry(call))

/* ---- Cross-file helpers -------------------------------------------------------------------- */

/* object_wait.c: the body of zx_object_wait_many and kernel_await_many (`kind` KBLOCK_WAIT or
 * KBLOCK_AWAIT). */
zx_status_t object_wait_many(const kctx_t *c, zx_wait_item_t *items, size_t count,
                             zx_instant_mono_t deadline, kblock_kind_t kind);
zx_status_t object_wait_one(const kctx_t *c, zx_handle_t handle, zx_signals_t signals,
                            zx_instant_mono_t deadline, zx_signals_t *observed,
                            kblock_kind_t kind);

/* ---- Ports (port.c) -------------------------------------------------------------------------- */

/* A packet queued on a port. Kernel-owned packets (page requests) embed one and get it back
 * through `release` once the port is done with it (dequeued, canceled, or port closed). */
typedef struct kport_packet kport_packet_t;
struct kport_packet {
    /* public */
    zx_port_packet_t packet;
    void (*release)(kport_packet_t *pkt); /* may be NULL */
    void *data;                           /* for the owner */
    /* private */
    kport_packet_t *prev, *next;
    const khandle_t *handle; /* source handle of a wait_async packet, for zx_port_cancel */
    zx_koid_t source_koid;   /* for the trace */
    bool queued;
    uint8_t origin;          /* port.c: user packet, observer packet or external */
};

/* Queues `pkt` (type and payload set by the caller) at the tail of `port` and wakes one
 * waiter. ZX_ERR_BAD_HANDLE if the port's last handle is closed (the packet is then not
 * queued and not released). */
zx_status_t port_queue_packet(kobj_t *port, kport_packet_t *pkt);
/* Removes `pkt` if still queued (it is then released); returns whether it was. */
bool port_dequeue_packet(kobj_t *port, kport_packet_t *pkt);
/* zx_object_wait_async's registration (MakePortObserver) through `source`. */
zx_status_t port_observe(khandle_t *source, kobj_t *port, uint64_t key, zx_signals_t signals,
                         uint32_t options);

/* ---- VMOs and pagers (vmo.c, pager.c) -------------------------------------------------------- */

/* A VMO object (vmo.c) and the pager side of a pager-backed VMO (pager.c: Zircon's PagerProxy
 * and PageSource in one). A root VMO owns the pages; REFERENCE and SLICE children are windows on
 * their root. Offsets passed between the two files are bytes in the root. */
typedef struct kvmo kvmo_t;
typedef struct kpager_src kpager_src_t;

/* VmPageList::MAX_SIZE: the largest VMO size, also the size of an UNBOUNDED VMO. */
#define KVMO_SIZE_MAX ((uint64_t)0xfffffffffffe0000u)

/* vmo.c */
/* Tests: let vmo.c and pager.c make `count` more allocations, then fail with NO_MEMORY
 * (-1: no limit, the default). Per host thread. */
void kvmo_test_set_alloc_limit(int64_t count);
/* Takes one allocation from that budget; false = fail with NO_MEMORY. */
bool kvmo_alloc_ok(void);
kvmo_t *kvmo_from(kobj_t *obj);
kobj_t *kvmo_obj(kvmo_t *vmo);
/* parse_create_syscall_flags: RESIZABLE, DISCARDABLE, UNBOUNDED; `*size_out` gets the rounded
 * size. INVALID_ARGS (unknown bit, RESIZABLE with UNBOUNDED), OUT_OF_RANGE (too large). */
zx_status_t kvmo_parse_options(uint32_t options, uint64_t size, uint32_t *flags_out,
                               uint64_t *size_out);
/* Creates a root VMO of `size_bytes` (page aligned) with `flags` from kvmo_parse_options. A
 * non-NULL `src` makes it pager-backed by the pager `pager_koid` (the VMO keeps `src` until
 * kvmo_source_closed or its destruction). The caller owns the one reference. NO_MEMORY. */
zx_status_t kvmo_create_root(kernel_t *k, uint64_t size_bytes, uint32_t flags,
                             kpager_src_t *src, zx_koid_t pager_koid, bool trap_dirty,
                             kvmo_t **out);
/* Rights of a new handle to `vmo` (ZX_DEFAULT_VMO_RIGHTS, plus RESIZE if resizable). */
zx_rights_t kvmo_default_rights(const kvmo_t *vmo);
/* The root whose pages `vmo` shows, and where `vmo`'s offset 0 is in it (bytes). */
kvmo_t *kvmo_root(kvmo_t *vmo, uint64_t *root_offset);
uint64_t kvmo_size(const kvmo_t *vmo);
/* The pager that backs `vmo`'s root, or ZX_KOID_INVALID. */
zx_koid_t kvmo_pager_koid(const kvmo_t *vmo);
/* The pager side of a pager-backed root, NULL once the pager is gone. */
kpager_src_t *kvmo_source(const kvmo_t *root);
/* The pager's last handle closed: the root stays pager-backed but has no source any more. */
void kvmo_source_closed(kvmo_t *root);
/* TakePages' checks on an aux VMO: NOT_SUPPORTED (pager-backed), BAD_STATE (a child or has
 * children), OUT_OF_RANGE. */
zx_status_t kvmo_check_aux(kvmo_t *aux, uint64_t offset, uint64_t length);
/* Moves the pages of `aux`'s root [aux_offset, +length) into `root` [offset, +length): absent
 * pages are inserted clean (an uncommitted aux page becomes a zero page), present ones are kept
 * and the aux page freed; the aux range ends fully decommitted. Ranges are checked by the
 * caller. NO_MEMORY (the ranges may then be partly moved). */
zx_status_t kvmo_supply(kvmo_t *root, uint64_t offset, kvmo_t *aux_root, uint64_t aux_offset,
                        uint64_t length, uint64_t *inserted, uint64_t *skipped);
/* Whether a page request of `command` (ZX_PAGER_VMO_READ or _DIRTY) for [offset, +length) of
 * `root` is satisfied: every page present (READ), and none of them clean (DIRTY). */
bool kvmo_range_ready(const kvmo_t *root, uint16_t command, uint64_t offset, uint64_t length);
/* ZX_PAGER_OP_DIRTY: clean pages become dirty. NOT_FOUND if a page is not supplied. */
zx_status_t kvmo_dirty(kvmo_t *root, uint64_t offset, uint64_t length, uint64_t *pages);
/* ZX_PAGER_OP_WRITEBACK_BEGIN (dirty -> awaiting clean; only zero pages if `zero_only`) and
 * _END (awaiting clean -> clean); returns the pages changed. */
uint64_t kvmo_writeback(kvmo_t *root, uint64_t offset, uint64_t length, bool begin,
                        bool zero_only);
/* zx_pager_query_dirty_ranges over [offset, +length) of `root` (page aligned, in range). */
void kvmo_query_dirty(const kvmo_t *root, uint64_t offset, uint64_t length,
                      zx_vmo_dirty_range_t *buffer, size_t buffer_size, size_t *actual,
                      size_t *avail);
bool kvmo_trap_dirty(const kvmo_t *root);
/* The modified flag of zx_pager_query_vmo_stats; cleared if `reset`. */
bool kvmo_modified(kvmo_t *root, bool reset);

/* pager.c */
/* Sends (or joins) a page request of `command` for [offset, +length) of the source's root and
 * parks until it is resolved. ZX_OK means "look again" (pages supplied, or something changed);
 * the status given to ZX_PAGER_OP_FAIL; BAD_STATE once detached or the pager is gone;
 * INTERNAL_INTR_RETRY / _KILLED from the park. May block. */
zx_status_t kpager_src_wait(const kctx_t *c, kpager_src_t *src, uint16_t command,
                            uint64_t offset, uint64_t length);
bool kpager_src_is_detached(const kpager_src_t *src);
/* Pages of [offset, +length) went away (`dirty_only`: clean pages evicted, which only DIRTY
 * requests wait on) or were cut off by a resize: the threads waiting there look again. */
void kpager_src_recheck(kpager_src_t *src, uint64_t offset, uint64_t length, bool dirty_only);
/* The root's last reference is gone: detach (COMPLETE) unless already detached. */
void kpager_src_vmo_gone(kpager_src_t *src);

#endif /* WAKESIM_MODEL_KERNEL_KERNEL_INT_H */
