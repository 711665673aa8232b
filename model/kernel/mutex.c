/* mutex.c - The model of Rust's fuchsia_sync::Mutex for the manager port (wakesim/mutex.h).
 *
 * Upstream the runner guards `wake_sources`, `wake_watchers`, `kernels` and the pager's
 * `files_by_inode` with fuchsia_sync::Mutex: a futex-based lock (lock_api over
 * zx_futex_wait/zx_futex_wake), blocking, not reentrant, not poisoned. The port keeps the
 * locks over upstream's spans, so this file decides only how one lock behaves:
 *
 *  - A contended lock is a blocking futex wait: the calling task parks with KBLOCK_WAIT, i.e.
 *    SIM_PARK_THREAD and ZX_THREAD_STATE_BLOCKED_FUTEX. It is not an await: the whole thread
 *    stops, so the sibling tasks of a single-threaded executor stop with it. This is race R1
 *    (the proxy thread blocked on `wake_sources` stops every proxy).
 *  - Handoff is FIFO: kmutex_unlock gives the lock to the oldest parked waiter, which cannot
 *    be overtaken. A real futex mutex only wakes one waiter and lets it race for the lock
 *    [inf]; FIFO handoff is the deterministic choice that never starves a waiter, and the
 *    schedule strategies still explore who gets to the lock first.
 *  - Suspension follows Zircon's futex: a waiter whose thread is suspended is unblocked with
 *    ZX_ERR_INTERNAL_INTR_RETRY and leaves the queue; after the resume it queues again at the
 *    back (the re-issued futex wait). If the handoff reached it before the suspend, it already
 *    owns the lock and keeps it, like any holder: a thread suspended while holding the lock
 *    keeps it, and every other locker waits for the resume.
 *  - Relocking from the holding thread (the same task, or a sibling task that holds the lock
 *    across an await, R11) blocks the thread in its futex forever. That is the modelled
 *    program's bug, not wakesim's: it is traced as KERNEL_EV_MUTEX_DEADLOCK and the caller
 *    parks for good (suspend and kill still act on it); the run then typically ends
 *    `stalled`. Nothing is asserted.
 *  - A thread killed while holding the lock abandons it (no poisoning, as upstream).
 *  - Uncontended lock and unlock are user-space atomics: they charge no virtual time. The
 *    futex syscalls of the contended path are not in the cost table either.
 *    TODO(channels-mutex): charge zx_futex_wait/zx_futex_wake once the core adds their rows.
 *
 * Trace (kinds 300-319, object 0 since a mutex has no koid, text = the mutex's name, arg[3] =
 * koid of the acting kernel thread, 0 outside kernel threads):
 *   MUTEX_LOCK       a0 = holder koid at the call (0 free), a1 = waiters already queued
 *   MUTEX_CONTENDED  a0 = holder koid, a1 = holder engine thread id, a2 = waiters ahead
 *   MUTEX_ACQUIRE    a0 = ns waited (monotonic), a1 = 1 if it had to wait, a2 = 1 for try_lock
 *   MUTEX_UNLOCK     a0 = ns held (monotonic), a1 = koid it was handed to (0 none),
 *                    a2 = engine thread id it was handed to (0 none)
 *   MUTEX_TRY_FAIL   a0 = holder koid, a1 = holder engine thread id
 *   MUTEX_DEADLOCK   a0 = holder koid (the caller's own thread), a1 = 1 if a sibling task
 *                    holds it, 0 if the calling task itself does
 * An acquisition's hold interval is [MUTEX_ACQUIRE.time, next MUTEX_UNLOCK.time] of the
 * same name; a handoff makes the new holder own the lock at the UNLOCK, slightly before its
 * ACQUIRE is traced (the hold time in MUTEX_UNLOCK counts from the handoff).
 */
#include <wakesim/mutex.h>

#include <string.h>

#include "kernel_int.h"

/* Who locks: the engine thread is the unit of ownership (a futex blocks a thread). */
typedef struct locker {
    sim_thread_t *thread; /* NULL outside tasks */
    sim_task_t *task;     /* NULL outside tasks */
    zx_koid_t koid;       /* kernel thread koid, 0 outside kernel threads */
    uint32_t thread_id;   /* engine thread id, 0 outside tasks */
} locker_t;

/* A parked locker; lives on its stack, linked only while it is parked in wait(). */
struct kmutex_waiter {
    kmutex_waiter_t *next;
    kblock_t *block;
    locker_t who;
    bool queued; /* in the queue: not yet handed the lock nor passed over */
};

static void locker_of(const kctx_t *c, locker_t *out)
{
    *out = (locker_t){.task = c->sim_task};
    if (c->sim_task) {
        out->thread = sim_task_thread(c->sim_task);
        out->thread_id = sim_thread_id(out->thread);
    }
    if (c->thread)
        out->koid = c->thread->obj.koid;
}

static zx_instant_mono_t now_mono(const kctx_t *c)
{
    return sim_now_mono(c->k->s);
}

static void mutex_trace(const kctx_t *c, const kmutex_t *m, uint32_t kind, int64_t a0,
                        int64_t a1, int64_t a2, zx_koid_t who)
{
    kernel_trace(c->k, kind, ZX_KOID_INVALID, a0, a1, a2, (int64_t)who, ZX_OK, m->name);
}

/* The queue and the holder must agree: a free mutex has nobody waiting for it. */
static bool mutex_state_ok(const kmutex_t *m)
{
    uint32_t n = 0;
    for (const kmutex_waiter_t *w = m->head; w; w = w->next) {
        if (!w->queued || ++n > m->waiters)
            return false;
    }
    return n == m->waiters && (m->locked || m->head == NULL);
}

void kmutex_init(kmutex_t *m, const char *name)
{
    SIM_ASSERT(m != NULL);
    *m = (kmutex_t){.locked = false};
    if (name)
        strncpy(m->name, name, sizeof(m->name) - 1);
}

void kmutex_deinit(kmutex_t *m)
{
    SIM_ASSERT(!m->locked);
    SIM_ASSERT(m->head == NULL);
    *m = (kmutex_t){.locked = false};
}

static void take(kmutex_t *m, const locker_t *who, zx_instant_mono_t now)
{
    SIM_ASSERT(!m->locked);
    m->locked = true;
    m->holder = who->thread;
    m->holder_task = who->task;
    m->holder_koid = who->koid;
    m->holder_thread_id = who->thread_id;
    m->locked_mono = now;
}

static void enqueue(kmutex_t *m, kmutex_waiter_t *w)
{
    w->next = NULL;
    if (m->tail)
        m->tail->next = w;
    else
        m->head = w;
    m->tail = w;
    m->waiters++;
}

/* Unlinks `w` from anywhere in the queue (a waiter interrupted by suspend or kill). */
static void dequeue(kmutex_t *m, kmutex_waiter_t *w)
{
    kmutex_waiter_t *prev = NULL;
    for (kmutex_waiter_t *it = m->head; it; prev = it, it = it->next) {
        if (it != w)
            continue;
        if (prev)
            prev->next = w->next;
        else
            m->head = w->next;
        if (m->tail == w)
            m->tail = prev;
        w->next = NULL;
        w->queued = false;
        SIM_ASSERT(m->waiters > 0);
        m->waiters--;
        return;
    }
    SIM_ASSERT(!"a queued waiter is in its mutex's queue");
}

/* Parks the caller in the queue until the lock is handed to it (ZX_OK) or its thread is
 * suspended (INTR_RETRY) or killed (INTR_KILLED); it is out of the queue on return. */
static zx_status_t wait(kmutex_t *m, const kctx_t *c, const locker_t *me)
{
    kblock_t b;
    kblock_init(&b, c, KBLOCK_WAIT);
    kmutex_waiter_t w = {.block = &b, .who = *me, .queued = true};
    enqueue(m, &w);
    zx_status_t st =
        kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_FUTEX, ZX_KOID_INVALID, ZX_TIME_INFINITE);
    if (w.queued)
        dequeue(m, &w);
    /* ZX_OK comes only from the handoff, which made us the holder before waking us. */
    SIM_ASSERT(st != ZX_OK || (m->locked && m->holder_task == me->task));
    SIM_ASSERT(st == ZX_OK || st == ZX_ERR_INTERNAL_INTR_RETRY ||
               st == ZX_ERR_INTERNAL_INTR_KILLED);
    SIM_ASSERT(mutex_state_ok(m));
    return st;
}

/* The calling thread already holds the mutex: its futex wait never ends. Parks for good;
 * a suspend still parks it at its safe point and a kill still ends the task. */
static _Noreturn void deadlock(kmutex_t *m, const kctx_t *c, const locker_t *me)
{
    bool sibling = m->holder_task != me->task;
    mutex_trace(c, m, KERNEL_EV_MUTEX_DEADLOCK, (int64_t)m->holder_koid, sibling,
                (int64_t)m->waiters, me->koid);
    /* Setup code outside tasks cannot park: relocking there is a bug in the caller. */
    SIM_ASSERT(c->sim_task != NULL);
    for (;;) {
        kblock_t b;
        kblock_init(&b, c, KBLOCK_WAIT);
        (void)kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_FUTEX, ZX_KOID_INVALID,
                          ZX_TIME_INFINITE);
        kthread_safe_point(c);
    }
}

void kmutex_lock(kmutex_t *m)
{
    kctx_t c;
    kctx_current(&c);
    locker_t me;
    locker_of(&c, &me);
    mutex_trace(&c, m, KERNEL_EV_MUTEX_LOCK, m->locked ? (int64_t)m->holder_koid : 0,
                (int64_t)m->waiters, 0, me.koid);
    zx_instant_mono_t start = now_mono(&c);
    bool contended = false;
    for (;;) {
        SIM_ASSERT(mutex_state_ok(m));
        if (!m->locked) {
            take(m, &me, now_mono(&c));
            break;
        }
        if (m->holder == me.thread)
            deadlock(m, &c, &me);
        /* Another thread holds it: the futex wait. Setup code cannot wait. */
        SIM_ASSERT(c.sim_task != NULL);
        contended = true;
        mutex_trace(&c, m, KERNEL_EV_MUTEX_CONTENDED, (int64_t)m->holder_koid,
                    m->holder_thread_id, (int64_t)m->waiters, me.koid);
        if (wait(m, &c, &me) == ZX_OK)
            break;
        /* Interrupted: stop while suspended (or end if killed), then lock again. */
        kthread_safe_point(&c);
    }
    mutex_trace(&c, m, KERNEL_EV_MUTEX_ACQUIRE, now_mono(&c) - start, contended, 0, me.koid);
}

bool kmutex_try_lock(kmutex_t *m)
{
    kctx_t c;
    kctx_current(&c);
    locker_t me;
    locker_of(&c, &me);
    SIM_ASSERT(mutex_state_ok(m));
    if (m->locked) {
        mutex_trace(&c, m, KERNEL_EV_MUTEX_TRY_FAIL, (int64_t)m->holder_koid,
                    m->holder_thread_id, 0, me.koid);
        return false;
    }
    take(m, &me, now_mono(&c));
    mutex_trace(&c, m, KERNEL_EV_MUTEX_ACQUIRE, 0, 0, 1, me.koid);
    return true;
}

/* Gives the lock to the oldest waiter that is still parked; one that a suspend or a kill has
 * already woken is passed over (it queues again after the resume). Frees the lock if nobody
 * takes it. Returns the new holder's identity in `*to` (zeroed if none). */
static void handoff(kmutex_t *m, const kctx_t *c, locker_t *to)
{
    *to = (locker_t){.thread = NULL};
    m->locked = false;
    while (m->head) {
        kmutex_waiter_t *w = m->head;
        m->head = w->next;
        if (!m->head)
            m->tail = NULL;
        w->next = NULL;
        w->queued = false;
        m->waiters--;
        if (kblock_wake(c->k, w->block, ZX_OK)) {
            take(m, &w->who, now_mono(c));
            *to = w->who;
            return;
        }
    }
    m->holder = NULL;
    m->holder_task = NULL;
    m->holder_koid = ZX_KOID_INVALID;
    m->holder_thread_id = 0;
}

void kmutex_unlock(kmutex_t *m)
{
    kctx_t c;
    kctx_current(&c);
    locker_t me;
    locker_of(&c, &me);
    SIM_ASSERT(m->locked);
    SIM_ASSERT(m->holder == me.thread); /* a Rust guard unlocks on its own thread */
    int64_t held_ns = now_mono(&c) - m->locked_mono;
    locker_t to;
    handoff(m, &c, &to);
    SIM_ASSERT(mutex_state_ok(m));
    mutex_trace(&c, m, KERNEL_EV_MUTEX_UNLOCK, held_ns, (int64_t)to.koid, to.thread_id, me.koid);
}

bool kmutex_is_held(const kmutex_t *m)
{
    kctx_t c;
    kctx_current(&c);
    return m->locked && m->holder == (c.sim_task ? sim_task_thread(c.sim_task) : NULL);
}
