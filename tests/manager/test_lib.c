/* test_lib.c - The runner's FIDL front door (lib.rs, main.rs) and the leases (kernels.rs).
 *
 * Goal: serve_starnix_manager's per-request rules: one-way requests missing a field are
 * silently ignored with their handles closed (R19) and the connection keeps serving; a
 * malformed message ends only its connection (logged, no panic in v5w); unknown methods are
 * ignored; RegisterWakeWatcher without a watcher still replies, with a closed one it ends the
 * connection; AddWakeSource replaces an entry with the same koid and RemoveWakeSource removes
 * it; an unknown protocol in the outgoing directory is dropped. Leases: no /svc, or a governor
 * that refuses, leave the container without a lease (R10) while suspends still succeed; the
 * kernels lock held across the governor await deadlocks the main thread when the kernel stops
 * meanwhile (R11). Determinism: the same scenario twice gives the same fingerprint, with the
 * default costs and with the random strategy. Method: as test_suspend.c (manager_fixture.h),
 * with raw channel writes for malformed messages and white-box looks at the wake sources.
 */
#include "manager_fixture.h"

#include "../../model/manager/manager_int.h"

static zx_signals_t seen[4];
static zx_status_t status[4];
static size_t counts[4];
static fx_reply_t reply[2];
static fx_watcher_t watcher[2];

static void fini(void)
{
    fx_fini();
}

TestSuite(lib, .fini = fini, .timeout = 60);

static void malformed_one_way(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t ours, theirs;
    /* AddWakeSource without signals: ignored, the handle is closed. */
    zx_eventpair_create(0, &ours, &theirs);
    fidl_add_wake_source_req_t add = {.container_job = fx_dup(fx.job), .handle = theirs};
    fidl_string_set(add.name, &add.has_name, "no-signals");
    FX_CHECK(fidl_add_wake_source_req_write(mgr, 0, &add) == ZX_OK);
    zx_object_wait_one(ours, ZX_EVENTPAIR_PEER_CLOSED, FX_SEC(1), &seen[0]);
    /* RemoveWakeSource without container_job: ignored. */
    zx_eventpair_create(0, &ours, &theirs);
    fidl_remove_wake_source_req_t rm = {.handle = theirs};
    FX_CHECK(fidl_remove_wake_source_req_write(mgr, 0, &rm) == ZX_OK);
    zx_object_wait_one(ours, ZX_EVENTPAIR_PEER_CLOSED, FX_SEC(1), &seen[1]);
    /* An unknown one-way method with a handle: ignored, closed. */
    zx_eventpair_create(0, &ours, &theirs);
    uint8_t unknown[16] = {0};
    unknown[8] = 0x77;
    FX_CHECK(zx_channel_write(mgr, 0, unknown, sizeof(unknown), &theirs, 1) == ZX_OK);
    zx_object_wait_one(ours, ZX_EVENTPAIR_PEER_CLOSED, FX_SEC(1), &seen[2]);
    /* The connection still serves, and a watcher-less registration is answered. */
    fidl_register_wake_watcher_req_t none = {0};
    FX_CHECK(fidl_register_wake_watcher_req_write(mgr, 9, &none) == ZX_OK);
    fidl_message_t msg;
    status[0] = fx_read(mgr, fx_bytes, fx_handles, &msg, FX_SEC(1));
    counts[0] = fx.m->suspend_context.wake_sources.count;
}

Test(lib, malformed_one_way_requests_are_ignored)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(malformed_one_way), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_EVENTPAIR_PEER_CLOSED, "AddWakeSource's handle closed");
    cr_assert(seen[1] & ZX_EVENTPAIR_PEER_CLOSED, "RemoveWakeSource's handle closed");
    cr_assert(seen[2] & ZX_EVENTPAIR_PEER_CLOSED, "unknown method's handle closed");
    ASSERT_ST(status[0], ZX_OK);
    cr_assert_eq(counts[0], 0u);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "failed to serve"), 0u);
}

static void decode_error(void)
{
    zx_handle_t bad = fx_open(MANAGER_PROTOCOL);
    zx_handle_t good = fx_open(MANAGER_PROTOCOL);
    uint8_t body[24] = {0};
    uint64_t ordinal = FIDL_MANAGER_ADD_WAKE_SOURCE;
    memcpy(body + 8, &ordinal, 8);
    body[16] = 2, body[18] = FIDL_KIND_U32; /* field 2 (a string) with the wrong kind */
    FX_CHECK(zx_channel_write(bad, 0, body, sizeof(body), NULL, 0) == ZX_OK);
    zx_object_wait_one(bad, ZX_CHANNEL_PEER_CLOSED, FX_SEC(1), &seen[0]);
    fx_watcher_t *w = &watcher[0];
    status[0] = fx_watch(good, w);
}

Test(lib, malformed_message_ends_only_its_connection)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(decode_error), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_PEER_CLOSED);
    ASSERT_ST(status[0], ZX_OK);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "failed to serve starnix manager"), 1u);
    cr_assert_eq(fx_count(MANAGER_EV_PANIC, NULL), 0u);
}

static void closed_watcher(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t runner_end, hal_end;
    zx_eventpair_create(0, &runner_end, &hal_end);
    zx_handle_close(hal_end);
    fidl_register_wake_watcher_req_t req = {.watcher = runner_end};
    FX_CHECK(fidl_register_wake_watcher_req_write(mgr, 3, &req) == ZX_OK);
    fidl_message_t msg;
    status[0] = fx_read(mgr, fx_bytes, fx_handles, &msg, FX_SEC(1));
}

Test(lib, watcher_with_closed_peer_ends_the_connection)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(closed_watcher), SIM_END_COMPLETE);
    ASSERT_ST(status[0], ZX_ERR_PEER_CLOSED);
    cr_assert_eq(fx.m->suspend_context.wake_watchers.count, 0u);
}

static void add_and_remove(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t ev = fx_add_source(mgr, "first", ZX_USER_SIGNAL_0);
    fidl_add_wake_source_req_t again = {.container_job = fx_dup(fx.job), .handle = fx_dup(ev),
                                        .has_signals = true, .signals = ZX_USER_SIGNAL_1};
    fidl_string_set(again.name, &again.has_name, "second");
    FX_CHECK(fidl_add_wake_source_req_write(mgr, 0, &again) == ZX_OK);
    fx_add_source(mgr, "other", ZX_USER_SIGNAL_0);
    fx_sleep_until(FX_MSEC(1));
    counts[0] = fx.m->suspend_context.wake_sources.count;
    wake_source_t *s = &fx.m->suspend_context.wake_sources.entries[0];
    counts[1] = strcmp(s->name, "second") == 0 && s->signals == ZX_USER_SIGNAL_1;
    fidl_remove_wake_source_req_t rm = {.container_job = fx_dup(fx.job), .handle = fx_dup(ev)};
    FX_CHECK(fidl_remove_wake_source_req_write(mgr, 0, &rm) == ZX_OK);
    fx_sleep_until(FX_MSEC(2));
    counts[2] = fx.m->suspend_context.wake_sources.count;
}

Test(lib, add_replaces_by_koid_and_remove_removes)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(add_and_remove), SIM_END_COMPLETE);
    cr_assert_eq(counts[0], 2u, "same koid: one entry");
    cr_assert(counts[1], "the second AddWakeSource replaced the first");
    cr_assert_eq(counts[2], 1u);
}

static void unknown_protocol(void)
{
    zx_handle_t ch = fx_open("fuchsia.unknown.Protocol");
    zx_object_wait_one(ch, ZX_CHANNEL_PEER_CLOSED, FX_SEC(1), &seen[0]);
}

Test(lib, unknown_protocol_is_dropped)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(unknown_protocol), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_PEER_CLOSED);
}

/* ---- Leases (kernels.rs) ------------------------------------------------------------------ */

static void suspend_once(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    fx_sleep_until(FX_MSEC(1));
    reply[0] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

Test(lib, no_svc_means_no_lease_but_suspend_works)
{
    fx_init("v5w");
    fx.no_svc = true;
    cr_assert_eq(fx_run(suspend_once), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert(reply[0].resp.is_error, "acquire_wake_lease's connect fails: Err");
    cr_assert_eq(reply[0].resp.error, FIDL_SUSPEND_ERROR_SUSPEND_FAILURE);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "error executing suspend"), 1u);
    cr_assert_eq(fx.lease_count, 0u);
}

Test(lib, refusing_governor_leaves_no_lease)
{
    fx_init("v5w");
    fx.governor_refuses = true;
    cr_assert_eq(fx_run(suspend_once), SIM_END_COMPLETE);
    ASSERT_ST(reply[0].status, ZX_OK);
    cr_assert_not(reply[0].resp.is_error, "a FIDL error is only logged (R10)");
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Failed to acquire application activity lease"), 2u);
    cr_assert_eq(fx.lease_count, 0u);
}

static void r11(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t controller;
    fx_start_kernel_ctl("k", &controller);
    fx_sleep_until(FX_SEC(2)); /* the slow governor answered Start's lease at 1 s */
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_MSEC(2500)); /* the runner awaits the governor with kernels locked */
    zx_handle_close(controller);   /* the kernel stops: on_stop locks kernels */
    reply[0] = fx_wait_suspend(mgr, txid, FX_SEC(10));
    zx_handle_t other = fx_open(MANAGER_PROTOCOL);
    status[0] = fx_watch(other, &watcher[0]) == ZX_OK ? ZX_OK : ZX_ERR_INTERNAL;
}

Test(lib, r11_kernels_lock_across_the_governor_await_deadlocks)
{
    fx_init("v5w");
    fx.governor_delay_ns = FX_SEC(1);
    sim_end_t end = fx_run(r11);
    cr_assert_eq(end, SIM_END_STALLED, "%s", sim_end_name(end));
    ASSERT_ST(reply[0].status, ZX_ERR_TIMED_OUT);
    cr_assert_eq(fx_count(KERNEL_EV_MUTEX_DEADLOCK, "kernels"), 1u);
    cr_assert_eq(watcher[0].count, 0u, "the main thread serves nothing any more");
}

/* ---- Determinism ---------------------------------------------------------------------------- */

static void busy_scenario(void)
{
    memset(watcher, 0, sizeof(watcher));
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    fx_start_kernel("k");
    zx_handle_t container_end, remote_end, counter;
    fx_proxy(mgr, "touch", &container_end, &remote_end, &counter, NULL);
    zx_handle_t a = fx_add_source(mgr, "a", ZX_USER_SIGNAL_0);
    zx_handle_t b = fx_add_source(mgr, "b", ZX_USER_SIGNAL_0);
    FX_CHECK(fx_watch(mgr, &watcher[0]) == ZX_OK);
    uint32_t txid = fx_send_suspend(mgr, true, ZX_HANDLE_INVALID);
    fx_sleep_until(FX_MSEC(10));
    zx_object_signal(a, 0, ZX_USER_SIGNAL_0);
    zx_object_signal(b, 0, ZX_USER_SIGNAL_0);
    fx_write(remote_end, "x");
    reply[0] = fx_wait_suspend(mgr, txid, ZX_TIME_INFINITE);
    zx_object_signal(a, ZX_USER_SIGNAL_0, 0);
    zx_object_signal(b, ZX_USER_SIGNAL_0, 0);
    zx_counter_add(counter, -1);
    reply[1] = fx_suspend(mgr, true, ZX_HANDLE_INVALID);
}

typedef struct run_config {
    bool default_costs;
    uint64_t seed;
    const char *strategy;
} run_config_t;

/* One run in a child process (fx_in_child): its fingerprint, 0 if it went wrong. */
static uint64_t fingerprint_of(void *arg)
{
    const run_config_t *c = arg;
    fx_init_costs("v5w", c->default_costs, c->seed, c->strategy);
    if (fx_run(busy_scenario) != SIM_END_COMPLETE || reply[0].status != ZX_OK ||
        reply[1].status != ZX_OK)
        return 0;
    return sim_fingerprint(fx.s);
}

Test(lib, same_scenario_same_fingerprint)
{
    run_config_t fifo = {true, 1, NULL}, random = {true, 42, "random"};
    uint64_t a = fx_in_child(fingerprint_of, &fifo), b = fx_in_child(fingerprint_of, &fifo);
    cr_assert_neq(a, 0u);
    cr_assert_eq(a, b, "fifo: %016" PRIx64 " vs %016" PRIx64, a, b);
    uint64_t c = fx_in_child(fingerprint_of, &random), d = fx_in_child(fingerprint_of, &random);
    cr_assert_neq(c, 0u);
    cr_assert_eq(c, d, "random seed 42: %016" PRIx64 " vs %016" PRIx64, c, d);
}

/* ---- manager_start ---------------------------------------------------------------------- */

Test(lib, variants_and_unknown_variant)
{
    const char *const *names = manager_variant_names();
    cr_assert_str_eq(names[0], "v5w", "the default comes first");
    cr_assert_str_eq(names[1], "v1");
    cr_assert_str_eq(names[2], "v6");
    cr_assert_null(names[3]);
    cr_assert(manager_variant_exists("v6"));
    cr_assert_not(manager_variant_exists("v4"));
    cr_assert_not(manager_variant_exists(NULL));

    fx_init("v5w");
    zx_handle_t svc_client, svc_server, outgoing = ZX_HANDLE_INVALID;
    cr_assert_eq(zx_channel_create(0, &svc_client, &svc_server), ZX_OK);
    manager_config_t config = {.variant = "v4", .svc = svc_client};
    manager_t *m = NULL;
    ASSERT_ST(manager_start(fx.root, &config, &outgoing, &m), ZX_ERR_INVALID_ARGS);
    cr_assert_null(m);
    cr_assert_eq(outgoing, ZX_HANDLE_INVALID);
    zx_signals_t observed = 0;
    zx_object_wait_one(svc_server, 0, 0, &observed);
    cr_assert(observed & ZX_CHANNEL_PEER_CLOSED, "svc is consumed on errors too");
}

static void outgoing_closed(void)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    zx_handle_t container_end, remote_end, counter;
    fx_proxy(mgr, "p", &container_end, &remote_end, &counter, NULL);
    fx_sleep_until(FX_MSEC(1));
    zx_handle_close(fx.outgoing); /* the directory's client goes: the stream of requests ends */
    fx_sleep_until(FX_MSEC(2));
    seen[0] = fx_signals(remote_end);
    zx_handle_close(mgr); /* for_each_concurrent completes with its last connection */
    zx_object_wait_one(remote_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(1), &seen[1]);
}

Test(lib, runner_exits_when_its_last_connection_ends)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(outgoing_closed), SIM_END_COMPLETE);
    cr_assert_not(seen[0] & ZX_CHANNEL_PEER_CLOSED, "a connection still open keeps it serving");
    cr_assert(seen[1] & ZX_CHANNEL_PEER_CLOSED, "main returned: the process exited");
}
