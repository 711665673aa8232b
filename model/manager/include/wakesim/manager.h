/* wakesim/manager.h - The Starnix runner's manager logic (port of upstream kernel_manager) as a
 * simulated component: how the world starts it and reaches it.
 *
 * The runner is a process in the simulated kernel with upstream's threads: the main thread (a
 * single-threaded executor running one task per incoming connection and the suspend worker),
 * "proxy_thread" (one task per channel proxy) and the pager threads ("pager-0"). Everything the
 * world asks of it goes through channels, as on a device: the world opens protocols in the
 * runner's outgoing directory (fidl_directory_open_req on the channel manager_start returns):
 *   "fuchsia.starnix.runner.Manager"          SuspendContainer, ProxyWakeChannel, ...
 *   "fuchsia.component.runner.ComponentRunner" Start: register a container (job + name)
 * and the runner opens "fuchsia.power.system.ActivityGovernor" in the directory the world gives
 * it (its namespace's /svc) whenever upstream calls connect_to_protocol.
 *
 * Variants. Several revisions of the upstream logic are offered by name (reference section 5):
 * "v5w" (the default: lib.rs with the suspend worker queue and the shared pager), "v1"
 * (resume-event handshake, infinite wait), "v6" (timeout reason, thread watchdog). A variant
 * overrides only the steps that differ, through its ops table (model/manager/variants/).
 */
#ifndef WAKESIM_MANAGER_H
#define WAKESIM_MANAGER_H

#include <stdbool.h>

#include <zircon/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct manager manager_t;

#define MANAGER_PROTOCOL "fuchsia.starnix.runner.Manager"
#define MANAGER_RUNNER_PROTOCOL "fuchsia.component.runner.ComponentRunner"
#define MANAGER_GOVERNOR_PROTOCOL "fuchsia.power.system.ActivityGovernor"

/* Names of the variants this build offers, NULL-terminated; the first is the default. */
const char *const *manager_variant_names(void);
bool manager_variant_exists(const char *name);

typedef struct manager_config {
    const char *variant; /* NULL = the default ("v5w"); must be one of manager_variant_names */
    /* Client end of the runner's namespace /svc (a channel speaking fidl_directory_open_req).
     * Moved into the runner's process (consumed by manager_start on every path, errors
     * included); ZX_HANDLE_INVALID = the runner has no /svc, so every connect_to_protocol
     * fails, as upstream's does when the capability is not routed. */
    zx_handle_t svc;
} manager_config_t;

/* Starts the runner: creates process "starnix_runner" in `parent_job` with its threads, as
 * upstream's main() does, and returns in `*outgoing` the client end of its outgoing directory
 * (in the caller's handle table). May be called outside any task (scenario setup) or from a
 * kernel thread. Errors: the kernel's (BAD_HANDLE, NO_MEMORY, ...) and ZX_ERR_INVALID_ARGS for
 * an unknown variant. */
zx_status_t manager_start(zx_handle_t parent_job, const manager_config_t *config,
                          zx_handle_t *outgoing, manager_t **out);

/* Frees what the port allocated outside the kernel's objects; call after sim_run returns and
 * before kernel_destroy. */
void manager_destroy(manager_t *m);

/* Trace kinds of the manager port (range 400-499): upstream's trace events, names verbatim
 * (reference section 8), plus the port's own points (worker queue, lease state) that reports
 * need. Each carries the proxy or source name in `text` where upstream's carries "name". */
#define MANAGER_TRACE_KINDS(X)                                                                 \
    X(MANAGER_EV_SUSPENDING_CONTAINER, 400, "starnix-runner:suspending-container")             \
    X(MANAGER_EV_SUSPEND_FAILED_ACTUAL, 401, "starnix-runner:suspend-failed-actual")           \
    X(MANAGER_EV_SUSPEND_FAILED_WITH_WAKE_LOCKS, 402,                                          \
      "starnix-runner:suspend-failed-with-wake-locks")                                         \
    X(MANAGER_EV_WAITING_ON_CONTAINER_WAKE, 403, "starnix-runner:waiting-on-container-wake")   \
    X(MANAGER_EV_SUSPEND_KERNEL, 404, "starnix-runner:suspend_kernel")                         \
    X(MANAGER_EV_DROP_LEASE, 405, "starnix-runner:drop-application-activity-lease")            \
    X(MANAGER_EV_ACQUIRE_LEASE, 406, "starnix-runner:acquire-application-activity-lease")      \
    X(MANAGER_EV_PROXY_LOOP_ENTER, 410, "starnix_runner:start_proxy:loop:enter")               \
    X(MANAGER_EV_PROXY_WAIT_FOR_MESSAGES, 411, "starnix_runner:start_proxy:wait_for_messages") \
    X(MANAGER_EV_PROXY_CONTAINER_READABLE, 412, "starnix_runner:start_proxy:container_readable")\
    X(MANAGER_EV_PROXY_REMOTE_READABLE, 413, "starnix_runner:start_proxy:remote_readable")     \
    X(MANAGER_EV_PROXY_RESULT_ERROR, 414, "starnix_runner:start_proxy:result:error")           \
    X(MANAGER_EV_PROXY_LOOP_EXIT, 415, "starnix_runner:start_proxy:loop:exit")                 \
    X(MANAGER_EV_FORWARD_MESSAGE, 416, "starnix_runner:forward_message")                       \
    X(MANAGER_EV_COUNTER_INCREMENTED, 417, "starnix_runner:forward_message:counter_incremented")\
    X(MANAGER_EV_PAGER_FILE_REGISTER, 420, "starnix:pager:file_register")                      \
    X(MANAGER_EV_PAGER_VMO_READ, 421, "starnix:pager:vmo_read")                                \
    X(MANAGER_EV_PAGER_VMO_COMPLETE, 422, "starnix:pager:vmo_complete")                        \
    X(MANAGER_EV_PAGER_ZERO_CHILDREN, 423, "starnix:pager:signal_zero_children")               \
    X(MANAGER_EV_REQUEST, 430, "manager.request")                                              \
    X(MANAGER_EV_REPLY, 431, "manager.reply")                                                  \
    X(MANAGER_EV_SUSPEND_PHASE, 432, "manager.suspend_phase")                                  \
    X(MANAGER_EV_PANIC, 433, "manager.panic")                                                  \
    X(MANAGER_EV_LOG, 434, "manager.log")                                                      \
    X(MANAGER_EV_INSPECT, 435, "manager.inspect")

enum {
#define X(name, value, text) name = value,
    MANAGER_TRACE_KINDS(X)
#undef X
};

/* Static spelling of a manager trace kind ("manager.log"); NULL if not a manager kind. */
const char *manager_trace_kind_name(uint32_t kind);

/* Arguments of the port's own kinds:
 *   PANIC    text = the panic message (upstream's expect/unwrap text), arg[0] = koid of the
 *            panicking thread; that thread then ends with all its tasks.
 *   LOG      text = the log message, arg[0] = manager_log_level_t.
 *   INSPECT  V6's inspect node "suspend": text = the property ("suspend_attempts_count",
 *            "suspend_successes_count", "suspend_failures_count", "suspend_duration_boot_ns"),
 *            arg[0] = the new count, or for the histogram the value inserted.
 *   REQUEST  a request dispatched by a serve loop: arg[0] = method ordinal, arg[1] = txid.
 *   REPLY    a reply the runner wrote as a server: arg[0] = method ordinal, arg[1] = txid,
 *            status = the channel write's status (a failed write shut the channel down).
 * Upstream trace events carry the proxy's name (or the source's) in `text`; SUSPEND_KERNEL
 * carries the thread koid in arg[0]. */
typedef enum manager_log_level {
    MANAGER_LOG_DEBUG = 0,
    MANAGER_LOG_INFO = 1,
    MANAGER_LOG_WARN = 2,
    MANAGER_LOG_ERROR = 3,
} manager_log_level_t;

/* Upstream durations (fuchsia_trace::duration!) are traced as a begin event (arg[3] = 1) and an
 * end event (arg[3] = 0) of the same kind, like the kernel's trace_suspend_resume(..., true)
 * ... false.
 *
 * The phases of one SuspendContainer, traced as MANAGER_EV_SUSPEND_PHASE with arg[0] = phase,
 * arg[1] = the attempt's number (1, 2, ... in the order the runner received the requests),
 * status = the outcome where one exists (the reply's error, the wait's status). The request's
 * sending and its reply's reception are the client's, traced by the world. */
#define MANAGER_SUSPEND_PHASES(X)                                                              \
    X(MANAGER_PHASE_RECEIVED, 1, "received")          /* dispatched by the serve loop */      \
    X(MANAGER_PHASE_WORKER_PICKED, 2, "worker_picked") /* suspend worker took it */           \
    X(MANAGER_PHASE_JOB_FROZEN, 3, "job_frozen")       /* suspend_job returned Ok */          \
    X(MANAGER_PHASE_WAKE_LOCK_CHECK, 4, "wake_lock_check") /* arg[2] = 1 if locks held */     \
    X(MANAGER_PHASE_WATCHERS_ASLEEP, 5, "watchers_asleep")                                    \
    X(MANAGER_PHASE_LEASE_DROPPED, 6, "lease_dropped")                                        \
    X(MANAGER_PHASE_WAIT_BEGUN, 7, "wait_begun")       /* arg[2] = number of wait items */    \
    X(MANAGER_PHASE_WOKEN, 8, "woken")                 /* status = the wait's status */       \
    X(MANAGER_PHASE_LEASE_ACQUIRED, 9, "lease_acquired")                                      \
    X(MANAGER_PHASE_WATCHERS_AWAKE, 10, "watchers_awake")                                     \
    X(MANAGER_PHASE_REPLY, 11, "reply")     /* status = 0 ok, else SuspendError; text=reason */\
    X(MANAGER_PHASE_THAWED, 12, "thawed")   /* suspend tokens dropped */

enum {
#define X(name, value, text) name = value,
    MANAGER_SUSPEND_PHASES(X)
#undef X
};

/* Details of the phases as the port traces them:
 *   WORKER_PICKED  also traced by the inline variants (v1) when the serve loop starts the
 *                  suspend, so that every attempt has the same phases.
 *   WAKE_LOCK_CHECK arg[3] = 1 if the request carried wake_locks (else no check, arg[2] = 0).
 *   REPLY          status = 0 (ok), 1 or 2 (SuspendError), or ZX_ERR_CANCELED when the
 *                  responder was dropped without a reply (the client sees PEER_CLOSED);
 *                  arg[2] = the status of the reply's channel write (0 if none was written).
 *   THAWED         traced when the suspend tokens of a frozen job are dropped, on every path
 *                  after JOB_FROZEN. */

/* Static spelling of a suspend phase ("wake_lock_check"); NULL if unknown. */
const char *manager_suspend_phase_name(uint32_t phase);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_MANAGER_H */
