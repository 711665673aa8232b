/* wakesim/world.h - The world around the runner, and the scenario that drives it.
 *
 * A scenario (scenarios/<name>.json, loaded by tools/scenario.c into a world_config_t) declares
 * the Starnix container (its job, processes and threads, Linux wake locks, the kernel's suspend
 * loop), the channel proxies with their remote peers and in-container handlers, interrupt-like
 * wake sources, HALs watching wake state, pager-backed files, a timeline of actions at virtual
 * times, stochastic workloads, and expectations. world_run builds all of it in a simulated
 * kernel, starts the runner (model/manager) in it, runs the engine, and records what happened
 * in a world_results_t, from which expectations are judged.
 *
 * Names in the config are the scenario's: a proxy, a wake source, a watcher, a process or a
 * file is referred to by its name everywhere (timeline, expectations). Indices in the config
 * arrays are resolved by the loader, which has already checked every reference.
 *
 * Times are int64_t ns. Unless said otherwise a time is "virtual time since the run started",
 * on the boot clock (the timeline keeps running while the simulated system is suspended; an
 * action that stands for hardware (a remote message, an interrupt) wakes the system first).
 *
 * Ownership: world_config_t and everything it points to belong to the caller (the loader),
 * which keeps it alive during world_run. world_results_t is owned by the world and valid until
 * world_destroy.
 *
 * Hardware wakes. The simulated system suspends (monotonic clock stops) when no activity lease
 * has been held for `system_suspend_delay_ns` (model/container/sag.c). Only actions that stand
 * for hardware outside the application processor wake it, and each first waits out
 * `system_resume_ns`: "send" and the Poisson streams (a remote peer's message), "signal" (an
 * interrupt source), "close_peer" with remote_side (the remote end going away). Every other
 * action is software on the application processor (the Starnix kernel, a HAL, the process
 * launcher): while the system is suspended it waits, in timeline order, until something wakes
 * the system. A hardware wake while the system is awake but without leases restarts the
 * suspend delay (a pending wakeup aborts suspend entry).
 */
#ifndef WAKESIM_WORLD_H
#define WAKESIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Config: the container ------------------------------------------------------------------- */

/* What a container thread does, forever or until killed. */
typedef enum world_thread_kind {
    WORLD_THREAD_IDLE = 0,  /* blocks in a wait that never ends (a typical sleeping thread) */
    WORLD_THREAD_BUSY,      /* CPU bursts of `burst_ns` separated by sleeps of `sleep_ns` */
    WORLD_THREAD_READER,    /* reads pager-backed file `file` (index) at `offset`/`length`,
                               then idles; a page fault blocks it */
} world_thread_kind_t;

typedef struct world_thread_config {
    const char *name;
    world_thread_kind_t kind;
    int64_t burst_ns, sleep_ns; /* BUSY */
    int file;                   /* READER: index into files */
    uint64_t offset, length;    /* READER */
} world_thread_config_t;

typedef struct world_process_config {
    const char *name;
    const world_thread_config_t *threads;
    size_t thread_count;
    bool start_later; /* created only by a "spawn_process" action */
} world_process_config_t;

/* How the Starnix kernel's suspend loop behaves (reference 6.3). */
typedef enum world_suspend_mode {
    WORLD_SUSPEND_ONE_SHOT = 0, /* only the timeline's "suspend" actions ask */
    WORLD_SUSPEND_AUTO,         /* autosuspend: ask again after each reply, with backoff */
} world_suspend_mode_t;

typedef struct world_suspend_config {
    world_suspend_mode_t mode;
    int64_t auto_start_ns;        /* AUTO: first request */
    int64_t auto_delay_ns;        /* AUTO: wait after a successful resume before asking again */
    int64_t auto_backoff_ns;      /* AUTO: first wait after a failure; doubled per failure */
    int64_t auto_backoff_max_ns;  /* AUTO: cap of the backoff; <= 0 = no cap */
    bool send_wake_locks;         /* SuspendContainer carries wake_locks (field 2) */
    bool send_container_job;      /* SuspendContainer carries container_job (field 1) */
} world_suspend_config_t;

typedef struct world_container_config {
    const char *name;                         /* the kernel's name given to ComponentRunner */
    const world_process_config_t *processes;  /* direct children of the container job */
    size_t process_count;
    const char *const *wake_locks_held;       /* Linux wake locks held at t = 0 (names) */
    size_t wake_locks_held_count;
    world_suspend_config_t suspend;
} world_container_config_t;

/* ---- Config: proxies, wake sources, watchers, files ------------------------------------------ */

/* When the in-container handler of a proxied channel decrements the message counter.
 * With manager variant "v1" the world's Starnix kernel is the one of that era (reference 6.2,
 * K-A): ProxyWakeChannel carries the resume-event eventpair (field 6) instead of a counter, and
 * "decrementing" is clear_wake_proxy_signal (signal_peer: clear USER_0, set USER_1); counter
 * knobs and counter_add actions then do nothing. */
typedef enum world_decrement_policy {
    WORLD_DECREMENT_AFTER_HANDLE = 0, /* after handling the message (correct) */
    WORLD_DECREMENT_ON_NEXT_READ,     /* when it issues its next read (upstream kernel's real
                                         behaviour: ContainerWakingStream::next) */
    WORLD_DECREMENT_NEVER,            /* a bug: the counter only grows */
} world_decrement_policy_t;

typedef struct world_proxy_config {
    const char *name;
    int64_t counter_start;            /* 0 or 1 (create_proxy_for_wake_events_counter[_zero]) */
    world_decrement_policy_t decrement;
    int64_t handle_ns;                /* handler's CPU time per message */
    int64_t register_at_ns;           /* when the kernel sends ProxyWakeChannel */
    bool omit_counter;                /* send ProxyWakeChannel without field 5 (R19) */
    bool reply;                       /* the handler answers each message with one message
                                         back to the remote peer (a request/response channel);
                                         scenario key "reply" */
} world_proxy_config_t;

/* An interrupt-like wake source: an object the world signals, registered with AddWakeSource. */
typedef enum world_source_kind {
    WORLD_SOURCE_EVENT = 0,
    WORLD_SOURCE_EVENTPAIR,  /* the world signals the peer end; the runner holds the other */
    WORLD_SOURCE_COUNTER,
} world_source_kind_t;

typedef struct world_source_config {
    const char *name;
    world_source_kind_t kind;
    uint32_t signals;       /* the mask given to AddWakeSource (zx_signals_t) */
    int64_t add_at_ns;      /* when AddWakeSource is sent; < 0 = only by an "add_wake_source"
                               action */
    bool omit_signals;      /* send AddWakeSource without field 4 (R19) */
} world_source_config_t;

typedef struct world_watcher_config {
    const char *name;
    int64_t register_at_ns; /* < 0 = only by a "register_watcher" action */
} world_watcher_config_t;

typedef struct world_extent_config {
    uint32_t logical_start, logical_end; /* blocks */
    uint64_t physical_block;
} world_extent_config_t;

typedef struct world_file_config {
    const char *name;
    uint32_t inode;
    uint64_t size;
    const world_extent_config_t *extents;
    size_t extent_count;
} world_file_config_t;

/* The backing "disk" VMO given to CreatePager, filled with a deterministic pattern: byte i of
 * block b is (b * 31 + i) & 0xff, unless `text` blocks say otherwise. */
typedef struct world_disk_config {
    bool present;
    uint64_t block_size;
    uint64_t block_count;
    const char *const *block_text; /* per block: bytes written at its start, NULL = pattern */
    size_t block_text_count;
} world_disk_config_t;

/* ---- Config: timeline, workloads ------------------------------------------------------------- */

#define WORLD_ACTIONS(X)                                                                       \
    X(SUSPEND, "suspend")                   /* the kernel asks SuspendContainer */             \
    X(SEND, "send")                         /* proxy's remote peer writes `count` messages */  \
    X(WAKE_LOCK_ACQUIRE, "wake_lock_acquire") /* `name` */                                    \
    X(WAKE_LOCK_RELEASE, "wake_lock_release")                                                  \
    X(SIGNAL, "signal")                     /* source: set `set`, clear `clear` signals */     \
    X(ADD_WAKE_SOURCE, "add_wake_source")                                                      \
    X(REMOVE_WAKE_SOURCE, "remove_wake_source")                                                \
    X(REGISTER_WATCHER, "register_watcher")                                                    \
    X(CLOSE_WATCHER, "close_watcher")       /* the HAL closes its end */                       \
    X(CLOSE_PEER, "close_peer")             /* proxy: side "remote" or "container" closes */  \
    X(SPAWN_PROCESS, "spawn_process")                                                          \
    X(KILL_PROCESS, "kill_process")                                                            \
    X(READ_FILE, "read_file")               /* a container thread reads file/offset/length */ \
    X(COUNTER_ADD, "counter_add")           /* the kernel adds `delta` to a proxy's counter */\
    X(STOP_CONTAINER, "stop_container")     /* the framework closes the kernel's controller */

typedef enum world_action_kind {
#define X(name, text) WORLD_ACTION_##name,
    WORLD_ACTIONS(X)
#undef X
    WORLD_ACTION_COUNT
} world_action_kind_t;

const char *world_action_name(world_action_kind_t kind);

typedef struct world_action {
    int64_t at_ns;
    world_action_kind_t kind;
    int target;          /* index into proxies, sources, watchers, processes or files */
    const char *name;    /* WAKE_LOCK_*: the lock's name */
    uint32_t count;      /* SEND: messages (>= 1) */
    uint32_t bytes;      /* SEND: bytes per message */
    uint32_t set, clear; /* SIGNAL */
    bool remote_side;    /* CLOSE_PEER: true = the remote peer closes, false = the container */
    uint64_t offset, length; /* READ_FILE */
    int64_t delta;       /* COUNTER_ADD */
    bool from_tool;      /* SUSPEND: sent by a tool outside the container, not the kernel */
} world_action_t;

/* A Poisson stream of messages from one proxy's remote peer. */
typedef struct world_poisson_config {
    int proxy;            /* index into proxies */
    int64_t mean_interval_ns;
    int64_t start_ns, stop_ns; /* boot; stop_ns <= 0: until the run ends */
    uint32_t bytes;
} world_poisson_config_t;

/* ---- Config: costs and the whole world ------------------------------------------------------- */

typedef struct world_cost_override {
    const char *syscall; /* "zx_port_wait" or "port_wait" */
    int64_t cost_ns;
} world_cost_override_t;

typedef struct world_config {
    const char *variant;            /* manager variant, NULL = default */
    int64_t system_suspend_delay_ns; /* after the last lease drops, the system suspends;
                                        < 0 = the system never suspends */
    int64_t system_resume_ns;       /* time to resume the system on a wake */
    const world_cost_override_t *costs;
    size_t cost_count;
    uint32_t cost_jitter_permille;
    world_container_config_t container;
    const world_proxy_config_t *proxies;
    size_t proxy_count;
    const world_source_config_t *sources;
    size_t source_count;
    const world_watcher_config_t *watchers;
    size_t watcher_count;
    world_disk_config_t disk;
    const world_file_config_t *files;
    size_t file_count;
    const world_action_t *timeline; /* sorted by at_ns, stable (the loader sorts) */
    size_t timeline_count;
    const world_poisson_config_t *poisson;
    size_t poisson_count;
    int64_t message_wake_bound_ns;  /* invariant: a message forwarded to a suspended container
                                       must wake it within this bound (0 = 1 s) */
    const uint32_t *lease_failures; /* TakeApplicationActivityLease requests (0-based, in the
                                       order the governor reads them) it answers by closing the
                                       connection: the caller sees a FIDL error (R10) */
    size_t lease_failure_count;
} world_config_t;

/* ---- Results: what happened ------------------------------------------------------------------ */

/* One SuspendContainer, from the kernel's request to its reply. Times are boot ns, -1 when the
 * phase did not happen. Phase times come from MANAGER_SUSPEND_PHASES plus the client's own. */
typedef enum world_suspend_result {
    WORLD_SUSPEND_OK = 0,
    WORLD_SUSPEND_WAKE_LOCKS_EXIST,
    WORLD_SUSPEND_FAILURE,
    WORLD_SUSPEND_NO_REPLY, /* the channel closed without a reply, or the run ended first */
} world_suspend_result_t;

const char *world_suspend_result_name(world_suspend_result_t r); /* "ok", "wake_locks_exist",
                                                                    "suspend_failure", "no_reply" */

typedef struct world_suspend_record {
    int64_t sent_ns;
    int64_t phase_ns[16];        /* indexed by MANAGER_PHASE_* (1..12) */
    int64_t reply_received_ns;
    world_suspend_result_t result;
    bool channel_closed;         /* NO_REPLY because the channel closed (an answer, R7/R10),
                                    not because the run ended first */
    uint64_t request_event;      /* index of the WORLD_EV_SUSPEND_REQUEST trace event */
    bool has_suspend_time;
    int64_t suspend_time_ns;     /* the reply's field, boot ns */
    bool has_resume_reason;
    char resume_reason[1025];
} world_suspend_record_t;

typedef struct world_watcher_record {
    char observations[256];      /* 'A' (AWAKE) and 'S' (ASLEEP) in order seen */
    int64_t observed_ns[256];
    size_t count;
    size_t total;                /* observations made, including those past the arrays */
    char last;                   /* the last observation ('A', 'S'), 0 if none */
    int64_t last_ns;
    bool closed;                 /* the HAL closed its end (close_watcher) */
} world_watcher_record_t;

/* One proxied message through its life; times are boot ns, -1 when it did not happen. */
typedef struct world_message_record {
    int proxy;
    int64_t sent_ns;             /* written on the remote end */
    int64_t counter_incremented_ns; /* MANAGER_EV_COUNTER_INCREMENTED (not in v1: no counter) */
    int64_t forwarded_ns;        /* the runner wrote it into the container's channel (any
                                    variant: KERNEL_EV_CHANNEL_WRITE on the handler's end) */
    int64_t read_by_container_ns;
    int64_t handled_ns;
    int64_t decremented_ns;
    int64_t container_resumed_ns; /* first time the container ran after the send: sent_ns if
                                     it was not frozen then, else when it was next thawed */
} world_message_record_t;

typedef struct world_file_read_record {
    int file;
    uint64_t offset, length;
    int64_t started_ns, finished_ns;
    int32_t status;              /* zx_status_t of the read */
    uint64_t checksum;           /* FNV-1a of the bytes read (when status is OK) */
    uint8_t head[32];            /* the first bytes read */
} world_file_read_record_t;

typedef struct world_results {
    world_suspend_record_t *suspends;
    size_t suspend_count;
    world_watcher_record_t *watchers; /* one per config watcher */
    world_message_record_t *messages;
    size_t message_count;
    world_file_read_record_t *file_reads;
    size_t file_read_count;
    bool *remote_saw_peer_closed;     /* per proxy: the remote peer saw PEER_CLOSED */
    uint64_t *remote_received;        /* per proxy: messages the remote peer read */
    int64_t *counter_end;             /* per proxy: counter value at the end (INT64_MIN if the
                                         counter was never created) */
    /* Kernel suspend stats (reference 6.3 SuspendStats). */
    uint64_t success_count, fail_count, wakeup_count;
    bool has_last_resume_reason;      /* false = None */
    char last_resume_reason[1100];
    int64_t last_time_in_sleep_ns;
    int64_t last_time_in_suspend_operations_ns;
    sim_end_t end;
    int64_t end_time_ns;
    uint64_t fingerprint;
    uint64_t events;
} world_results_t;

/* Counter value of a proxy sampled at a time, for "counter value at a time" expectations:
 * the world samples every proxy counter at each time listed here. */
typedef struct world_sample_request {
    int proxy;
    int64_t at_ns;
} world_sample_request_t;

/* ---- Running --------------------------------------------------------------------------------- */

typedef struct world world_t;

typedef struct world_run_opts {
    uint64_t seed;
    const char *strategy;          /* "fifo", "random", "replay" */
    const uint8_t *replay_choices; /* for "replay" */
    size_t replay_choices_size;
    int64_t time_limit_ns;         /* required: the run ends there at the latest */
    uint64_t events_max;           /* 0 = none */
    const char *variant_override;  /* --manager, or NULL */
    const world_sample_request_t *samples;
    size_t sample_count;
    const sim_trace_sink_ops_t *sink; /* an extra trace sink (SQLite), or NULL */
    void *sink_ctx;
    /* Optional: called right after sim_create, before anything is traced (where
     * sim_trace_sqlite_run_begin must be called). A non-zero return (a SIM_E*) ends world_run
     * with that error; `*out` is then still set, for world_destroy. */
    int (*on_created)(sim_t *s, void *ctx);
    void *on_created_ctx;
} world_run_opts_t;

/* Builds the world for `config`, runs it to the end and records the results. Returns 0 or a
 * SIM_E* error (SIM_ENOMEM, SIM_EINVAL with a message in `err` for an inconsistent config).
 * The run's sim_t stays alive until world_destroy, for sinks and inspection. On an error found
 * before anything was built `*out` is NULL; on a later one it is set: pass it to world_destroy
 * (which accepts NULL). Must be called outside any task; blocks the host until the run ends. */
int world_run(const world_config_t *config, const world_run_opts_t *opts, world_t **out,
              char *err, size_t err_size);
const world_results_t *world_results(const world_t *w);
sim_t *world_sim(const world_t *w);
/* The sampled counter value for request i of opts.samples (INT64_MIN if not sampled). */
int64_t world_sample(const world_t *w, size_t i);
void world_destroy(world_t *w);

/* Trace kinds of the world (range 500-599). Times are those of the event.
 *   SYSTEM_SUSPEND  arg[0] = monotonic time at suspend
 *   SYSTEM_WAKE     a hardware wake was requested; arg[0] = 1 if the system was suspended,
 *                   text = its cause ("send:touch", "signal:irq", "poisson:touch", ...)
 *   SYSTEM_RESUME   the monotonic clock runs again; arg[0] = boot ns spent suspended
 *   LEASE           object = lease token koid, arg[0] = 1 taken / 0 dropped / 2 refused (a
 *                   lease_failures request: object 0), arg[1] = leases held after, text = the
 *                   lease's name
 *   ACTION          a timeline entry executes; arg[0] = world_action_kind_t (or -1 for the
 *                   implicit registrations), arg[1] = target, arg[2] = entry index, text = name
 *   SUSPEND_REQUEST arg[0] = record index; SUSPEND_REPLY arg[0] = record index, status =
 *                   world_suspend_result_t, arg[1] = suspend_time (or -1), text = reason
 *   MESSAGE         arg[0] = message record index, arg[1] = proxy, arg[2] = world_message_step_t
 *   WATCHER         arg[0] = watcher, arg[1] = 'A' or 'S' (or 'C' registered, 'X' closed)
 *   WAKE_LOCK       arg[0] = 1 acquire / 0 release, arg[1] = locks held after, text = name
 *   FILE_READ       arg[0] = record index, arg[1] = 1 begin / 0 end, status = read status
 *   PROCESS         object = process koid, arg[0] = 1 spawned / 0 killed, text = name
 *   SOURCE          arg[0] = source, arg[1] = 1 added / 0 removed / 2 signaled, text = name
 *   PEER            arg[0] = proxy, arg[1] = world_peer_event_t, text = the proxy's name */
#define WORLD_TRACE_KINDS(X)                                                                   \
    X(WORLD_EV_SYSTEM_SUSPEND, 500, "world.system_suspend")                                    \
    X(WORLD_EV_SYSTEM_WAKE, 501, "world.system_wake")                                          \
    X(WORLD_EV_SYSTEM_RESUME, 502, "world.system_resume")                                      \
    X(WORLD_EV_LEASE, 503, "world.lease")                                                      \
    X(WORLD_EV_ACTION, 504, "world.action")                                                    \
    X(WORLD_EV_SUSPEND_REQUEST, 505, "world.suspend_request")                                  \
    X(WORLD_EV_SUSPEND_REPLY, 506, "world.suspend_reply")                                      \
    X(WORLD_EV_MESSAGE, 507, "world.message")                                                  \
    X(WORLD_EV_WATCHER, 508, "world.watcher")                                                  \
    X(WORLD_EV_WAKE_LOCK, 509, "world.wake_lock")                                              \
    X(WORLD_EV_FILE_READ, 510, "world.file_read")                                              \
    X(WORLD_EV_PROCESS, 511, "world.process")                                                  \
    X(WORLD_EV_SOURCE, 512, "world.source")                                                    \
    X(WORLD_EV_PEER, 513, "world.peer")

enum {
#define X(name, value, text) name = value,
    WORLD_TRACE_KINDS(X)
#undef X
};

/* Steps of a message in WORLD_EV_MESSAGE (the runner's own steps are in the manager's trace). */
typedef enum world_message_step {
    WORLD_MESSAGE_SENT = 0,
    WORLD_MESSAGE_READ = 1,
    WORLD_MESSAGE_HANDLED = 2,
    WORLD_MESSAGE_DECREMENTED = 3,
} world_message_step_t;

/* What happened to a proxied channel's ends, in WORLD_EV_PEER. */
typedef enum world_peer_event {
    WORLD_PEER_REGISTERED = 0,      /* the kernel sent ProxyWakeChannel */
    WORLD_PEER_REMOTE_CLOSED = 1,   /* the remote peer closed its end */
    WORLD_PEER_CONTAINER_CLOSED = 2,/* the container closed its end */
    WORLD_PEER_REMOTE_SAW_CLOSED = 3, /* the remote peer saw PEER_CLOSED */
    WORLD_PEER_HANDLER_EXIT = 4,    /* the container's handler stopped reading */
} world_peer_event_t;

/* Static spelling of a world trace kind ("world.lease"); NULL if not a world kind. */
const char *world_trace_kind_name(uint32_t kind);

/* Invariants checked on every run (each a named violation with the event that broke it). */
#define WORLD_INVARIANTS(X)                                                                    \
    X("message_wakes_container",                                                               \
      "a message forwarded to a suspended container wakes it within the bound")               \
    X("suspend_gets_reply", "every SuspendContainer gets a reply (or its channel closes)")     \
    X("watcher_agrees", "a watcher's last signal agrees with the container's state at the end")\
    X("counter_non_negative", "no message counter goes negative")                              \
    X("no_deadlock", "the run does not end with threads blocked and nothing scheduled")        \
    X("no_manager_panic", "the runner never panics")

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_WORLD_H */
