/* manager_int.h - What the files of model/manager share: the runner instance, the executor
 * constructs upstream uses (async.c), the FIDL server pieces (connections and responders), the
 * state of each upstream module (SuspendContext, Kernels, Pager, ChannelProxy) and the variant
 * ops table. Not for use outside model/manager; tests include it only for white-box checks.
 *
 * Includes point down only: the kernel's zx API (zircon/ headers), its launching API and mutex
 * (wakesim/kernel.h, wakesim/mutex.h), libc. The engine is reached only through those.
 *
 * Memory. Everything the port allocates goes through manager_alloc()/manager_free(), which keep
 * the blocks on one list per runner: tasks parked forever when a run ends (a connection waiting
 * for a message, a proxy waiting for a signal) still own blocks, and manager_destroy() frees
 * whatever is left in one place. Handles are the kernel's: kernel_destroy() reclaims them.
 */
#ifndef WAKESIM_MODEL_MANAGER_MANAGER_INT_H
#define WAKESIM_MODEL_MANAGER_MANAGER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wakesim/fidl.h>
#include <wakesim/kernel.h>
#include <wakesim/manager.h>
#include <wakesim/mutex.h>
#include <zircon/syscalls.h>
#include <zircon/types.h>

/* Zircon's time helpers (zircon/time.h), which the kernel's headers do not carry. */
#ifndef ZX_MSEC
#define ZX_MSEC(n) ((zx_duration_t)(n) * 1000000ll)
#endif
#ifndef ZX_SEC
#define ZX_SEC(n) ((zx_duration_t)(n) * 1000000000ll)
#endif

typedef struct manager_variant_ops manager_variant_ops_t;
typedef struct manager_conn manager_conn_t;
typedef struct async_channel async_channel_t;
typedef struct pager pager_t;

/* ---- Trace, logs, panics (manager.c) ------------------------------------------------------ */

/* Emits a manager trace event (kinds of MANAGER_TRACE_KINDS); `text` is borrowed. */
void manager_trace(uint32_t kind, uint64_t object, int64_t a0, int64_t a1, int64_t a2,
                   int64_t a3, int32_t status, const char *text);
/* fuchsia_trace::instant!(..., "name" => text). */
void manager_trace_instant(uint32_t kind, uint64_t object, const char *text);
/* fuchsia_trace::duration!: begin (true) at the macro, end (false) where its guard drops. */
void manager_trace_duration(uint32_t kind, uint64_t object, int64_t a0, const char *text,
                            bool begin);
/* One phase of SuspendContainer number `attempt` (MANAGER_SUSPEND_PHASES). */
void manager_phase(uint32_t phase, uint64_t attempt, int64_t a2, int64_t a3, int32_t status,
                   const char *text);

/* log::info!/warn!/error! become MANAGER_EV_LOG events with the formatted message. */
void manager_log(manager_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define MANAGER_INFO(...) manager_log(MANAGER_LOG_INFO, __VA_ARGS__)
#define MANAGER_WARN(...) manager_log(MANAGER_LOG_WARN, __VA_ARGS__)
#define MANAGER_ERROR(...) manager_log(MANAGER_LOG_ERROR, __VA_ARGS__)
#define MANAGER_DEBUG(...) manager_log(MANAGER_LOG_DEBUG, __VA_ARGS__)

/* A Rust panic (`.expect`, `.unwrap`, `panic!`): traced as MANAGER_EV_PANIC with the message
 * (the world turns it into the "no_manager_panic" violation) and the panicking simulated thread
 * ends with every task it runs. Upstream the whole runner process would abort; ending only the
 * thread keeps the rest observable (what stops working is then visible in the trace). Locks the
 * thread holds stay held, as nothing unwinds. */
_Noreturn void manager_panic(const char *func, const char *msg);
#define MANAGER_PANIC(msg) manager_panic(__func__, (msg))

/* ---- Memory (manager.c) ------------------------------------------------------------------- */

/* Zeroed block on the runner's list; never NULL (out of host memory is a wakesim bug). */
void *manager_alloc(manager_t *m, size_t size);
void *manager_realloc(manager_t *m, void *block, size_t size);
void manager_free(manager_t *m, void *block);
char *manager_strdup(manager_t *m, const char *s);

/* koid of `h` (zx::AsHandleRef::koid / get_koid: ZX_INFO_HANDLE_BASIC). */
zx_status_t manager_koid(zx_handle_t h, zx_koid_t *out);

/* ---- Executor constructs (async.c) -------------------------------------------------------- */

/* async_channel::unbounded(): an unbounded MPMC queue of pointers. Senders and receivers are
 * counted like upstream's clones; try_send fails only when every receiver is gone, recv().await
 * fails only when the queue is empty and every sender is gone. The waker is a kernel event of
 * the runner's process, SIGNALED while an item waits or the queue is closed, on which recv
 * awaits (kernel_await_one): only the receiving task parks, its sibling tasks run. */
struct async_channel {
    manager_t *m;
    const char *name;   /* for logs */
    zx_handle_t event;  /* the waker; in the runner's handle table */
    void **items;       /* ring buffer */
    size_t head, count, capacity;
    uint32_t senders;   /* Sender clones alive */
    uint32_t receivers; /* Receiver clones alive */
};

/* Creates the queue with one sender and one receiver. Must run in a runner thread (the event
 * belongs to the caller's process). Errors: the kernel's (NO_MEMORY). */
zx_status_t async_channel_init(async_channel_t *ch, manager_t *m, const char *name);
/* Sender::try_send: false (item not queued, still the caller's) when no receiver is left. */
bool async_channel_try_send(async_channel_t *ch, void *item);
/* Receiver::recv().await: ZX_OK with the oldest item, or ZX_ERR_PEER_CLOSED when the queue is
 * empty and no sender is left. May block (parks the calling task only). */
zx_status_t async_channel_recv(async_channel_t *ch, void **item);
void async_channel_sender_clone(async_channel_t *ch);
void async_channel_sender_drop(async_channel_t *ch);
void async_channel_receiver_drop(async_channel_t *ch);

/* futures::select! over two fasync::OnSignals futures: awaits until h0 has one of s0 or h1 one
 * of s1. When both are ready at the poll, the branch is drawn with kernel_choose (select!
 * picks at random). Returns the wait's status; *which is the branch (0 or 1) and *observed its
 * signals (on an error, the branch whose handle failed). May block (parks the task). */
zx_status_t async_select2(zx_handle_t h0, zx_signals_t s0, zx_handle_t h1, zx_signals_t s1,
                          int *which, zx_signals_t *observed);

/* Spawns fn(arg) as a task of the calling thread (Task::spawn(...).detach(), Scope::spawn_local,
 * TaskGroup::local). A failure to spawn is a panic, as in the Rust executors. */
void async_spawn(const char *name, kernel_thread_fn fn, void *arg);

/* ---- FIDL server pieces (async.c) -------------------------------------------------------- */

/* One served channel. Upstream the channel is shared (Arc) by the request stream and every
 * responder, and closes when the last of them drops; a responder dropped without a reply shuts
 * the channel down (fidlgen's Drop calls control_handle.shutdown()), so the client sees
 * PEER_CLOSED and the stream ends. */
struct manager_conn {
    manager_t *m;
    zx_handle_t channel; /* server end, runner table; INVALID once shut down or closed */
    uint32_t refs;       /* the stream + responders alive */
    bool shutdown;       /* a responder shut it down */
    uint8_t *bytes;      /* receive buffer: ZX_CHANNEL_MAX_MSG_BYTES */
    zx_handle_t *handles; /* receive buffer: ZX_CHANNEL_MAX_MSG_HANDLES */
};

typedef struct manager_responder {
    manager_conn_t *conn; /* a reference; NULL once sent or dropped */
    uint32_t txid;
    uint64_t ordinal;
} manager_responder_t;

/* Takes ownership of `channel`; the caller holds the stream's reference. */
manager_conn_t *manager_conn_create(manager_t *m, zx_handle_t channel);
void manager_conn_unref(manager_conn_t *conn);
/* The request stream's try_next().await: ZX_OK with a message read into conn's buffers;
 * ZX_ERR_PEER_CLOSED at the end of the stream (client closed, or shut down: Ok(None));
 * another error ends the stream with Err. May block (parks the task). */
zx_status_t manager_conn_next(manager_conn_t *conn, fidl_message_t *msg);
/* A responder for the two-way request `msg` (takes a reference on conn). */
manager_responder_t manager_responder_make(manager_conn_t *conn, const fidl_message_t *msg);
/* Drops the responder: without a reply sent, shuts the channel down. */
void manager_responder_drop(manager_responder_t *r);
/* Replies (consuming the responder and, on any path, the reply's handles); a failed write
 * shuts the channel down as the generated send does. Returns the write status. */
zx_status_t manager_responder_send_suspend(manager_responder_t *r,
                                           fidl_suspend_container_resp_t *resp);
zx_status_t manager_responder_send_empty(manager_responder_t *r);
zx_status_t manager_responder_send_register_file(manager_responder_t *r,
                                                 fidl_register_file_resp_t *resp);

/* ---- suspend.rs: SuspendContext, WakeSources (suspend.c) ---------------------------------- */

#define AWAKE_SIGNAL ZX_USER_SIGNAL_0  /* the runner raises it when the container is awake */
#define ASLEEP_SIGNAL ZX_USER_SIGNAL_1 /* ... and this one when it is suspended */

/* WakeSource: the runner's handle (a duplicate of the kernel's, same koid), its name and the
 * signals that wake the container. */
typedef struct wake_source {
    zx_koid_t koid;       /* the map key: koid of `handle` */
    zx_handle_t handle;
    char *name;           /* manager_alloc'd */
    zx_signals_t signals;
} wake_source_t;

/* WakeSources = HashMap<Koid, WakeSource> behind Arc<fuchsia_sync::Mutex>.
 * Lock rules: `lock` protects the entries. suspend_container holds it from building the wait
 * items until the resume reasons are computed, i.e. across the blocking object_wait_many (R1);
 * the proxy thread takes it when a proxy exits; the serve loop when it adds or removes a
 * source. Nothing is awaited while it is held. Order: after wake_watchers (never both).
 * Entries are kept in insertion order; every iteration draws its order (wake_sources_order),
 * since Rust's HashMap order is unspecified. */
typedef struct wake_sources {
    kmutex_t lock;
    wake_source_t *entries;
    size_t count, capacity;
} wake_sources_t;

/* Vec<zx::EventPair> behind a mutex, in registration order. Lock rules: protects the vector;
 * held while every watcher is signalled; never held across a wait or an await. */
typedef struct wake_watchers {
    kmutex_t lock;
    zx_handle_t *handles;
    size_t count, capacity;
} wake_watchers_t;

typedef struct suspend_context {
    wake_sources_t wake_sources;
    wake_watchers_t wake_watchers;
    /* V6's inspect node "suspend" (traced as MANAGER_EV_INSPECT). */
    uint64_t suspend_attempts_count;
    uint64_t suspend_successes_count;
    uint64_t suspend_failures_count;
} suspend_context_t;

void suspend_context_init(suspend_context_t *ctx);

/* Caller holds ws->lock for all of these. insert replaces (and drops) an entry with the same
 * koid and takes ownership of `handle`; remove drops the entry, if any. */
void wake_sources_insert(manager_t *m, wake_sources_t *ws, zx_koid_t koid, zx_handle_t handle,
                         const char *name, zx_signals_t signals);
void wake_sources_remove(manager_t *m, wake_sources_t *ws, zx_koid_t koid);
wake_source_t *wake_sources_get(wake_sources_t *ws, zx_koid_t koid);
/* Fills order[0, count) with a permutation drawn from the schedule stream: the order in which a
 * Rust HashMap would yield the entries this time. */
void wake_sources_order(const wake_sources_t *ws, size_t *order);
/* Pushes a watcher (ownership moves in); caller holds w->lock. */
void wake_watchers_push(manager_t *m, wake_watchers_t *w, zx_handle_t watcher);

/* The result of suspend_container: Result<Result<Response, SuspendError>, anyhow::Error>. */
typedef enum suspend_outcome {
    SUSPEND_OUTCOME_OK = 0,    /* Ok(Ok(response)) */
    SUSPEND_OUTCOME_ERROR = 1, /* Ok(Err(SuspendError)) */
    SUSPEND_OUTCOME_FAILED = 2, /* Err(anyhow): the caller replies SUSPEND_FAILURE or drops */
} suspend_outcome_t;

typedef struct suspend_result {
    suspend_outcome_t outcome;
    fidl_suspend_error_t error;     /* SUSPEND_OUTCOME_ERROR */
    zx_status_t status;             /* SUSPEND_OUTCOME_FAILED: the error's cause */
    zx_duration_boot_t suspend_time; /* SUSPEND_OUTCOME_OK */
    char *resume_reason;            /* SUSPEND_OUTCOME_OK; NULL = None; manager_alloc'd */
} suspend_result_t;

/* Port of suspend_container(): consumes the payload's handles. May block. */
void suspend_container(manager_t *m, fidl_suspend_container_req_t *payload, uint64_t attempt,
                       suspend_result_t *out);

/* Step helpers the variants share (suspend.c is V5w's). */
zx_instant_mono_t suspend_deadline_9s(void);
zx_instant_mono_t suspend_deadline_infinite(void);
zx_status_t suspend_watchers_prune(manager_t *m, zx_signals_t clear, zx_signals_t set,
                                   const char *what);
zx_status_t suspend_watchers_propagate(manager_t *m, zx_signals_t clear, zx_signals_t set,
                                       const char *what);
zx_status_t suspend_wait_thread_infinite(manager_t *m, zx_handle_t process, zx_handle_t thread,
                                         zx_koid_t thread_koid);
char *suspend_resume_reason_join(manager_t *m, wake_sources_t *ws, const size_t *order,
                                 const zx_wait_item_t *items, size_t count,
                                 zx_status_t wait_status);

/* ---- kernels.rs (kernels.c) ------------------------------------------------------------- */

/* StarnixKernel: what the runner keeps per container. */
typedef struct starnix_kernel {
    char *name;            /* the kernel's name in the (unmodelled) kernels collection */
    zx_handle_t job;       /* Arc<zx::Job> */
    zx_koid_t job_koid;    /* the map key */
    /* wake_lease: Mutex<Option<zx::EventPair>>. Lock rules: protects `wake_lease` only; taken
     * under kernels.lock, never held across an await. */
    kmutex_t wake_lease_lock;
    zx_handle_t wake_lease; /* INVALID = None */
} starnix_kernel_t;

/* Kernels: Arc<Mutex<HashMap<Koid, StarnixKernel>>> plus the background tasks.
 * Lock rules: `lock` protects the map. acquire_wake_lease holds it across the await on
 * ActivityGovernor (upstream's if-let guard lives through the body: R11); start and the on_stop
 * task take it briefly. Order: kernels.lock before a kernel's wake_lease_lock. */
typedef struct kernels {
    kmutex_t lock;
    starnix_kernel_t **entries;
    size_t count, capacity;
} kernels_t;

void kernels_new(kernels_t *kernels);
/* Port of Kernels::start(): consumes the request's handles. May block (awaits). */
zx_status_t kernels_start(manager_t *m, fidl_runner_start_req_t *req);
/* Port of Kernels::drop_wake_lease(). */
zx_status_t kernels_drop_wake_lease(manager_t *m, zx_handle_t container_job);
/* Port of Kernels::acquire_wake_lease(). May block (awaits the governor). */
zx_status_t kernels_acquire_wake_lease(manager_t *m, zx_handle_t container_job);

/* ---- proxy.rs (proxy.c) ------------------------------------------------------------------- */

/* ChannelProxy: platform <-> remote_channel <-> runner <-> container_channel <-> container. */
typedef struct channel_proxy {
    zx_handle_t container_channel;
    zx_handle_t remote_channel;
    zx_handle_t message_counter; /* V3+ (optional in V2): counts unhandled inbound messages */
    zx_handle_t resume_event;    /* V1, V2: the runner's endpoint R of the handshake */
    char *name;
    /* private to proxy.c: the proxy thread's list of live proxies */
    struct channel_proxy *next, *prev;
} channel_proxy_t;

/* An item of the proxy queue: (ChannelProxy, Arc<Mutex<WakeSources>>). */
typedef struct proxy_request {
    channel_proxy_t *proxy;
    wake_sources_t *wake_sources;
} proxy_request_t;

/* Port of run_proxy_thread(): starts "proxy_thread" receiving from m->proxy_queue. */
void run_proxy_thread(manager_t *m);
/* Port of forward_message() (V3+ counter form); the V1 handshake is in variants/v1.c. The
 * counter form into the container is forward_message_counter. */
zx_status_t forward_message(zx_signals_t signals, zx_handle_t read_channel,
                            zx_handle_t write_channel, zx_handle_t message_counter,
                            uint8_t *bytes, zx_handle_t *handles, const char *name);
zx_status_t forward_message_counter(zx_signals_t signals, channel_proxy_t *proxy,
                                    uint8_t *bytes, zx_handle_t *handles);
void channel_proxy_drop(manager_t *m, channel_proxy_t *proxy);

/* ---- pager.rs (pager.c) ------------------------------------------------------------------- */

/* Port of Pager::new() and start_threads(); NULL if the pager could not be created. */
pager_t *pager_new(manager_t *m);
void pager_start_threads(pager_t *pager);
/* Port of run_pager(): consumes the request. May block (awaits). */
void run_pager(manager_t *m, fidl_create_pager_req_t *req, pager_t *pager);

/* Files registered in every filesystem of the pager (white-box tests of on_zero_children). */
size_t pager_file_count(const pager_t *pager);

/* The readahead window of one READ request: where the supply starts, where the readahead ends
 * (the loop bound), and the end handed to finish() and fail_to(). */
typedef struct pager_window {
    uint64_t start;
    uint64_t readahead_end;
    uint64_t finish_end;
} pager_window_t;

/* Old readahead (V5w, pager.rs 0620b3d4): length rounded to 128 KiB, not clamped. Returns
 * whether to supply. */
bool pager_readahead_old(zx_handle_t pager, zx_handle_t vmo, uint64_t offset, uint64_t length,
                         pager_window_t *out);

/* ---- lib.rs (lib.c) ----------------------------------------------------------------------- */

/* SuspendMessage: a SuspendContainer request on its way to the worker. */
typedef struct suspend_message {
    fidl_suspend_container_req_t payload;
    manager_responder_t responder;
    uint64_t attempt; /* numbering of the phases (manager.h) */
} suspend_message_t;

/* Port of main() in runner/main.rs: the runner's main thread. */
void manager_main(void *arg);
/* Port of serve_starnix_manager(): ZX_OK for Ok(()), else the Err. */
zx_status_t serve_starnix_manager(manager_t *m, manager_conn_t *conn);
/* Port of run_suspend_worker(). */
void run_suspend_worker(manager_t *m);
/* The worker's reply to one suspend_container result (shared by the inline variants). */
void suspend_reply(manager_t *m, manager_responder_t *responder, uint64_t attempt,
                   suspend_result_t *result);
/* fuchsia_component::client::connect_to_protocol via the runner's /svc. */
zx_status_t manager_connect_to_protocol(manager_t *m, const char *protocol,
                                        zx_handle_t *client);

/* ---- Variants (variants/) ------------------------------------------------------------------ */

typedef enum manager_queue_mode {
    MANAGER_QUEUE_INLINE = 0, /* V1-V5: serve_starnix_manager awaits suspend_container */
    MANAGER_QUEUE_WORKER = 1, /* V5w, V6: try_send to run_suspend_worker's unbounded queue */
} manager_queue_mode_t;

/* The steps in which revisions of the upstream logic differ (reference section 5, 8). A step
 * that is NULL is absent in that revision; helpers that call an optional step check it once. */
struct manager_variant_ops {
    const char *name;
    /* lib.rs: how SuspendContainer reaches suspend_container. */
    manager_queue_mode_t queue_mode;
    /* main.rs: serve_* errors panic (`.expect`, V0-V3 era) instead of being logged. */
    bool serve_error_panics;
    /* lib.rs: ProxyWakeChannel. Returns ZX_OK (done or `continue`) or an error for `?`. */
    zx_status_t (*proxy_wake_channel)(manager_t *m, fidl_proxy_wake_channel_req_t *req);
    /* lib.rs: AddWakeSource's mask from the request; NULL = method not served (`_ => {}`).
     * Returns false when a required field is missing (`continue`). */
    bool (*add_wake_source_signals)(const fidl_add_wake_source_req_t *req,
                                    zx_signals_t *signals);
    bool serves_remove_wake_source;
    bool serves_create_pager;
    /* suspend.rs: deadline of object_wait_many (monotonic). */
    zx_instant_mono_t (*wake_deadline)(void);
    /* suspend.rs: signal every watcher; PRUNE drops closed ones, `?` returns the first error. */
    zx_status_t (*notify_watchers)(manager_t *m, zx_signals_t clear, zx_signals_t set,
                                   const char *what);
    /* suspend.rs: per-thread wait of suspend_job; an error aborts the suspend. */
    zx_status_t (*wait_thread)(manager_t *m, zx_handle_t process, zx_handle_t thread,
                               zx_koid_t thread_koid);
    /* suspend.rs: the reply's resume_reason (NULL = None), computed under wake_sources. */
    char *(*resume_reason)(manager_t *m, wake_sources_t *ws, const size_t *order,
                           const zx_wait_item_t *items, size_t count, zx_status_t wait_status);
    /* suspend.rs (V6): "Pre-/Post-drop/acquire wake lease" log lines. */
    bool lease_logs;
    /* proxy.rs: one message from the remote into the container (counter or handshake). The
     * proxy's wake source, removed when it exits, is keyed by its resume_event if it has one
     * (V1, V2), else by its message_counter. */
    zx_status_t (*forward_into_container)(zx_signals_t signals, channel_proxy_t *proxy,
                                          uint8_t *bytes, zx_handle_t *handles);
    /* pager.rs: the readahead window. */
    bool (*readahead)(zx_handle_t pager, zx_handle_t vmo, uint64_t offset, uint64_t length,
                      pager_window_t *out);
    /* lib.rs (V6): inspect counters around each worker request; NULL = none. */
    void (*on_suspend_attempt)(manager_t *m);
    void (*on_suspend_result)(manager_t *m, const suspend_result_t *result);
};

const manager_variant_ops_t *manager_variant_find(const char *name);
extern const manager_variant_ops_t manager_variant_v5w;
extern const manager_variant_ops_t manager_variant_v1;
extern const manager_variant_ops_t manager_variant_v6;

/* V5w's steps, which other variants reuse. */
zx_status_t lib_proxy_wake_channel_counter(manager_t *m, fidl_proxy_wake_channel_req_t *req);
bool lib_add_wake_source_signals_given(const fidl_add_wake_source_req_t *req,
                                       zx_signals_t *signals);

/* ---- The runner instance (manager.c) ------------------------------------------------------ */

typedef struct manager_block manager_block_t;

struct manager {
    const manager_variant_ops_t *ops;
    zx_handle_t self_process; /* the runner's handle to its own process (zx_process_self) */
    zx_handle_t svc;          /* the namespace's /svc, or INVALID */
    zx_handle_t outgoing;     /* server end of the outgoing directory */
    kernels_t kernels;
    suspend_context_t suspend_context;
    async_channel_t proxy_queue;   /* (ChannelProxy, wake sources) to proxy_thread */
    async_channel_t suspend_queue; /* SuspendMessage to run_suspend_worker */
    pager_t *pager;
    uint64_t suspend_requests;     /* SuspendContainer requests received (phase numbering) */
    uint32_t txid_next;            /* two-way calls the runner makes as a client */
    /* for_each_concurrent: connection tasks alive, and the event the loop awaits them on */
    uint32_t connections_live;
    zx_handle_t connections_done;
    manager_block_t *blocks;       /* every manager_alloc'd block still alive */
};

#endif /* WAKESIM_MODEL_MANAGER_MANAGER_INT_H */
