/* world.c - world_run: builds the simulated system around the runner, runs it, collects the
 * results; plus the helpers every actor of model/container shares.
 *
 * Setup happens at t = 0 outside any task, as the kernel's bootstrap process: creating jobs,
 * processes, channels and threads there is free and instant, so the run starts exactly in the
 * state the scenario describes. Each handle is then moved into the process that owns it
 * (world_give). Teardown runs in reverse: manager_destroy, kernel_destroy, sim_destroy.
 */
#include "world_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Names ----------------------------------------------------------------------------------- */

const char *world_action_name(world_action_kind_t kind)
{
    static const char *const names[] = {
#define X(name, text) text,
        WORLD_ACTIONS(X)
#undef X
    };
    if ((unsigned)kind >= WORLD_ACTION_COUNT)
        return "unknown";
    return names[kind];
}

const char *world_suspend_result_name(world_suspend_result_t r)
{
    switch (r) {
    case WORLD_SUSPEND_OK:
        return "ok";
    case WORLD_SUSPEND_WAKE_LOCKS_EXIST:
        return "wake_locks_exist";
    case WORLD_SUSPEND_FAILURE:
        return "suspend_failure";
    case WORLD_SUSPEND_NO_REPLY:
        return "no_reply";
    }
    return "unknown";
}

const char *world_trace_kind_name(uint32_t kind)
{
    switch (kind) {
#define X(name, value, text)                                                                   \
    case value:                                                                                \
        return text;
        WORLD_TRACE_KINDS(X)
#undef X
    default:
        return NULL;
    }
}

/* ---- Helpers shared by the actors ------------------------------------------------------------ */

void *world_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    SIM_ASSERT(p != NULL);
    return p;
}

void world_grow(void **array, size_t *capacity, size_t need, size_t size)
{
    if (need <= *capacity)
        return;
    size_t cap = *capacity ? *capacity : 16;
    while (cap < need)
        cap *= 2;
    void *p = realloc(*array, cap * size);
    SIM_ASSERT(p != NULL);
    memset((char *)p + *capacity * size, 0, (cap - *capacity) * size);
    *array = p;
    *capacity = cap;
}

zx_handle_t world_give(zx_handle_t handle, zx_handle_t process)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t st = kernel_handle_transfer(handle, process, &out);
    SIM_ASSERT(st == ZX_OK);
    return out;
}

zx_handle_t world_give_dup(zx_handle_t handle, zx_handle_t process)
{
    zx_handle_t dup = ZX_HANDLE_INVALID;
    zx_status_t st = zx_handle_duplicate(handle, ZX_RIGHT_SAME_RIGHTS, &dup);
    SIM_ASSERT(st == ZX_OK);
    return world_give(dup, process);
}

void world_thread_start(zx_handle_t process, const char *name, kernel_thread_fn fn, void *arg)
{
    kernel_thread_opts_t opts = {.daemon = true};
    zx_handle_t thread = ZX_HANDLE_INVALID;
    zx_status_t st = kernel_thread_create(process, name, fn, arg, &opts, &thread);
    SIM_ASSERT(st == ZX_OK);
    zx_handle_close(thread);
}

void world_trace(world_t *w, uint32_t kind, uint64_t object, int64_t a0, int64_t a1, int64_t a2,
                 int32_t status, const char *text)
{
    sim_trace_event_t ev = {
        .kind = kind,
        .kind_name = world_trace_kind_name(kind),
        .object = object,
        .arg = {a0, a1, a2, 0},
        .status = status,
        .text = text,
    };
    sim_trace_emit(w->s, &ev);
}

zx_handle_t world_connect(zx_handle_t svc, const char *protocol)
{
    zx_handle_t client, server;
    if (zx_channel_create(0, &client, &server) != ZX_OK)
        return ZX_HANDLE_INVALID;
    fidl_directory_open_req_t req = {.server_end = server};
    fidl_string_set(req.protocol, &req.has_protocol, protocol);
    if (fidl_directory_open_req_write(svc, 0, &req) != ZX_OK) {
        zx_handle_close(client);
        return ZX_HANDLE_INVALID;
    }
    return client;
}

zx_status_t world_await_reply(zx_handle_t ch, uint8_t *bytes, zx_handle_t *handles,
                              fidl_message_t *msg)
{
    /* Bounded: a server sends at most a few events besides the reply. */
    for (int i = 0; i < 1024; i++) {
        zx_signals_t observed = 0;
        zx_status_t st = zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                                            ZX_TIME_INFINITE, &observed);
        if (st != ZX_OK)
            return st;
        st = fidl_message_read(ch, bytes, handles, msg);
        if (st == ZX_ERR_SHOULD_WAIT)
            continue;
        if (st != ZX_OK)
            return st;
        if (msg->header.flags & FIDL_FLAG_RESPONSE)
            return ZX_OK;
        fidl_message_close(msg);
    }
    return ZX_ERR_BAD_STATE;
}

void world_msgbuf_init(world_msgbuf_t *b)
{
    b->bytes = world_alloc(ZX_CHANNEL_MAX_MSG_BYTES);
    b->handles = world_alloc(ZX_CHANNEL_MAX_MSG_HANDLES * sizeof(zx_handle_t));
}

void world_msgbuf_deinit(world_msgbuf_t *b)
{
    free(b->bytes);
    free(b->handles);
    *b = (world_msgbuf_t){0};
}

/* ---- Validation ------------------------------------------------------------------------------ */

typedef struct verr {
    char *buf;
    size_t size;
    bool failed;
} verr_t;

static void fail(verr_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(verr_t *e, const char *fmt, ...)
{
    if (e->failed)
        return; /* keep the first problem */
    e->failed = true;
    if (!e->buf || !e->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf, e->size, fmt, ap);
    va_end(ap);
}

static size_t target_bound(const world_config_t *c, world_action_kind_t kind)
{
    switch (kind) {
    case WORLD_ACTION_SEND:
    case WORLD_ACTION_CLOSE_PEER:
    case WORLD_ACTION_COUNTER_ADD:
        return c->proxy_count;
    case WORLD_ACTION_SIGNAL:
    case WORLD_ACTION_ADD_WAKE_SOURCE:
    case WORLD_ACTION_REMOVE_WAKE_SOURCE:
        return c->source_count;
    case WORLD_ACTION_REGISTER_WATCHER:
    case WORLD_ACTION_CLOSE_WATCHER:
        return c->watcher_count;
    case WORLD_ACTION_SPAWN_PROCESS:
    case WORLD_ACTION_KILL_PROCESS:
        return c->container.process_count;
    case WORLD_ACTION_READ_FILE:
        return c->file_count;
    default:
        return SIZE_MAX; /* no target */
    }
}

static void validate_action(const world_config_t *c, size_t i, verr_t *e)
{
    const world_action_t *a = &c->timeline[i];
    if ((unsigned)a->kind >= WORLD_ACTION_COUNT)
        return fail(e, "timeline[%zu]: unknown action %d", i, (int)a->kind);
    size_t bound = target_bound(c, a->kind);
    if (bound != SIZE_MAX && (a->target < 0 || (size_t)a->target >= bound))
        fail(e, "timeline[%zu] (%s): target %d out of range", i, world_action_name(a->kind),
             a->target);
    if (a->at_ns < 0)
        fail(e, "timeline[%zu]: negative time", i);
    if (i > 0 && a->at_ns < c->timeline[i - 1].at_ns)
        fail(e, "timeline[%zu]: not sorted by time", i);
    if (a->kind == WORLD_ACTION_SEND && a->count == 0)
        fail(e, "timeline[%zu] (send): count must be >= 1", i);
    if ((a->kind == WORLD_ACTION_WAKE_LOCK_ACQUIRE || a->kind == WORLD_ACTION_WAKE_LOCK_RELEASE)
        && !a->name)
        fail(e, "timeline[%zu]: a wake lock needs a name", i);
    if (a->kind == WORLD_ACTION_SPAWN_PROCESS && !e->failed &&
        !c->container.processes[a->target].start_later)
        fail(e, "timeline[%zu] (spawn_process): process '%s' is not start_later", i,
             c->container.processes[a->target].name);
}

static void validate_processes(const world_config_t *c, verr_t *e)
{
    for (size_t i = 0; i < c->container.process_count; i++) {
        const world_process_config_t *p = &c->container.processes[i];
        for (size_t j = 0; j < p->thread_count; j++) {
            const world_thread_config_t *t = &p->threads[j];
            if (t->kind == WORLD_THREAD_READER && (t->file < 0 || (size_t)t->file >= c->file_count))
                fail(e, "process '%s' thread %zu: file %d out of range", p->name, j, t->file);
            if (t->kind == WORLD_THREAD_BUSY && (t->burst_ns <= 0 || t->sleep_ns < 0))
                fail(e, "process '%s' thread %zu: busy needs burst > 0 and sleep >= 0",
                     p->name, j);
        }
    }
}

static void validate_rest(const world_config_t *c, const world_run_opts_t *o, verr_t *e)
{
    for (size_t i = 0; i < c->proxy_count; i++) {
        if (c->proxies[i].handle_ns < 0 || c->proxies[i].register_at_ns < 0)
            fail(e, "proxy '%s': negative duration", c->proxies[i].name);
    }
    for (size_t i = 0; i < c->poisson_count; i++) {
        const world_poisson_config_t *p = &c->poisson[i];
        if (p->proxy < 0 || (size_t)p->proxy >= c->proxy_count)
            fail(e, "poisson[%zu]: proxy %d out of range", i, p->proxy);
        if (p->mean_interval_ns <= 0)
            fail(e, "poisson[%zu]: mean interval must be > 0", i);
    }
    if (c->file_count && (!c->disk.present || c->disk.block_size == 0))
        fail(e, "files need a disk with a block size");
    for (size_t i = 0; i < o->sample_count; i++) {
        if (o->samples[i].proxy < 0 || (size_t)o->samples[i].proxy >= c->proxy_count)
            fail(e, "samples[%zu]: proxy out of range", i);
    }
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    for (size_t i = 0; i < c->cost_count; i++) {
        if (kernel_costs_set(&costs, c->costs[i].syscall, c->costs[i].cost_ns) != ZX_OK)
            fail(e, "costs[%zu]: unknown syscall '%s' or negative cost", i, c->costs[i].syscall);
    }
    const char *variant = o->variant_override ? o->variant_override : c->variant;
    if (variant && !manager_variant_exists(variant))
        fail(e, "unknown manager variant '%s'", variant);
    if (o->time_limit_ns <= 0)
        fail(e, "a time limit is required");
}

static int validate(const world_config_t *c, const world_run_opts_t *o, char *err, size_t size)
{
    verr_t e = {.buf = err, .size = size};
    for (size_t i = 0; i < c->timeline_count; i++)
        validate_action(c, i, &e);
    validate_processes(c, &e);
    validate_rest(c, o, &e);
    return e.failed ? SIM_EINVAL : 0;
}

/* ---- Building -------------------------------------------------------------------------------- */

static zx_handle_t job_create(zx_handle_t parent, const char *name)
{
    zx_handle_t job = ZX_HANDLE_INVALID;
    zx_status_t st = zx_job_create(parent, 0, &job);
    SIM_ASSERT(st == ZX_OK);
    zx_object_set_property(job, ZX_PROP_NAME, name, strlen(name));
    return job;
}

static zx_handle_t process_create(zx_handle_t job, const char *name)
{
    zx_handle_t p = ZX_HANDLE_INVALID;
    zx_status_t st = kernel_process_create(job, name, &p);
    SIM_ASSERT(st == ZX_OK);
    return p;
}

static zx_koid_t koid_of(zx_handle_t h)
{
    zx_info_handle_basic_t info = {0};
    zx_status_t st = zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL);
    SIM_ASSERT(st == ZX_OK);
    return info.koid;
}

static void channel_pair(zx_handle_t *a, zx_handle_t *b)
{
    zx_status_t st = zx_channel_create(0, a, b);
    SIM_ASSERT(st == ZX_OK);
}

/* Whether the timeline stops the container: only then does Start carry a controller, so that
 * other runs trace nothing more. */
static bool stops_container(const world_config_t *c)
{
    for (size_t i = 0; i < c->timeline_count; i++) {
        if (c->timeline[i].kind == WORLD_ACTION_STOP_CONTAINER)
            return true;
    }
    return false;
}

/* Tells the runner about the container, as the component framework does when it starts the
 * kernel component (fidl.h: Start carries the job and the name). */
static void runner_start(world_t *w, zx_handle_t outgoing)
{
    zx_handle_t server;
    channel_pair(&w->runner_client, &server);
    fidl_directory_open_req_t open = {.server_end = server};
    fidl_string_set(open.protocol, &open.has_protocol, MANAGER_RUNNER_PROTOCOL);
    zx_status_t st = fidl_directory_open_req_write(outgoing, 0, &open);
    SIM_ASSERT(st == ZX_OK);
    fidl_runner_start_req_t start = {0};
    st = zx_handle_duplicate(w->container_job, ZX_RIGHT_SAME_RIGHTS, &start.job);
    SIM_ASSERT(st == ZX_OK);
    fidl_string_set(start.name, &start.has_name,
                    w->cfg->container.name ? w->cfg->container.name : "starnix");
    if (stops_container(w->cfg)) {
        /* The controller's client end goes to the runner (Start's field 3); the framework
         * keeps the other and closes it on "stop_container". */
        channel_pair(&start.controller, &w->controller);
    }
    st = fidl_runner_start_req_write(w->runner_client, 0, &start);
    SIM_ASSERT(st == ZX_OK);
    if (w->controller != ZX_HANDLE_INVALID)
        w->controller = world_give(w->controller, w->platform_proc);
}

static zx_status_t build(world_t *w)
{
    const world_config_t *c = w->cfg;
    zx_handle_t root = kernel_root_job(w->k);
    w->platform_job = job_create(root, "platform");
    w->container_job = job_create(root, c->container.name ? c->container.name : "starnix");
    zx_handle_t runner_svc_client, runner_svc_server, starnix_svc_server, platform_svc_server;
    zx_handle_t sag_dir_client, sag_dir_server;
    channel_pair(&runner_svc_client, &runner_svc_server);
    channel_pair(&w->kside.svc, &starnix_svc_server);
    channel_pair(&w->tl.svc, &platform_svc_server);
    channel_pair(&sag_dir_client, &sag_dir_server);
    const char *variant = w->opts.variant_override ? w->opts.variant_override : c->variant;
    const char *effective = variant ? variant : manager_variant_names()[0];
    w->kernel_era_a = effective && !strcmp(effective, "v1");
    manager_config_t mc = {.variant = variant, .svc = runner_svc_client};
    zx_handle_t outgoing = ZX_HANDLE_INVALID;
    zx_status_t st = manager_start(root, &mc, &outgoing, &w->m);
    if (st != ZX_OK)
        return st;
    w->cm_proc = process_create(w->platform_job, "component_manager");
    w->sag_proc = process_create(w->platform_job, "system_activity_governor");
    w->platform_proc = process_create(w->platform_job, "platform");
    w->starnix_proc = process_create(w->container_job, "starnix_kernel");
    records_container_process(w, koid_of(w->starnix_proc));
    runner_start(w, outgoing);
    svc_setup(w, runner_svc_server, outgoing, starnix_svc_server, platform_svc_server,
              sag_dir_client);
    sag_setup(w, sag_dir_server);
    kside_setup(w);
    proxy_setup(w);
    source_setup(w);
    hal_setup(w);
    files_setup(w);
    process_setup(w);
    timeline_setup(w);
    return ZX_OK;
}

static void results_alloc(world_t *w)
{
    const world_config_t *c = w->cfg;
    world_results_t *r = &w->res;
    r->watchers = world_alloc(c->watcher_count * sizeof(*r->watchers));
    r->remote_saw_peer_closed = world_alloc(c->proxy_count * sizeof(bool));
    r->remote_received = world_alloc(c->proxy_count * sizeof(uint64_t));
    r->counter_end = world_alloc(c->proxy_count * sizeof(int64_t));
    w->proxies = world_alloc(c->proxy_count * sizeof(*w->proxies));
    w->sources = world_alloc(c->source_count * sizeof(*w->sources));
    w->watchers = world_alloc(c->watcher_count * sizeof(*w->watchers));
    w->lprocs = world_alloc(c->container.process_count * sizeof(*w->lprocs));
}

static int sim_start(world_t *w)
{
    const world_run_opts_t *o = &w->opts;
    sim_config_t sc = {
        .seed = o->seed,
        .strategy = o->strategy,
        .replay_choices = o->replay_choices,
        .replay_choices_size = o->replay_choices_size,
        .time_limit_ns = o->time_limit_ns,
        .events_max = o->events_max,
    };
    int rc = sim_create(&sc, &w->s);
    if (rc != 0)
        return rc;
    if (o->on_created && (rc = o->on_created(w->s, o->on_created_ctx)) != 0)
        return rc;
    if (o->sink && (rc = sim_trace_attach(w->s, o->sink, o->sink_ctx)) != 0)
        return rc;
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    costs.jitter_permille = w->cfg->cost_jitter_permille;
    for (size_t i = 0; i < w->cfg->cost_count; i++) {
        if (kernel_costs_set(&costs, w->cfg->costs[i].syscall, w->cfg->costs[i].cost_ns) != ZX_OK)
            return SIM_EINVAL;
    }
    kernel_config_t kc = {.costs = &costs};
    if (kernel_create(w->s, &kc, &w->k) != ZX_OK)
        return SIM_ENOMEM;
    return invariants_setup(w);
}

int world_run(const world_config_t *config, const world_run_opts_t *opts, world_t **out,
              char *err, size_t err_size)
{
    SIM_ASSERT(config && opts && out);
    *out = NULL;
    if (err && err_size)
        err[0] = '\0';
    int rc = validate(config, opts, err, err_size);
    if (rc != 0)
        return rc;
    world_t *w = world_alloc(sizeof(*w));
    *out = w;
    w->cfg = config;
    w->proxy_count = config->proxy_count;
    w->watcher_count = config->watcher_count;
    w->process_count = config->container.process_count;
    w->opts = *opts;
    w->message_wake_bound_ns = config->message_wake_bound_ns > 0 ? config->message_wake_bound_ns
                                                                  : 1000000000;
    results_alloc(w);
    records_setup(w);
    if ((rc = sim_start(w)) != 0) {
        if (err && err_size && !err[0])
            snprintf(err, err_size, "cannot start the run: %s", sim_strerror(rc));
        return rc;
    }
    zx_status_t st = build(w);
    if (st != ZX_OK) {
        if (err && err_size)
            snprintf(err, err_size, "cannot start the runner: %s", zx_status_get_string(st));
        return st == ZX_ERR_INVALID_ARGS ? SIM_EINVAL : SIM_ENOMEM;
    }
    sim_run(w->s);
    records_finish(w);
    return 0;
}

const world_results_t *world_results(const world_t *w)
{
    return &w->res;
}

sim_t *world_sim(const world_t *w)
{
    return w->s;
}

int64_t world_sample(const world_t *w, size_t i)
{
    SIM_ASSERT(i < w->opts.sample_count);
    return w->rec.sample_values ? w->rec.sample_values[i] : INT64_MIN;
}

void world_destroy(world_t *w)
{
    if (!w)
        return;
    if (w->m)
        manager_destroy(w->m);
    if (w->k)
        kernel_destroy(w->k);
    if (w->s)
        sim_destroy(w->s);
    /* Actors' memory last: parked tasks pointed into it until sim_destroy. */
    w->cfg = NULL; /* the caller's config may be gone by now */
    timeline_teardown(w);
    process_teardown(w);
    files_teardown(w);
    proxy_teardown(w);
    hal_teardown(w);
    kside_teardown(w);
    sag_teardown(w);
    svc_teardown(w);
    records_teardown(w);
    free(w->proxies);
    free(w->sources);
    free(w->watchers);
    free(w->lprocs);
    free(w->res.watchers);
    free(w->res.remote_saw_peer_closed);
    free(w->res.remote_received);
    free(w->res.counter_end);
    free(w);
}
