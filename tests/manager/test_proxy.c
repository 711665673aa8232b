/* test_proxy.c - Channel proxies (proxy.rs): upstream's own proxy tests, plus the proxy's wake
 * source bookkeeping, R19 and the V1 handshake's peer-closed test.
 *
 * Goal: a closed peer on either side propagates to the other; the counter counts inbound
 * messages (sequentially, and three queued before anyone reads make 3); outbound messages do
 * not touch it; a last message is flushed before the close; an exiting proxy removes its wake
 * source; a ProxyWakeChannel missing a field is ignored with its handles closed (R19); with v1,
 * dropping the kernel's resume-event end ends the proxy at the next inbound message. Method:
 * the scenario registers proxies through the Manager protocol, as the Starnix kernel does, and
 * plays both outer peers (the platform's remote end and the container's end).
 */
#include "manager_fixture.h"

#include "../../model/manager/manager_int.h"

static zx_signals_t seen[4];
static int64_t values[4];
static size_t sources_after;
static uint32_t bytes_read;

static void fini(void)
{
    fx_fini();
}

TestSuite(proxy, .fini = fini, .timeout = 60);

static zx_handle_t mgr, container_end, remote_end, counter;

static void setup_proxy(const char *name)
{
    mgr = fx_open(MANAGER_PROTOCOL);
    fx_proxy(mgr, name, &container_end, &remote_end, &counter, NULL);
}

static void peer_closed_kernel(void)
{
    setup_proxy("test");
    zx_handle_close(container_end);
    zx_object_wait_one(remote_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(10), &seen[0]);
}

Test(proxy, peer_closed_kernel)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(peer_closed_kernel), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_PEER_CLOSED);
    cr_assert_eq(fx_count(MANAGER_EV_PROXY_LOOP_EXIT, "test"), 1u);
}

static void peer_closed_remote(void)
{
    setup_proxy("test");
    zx_handle_close(remote_end);
    zx_object_wait_one(container_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(10), &seen[0]);
    fx_sleep_until(FX_MSEC(1));
    sources_after = fx.m->suspend_context.wake_sources.count;
}

Test(proxy, peer_closed_remote_and_wake_source_removed)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(peer_closed_remote), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_PEER_CLOSED);
    cr_assert_eq(sources_after, 0u, "the exiting proxy removed its counter");
}

static void counter_sequential(void)
{
    setup_proxy("test");
    zx_object_wait_one(counter, ZX_COUNTER_NON_POSITIVE, FX_SEC(10), &seen[0]);
    fx_write(remote_end, "abc");
    zx_object_wait_one(counter, ZX_COUNTER_POSITIVE, FX_SEC(10), &seen[1]);
    values[0] = fx_counter(counter);
    zx_counter_add(counter, -1); /* the container handled it */
    zx_object_wait_one(counter, ZX_COUNTER_NON_POSITIVE, FX_SEC(10), &seen[2]);
    fx_write(remote_end, "abc");
    zx_object_wait_one(counter, ZX_COUNTER_POSITIVE, FX_SEC(10), &seen[3]);
    values[1] = fx_counter(counter);
}

Test(proxy, counter_sequential)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(counter_sequential), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_COUNTER_NON_POSITIVE);
    cr_assert(seen[1] & ZX_COUNTER_POSITIVE);
    cr_assert(seen[2] & ZX_COUNTER_NON_POSITIVE);
    cr_assert(seen[3] & ZX_COUNTER_POSITIVE);
    cr_assert_eq(values[0], 1);
    cr_assert_eq(values[1], 1);
}

static void counter_multiple(void)
{
    zx_handle_t c0, c1, r0, r1, cnt;
    mgr = fx_open(MANAGER_PROTOCOL);
    zx_channel_create(0, &c0, &c1);
    zx_channel_create(0, &r0, &r1);
    zx_counter_create(0, &cnt);
    counter = fx_dup(cnt);
    for (int i = 0; i < 3; i++)
        fx_write(r1, "abc"); /* queued before the proxy exists */
    fidl_proxy_wake_channel_req_t req = {
        .container_job = fx_dup(fx.job), .container_channel = c1, .remote_channel = r0,
        .counter = cnt};
    fidl_string_set(req.name, &req.has_name, "test");
    FX_CHECK(fidl_proxy_wake_channel_req_write(mgr, 0, &req) == ZX_OK);
    zx_object_wait_one(counter, ZX_COUNTER_POSITIVE, FX_SEC(10), &seen[0]);
    fx_sleep_until(zx_clock_get_monotonic() + FX_MSEC(1));
    values[0] = fx_counter(counter);
    uint8_t buf[16];
    uint32_t n = 0;
    while (zx_channel_read(c0, 0, buf, NULL, sizeof(buf), 0, &n, NULL) == ZX_OK)
        bytes_read += n;
}

Test(proxy, three_queued_messages_count_three)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(counter_multiple), SIM_END_COMPLETE);
    cr_assert_eq(values[0], 3);
    cr_assert_eq(bytes_read, 9u, "%u", bytes_read);
    cr_assert_eq(fx_count(MANAGER_EV_COUNTER_INCREMENTED, "test"), 3u);
}

static void outbound_and_flush(void)
{
    setup_proxy("hal");
    fx_write(container_end, "reply"); /* container -> remote: no counter */
    zx_object_wait_one(remote_end, ZX_CHANNEL_READABLE, FX_SEC(10), &seen[0]);
    values[0] = fx_counter(counter);
    fx_write(remote_end, "last");
    zx_handle_close(remote_end); /* the message must still reach the container */
    zx_object_wait_one(container_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(10), &seen[1]);
    uint8_t buf[16];
    uint32_t n = 0;
    values[1] = zx_channel_read(container_end, 0, buf, NULL, sizeof(buf), 0, &n, NULL);
    bytes_read = n;
}

Test(proxy, outbound_skips_the_counter_and_last_message_is_flushed)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(outbound_and_flush), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_READABLE);
    cr_assert_eq(values[0], 0);
    cr_assert(seen[1] & ZX_CHANNEL_PEER_CLOSED);
    ASSERT_ST((zx_status_t)values[1], ZX_OK);
    cr_assert_eq(bytes_read, 4u);
}

static void both_ready(void)
{
    setup_proxy("duplex");
    for (int i = 0; i < 4; i++) {
        fx_write(container_end, "out");
        fx_write(remote_end, "in");
    }
    fx_sleep_until(FX_MSEC(1));
    values[0] = fx_counter(counter);
    uint8_t buf[16];
    uint32_t n;
    while (zx_channel_read(remote_end, 0, buf, NULL, sizeof(buf), 0, &n, NULL) == ZX_OK)
        values[1]++;
    while (zx_channel_read(container_end, 0, buf, NULL, sizeof(buf), 0, &n, NULL) == ZX_OK)
        values[2]++;
}

/* One run in a child process: its fingerprint, 0 if a message went missing. */
static uint64_t both_ready_child(void *arg)
{
    (void)arg;
    fx_init_costs("v5w", true, 7, "random");
    if (fx_run(both_ready) != SIM_END_COMPLETE || values[0] != 4 || values[1] != 4 ||
        values[2] != 4)
        return 0;
    return sim_fingerprint(fx.s);
}

Test(proxy, both_directions_ready_are_drawn_and_all_forwarded)
{
    uint64_t a = fx_in_child(both_ready_child, NULL), b = fx_in_child(both_ready_child, NULL);
    cr_assert_neq(a, 0u, "every message forwarded, counter 4");
    cr_assert_eq(a, b, "%016" PRIx64 " vs %016" PRIx64, a, b);
}

static void missing_counter(void)
{
    mgr = fx_open(MANAGER_PROTOCOL);
    fx_proxy(mgr, "broken", &container_end, &remote_end, NULL, NULL);
    zx_object_wait_one(remote_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(10), &seen[0]);
    zx_object_wait_one(container_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(10), &seen[1]);
    sources_after = fx.m->suspend_context.wake_sources.count;
}

Test(proxy, missing_counter_is_ignored_and_closes_handles)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(missing_counter), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_PEER_CLOSED, "R19: the remote peer sees the close");
    cr_assert(seen[1] & ZX_CHANNEL_PEER_CLOSED);
    cr_assert_eq(sources_after, 0u);
    cr_assert_eq(fx_count(MANAGER_EV_PROXY_LOOP_ENTER, NULL), 0u);
}

static void v1_peer_closed_event(void)
{
    zx_handle_t k;
    mgr = fx_open(MANAGER_PROTOCOL);
    fx_proxy(mgr, "test", &container_end, &remote_end, NULL, &k);
    fx_sleep_until(FX_MSEC(1));
    zx_handle_close(k);
    fx_write(remote_end, "abc");
    zx_object_wait_one(container_end, ZX_CHANNEL_PEER_CLOSED, FX_SEC(10), &seen[0]);
}

Test(proxy, v1_dropped_resume_event_ends_the_proxy)
{
    fx_init("v1");
    cr_assert_eq(fx_run(v1_peer_closed_event), SIM_END_COMPLETE);
    cr_assert(seen[0] & ZX_CHANNEL_PEER_CLOSED);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Proxy failed to forward message to kernel: test"),
                 1u);
}
