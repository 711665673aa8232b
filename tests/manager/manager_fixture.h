/* manager_fixture.h - A small world around the runner for the manager suites (header-only).
 *
 * One run (sim + kernel + in-memory trace) holding:
 *  - the container: job "container" in the root job with process "init" whose thread "idle"
 *    blocks forever (a typical sleeping Linux task), unless a test adds more;
 *  - the runner, started with manager_start in the root job, its /svc served by
 *  - a fake ActivityGovernor ("governor" thread of process "world"): every
 *    TakeApplicationActivityLease gets a fresh eventpair end; the governor keeps the other end
 *    and records when the lease was taken and when the runner dropped it;
 *  - the test's scenario, a function run by thread "client" of process "world", the only
 *    non-daemon thread: the run completes when it returns (or hits the time limit).
 * Helpers named fx_* are called from the scenario (they may block that thread). Results are
 * recorded into globals by the scenario and asserted after the run (never inside a simulated
 * thread: Criterion's asserts must not longjmp across coroutine stacks).
 * Costs are zero unless a test asks for the defaults, so times in assertions are exact.
 */
#ifndef WAKESIM_TESTS_MANAGER_FIXTURE_H
#define WAKESIM_TESTS_MANAGER_FIXTURE_H

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wakesim/fidl.h>
#include <wakesim/kernel.h>
#include <wakesim/manager.h>
#include <zircon/syscalls.h>

#include "sim.h"

#define FX_LEASES_MAX 64
#define FX_OBS_MAX 32
#define FX_SEC(n) ((int64_t)(n) * 1000000000ll)
#define FX_MSEC(n) ((int64_t)(n) * 1000000ll)

typedef struct fx_lease {
    zx_handle_t ours;       /* the governor's end (world process) */
    int64_t taken_boot;
    int64_t dropped_boot;   /* -1 while held */
    char name[64];
} fx_lease_t;

typedef struct fx {
    sim_t *s;
    kernel_t *k;
    sim_trace_mem_t *mem;
    manager_t *m;
    const char *variant;
    zx_handle_t root;            /* bootstrap */
    zx_handle_t world;           /* bootstrap: process "world" */
    zx_handle_t world_self;      /* world: its own process */
    zx_handle_t container_job;   /* bootstrap */
    zx_handle_t job;             /* world: the container job */
    zx_handle_t init;            /* bootstrap: process "init" */
    zx_handle_t idle;            /* world: thread "idle" of "init" */
    zx_handle_t outgoing;        /* world: the runner's outgoing directory */
    zx_handle_t svc_server;      /* world: the runner's /svc, served by the governor */
    void (*scenario)(void);
    bool governor_refuses;       /* close each lease connection without a reply */
    int64_t governor_delay_ns;   /* time the governor takes before each lease reply */
    bool no_svc;                 /* start the runner without a /svc */
    fx_lease_t leases[FX_LEASES_MAX];
    size_t lease_count;
    sim_end_t end;
} fx_t;

static fx_t fx;
static uint32_t fx_txid; /* the scenario's transaction ids */

/* A watcher end observed by its own thread ("hal"): the sequence of AWAKE/ASLEEP it saw. */
typedef struct fx_watcher {
    zx_handle_t hal_end;     /* world */
    char seen[FX_OBS_MAX];   /* 'A' awake, 'S' asleep, 'X' peer closed */
    size_t count;
} fx_watcher_t;

#define ASSERT_ST(got, want)                                                                   \
    do {                                                                                       \
        zx_status_t got_ = (got), want_ = (want);                                              \
        cr_assert_eq(got_, want_, "%s: got %s, want %s", #got, zx_status_get_string(got_),     \
                     zx_status_get_string(want_));                                             \
    } while (0)

/* A failed check inside a simulated thread: recorded, reported after the run. */
static char fx_failure[256];
#define FX_CHECK(cond)                                                                         \
    do {                                                                                       \
        if (!(cond) && !fx_failure[0])                                                         \
            snprintf(fx_failure, sizeof(fx_failure), "%s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)

/* ---- Threads of the world ------------------------------------------------------------------- */

static inline void fx_idle(void *arg)
{
    (void)arg;
    zx_object_wait_many(NULL, 0, ZX_TIME_INFINITE);
}

static inline zx_status_t fx_read(zx_handle_t ch, uint8_t *bytes, zx_handle_t *handles,
                           fidl_message_t *msg, zx_instant_mono_t deadline)
{
    for (;;) {
        zx_status_t st = fidl_message_read(ch, bytes, handles, msg);
        if (st != ZX_ERR_SHOULD_WAIT)
            return st;
        st = zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, deadline,
                                NULL);
        if (st != ZX_OK)
            return st;
    }
}

static uint8_t fx_gov_bytes[ZX_CHANNEL_MAX_MSG_BYTES];
static zx_handle_t fx_gov_handles[ZX_CHANNEL_MAX_MSG_HANDLES];

static inline void fx_lease_watch(void *arg)
{
    fx_lease_t *lease = arg;
    kernel_await_one(lease->ours, ZX_EVENTPAIR_PEER_CLOSED, ZX_TIME_INFINITE, NULL);
    lease->dropped_boot = zx_clock_get_boot();
}

/* One ActivityGovernor connection: answers every TakeApplicationActivityLease. */
static inline void fx_governor_conn(void *arg)
{
    zx_handle_t ch = (zx_handle_t)(uintptr_t)arg;
    for (;;) {
        fidl_message_t msg;
        zx_status_t st = fidl_message_read(ch, fx_gov_bytes, fx_gov_handles, &msg);
        if (st == ZX_ERR_SHOULD_WAIT) {
            kernel_await_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE,
                             NULL);
            continue;
        }
        if (st != ZX_OK)
            break;
        fidl_take_lease_req_t req;
        if (fidl_take_lease_req_decode(&msg, &req) != ZX_OK)
            continue;
        if (fx.governor_refuses)
            break;
        if (fx.governor_delay_ns > 0)
            zx_object_wait_many(NULL, 0, zx_deadline_after(fx.governor_delay_ns));
        fx_lease_t *lease = &fx.leases[fx.lease_count++];
        zx_handle_t theirs;
        zx_eventpair_create(0, &lease->ours, &theirs);
        lease->taken_boot = zx_clock_get_boot();
        lease->dropped_boot = -1;
        snprintf(lease->name, sizeof(lease->name), "%.63s", req.name);
        fidl_take_lease_resp_t resp = {.token = theirs};
        fidl_take_lease_resp_write(ch, msg.header.txid, &resp);
        kernel_task_spawn("lease_watch", fx_lease_watch, lease);
    }
    zx_handle_close(ch);
}

static uint8_t fx_dir_bytes[ZX_CHANNEL_MAX_MSG_BYTES];
static zx_handle_t fx_dir_handles[ZX_CHANNEL_MAX_MSG_HANDLES];

/* The runner's /svc: hands ActivityGovernor connections to fx_governor_conn tasks. */
static inline void fx_governor(void *arg)
{
    (void)arg;
    for (;;) {
        fidl_message_t msg;
        zx_status_t st = fidl_message_read(fx.svc_server, fx_dir_bytes, fx_dir_handles, &msg);
        if (st == ZX_ERR_SHOULD_WAIT) {
            kernel_await_one(fx.svc_server, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                             ZX_TIME_INFINITE, NULL);
            continue;
        }
        if (st != ZX_OK)
            return;
        fidl_directory_open_req_t req;
        if (fidl_directory_open_req_decode(&msg, &req) != ZX_OK)
            continue;
        if (strcmp(req.protocol, MANAGER_GOVERNOR_PROTOCOL) == 0) {
            kernel_task_spawn("governor_conn", fx_governor_conn,
                              (void *)(uintptr_t)req.server_end);
            req.server_end = ZX_HANDLE_INVALID;
        }
        fidl_directory_open_req_close(&req);
    }
}

static inline void fx_client(void *arg)
{
    (void)arg;
    fx.scenario();
}

static inline void fx_hal(void *arg)
{
    fx_watcher_t *w = arg;
    zx_signals_t want = ZX_USER_SIGNAL_0; /* AWAKE first */
    while (w->count < FX_OBS_MAX) {
        zx_signals_t observed = 0;
        zx_status_t st = zx_object_wait_one(w->hal_end, want | ZX_EVENTPAIR_PEER_CLOSED,
                                            ZX_TIME_INFINITE, &observed);
        if (st != ZX_OK)
            return;
        if (observed & want) {
            w->seen[w->count++] = want == ZX_USER_SIGNAL_0 ? 'A' : 'S';
            want = want == ZX_USER_SIGNAL_0 ? ZX_USER_SIGNAL_1 : ZX_USER_SIGNAL_0;
            continue;
        }
        w->seen[w->count++] = 'X';
        return;
    }
}

/* ---- Setup and run -------------------------------------------------------------------------- */

static inline zx_handle_t fx_give(zx_handle_t h)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t st = kernel_handle_transfer(h, fx.world, &out);
    cr_assert_eq(st, ZX_OK, "kernel_handle_transfer: %s", zx_status_get_string(st));
    return out;
}

static inline zx_handle_t fx_share(zx_handle_t h)
{
    zx_handle_t dup;
    cr_assert_eq(zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &dup), ZX_OK);
    return fx_give(dup);
}

/* Creates the run with the default costs (true) or none, and the container's first process. */
static inline void fx_init_costs(const char *variant, bool default_costs, uint64_t seed,
                          const char *strategy)
{
    memset(&fx, 0, sizeof(fx));
    memset(fx_failure, 0, sizeof(fx_failure));
    fx_txid = 100;
    fx.variant = variant;
    sim_config_t cfg = {.seed = seed, .strategy = strategy, .time_limit_ns = FX_SEC(120)};
    cr_assert_eq(sim_create(&cfg, &fx.s), 0);
    cr_assert_eq(sim_trace_mem_create(&fx.mem), 0);
    cr_assert_eq(sim_trace_attach(fx.s, &sim_trace_mem_ops, fx.mem), 0);
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    if (!default_costs)
        memset(costs.syscall_ns, 0, sizeof(costs.syscall_ns));
    kernel_config_t kc = {.costs = &costs};
    cr_assert_eq(kernel_create(fx.s, &kc, &fx.k), ZX_OK);
    fx.root = kernel_root_job(fx.k);
    cr_assert_eq(kernel_process_create(fx.root, "world", &fx.world), ZX_OK);
    fx.world_self = fx_share(fx.world);
    cr_assert_eq(zx_job_create(fx.root, 0, &fx.container_job), ZX_OK);
    zx_object_set_property(fx.container_job, ZX_PROP_NAME, "container", 9);
    fx.job = fx_share(fx.container_job);
    cr_assert_eq(kernel_process_create(fx.container_job, "init", &fx.init), ZX_OK);
    kernel_thread_opts_t daemon = {.daemon = true};
    zx_handle_t t;
    cr_assert_eq(kernel_thread_create(fx.init, "idle", fx_idle, NULL, &daemon, &t), ZX_OK);
    fx.idle = fx_give(t);
}

static inline void fx_init(const char *variant)
{
    fx_init_costs(variant, false, 1, NULL);
}

/* FX_DUMP=1 prints the run's manager events (kinds 400-499) and mutex events to stderr. */
static inline void fx_dump(void)
{
    for (size_t i = 0; i < sim_trace_mem_count(fx.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(fx.mem, i);
        if (ev->kind < 300 || ev->kind >= 500)
            continue;
        fprintf(stderr, "%12" PRId64 " t%-2u %-40s %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
                " st=%d %s\n",
                ev->time_mono_ns, ev->thread_id, ev->kind_name, ev->arg[0], ev->arg[1],
                ev->arg[2], ev->arg[3], ev->status, ev->text ? ev->text : "");
    }
}

/* FX_BAD=1 prints the syscalls that failed with a status meaning a caller's mistake. */
static inline void fx_dump_bad(void)
{
    const char *names[64] = {0};
    for (size_t i = 0; i < sim_trace_mem_count(fx.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(fx.mem, i);
        if (ev->kind == SIM_EV_THREAD_CREATE && ev->object < 64)
            names[ev->object] = ev->text;
        if (ev->kind != KERNEL_EV_SYSCALL)
            continue;
        if (ev->status != ZX_ERR_BAD_HANDLE && ev->status != ZX_ERR_WRONG_TYPE &&
            ev->status != ZX_ERR_ACCESS_DENIED && ev->status != ZX_ERR_INVALID_ARGS)
            continue;
        fprintf(stderr, "BAD %s in %s: %s\n", ev->text,
                ev->thread_id < 64 && names[ev->thread_id] ? names[ev->thread_id] : "?",
                zx_status_get_string(ev->status));
    }
}

/* Starts the runner, the governor and the scenario, then runs to the end. */
static inline sim_end_t fx_run(void (*scenario)(void))
{
    zx_handle_t svc_client, svc_server, outgoing, t;
    cr_assert_eq(zx_channel_create(0, &svc_client, &svc_server), ZX_OK);
    fx.svc_server = fx_give(svc_server);
    manager_config_t config = {.variant = fx.variant, .svc = svc_client};
    if (fx.no_svc) {
        zx_handle_close(svc_client);
        config.svc = ZX_HANDLE_INVALID;
    }
    zx_status_t st = manager_start(fx.root, &config, &outgoing, &fx.m);
    cr_assert_eq(st, ZX_OK, "manager_start: %s", zx_status_get_string(st));
    fx.outgoing = fx_give(outgoing);
    kernel_thread_opts_t daemon = {.daemon = true};
    cr_assert_eq(kernel_thread_create(fx.world, "governor", fx_governor, NULL, &daemon, &t),
                 ZX_OK);
    zx_handle_close(t);
    fx.scenario = scenario;
    cr_assert_eq(kernel_thread_create(fx.world, "client", fx_client, NULL, NULL, &t), ZX_OK);
    zx_handle_close(t);
    fx.end = sim_run(fx.s);
    if (getenv("FX_DUMP"))
        fx_dump();
    if (getenv("FX_BAD"))
        fx_dump_bad();
    cr_assert_str_empty(fx_failure, "in the scenario: %s", fx_failure);
    return fx.end;
}

static inline void fx_fini(void)
{
    if (!fx.s)
        return; /* the runs were in children (fx_in_child) */
    manager_destroy(fx.m);
    kernel_destroy(fx.k);
    sim_destroy(fx.s);
    sim_trace_mem_destroy(fx.mem);
    fx.s = NULL;
}

/* ---- Trace queries (after the run) ---------------------------------------------------------- */

static inline size_t fx_count(uint32_t kind, const char *text)
{
    size_t n = 0;
    for (size_t i = 0; i < sim_trace_mem_count(fx.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(fx.mem, i);
        if (ev->kind == kind && (!text || (ev->text && strstr(ev->text, text))))
            n++;
    }
    return n;
}

/* The event of phase `phase` of attempt `attempt`, or NULL. */
static inline const sim_trace_event_t *fx_phase(uint32_t phase, uint64_t attempt)
{
    for (size_t i = 0; i < sim_trace_mem_count(fx.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(fx.mem, i);
        if (ev->kind == MANAGER_EV_SUSPEND_PHASE && ev->arg[0] == (int64_t)phase &&
            ev->arg[1] == (int64_t)attempt)
            return ev;
    }
    return NULL;
}

/* ---- Client helpers (called by the scenario) ------------------------------------------------ */

static inline zx_handle_t fx_open(const char *protocol)
{
    zx_handle_t client, server;
    FX_CHECK(zx_channel_create(0, &client, &server) == ZX_OK);
    fidl_directory_open_req_t req = {.server_end = server};
    fidl_string_set(req.protocol, &req.has_protocol, protocol);
    FX_CHECK(fidl_directory_open_req_write(fx.outgoing, 0, &req) == ZX_OK);
    return client;
}

static inline zx_handle_t fx_dup(zx_handle_t h)
{
    zx_handle_t dup = ZX_HANDLE_INVALID;
    FX_CHECK(zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &dup) == ZX_OK);
    return dup;
}

/* Registers the container with ComponentRunner.Start (its initial lease is then taken);
 * `controller` (may be NULL) receives the client end whose closing stops the kernel. */
static inline zx_handle_t fx_start_kernel_ctl(const char *name, zx_handle_t *controller)
{
    zx_handle_t runner = fx_open(MANAGER_RUNNER_PROTOCOL);
    fidl_runner_start_req_t req = {.job = fx_dup(fx.job)};
    if (controller)
        FX_CHECK(zx_channel_create(0, controller, &req.controller) == ZX_OK);
    fidl_string_set(req.name, &req.has_name, name);
    FX_CHECK(fidl_runner_start_req_write(runner, 1, &req) == ZX_OK);
    return runner;
}

static inline zx_handle_t fx_start_kernel(const char *name)
{
    return fx_start_kernel_ctl(name, NULL);
}

typedef struct fx_reply {
    zx_status_t status; /* ZX_OK: a reply came; PEER_CLOSED: channel closed; TIMED_OUT */
    fidl_suspend_container_resp_t resp;
    int64_t at_boot;
} fx_reply_t;


/* Sends SuspendContainer (with the container job if `job`, a wake_locks duplicate if given). */
static inline uint32_t fx_send_suspend(zx_handle_t mgr, bool job, zx_handle_t wake_locks)
{
    fidl_suspend_container_req_t req = {0};
    if (job)
        req.container_job = fx_dup(fx.job);
    if (wake_locks != ZX_HANDLE_INVALID)
        req.wake_locks = fx_dup(wake_locks);
    uint32_t txid = ++fx_txid;
    FX_CHECK(fidl_suspend_container_req_write(mgr, txid, &req) == ZX_OK);
    return txid;
}

static uint8_t fx_bytes[ZX_CHANNEL_MAX_MSG_BYTES];
static zx_handle_t fx_handles[ZX_CHANNEL_MAX_MSG_HANDLES];

static inline fx_reply_t fx_wait_suspend(zx_handle_t mgr, uint32_t txid,
                                         zx_instant_mono_t deadline)
{
    fx_reply_t r = {0};
    for (;;) {
        fidl_message_t msg;
        r.status = fx_read(mgr, fx_bytes, fx_handles, &msg, deadline);
        r.at_boot = zx_clock_get_boot();
        if (r.status != ZX_OK)
            return r;
        if (msg.header.txid != txid || msg.header.ordinal != FIDL_MANAGER_SUSPEND_CONTAINER) {
            fidl_message_close(&msg);
            continue;
        }
        r.status = fidl_suspend_container_resp_decode(&msg, &r.resp);
        return r;
    }
}

static inline fx_reply_t fx_suspend(zx_handle_t mgr, bool job, zx_handle_t wake_locks)
{
    uint32_t txid = fx_send_suspend(mgr, job, wake_locks);
    return fx_wait_suspend(mgr, txid, ZX_TIME_INFINITE);
}

/* ProxyWakeChannel for a fresh proxy: returns the container's end and the remote peer's end;
 * `counter` receives a duplicate of the counter (v5w/v6), `resume_k` the kernel's end K of
 * the resume eventpair (v1). Either may be NULL to omit that field. */
static inline void fx_proxy(zx_handle_t mgr, const char *name, zx_handle_t *container_end,
                     zx_handle_t *remote_end, zx_handle_t *counter, zx_handle_t *resume_k)
{
    zx_handle_t c0, c1, r0, r1;
    FX_CHECK(zx_channel_create(0, &c0, &c1) == ZX_OK);
    FX_CHECK(zx_channel_create(0, &r0, &r1) == ZX_OK);
    fidl_proxy_wake_channel_req_t req = {
        .container_job = fx_dup(fx.job), .container_channel = c1, .remote_channel = r0};
    fidl_string_set(req.name, &req.has_name, name);
    if (counter) {
        FX_CHECK(zx_counter_create(0, &req.counter) == ZX_OK);
        *counter = fx_dup(req.counter);
    }
    if (resume_k) {
        zx_handle_t r;
        FX_CHECK(zx_eventpair_create(0, &r, resume_k) == ZX_OK);
        req.resume_event = r;
    }
    FX_CHECK(fidl_proxy_wake_channel_req_write(mgr, 0, &req) == ZX_OK);
    *container_end = c0;
    *remote_end = r1;
}

/* AddWakeSource: an event the scenario signals; returns the scenario's handle to it. */
static inline zx_handle_t fx_add_source(zx_handle_t mgr, const char *name,
                                        zx_signals_t signals)
{
    zx_handle_t ev;
    FX_CHECK(zx_event_create(0, &ev) == ZX_OK);
    fidl_add_wake_source_req_t req = {.container_job = fx_dup(fx.job), .handle = fx_dup(ev),
                                      .has_signals = true, .signals = signals};
    fidl_string_set(req.name, &req.has_name, name);
    FX_CHECK(fidl_add_wake_source_req_write(mgr, 0, &req) == ZX_OK);
    return ev;
}

/* RegisterWakeWatcher, awaiting the empty reply; a "hal" thread records what the watcher sees.
 * Returns the reply's status (PEER_CLOSED if the runner closed the connection). */
static inline zx_status_t fx_watch(zx_handle_t mgr, fx_watcher_t *w)
{
    zx_handle_t runner_end;
    FX_CHECK(zx_eventpair_create(0, &runner_end, &w->hal_end) == ZX_OK);
    kernel_thread_opts_t daemon = {.daemon = true};
    zx_handle_t t;
    FX_CHECK(kernel_thread_create(fx.world_self, "hal", fx_hal, w, &daemon, &t) == ZX_OK);
    zx_handle_close(t);
    fidl_register_wake_watcher_req_t req = {.watcher = runner_end};
    uint32_t txid = ++fx_txid;
    FX_CHECK(fidl_register_wake_watcher_req_write(mgr, txid, &req) == ZX_OK);
    fidl_message_t msg;
    zx_status_t st = fx_read(mgr, fx_bytes, fx_handles, &msg, ZX_TIME_INFINITE);
    if (st == ZX_OK) {
        FX_CHECK(msg.header.txid == txid);
        FX_CHECK(msg.header.ordinal == FIDL_MANAGER_REGISTER_WAKE_WATCHER);
        fidl_message_close(&msg);
    }
    return st;
}

static inline void fx_sleep_until(int64_t deadline_mono)
{
    zx_object_wait_many(NULL, 0, deadline_mono);
}

static inline void fx_write(zx_handle_t ch, const char *text)
{
    FX_CHECK(zx_channel_write(ch, 0, text, (uint32_t)strlen(text), NULL, 0) == ZX_OK);
}

static inline zx_signals_t fx_signals(zx_handle_t h)
{
    zx_signals_t observed = 0;
    zx_object_wait_one(h, 0, 0, &observed);
    return observed;
}

static inline int64_t fx_counter(zx_handle_t counter)
{
    int64_t value = -999;
    FX_CHECK(zx_counter_read(counter, &value) == ZX_OK);
    return value;
}

/* Whether `reason` holds exactly the names in `set` (comma-separated, any order). */
static inline bool fx_reason_is(const char *reason, const char *const *set, size_t count)
{
    char copy[FIDL_STRING_MAX + 1];
    snprintf(copy, sizeof(copy), "%s", reason);
    size_t found = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (size_t i = 0; i < count; i++)
            known = known || strcmp(tok, set[i]) == 0;
        if (!known)
            return false;
        found++;
    }
    return found == count;
}

/* Runs `body` (which builds, runs and checks one run, and returns a value) in a forked child,
 * and returns that value. Tests that compare several runs use it so that every run has a
 * process of its own: a second run in one process trips ASan on stacks of tasks the first run
 * left parked (the engine unmaps them without unpoisoning; reported, see the manager report). */
static inline uint64_t fx_in_child(uint64_t (*body)(void *), void *arg)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        uint64_t value = body(arg);
        ssize_t n = write(fds[1], &value, sizeof(value));
        _exit(n == (ssize_t)sizeof(value) ? 0 : 1);
    }
    close(fds[1]);
    uint64_t value = 0;
    ssize_t n = read(fds[0], &value, sizeof(value));
    close(fds[0]);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    cr_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && n == (ssize_t)sizeof(value),
              "the child run failed (status %#x)", wstatus);
    return value;
}

#endif /* WAKESIM_TESTS_MANAGER_FIXTURE_H */
