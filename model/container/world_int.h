/* world_int.h - What the files of model/container share: the world's state, one struct per
 * actor, and the functions actors call on each other. Not for use outside model/container.
 *
 * Layout of the simulated system (every handle lives in the table of the process named):
 *
 *   root job
 *   +- starnix_runner            (manager_start: the port of upstream's runner)
 *   +- job "platform"            outside the container, never frozen
 *   |  +- component_manager      svc.c: routes every /svc open (runner, Starnix, platform)
 *   |  +- system_activity_governor  sag.c: leases, system suspend/resume
 *   |  +- platform               timeline.c driver, poisson, launcher (process.c),
 *   |                            remote peers (proxy_side.c), HALs (hal.c), interrupt
 *   |                            sources (wake_source.c)
 *   +- job <container.name>      the container job given to ComponentRunner.Start
 *      +- starnix_kernel         kernel_side.c: suspend loop, kernel worker, wake locks;
 *      |                         proxy_side.c handlers; files.c mount and read threads
 *      +- <Linux processes>      process.c: IDLE / BUSY / READER threads
 *
 * Everything is set up at t = 0 outside any task (the bootstrap process: free and instant),
 * then handles are moved where they belong with kernel_handle_transfer. World threads are
 * daemons: a run whose threads are all idle ends "quiescent" (see invariants.c, no_deadlock).
 *
 * Platform threads may park on the engine directly (boot-clock waits, the "system running"
 * queue): nothing ever suspends them. Container threads block only in zx_* calls, so that the
 * runner's suspend_job sees them reach SUSPENDED.
 */
#ifndef WAKESIM_MODEL_CONTAINER_WORLD_INT_H
#define WAKESIM_MODEL_CONTAINER_WORLD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wakesim/fidl.h>
#include <wakesim/kernel.h>
#include <wakesim/manager.h>
#include <wakesim/world.h>
#include <zircon/syscalls.h>
#include <zircon/types.h>

#include "sim.h"

/* ---- Timeline entries (timeline.c) ----------------------------------------------------------- */

/* Implicit entries beside the scenario's actions: the kernel's ProxyWakeChannel at
 * register_at_ns. (Sources' add_at_ns and watchers' register_at_ns become ordinary
 * ADD_WAKE_SOURCE / REGISTER_WATCHER entries.) */
#define WORLD_ENTRY_REGISTER_PROXY ((int)WORLD_ACTION_COUNT)

typedef struct world_entry {
    int64_t at_ns;                /* boot */
    int kind;                     /* world_action_kind_t or WORLD_ENTRY_REGISTER_PROXY */
    int target;
    const world_action_t *action; /* the scenario's action, NULL for implicit entries */
    uint32_t order;               /* tie-break at equal times: implicit first, then timeline */
} world_entry_t;

/* ---- Actors ---------------------------------------------------------------------------------- */

/* Scratch message buffers for one thread (ZX_CHANNEL_MAX_MSG_BYTES and _HANDLES). */
typedef struct world_msgbuf {
    uint8_t *bytes;
    zx_handle_t *handles;
} world_msgbuf_t;

typedef enum world_system_state {
    WORLD_SYSTEM_RUNNING = 0,
    WORLD_SYSTEM_SUSPENDED,
    WORLD_SYSTEM_RESUMING,
} world_system_state_t;

typedef struct sag_conn sag_conn_t;

/* sag.c: the activity governor and the system's suspend state. */
typedef struct world_sag {
    zx_handle_t dir;           /* SAG process: server end of its outgoing directory */
    uint32_t leases;           /* leases held now */
    world_system_state_t state;
    int64_t suspended_at_boot_ns;
    sim_timer_t suspend_timer; /* boot clock: no lease for system_suspend_delay_ns */
    sim_timer_t resume_timer;  /* boot clock: system_resume_ns after a hardware wake */
    bool wake_held;            /* a hardware wake holds the system awake (sag.c) */
    sim_timer_t hold_timer;    /* boot clock: the longest a wake holds it, WORLD_WAKE_HOLD_NS */
    sim_waitq_t running;       /* platform tasks waiting for the system to run */
    sag_conn_t *conns;         /* every connection and lease record, freed at destroy */
    uint32_t lease_requests;   /* TakeApplicationActivityLease requests read so far */
    world_msgbuf_t buf;        /* the directory task's */
} world_sag_t;

/* svc.c: component manager's routing of /svc opens. */
enum { WORLD_SVC_RUNNER = 0, WORLD_SVC_STARNIX, WORLD_SVC_PLATFORM, WORLD_SVC_CLIENTS };

typedef struct world_svc {
    zx_handle_t clients[WORLD_SVC_CLIENTS]; /* cm: server ends of the /svc directories */
    zx_handle_t runner_dir;                 /* cm: client end of the runner's outgoing dir */
    zx_handle_t sag_dir;                    /* cm: client end of the SAG's outgoing dir */
    world_msgbuf_t buf;                     /* the router's */
} world_svc_t;

/* kernel_side.c: the Starnix kernel's power manager (reference 6.1-6.3). */
typedef struct world_kside {
    zx_handle_t svc;            /* starnix: client end of its /svc */
    zx_handle_t job;            /* starnix: the container job (duplicated into requests) */
    zx_handle_t self;           /* starnix: its own process (to start threads) */
    zx_handle_t lock_reader;    /* starnix: active_lock_reader, duplicated as wake_locks */
    zx_handle_t lock_writer;    /* starnix: active_lock_writer */
    zx_handle_t kctl;           /* starnix: kernel worker's command channel (read end) */
    zx_handle_t sctl;           /* starnix: suspend loop's command channel (read end) */
    zx_handle_t tool_tx;        /* platform: commands to the tool's thread (write end) */
    zx_handle_t tool_rx;        /* platform: the tool's thread reads them */
    world_msgbuf_t tool_buf;    /* the tool's */
    const char **locks;         /* Linux wake locks held now (names borrowed from config) */
    size_t lock_count, lock_capacity;
    world_msgbuf_t buf;         /* the suspend loop's */
} world_kside_t;

/* proxy_side.c: one proxied channel. */
typedef struct world_proxy {
    world_t *w;
    int index;
    /* platform */
    zx_handle_t peer_end;       /* the remote peer's end of the channel to the kernel */
    bool remote_closed;         /* the remote closed peer_end */
    /* starnix */
    zx_handle_t remote_channel; /* the kernel's end to the remote, moved into ProxyWakeChannel */
    zx_handle_t kernel_end;     /* the handler reads this end of the new pair */
    zx_handle_t counter;        /* the kernel's duplicate of the message counter (K-B) */
    zx_handle_t resume_k;       /* K-A (v1): the kernel's end K of the resume eventpair */
    zx_koid_t kernel_end_koid;  /* writes on it are messages forwarded into the container */
    size_t delivered;           /* KERNEL_EV_CHANNEL_WRITE seen on kernel_end */
    bool registered;
    bool container_closed;      /* close_peer on the container side */
    uint8_t *buf;               /* handler's read buffer, ZX_CHANNEL_MAX_MSG_BYTES */
    uint8_t *remote_buf;        /* the remote reader's, ZX_CHANNEL_MAX_MSG_BYTES */
    /* records (records.c) */
    zx_koid_t counter_koid;
    int64_t counter_value;      /* tracked from the trace; valid once counter_koid is set */
    size_t *msgs;               /* message record indices in the order they were written */
    size_t msg_count, msg_capacity;
    size_t forwarded;           /* MANAGER_EV_COUNTER_INCREMENTED seen for this proxy */
    bool runner_exited;         /* the runner's proxy task ended (start_proxy:loop:exit) */
    bool handler_exited;        /* the container's handler stopped reading */
    bool counter_negative;      /* counter_non_negative already reported this excursion */
} world_proxy_t;

/* wake_source.c */
typedef struct world_source {
    zx_handle_t plat; /* platform: what the hardware signals (event, eventpair end, counter) */
    zx_handle_t kern; /* starnix: duplicated into AddWakeSource / RemoveWakeSource */
} world_source_t;

/* hal.c: one HAL with a wake watcher. */
typedef struct world_watcher {
    world_t *w;
    int index;
    zx_handle_t cmd_tx, cmd_rx; /* platform: commands 'R' (register) and 'C' (close), in order */
    world_msgbuf_t buf;         /* the HAL thread's message buffers */
} world_watcher_t;

/* process.c: a Linux process of the container. */
typedef struct world_lthread {
    world_t *w;
    int proc, index;
    zx_handle_t vmo; /* READER: the file's VMO in the thread's process */
    bool started;
} world_lthread_t;

typedef struct world_lproc {
    zx_handle_t proc; /* platform: the process (kill, thread creation) */
    zx_koid_t koid;
    bool spawned, killed;
    world_lthread_t *threads;
} world_lproc_t;

/* files.c */
typedef struct world_files {
    zx_handle_t disk;       /* starnix: backing VMO, moved into CreatePager */
    zx_handle_t pager;      /* starnix: client end of the Pager connection (kept open) */
    zx_handle_t *vmos;      /* starnix: per file, the child VMO from RegisterFile */
    zx_status_t *status;    /* per file: RegisterFile's outcome */
    zx_handle_t mounted;    /* starnix: event, SIGNALED once every file was registered */
    zx_handle_t tx;         /* starnix: to the launcher */
    zx_handle_t rx;         /* platform: the launcher's end */
    zx_handle_t *plat_vmos; /* platform: per file, a duplicate for READER threads */
    bool known;             /* the launcher has received the VMOs */
    fidl_pager_extent_t *extents; /* fs_mount's scratch for RegisterFile */
    world_msgbuf_t buf;     /* fs_mount's and the launcher's (never at the same time) */
    world_msgbuf_t lbuf;
    uint8_t **read_bufs;    /* per read record: its buffer, owned here (a reader may stay
                               parked on a page fault when the run ends) */
    size_t read_buf_capacity;
    void **read_args;       /* per READ_FILE action executed: its thread's argument */
    size_t read_arg_count, read_arg_capacity;
} world_files_t;

/* timeline.c */
typedef struct world_timeline {
    world_entry_t *entries;
    size_t count;
    world_action_t *implicit; /* storage of the implicit entries' actions */
    zx_handle_t kctl, sctl;   /* platform: write ends of the kernel's command channels */
    zx_handle_t svc;          /* platform: client end of the platform's /svc */
    zx_handle_t job;          /* platform: the container job (spawns) */
    uint8_t *payload;         /* the driver's message buffer */
    uint8_t *poisson_payload; /* the Poisson thread's */
    int64_t *poisson_next_ns; /* per stream: next arrival (boot) */
} world_timeline_t;

/* records.c: the run's results and the trace observer. */
typedef struct world_records {
    size_t suspend_capacity, message_capacity, read_capacity;
    zx_koid_t *container_koids; /* processes of the container job */
    size_t container_count, container_capacity;
    zx_koid_t *tokens;          /* open suspend tokens on container processes */
    size_t token_count, token_capacity;
    int64_t last_change_ns;     /* last freeze or thaw */
    size_t *id_to_record;       /* per message id: its record, SIZE_MAX if never sent */
    size_t id_count, id_capacity;
    size_t *resume_pending;     /* messages sent while frozen, waiting for the thaw */
    size_t resume_pending_count, resume_pending_capacity;
    uint32_t runner_attempt_waiting; /* attempt in object_wait_many (phase 7 without 8), or 0 */
    sim_timer_t *sample_timers;
    int64_t *sample_values;
    /* message_wakes_container */
    sim_timer_t wake_timer;
    size_t wake_message;        /* the first message forwarded while frozen, this episode */
    uint64_t wake_event;        /* its MANAGER_EV_COUNTER_INCREMENTED event */
    bool wake_watching;
    bool wake_reported;         /* one violation per frozen episode */
} world_records_t;

struct world {
    const world_config_t *cfg; /* valid only during world_run: teardown must not read it */
    size_t proxy_count, watcher_count, process_count; /* copies for teardown */
    world_run_opts_t opts;
    sim_t *s;
    kernel_t *k;
    manager_t *m;
    int64_t message_wake_bound_ns;
    bool kernel_era_a;         /* variant "v1": eventpair proxies (K-A) instead of counters */
    /* processes (bootstrap handles, kept for the whole run) */
    zx_handle_t platform_job, container_job;
    zx_handle_t cm_proc, sag_proc, platform_proc, starnix_proc;
    zx_handle_t runner_client; /* ComponentRunner connection, held by the "framework" */
    zx_handle_t controller;    /* platform: the framework's end of the kernel's controller
                                  channel (only when the timeline stops the container) */
    world_sag_t sag;
    world_svc_t svc;
    world_kside_t kside;
    world_proxy_t *proxies;
    world_source_t *sources;
    world_watcher_t *watchers;
    world_lproc_t *lprocs;
    world_files_t files;
    world_timeline_t tl;
    world_records_t rec;
    world_results_t res;
};

/* ---- Cross-file functions -------------------------------------------------------------------- */

/* world.c */
void *world_alloc(size_t size); /* zeroed; asserts on out of memory (setup only) */
/* Grows `*array` (elements of `size` bytes) to hold at least `need`; asserts on OOM. */
void world_grow(void **array, size_t *capacity, size_t need, size_t size);
/* Moves a bootstrap handle into `process`; returns its value there (asserts on failure:
 * setup errors are bugs of the world). */
zx_handle_t world_give(zx_handle_t handle, zx_handle_t process);
/* A duplicate of a bootstrap handle, moved into `process`. */
zx_handle_t world_give_dup(zx_handle_t handle, zx_handle_t process);
/* Starts a daemon thread of `process` (a bootstrap handle or one of the caller's). */
void world_thread_start(zx_handle_t process, const char *name, kernel_thread_fn fn, void *arg);
void world_trace(world_t *w, uint32_t kind, uint64_t object, int64_t a0, int64_t a1, int64_t a2,
                 int32_t status, const char *text);
/* Opens `protocol` through the /svc directory `svc` (a new connection, as upstream's
 * connect_to_protocol_sync). Returns the client end, or ZX_HANDLE_INVALID. */
zx_handle_t world_connect(zx_handle_t svc, const char *protocol);
/* Waits for the reply to txid on `ch`, reads it into the caller's buffers. ZX_OK with the
 * message, or the error that ended the wait (PEER_CLOSED: the channel closed first). Skips
 * messages that are not a response. Blocks in zx calls only (freezable). */
zx_status_t world_await_reply(zx_handle_t ch, uint8_t *bytes, zx_handle_t *handles,
                              fidl_message_t *msg);
void world_msgbuf_init(world_msgbuf_t *b);
void world_msgbuf_deinit(world_msgbuf_t *b);

/* svc.c */
void svc_setup(world_t *w, zx_handle_t runner_svc_server, zx_handle_t outgoing,
               zx_handle_t starnix_svc_server, zx_handle_t platform_svc_server,
               zx_handle_t sag_dir_client);
void svc_teardown(world_t *w);

/* sag.c */
void sag_setup(world_t *w, zx_handle_t sag_dir_server);
void sag_teardown(world_t *w);
/* A hardware event (`cause`): resumes a suspended system after system_resume_ns, or restarts
 * the suspend delay of an awake system without leases. Never blocks. */
void sag_hardware_wake(world_t *w, const char *cause);
bool sag_is_running(const world_t *w);
/* Parks the calling platform task until the system runs, or until `deadline_boot_ns`; returns
 * whether it runs. May block. */
bool sag_wait_running(world_t *w, int64_t deadline_boot_ns);

/* kernel_side.c */
void kside_setup(world_t *w);
/* A tool outside the container sends SuspendContainer (timeline entry `index`). Platform. */
void kside_tool_suspend(world_t *w, uint32_t index);
void kside_teardown(world_t *w);
/* The kernel worker executes entry `index` of the timeline (container-side actions). */
void kside_execute(world_t *w, const world_entry_t *e);

/* proxy_side.c */
void proxy_setup(world_t *w);
void proxy_teardown(world_t *w);
void proxy_register(world_t *w, int p);            /* kernel worker */
void proxy_close_container(world_t *w, int p);     /* kernel worker */
void proxy_counter_add(world_t *w, int p, int64_t delta); /* kernel worker */
/* Writes `count` messages of `bytes` from the remote peer. `payload` is the calling writer's
 * own zeroed buffer of ZX_CHANNEL_MAX_MSG_BYTES: a write parks (its cost) before it copies,
 * so two writers must not share one. The caller has woken the system. */
void proxy_send(world_t *w, int p, uint32_t count, uint32_t bytes, uint8_t *payload);
void proxy_close_remote(world_t *w, int p);        /* platform */

/* wake_source.c */
void source_setup(world_t *w);
void source_add(world_t *w, int i);               /* kernel worker */
void source_remove(world_t *w, int i);            /* kernel worker */
void source_signal(world_t *w, int i, uint32_t clear, uint32_t set); /* platform */

/* hal.c */
void hal_setup(world_t *w);
void hal_teardown(world_t *w);
void hal_register(world_t *w, int i);             /* platform (timeline) */
void hal_close(world_t *w, int i);                /* platform (timeline) */

/* process.c */
void process_setup(world_t *w);
void process_teardown(world_t *w);
void process_spawn(world_t *w, int i);            /* platform (timeline) or setup */
void process_kill(world_t *w, int i);             /* platform (timeline) */
/* The launcher learned the file VMOs: start the READER threads waiting for them. */
void process_files_known(world_t *w);

/* files.c */
void files_setup(world_t *w);
void files_teardown(world_t *w);
void files_read_action(world_t *w, const world_action_t *a); /* kernel worker */
/* Reads [offset, offset+length) of `vmo` and records it (the calling thread blocks on page
 * faults). `file` is the config index. */
void files_read(world_t *w, int file, zx_handle_t vmo, uint64_t offset, uint64_t length);

/* timeline.c */
void timeline_setup(world_t *w);
void timeline_teardown(world_t *w);

/* records.c */
void records_setup(world_t *w);
void records_start(world_t *w); /* once the run exists: arms the sample timers */
void records_teardown(world_t *w);
void records_finish(world_t *w); /* after sim_run: results */
void records_on_event(world_t *w, const sim_trace_event_t *ev);
size_t records_suspend_begin(world_t *w);
void records_suspend_end(world_t *w, size_t i, zx_status_t st,
                         const fidl_suspend_container_resp_t *resp);
/* Messages carry a world-wide id (8 bytes at the start of the payload), drawn before the
 * write; the record exists once the write succeeded (records_message_sent). */
uint64_t records_message_id(world_t *w);
void records_message_sent(world_t *w, int p, uint64_t id);
void records_message_step(world_t *w, uint64_t id, world_message_step_t step);
void records_watcher(world_t *w, int i, char what);
size_t records_read_begin(world_t *w, int file, uint64_t offset, uint64_t length);
void records_read_end(world_t *w, size_t i, zx_status_t st, const uint8_t *data);
void records_container_process(world_t *w, zx_koid_t koid);
bool records_container_frozen(const world_t *w);
/* Outstanding work for no_deadlock: a description in buf, or false. */
bool records_outstanding(const world_t *w, char *buf, size_t size);

/* invariants.c */
int invariants_setup(world_t *w);
/* records.c calls these when the container freezes, thaws, or a message reaches it. */
void invariants_frozen(world_t *w, bool frozen);
void invariants_forwarded(world_t *w, size_t message, uint64_t event_index);
void invariants_counter(world_t *w, int p, int64_t value, const sim_trace_event_t *ev);

#endif /* WAKESIM_MODEL_CONTAINER_WORLD_INT_H */
