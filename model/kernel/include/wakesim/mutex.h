/* wakesim/mutex.h - A blocking, non-reentrant mutex for the manager port: the model of Rust's
 * `fuchsia_sync::Mutex` (a futex-based lock without poisoning).
 *
 * It is a primitive of the kernel model but not a Zircon object: it has no handle and no koid,
 * and the trace names it by the name given at init. Which lock is held across which wait is
 * where the runner's races hide (reference race R1), so every lock, contention, acquisition
 * and unlock is a trace event (KERNEL_EV_MUTEX_*), from which the reports rebuild hold
 * intervals and wait times.
 *
 * Semantics (see mutex.c for the reasoning):
 *  - kmutex_lock on a mutex held by another thread parks the calling simulated thread as a
 *    blocking futex wait does (SIM_PARK_THREAD, ZX_THREAD_STATE_BLOCKED_FUTEX): no sibling task
 *    of that thread runs until it has the lock. Waiters are served first come, first served,
 *    and the lock is handed to the oldest waiter by kmutex_unlock.
 *  - A thread suspended while waiting leaves the queue (its futex wait is interrupted) and
 *    queues again, at the back, when it resumes; a thread suspended while holding the lock
 *    keeps it.
 *  - Locking a mutex that the calling thread already holds (from the same task, or from a
 *    sibling task that holds it across an await) is a deadlock of that thread in the real
 *    program: it is traced as KERNEL_EV_MUTEX_DEADLOCK and the caller parks forever (a kill
 *    still ends it). The host is never aborted for it.
 */
#ifndef WAKESIM_MUTEX_H
#define WAKESIM_MUTEX_H

#include <stdbool.h>
#include <stdint.h>

#include <wakesim/kernel.h>
#include <zircon/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KMUTEX_NAME_LEN 32u

typedef struct kmutex_waiter kmutex_waiter_t;

/* Caller-allocated (a field of the structure it protects, like the Rust Mutex<T>). */
typedef struct kmutex {
    /* read-only */
    char name[KMUTEX_NAME_LEN]; /* for the trace; truncated */
    bool locked;
    /* private */
    sim_thread_t *holder;           /* engine thread of the holder; NULL when held outside tasks */
    sim_task_t *holder_task;        /* the task that locked it (or was handed it) */
    zx_koid_t holder_koid;          /* kernel thread koid of the holder; 0 outside kernel threads */
    uint32_t holder_thread_id;      /* engine thread id of the holder; 0 outside tasks */
    zx_instant_mono_t locked_mono;  /* when the holder got the lock (hold time in the trace) */
    kmutex_waiter_t *head, *tail;   /* parked lockers, oldest first; each on its own stack */
    uint32_t waiters;               /* length of that queue */
} kmutex_t;

/* Initialises an unlocked mutex named `name` (copied, truncated to KMUTEX_NAME_LEN - 1). Needs
 * no kernel. */
void kmutex_init(kmutex_t *m, const char *name);
/* Asserts that the mutex is unlocked and has no waiters. */
void kmutex_deinit(kmutex_t *m);

/* Locks `m` for the calling simulated thread. May block: parks the whole thread while another
 * thread holds it, and forever if the calling thread holds it already (a deadlock, traced).
 * Outside tasks (setup code) it must not need to block. Traces MUTEX_LOCK, then MUTEX_CONTENDED
 * each time it has to wait, then MUTEX_ACQUIRE. */
void kmutex_lock(kmutex_t *m);
/* Locks `m` if it is free and nobody waits for it; never blocks. Returns whether it did
 * (tracing MUTEX_ACQUIRE, or MUTEX_TRY_FAIL). Like Rust's try_lock it fails, without
 * deadlocking, when the caller already holds it. */
bool kmutex_try_lock(kmutex_t *m);
/* Unlocks `m`, which the calling thread must hold (asserted), and hands it to the oldest
 * waiter, if any, which becomes runnable. Never blocks. Traces MUTEX_UNLOCK with the hold
 * time. */
void kmutex_unlock(kmutex_t *m);

/* Whether the calling thread (engine thread; setup code counts as one) holds `m`: for
 * assertions such as SIM_ASSERT(kmutex_is_held(&ctx->wake_sources_lock)). */
bool kmutex_is_held(const kmutex_t *m);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_MUTEX_H */
