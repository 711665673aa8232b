/* sag.c - A simple system activity governor (fuchsia.power.system.ActivityGovernor) and the
 * system's suspend-to-idle model, in process "system_activity_governor" of the platform job.
 *
 * Leases. TakeApplicationActivityLease returns one end of a new eventpair; the lease is held
 * while that end is open: the SAG watches its own end for PEER_CLOSED. One thread ("sag") runs
 * cooperative tasks, like a single-threaded executor: the outgoing directory, one task per
 * connection and one per lease.
 *
 * System suspend. The system is RUNNING, SUSPENDED or RESUMING:
 *   RUNNING   --(no lease for system_suspend_delay_ns after the last one dropped)--> SUSPENDED
 *             sim_mono_pause: the monotonic clock stops, the boot clock runs on, so every
 *             monotonic deadline (syscall costs, the runner's 9 s wait, autosuspend timers)
 *             stands still: nothing on the application processor makes progress.
 *   SUSPENDED --(sag_hardware_wake)--> RESUMING --(system_resume_ns of boot time)--> RUNNING
 *             sim_mono_resume; platform tasks parked in sag_wait_running continue.
 * A hardware wake while RUNNING without leases restarts the delay: a wakeup that is pending
 * while suspend is entered aborts it (reference 3: boot timers elapse but never wake, so only
 * the hardware actions listed in world.h call sag_hardware_wake).
 *
 * Wake holds. The driver that delivers an interrupt holds its own wake lease until its event
 * has been handed over; the model gives every hardware wake that hold: the system does not
 * suspend again until some component takes a lease (normally the runner re-acquiring its
 * activity lease once its wait returns), or until the system has run for WORLD_WAKE_HOLD_NS with
 * no lease taken (nothing claimed the wake, e.g. the runner is stuck: the system may sleep
 * again; the hold counts from the resume, not from the interrupt).
 * Without the hold a short suspend delay re-suspended the system at the instant of the resume,
 * before the woken driver had even sent its message, and the message was lost.
 * Before the first lease was ever taken the system does not suspend (it is still booting).
 *
 * Lease failures. `lease_failures` lists TakeApplicationActivityLease requests (counted from 0
 * over the run, in the order the governor reads them) that fail: the governor closes that
 * connection without answering, as a governor that crashed or dropped the client would, and
 * the caller's FIDL call fails (reference 4.9: the runner warns and goes on without a lease,
 * R10).
 * The delay, resume and hold timers are engine timers on the boot clock: their callbacks
 * never park.
 */
#include "world_int.h"

#include <stdlib.h>
#include <string.h>

/* How long a hardware wake holds the running system awake when no component takes a lease:
 * the interrupt's handover (the runner re-acquires its lease some tens of µs after a wake). */
#define WORLD_WAKE_HOLD_NS (1000 * 1000)

/* A connection or a lease: the argument of one SAG task. */
struct sag_conn {
    sag_conn_t *prev, *next; /* in w->sag.conns while its task lives */
    world_t *w;
    zx_handle_t handle;      /* the connection's channel, or the SAG's end of the lease */
    zx_koid_t koid;          /* of the lease token handed out (the client's end) */
    char name[FIDL_STRING_MAX + 1];
    world_msgbuf_t buf;      /* connections only: owned here, not by the task's stack, so that
                                a task still parked when the run ends leaks nothing */
};

static sag_conn_t *conn_new(world_t *w, zx_handle_t handle)
{
    sag_conn_t *c = world_alloc(sizeof(*c));
    c->w = w;
    c->handle = handle;
    c->next = w->sag.conns;
    if (c->next)
        c->next->prev = c;
    w->sag.conns = c;
    return c;
}

static void conn_free(sag_conn_t *c)
{
    world_sag_t *g = &c->w->sag;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    world_msgbuf_deinit(&c->buf);
    free(c);
}

/* ---- System state ---------------------------------------------------------------------------- */

static void arm_suspend(world_t *w)
{
    if (w->cfg->system_suspend_delay_ns < 0)
        return;
    sim_timer_start(w->s, &w->sag.suspend_timer, SIM_CLOCK_BOOT,
                    sim_now_boot(w->s) + w->cfg->system_suspend_delay_ns);
}

static void suspend_fire(sim_t *s, sim_timer_t *t)
{
    world_t *w = t->data;
    if (w->sag.leases || w->sag.wake_held || w->sag.state != WORLD_SYSTEM_RUNNING)
        return;
    w->sag.state = WORLD_SYSTEM_SUSPENDED;
    w->sag.suspended_at_boot_ns = sim_now_boot(s);
    sim_mono_pause(s);
    world_trace(w, WORLD_EV_SYSTEM_SUSPEND, 0, sim_now_mono(s), 0, 0, 0, NULL);
}

static void resume_fire(sim_t *s, sim_timer_t *t)
{
    world_t *w = t->data;
    SIM_ASSERT(w->sag.state == WORLD_SYSTEM_RESUMING);
    w->sag.state = WORLD_SYSTEM_RUNNING;
    sim_mono_resume(s);
    world_trace(w, WORLD_EV_SYSTEM_RESUME, 0, sim_now_boot(s) - w->sag.suspended_at_boot_ns, 0,
                0, 0, NULL);
    sim_waitq_wake_all(s, &w->sag.running, 1);
    if (w->sag.wake_held)
        sim_timer_start(s, &w->sag.hold_timer, SIM_CLOCK_BOOT,
                        sim_now_boot(s) + WORLD_WAKE_HOLD_NS);
    else if (!w->sag.leases)
        arm_suspend(w);
}

/* The hold of a hardware wake ends: a lease was taken, or nothing claimed the wake in time. */
static void wake_release(world_t *w)
{
    if (!w->sag.wake_held)
        return;
    w->sag.wake_held = false;
    sim_timer_cancel(w->s, &w->sag.hold_timer);
    if (w->sag.state == WORLD_SYSTEM_RUNNING && !w->sag.leases)
        arm_suspend(w);
}

static void hold_fire(sim_t *s, sim_timer_t *t)
{
    (void)s;
    wake_release(t->data);
}

void sag_hardware_wake(world_t *w, const char *cause)
{
    world_sag_t *g = &w->sag;
    world_trace(w, WORLD_EV_SYSTEM_WAKE, 0, g->state == WORLD_SYSTEM_SUSPENDED, 0, 0, 0, cause);
    if (!g->leases) {
        g->wake_held = true;
        if (g->state == WORLD_SYSTEM_RUNNING) /* else armed when the resume completes */
            sim_timer_start(w->s, &g->hold_timer, SIM_CLOCK_BOOT,
                            sim_now_boot(w->s) + WORLD_WAKE_HOLD_NS);
    }
    if (g->state == WORLD_SYSTEM_SUSPENDED) {
        g->state = WORLD_SYSTEM_RESUMING;
        int64_t resume = w->cfg->system_resume_ns > 0 ? w->cfg->system_resume_ns : 0;
        sim_timer_start(w->s, &g->resume_timer, SIM_CLOCK_BOOT, sim_now_boot(w->s) + resume);
    } else if (g->state == WORLD_SYSTEM_RUNNING && !g->leases &&
               sim_timer_is_armed(&g->suspend_timer)) {
        arm_suspend(w);
    }
}

bool sag_is_running(const world_t *w)
{
    return w->sag.state == WORLD_SYSTEM_RUNNING;
}

bool sag_wait_running(world_t *w, int64_t deadline_boot_ns)
{
    SIM_MAY_BLOCK(w->s);
    /* Bounded by the number of resumes: each wake-up re-checks the state. */
    while (w->sag.state != WORLD_SYSTEM_RUNNING) {
        if (sim_now_boot(w->s) >= deadline_boot_ns)
            return false;
        sim_waitq_wait(w->s, &w->sag.running, SIM_PARK_THREAD, SIM_CLOCK_BOOT, deadline_boot_ns,
                       0);
    }
    return true;
}

/* ---- Leases ---------------------------------------------------------------------------------- */

static void lease_main(void *arg)
{
    sag_conn_t *c = arg;
    world_t *w = c->w;
    zx_signals_t observed = 0;
    (void)kernel_await_one(c->handle, ZX_EVENTPAIR_PEER_CLOSED, ZX_TIME_INFINITE, &observed);
    zx_handle_close(c->handle);
    SIM_ASSERT(w->sag.leases > 0);
    w->sag.leases--;
    world_trace(w, WORLD_EV_LEASE, c->koid, 0, w->sag.leases, 0, 0, c->name);
    if (!w->sag.leases)
        arm_suspend(w);
    conn_free(c);
}

static zx_koid_t koid_of(zx_handle_t h)
{
    zx_info_handle_basic_t info = {0};
    if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK)
        return ZX_KOID_INVALID;
    return info.koid;
}

static void take_lease(world_t *w, zx_handle_t ch, uint32_t txid, const fidl_take_lease_req_t *req)
{
    zx_handle_t mine, theirs;
    if (zx_eventpair_create(0, &mine, &theirs) != ZX_OK)
        return;
    zx_koid_t koid = koid_of(theirs);
    fidl_take_lease_resp_t resp = {.token = theirs};
    if (fidl_take_lease_resp_write(ch, txid, &resp) != ZX_OK) {
        zx_handle_close(mine); /* the client is gone: the lease is never held */
        return;
    }
    sag_conn_t *lease = conn_new(w, mine);
    lease->koid = koid;
    if (req->has_name)
        memcpy(lease->name, req->name, sizeof(lease->name));
    w->sag.leases++;
    sim_timer_cancel(w->s, &w->sag.suspend_timer);
    wake_release(w);
    world_trace(w, WORLD_EV_LEASE, koid, 1, w->sag.leases, 0, 0, lease->name);
    if (kernel_task_spawn("sag:lease", lease_main, lease) != ZX_OK)
        SIM_ASSERT(!"out of memory spawning a lease task");
}

/* ---- Connections ----------------------------------------------------------------------------- */

/* Whether the scenario makes this request fail (lease_failures): the governor then closes the
 * connection without a reply, so the caller sees a FIDL error (the channel closed). */
static bool lease_refused(world_t *w, const fidl_take_lease_req_t *req)
{
    uint32_t index = w->sag.lease_requests++;
    const world_config_t *c = w->cfg;
    for (size_t i = 0; i < c->lease_failure_count; i++) {
        if (c->lease_failures[i] != index)
            continue;
        world_trace(w, WORLD_EV_LEASE, 0, 2, w->sag.leases, 0, 0, req->has_name ? req->name : "");
        return true;
    }
    return false;
}

/* One ActivityGovernor connection; a decode error ends it (the stream's `?`). */
static void conn_main(void *arg)
{
    sag_conn_t *c = arg;
    world_msgbuf_t *buf = &c->buf;
    for (;;) {
        zx_signals_t observed = 0;
        if (kernel_await_one(c->handle, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                             ZX_TIME_INFINITE, &observed) != ZX_OK)
            break;
        fidl_message_t msg;
        zx_status_t st = fidl_message_read(c->handle, buf->bytes, buf->handles, &msg);
        if (st == ZX_ERR_SHOULD_WAIT)
            continue;
        if (st != ZX_OK)
            break;
        if (msg.header.ordinal != FIDL_GOVERNOR_TAKE_APPLICATION_ACTIVITY_LEASE) {
            fidl_message_close(&msg);
            continue;
        }
        uint32_t txid = msg.header.txid;
        fidl_take_lease_req_t req;
        if (fidl_take_lease_req_decode(&msg, &req) != ZX_OK)
            break;
        bool refused = lease_refused(c->w, &req);
        if (!refused)
            take_lease(c->w, c->handle, txid, &req);
        fidl_take_lease_req_close(&req);
        if (refused)
            break;
    }
    zx_handle_close(c->handle);
    conn_free(c);
}

/* The SAG's outgoing directory: each open of the protocol becomes a connection task. */
static void sag_main(void *arg)
{
    world_t *w = arg;
    world_msgbuf_t *buf = &w->sag.buf;
    for (;;) {
        zx_signals_t observed = 0;
        if (kernel_await_one(w->sag.dir, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                             ZX_TIME_INFINITE, &observed) != ZX_OK)
            break;
        fidl_message_t msg;
        zx_status_t st = fidl_message_read(w->sag.dir, buf->bytes, buf->handles, &msg);
        if (st == ZX_ERR_SHOULD_WAIT)
            continue;
        if (st != ZX_OK)
            break;
        fidl_directory_open_req_t req;
        if (msg.header.ordinal != FIDL_DIRECTORY_OPEN) {
            fidl_message_close(&msg);
            continue;
        }
        if (fidl_directory_open_req_decode(&msg, &req) != ZX_OK)
            continue;
        if (req.has_protocol && !strcmp(req.protocol, MANAGER_GOVERNOR_PROTOCOL) &&
            req.server_end != ZX_HANDLE_INVALID) {
            sag_conn_t *c = conn_new(w, req.server_end);
            world_msgbuf_init(&c->buf);
            req.server_end = ZX_HANDLE_INVALID;
            if (kernel_task_spawn("sag:conn", conn_main, c) != ZX_OK)
                SIM_ASSERT(!"out of memory spawning a connection task");
        }
        fidl_directory_open_req_close(&req);
    }
}

void sag_setup(world_t *w, zx_handle_t sag_dir_server)
{
    world_sag_t *g = &w->sag;
    g->state = WORLD_SYSTEM_RUNNING;
    sim_timer_init(&g->suspend_timer, suspend_fire, w);
    sim_timer_init(&g->resume_timer, resume_fire, w);
    sim_timer_init(&g->hold_timer, hold_fire, w);
    sim_waitq_init(&g->running);
    world_msgbuf_init(&g->buf);
    g->dir = world_give(sag_dir_server, w->sag_proc);
    world_thread_start(w->sag_proc, "sag", sag_main, w);
}

void sag_teardown(world_t *w)
{
    while (w->sag.conns)
        conn_free(w->sag.conns);
    world_msgbuf_deinit(&w->sag.buf);
}
