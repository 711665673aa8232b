/* wakesim/kernel.h - The simulated kernel as seen from outside the zx_* API: creating a kernel
 * on a run, creating jobs, processes and threads for the layers above (the container world,
 * tests), CPU bursts, cooperative awaits, the syscall cost table and the trace kinds.
 *
 * The zx_* syscalls (zircon/syscalls.h) take no kernel argument, as upstream: they act on the
 * "current kernel" (set by kernel_create) and on the calling thread's process, found from the
 * running engine task. Code that runs outside any task (setup, tests) acts as the kernel's
 * bootstrap process and must not block.
 */
#ifndef WAKESIM_KERNEL_H
#define WAKESIM_KERNEL_H

#include <zircon/errors.h>
#include <zircon/types.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kernel kernel_t;

/* ---- Syscalls and their default costs ---------------------------------------------------- */

/* X(name without "zx_", default cost in ns of virtual CPU time charged to the calling thread).
 * The defaults are [unconfirmed] estimates for a phone-class ARM core: a few hundred ns for a
 * plain handle operation, a few µs for calls that create or tear down tasks. Channel, VMO and
 * pager rows are for channel.c, vmo.c and pager.c. `kernel_await` is not a syscall: it is the
 * cost of an executor await (wait_async registrations plus the port wait). */
#define KERNEL_SYSCALLS(X)                                                                     \
    X(handle_close, 300)                                                                       \
    X(handle_close_many, 400)                                                                  \
    X(handle_duplicate, 400)                                                                   \
    X(handle_replace, 400)                                                                     \
    X(object_signal, 400)                                                                      \
    X(object_signal_peer, 500)                                                                 \
    X(object_wait_one, 600)                                                                    \
    X(object_wait_many, 1000)                                                                  \
    X(object_wait_async, 500)                                                                  \
    X(object_get_info, 800)                                                                    \
    X(object_get_child, 1000)                                                                  \
    X(object_get_property, 400)                                                                \
    X(object_set_property, 400)                                                                \
    X(event_create, 700)                                                                       \
    X(eventpair_create, 900)                                                                   \
    X(counter_create, 700)                                                                     \
    X(counter_add, 300)                                                                        \
    X(counter_read, 250)                                                                       \
    X(counter_write, 300)                                                                      \
    X(port_create, 800)                                                                        \
    X(port_queue, 400)                                                                         \
    X(port_wait, 600)                                                                          \
    X(port_cancel, 400)                                                                        \
    X(timer_create, 800)                                                                       \
    X(timer_set, 500)                                                                          \
    X(timer_cancel, 400)                                                                       \
    X(task_suspend, 2000)                                                                      \
    X(task_suspend_token, 2000)                                                                \
    X(task_kill, 3000)                                                                         \
    X(job_create, 3000)                                                                        \
    X(process_exit, 2000)                                                                      \
    X(thread_exit, 1000)                                                                       \
    X(channel_create, 1200)                                                                    \
    X(channel_read, 800)                                                                       \
    X(channel_write, 1000)                                                                     \
    X(channel_call, 2000)                                                                      \
    X(vmo_create, 2000)                                                                        \
    X(vmo_read, 1000)                                                                          \
    X(vmo_write, 1000)                                                                         \
    X(vmo_get_size, 250)                                                                       \
    X(vmo_set_size, 1500)                                                                      \
    X(vmo_create_child, 3000)                                                                  \
    X(vmo_op_range, 1500)                                                                      \
    X(pager_create, 1500)                                                                      \
    X(pager_create_vmo, 3000)                                                                  \
    X(pager_detach_vmo, 1500)                                                                  \
    X(pager_supply_pages, 2500)                                                                \
    X(pager_op_range, 1500)                                                                    \
    X(pager_query_dirty_ranges, 1500)                                                          \
    X(pager_query_vmo_stats, 800)                                                              \
    X(kernel_await, 1500)

typedef enum kernel_syscall {
#define X(name, cost_ns) KERNEL_SYSCALL_##name,
    KERNEL_SYSCALLS(X)
#undef X
    KERNEL_SYSCALL_COUNT
} kernel_syscall_t;

/* "zx_object_wait_one" (static); "kernel_await" for the pseudo-syscall; NULL if out of range. */
const char *kernel_syscall_name(kernel_syscall_t id);

typedef struct kernel_costs {
    int64_t syscall_ns[KERNEL_SYSCALL_COUNT]; /* CPU time per call, charged before it acts */
    /* Seeded jitter: each charge is scaled by a factor drawn uniformly from
     * [1 - jitter_permille/1000, 1 + jitter_permille/1000] on SIM_RNG_JITTER. 0 = none. */
    uint32_t jitter_permille;
} kernel_costs_t;

/* Fills `costs` with the defaults of KERNEL_SYSCALLS and no jitter. */
void kernel_costs_default(kernel_costs_t *costs);
/* Sets the cost of the syscall named `name` ("zx_port_wait" or "port_wait"). Returns ZX_OK or
 * ZX_ERR_NOT_FOUND (unknown name) or ZX_ERR_OUT_OF_RANGE (negative cost). */
zx_status_t kernel_costs_set(kernel_costs_t *costs, const char *name, int64_t cost_ns);

/* ---- Trace kinds --------------------------------------------------------------------------- */

/* Kernel trace kinds (object lifecycle uses the engine's SIM_EV_OBJECT_*). Reserved ranges for
 * the other kernel files: 100-199 core (this table), 200-249 channels, 250-299 VMO/pager,
 * 300-319 mutex; they append their rows here in their range.
 *   SYSCALL   object = koid of the handle argument (0 if none), arg[] per syscall (see each
 *             zx_ wrapper), status = result, text = "zx_..."
 *   SIGNAL    object = koid, arg[0] = old signals, arg[1] = new signals
 *   BLOCK     object = koid waited on (first item), arg[0] = ZX_THREAD_STATE_BLOCKED_* or 0,
 *             arg[1] = deadline (mono), arg[2] = sim_park_mode_t, arg[3] = thread koid
 *   WAKE      object = koid as in BLOCK, arg[3] = thread koid, status = outcome
 *   SUSPEND_TOKEN_CREATE / _CLOSE  object = token koid, arg[0] = task koid
 *   THREAD_STATE   object = thread koid, arg[0] = ZX_THREAD_STATE_* (lifecycle only)
 *   PROCESS_STATE  object = process koid, arg[0] = kernel_process_state_t, arg[1] = retcode
 *   JOB_STATE      object = job koid, arg[0] = 0 running / 1 killing / 2 dead
 *   PORT_PACKET    object = port koid, arg[0] = packet type, arg[1] = key, arg[2] = source
 *                  koid (0 for user packets), status = packet status
 *   TIMER_FIRE     object = timer koid, arg[0] = deadline, arg[1] = clock id
 *   ZERO_HANDLES   object = koid whose last handle closed, arg[0] = object type
 *   BURN           object = thread koid, arg[0] = duration (ns, mono), arg[1] = 1 for a
 *                  user burst, 0 for a syscall's own cost
 *   CHANNEL_WRITE / _READ / _DISCARD  object = koid of the endpoint whose queue holds the
 *                  message, arg[0] = bytes, arg[1] = handles, arg[2] = queue length after
 *                  (WRITE: -1 when handed to a waiting zx_channel_call; DISCARD: the reason,
 *                  see channel.c), arg[3] = the message's sequence number on that endpoint
 *   CHANNEL_FULL   object = endpoint over kMaxPendingMessageCount, arg[0] = queue length,
 *                  arg[1] = writer's process koid, arg[2] = 1 if the writer was killed
 *   CHANNEL_CALL_BEGIN / _END  object = caller's endpoint, arg[0] = txid, BEGIN arg[1] =
 *                  deadline, END arg[1] = reply sequence number (0 none), status = outcome
 *   MUTEX_*        object = 0 (no koid), text = mutex name, arg[3] = acting thread koid;
 *                  other arguments in mutex.c */
/* VMO and pager kinds (vmo.c, pager.c), 250-260. object = koid of the pager-backed (root) VMO;
 * offsets and lengths are bytes of that VMO.
 *   PAGE_REQUEST   a page request packet queued on the pager's port: arg[0] = command
 *                  (ZX_PAGER_VMO_*), arg[1] = offset, arg[2] = length, arg[3] = key; status
 *                  BAD_HANDLE if the port had no handle left (the packet is lost)
 *   PAGE_REQUEST_CANCEL  a queued request withdrawn before the pager service took it (it was
 *                  satisfied, or its waiters left): arg[0..2] as PAGE_REQUEST
 *   PAGE_WAIT      a thread blocks on pages: arg[0] = command, arg[1] = offset, arg[2] =
 *                  length, arg[3] = thread koid
 *   PAGE_WAKE      it wakes: arg[0..1] as PAGE_WAIT, arg[2] = time waited (ns, mono), arg[3] =
 *                  thread koid, status = OK (look again), the FAIL status, BAD_STATE, or
 *                  INTERNAL_INTR_RETRY / _KILLED (suspended / killed while waiting)
 *   PAGE_SUPPLY    arg[0] = offset, arg[1] = length, arg[2] = pages inserted, arg[3] = pages
 *                  skipped (already present), status = the supply's result
 *   PAGE_FAIL      ZX_PAGER_OP_FAIL: arg[0] = offset, arg[1] = length, arg[2] = requests
 *                  failed, status = the failure status
 *   PAGE_DIRTY     ZX_PAGER_OP_DIRTY: arg[0] = offset, arg[1] = length, arg[2] = pages dirtied
 *   PAGE_WRITEBACK arg[0] = offset, arg[1] = length, arg[2] = 1 begin / 0 end, arg[3] = pages
 *   PAGE_EVICT     ZX_VMO_OP_DONT_NEED on a pager-backed VMO: arg[0..1] = the range, arg[2] =
 *                  clean pages evicted
 *   PAGER_DETACH   arg[0] = 0 zx_pager_detach_vmo / 1 the VMO's last reference / 2 the pager's
 *                  last handle, arg[1] = waiting requests failed, arg[2] = pager koid
 *   PAGE_FAULT     kernel_thread_touch: arg[0] = offset, arg[1] = length, arg[2] = 1 write,
 *                  arg[3] = thread koid, status = OK or the fatal status */
#define KERNEL_TRACE_KINDS(X)                                                                  \
    X(KERNEL_EV_SYSCALL, 100, "kernel.syscall")                                                \
    X(KERNEL_EV_SIGNAL, 101, "kernel.signal")                                                  \
    X(KERNEL_EV_BLOCK, 102, "kernel.block")                                                    \
    X(KERNEL_EV_WAKE, 103, "kernel.wake")                                                      \
    X(KERNEL_EV_SUSPEND_TOKEN_CREATE, 104, "kernel.suspend_token_create")                      \
    X(KERNEL_EV_SUSPEND_TOKEN_CLOSE, 105, "kernel.suspend_token_close")                        \
    X(KERNEL_EV_THREAD_STATE, 106, "kernel.thread_state")                                      \
    X(KERNEL_EV_PROCESS_STATE, 107, "kernel.process_state")                                    \
    X(KERNEL_EV_JOB_STATE, 108, "kernel.job_state")                                            \
    X(KERNEL_EV_PORT_PACKET, 109, "kernel.port_packet")                                        \
    X(KERNEL_EV_TIMER_FIRE, 110, "kernel.timer_fire")                                          \
    X(KERNEL_EV_ZERO_HANDLES, 111, "kernel.zero_handles")                                      \
    X(KERNEL_EV_BURN, 112, "kernel.burn")                                                      \
    X(KERNEL_EV_CHANNEL_WRITE, 200, "kernel.channel_write")                                    \
    X(KERNEL_EV_CHANNEL_READ, 201, "kernel.channel_read")                                      \
    X(KERNEL_EV_CHANNEL_DISCARD, 202, "kernel.channel_discard")                                \
    X(KERNEL_EV_CHANNEL_FULL, 203, "kernel.channel_full")                                      \
    X(KERNEL_EV_CHANNEL_CALL_BEGIN, 204, "kernel.channel_call_begin")                          \
    X(KERNEL_EV_CHANNEL_CALL_END, 205, "kernel.channel_call_end")                              \
    X(KERNEL_EV_PAGE_REQUEST, 250, "kernel.page_request")                                      \
    X(KERNEL_EV_PAGE_REQUEST_CANCEL, 251, "kernel.page_request_cancel")                        \
    X(KERNEL_EV_PAGE_WAIT, 252, "kernel.page_wait")                                            \
    X(KERNEL_EV_PAGE_WAKE, 253, "kernel.page_wake")                                            \
    X(KERNEL_EV_PAGE_SUPPLY, 254, "kernel.page_supply")                                        \
    X(KERNEL_EV_PAGE_FAIL, 255, "kernel.page_fail")                                            \
    X(KERNEL_EV_PAGE_DIRTY, 256, "kernel.page_dirty")                                          \
    X(KERNEL_EV_PAGE_WRITEBACK, 257, "kernel.page_writeback")                                  \
    X(KERNEL_EV_PAGE_EVICT, 258, "kernel.page_evict")                                          \
    X(KERNEL_EV_PAGER_DETACH, 259, "kernel.pager_detach")                                      \
    X(KERNEL_EV_PAGE_FAULT, 260, "kernel.page_fault")                                          \
    X(KERNEL_EV_MUTEX_LOCK, 300, "kernel.mutex_lock")                                          \
    X(KERNEL_EV_MUTEX_CONTENDED, 301, "kernel.mutex_contended")                                \
    X(KERNEL_EV_MUTEX_ACQUIRE, 302, "kernel.mutex_acquire")                                    \
    X(KERNEL_EV_MUTEX_UNLOCK, 303, "kernel.mutex_unlock")                                      \
    X(KERNEL_EV_MUTEX_TRY_FAIL, 304, "kernel.mutex_try_fail")                                  \
    X(KERNEL_EV_MUTEX_DEADLOCK, 305, "kernel.mutex_deadlock")

enum {
#define X(name, value, text) name = value,
    KERNEL_TRACE_KINDS(X)
#undef X
};

/* Static spelling of a kernel trace kind ("kernel.signal"); NULL if not a kernel kind. */
const char *kernel_trace_kind_name(uint32_t kind);

/* ---- The kernel instance --------------------------------------------------------------- */

typedef struct kernel_config {
    const kernel_costs_t *costs; /* copied; NULL = kernel_costs_default() */
} kernel_config_t;

/* Creates a kernel on run `s` (borrowed; must outlive the kernel) with its root job and its
 * bootstrap process, and makes it the current kernel of this host thread. `config` may be NULL.
 * Returns ZX_OK or ZX_ERR_NO_MEMORY. */
zx_status_t kernel_create(sim_t *s, const kernel_config_t *config, kernel_t **out);
/* Frees the kernel and every object still alive; call it after sim_run has returned and before
 * sim_destroy. Clears the current kernel if it is `k`. */
void kernel_destroy(kernel_t *k);

kernel_t *kernel_current(void);
void kernel_make_current(kernel_t *k);
sim_t *kernel_sim(const kernel_t *k);
const kernel_costs_t *kernel_costs(const kernel_t *k);

/* A handle to the root job in the bootstrap process (do not close it). */
zx_handle_t kernel_root_job(const kernel_t *k);

/* ---- Tasks for the layers above ------------------------------------------------------------ */

/* These act as the caller (the calling thread's process, or the bootstrap process outside
 * kernel threads), like syscalls, but charge no cost: they stand for launching code that is not
 * itself modelled (component manager, process launcher). */

/* Creates a process named `name` in `job` (needs ZX_RIGHT_MANAGE_PROCESS) and returns a handle
 * with default rights. Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, BAD_STATE (job dying). */
zx_status_t kernel_process_create(zx_handle_t job, const char *name, zx_handle_t *out);

typedef void (*kernel_thread_fn)(void *arg);

typedef struct kernel_thread_opts {
    size_t stack_size; /* 0 = the run's default */
    bool daemon;       /* the run may complete while this thread is still parked */
} kernel_thread_opts_t;

/* Creates and starts a thread of `process` (needs ZX_RIGHT_MANAGE_THREAD) whose first task runs
 * fn(arg); returns a thread handle with default rights. The thread is RUNNING at once and, if
 * its process is suspended, SUSPENDED before it runs any of `fn`. A thread ends when all its
 * tasks have returned, or when it is killed (its tasks then never return from the kernel call
 * they are in). Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, BAD_STATE (process dying or
 * dead), NO_MEMORY. `opts` may be NULL. */
zx_status_t kernel_thread_create(zx_handle_t process, const char *name, kernel_thread_fn fn,
                                 void *arg, const kernel_thread_opts_t *opts, zx_handle_t *out);

/* Adds a cooperative task running fn(arg) to the calling kernel thread (a local executor
 * spawning a future); it runs when the caller's tasks await. Returns ZX_OK or NO_MEMORY.
 * Must be called from a kernel thread. */
zx_status_t kernel_task_spawn(const char *name, kernel_thread_fn fn, void *arg);

/* Moves `handle` out of the caller's table into the table of `process` (needs
 * ZX_RIGHT_MANAGE_PROCESS on the process handle, ZX_RIGHT_TRANSFER on `handle`), as
 * processargs does at launch; `*out` is its value there. On error the handle is unchanged.
 * Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, BAD_STATE (process dead). */
zx_status_t kernel_handle_transfer(zx_handle_t handle, zx_handle_t process, zx_handle_t *out);

/* A CPU burst of `duration` ns of monotonic time by the calling thread (user code running).
 * The end of a burst is a safe point: a suspend requested during the burst takes effect there;
 * a kill ends the thread at once. Outside kernel threads it only advances the caller's own
 * task (or does nothing outside tasks). May block. */
void kernel_thread_burn(zx_duration_t duration);

/* Cooperative waits, the equivalent of awaiting Rust OnSignals futures in a single-threaded
 * executor: the calling task parks with SIM_PARK_TASK, so sibling tasks of its thread run
 * meanwhile. Semantics and errors are those of zx_object_wait_one / zx_object_wait_many
 * (deadline on the monotonic clock, count <= ZX_WAIT_MANY_MAX_ITEMS, CANCELED when a handle is
 * closed, `pending`/`observed` filled the same way). A suspend of the thread does not
 * interrupt the await (the executor's wait_async registrations stay armed); a task woken while
 * its thread is suspended continues only after the thread resumes. May block. */
zx_status_t kernel_await_one(zx_handle_t handle, zx_signals_t signals,
                             zx_instant_mono_t deadline, zx_signals_t *observed);
zx_status_t kernel_await_many(zx_wait_item_t *items, size_t count, zx_instant_mono_t deadline);

/* Picks one of `n` (n >= 1) alternatives where upstream's order is unspecified (futures::select!
 * among ready branches, Rust HashMap iteration): the run's strategy decides (sim_choose), and a
 * choice with n > 1 is recorded for replay. Returns an index in [0, n). Never blocks. */
uint32_t kernel_choose(uint32_t n);

/* Koid of the calling kernel thread, or ZX_KOID_INVALID outside kernel threads. */
zx_koid_t kernel_thread_self_koid(void);

/* A page fault of the calling thread on [offset, offset + length) of the VMO `vmo` (needs
 * READ, and WRITE if `write`), as if it touched a mapping of it (mappings are not modelled):
 * missing pages of a pager-backed VMO are requested and waited for exactly as zx_vmo_read does
 * (a suspend of the thread interrupts the wait and the fault is taken again after resume); a
 * write commits the pages and dirties them. It is not a syscall: no cost is charged and no
 * KERNEL_EV_SYSCALL is traced (KERNEL_EV_PAGE_FAULT is). If the pager fails the range, or the
 * VMO is detached or its pager gone, the thread takes a fatal page-fault exception: its process
 * is killed with ZX_TASK_RETCODE_EXCEPTION_KILL and the call does not return. Returns ZX_OK,
 * or the errors a real mapping would have caught earlier (BAD_HANDLE, WRONG_TYPE,
 * ACCESS_DENIED, OUT_OF_RANGE); outside kernel threads the fatal status is returned instead.
 * May block. */
zx_status_t kernel_thread_touch(zx_handle_t vmo, uint64_t offset, uint64_t length, bool write);

typedef enum kernel_process_state {
    KERNEL_PROCESS_INITIAL = 0,
    KERNEL_PROCESS_RUNNING = 1,
    KERNEL_PROCESS_DYING = 2,
    KERNEL_PROCESS_DEAD = 3,
} kernel_process_state_t;

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_KERNEL_H */
