/* test_port.c - Ports and zx_object_wait_async: user packets, signal packets, FIFO waiters,
 * cancellation, and the port's own lifetime.
 *
 * Method: contracts of port.fidl / object.fidl (reference 1.6), mostly from setup code (polls
 * with deadline 0), plus simulated threads where waiting matters: FIFO release of one waiter
 * per packet, and a wait that blocks until a packet is queued. Each documented error is
 * checked in Zircon's order; errors hidden by default rights (a waitable port) are reached
 * with white-box handles.
 */
#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

static kfix_t f;

static zx_handle_t mint(zx_handle_t h, zx_rights_t rights)
{
    kctx_t c;
    kctx_current(&c);
    zx_handle_t out;
    ASSERT_ST(kobj_handle_install(&c, handle_table_lookup(c.proc, h)->obj, rights, &out), ZX_OK);
    return out;
}

Test(port, create_options)
{
    kfix_init(&f);
    zx_handle_t p;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_port_create(ZX_PORT_BIND_TO_INTERRUPT, &p), ZX_OK);
    ASSERT_ST(zx_port_create(2, &p), ZX_ERR_INVALID_ARGS);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(p, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.rights, ZX_DEFAULT_PORT_RIGHTS, "rights %#x", info.rights);
    cr_assert_not(info.rights & ZX_RIGHT_WAIT, "a port is not waitable");
    kfix_deinit(&f);
}

Test(port, user_packets_come_back_in_fifo_order_as_user_type)
{
    kfix_init(&f);
    zx_handle_t p;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    for (uint64_t i = 0; i < 3; i++) {
        zx_port_packet_t pkt = {.key = 10 + i, .type = ZX_PKT_TYPE_SIGNAL_ONE, .status = -3};
        pkt.user.u64[0] = i * 7;
        ASSERT_ST(zx_port_queue(p, &pkt), ZX_OK);
    }
    for (uint64_t i = 0; i < 3; i++) {
        zx_port_packet_t out;
        ASSERT_ST(zx_port_wait(p, 0, &out), ZX_OK);
        cr_assert_eq(out.key, 10 + i, "key %" PRIu64, out.key);
        cr_assert_eq(out.type, ZX_PKT_TYPE_USER, "the type is forced to USER: %u", out.type);
        cr_assert_eq(out.status, -3, "status is the caller's: %d", out.status);
        cr_assert_eq(out.user.u64[0], i * 7);
    }
    zx_port_packet_t out;
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_ERR_TIMED_OUT);
    kfix_deinit(&f);
}

Test(port, queue_and_wait_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t p, e, no_write, no_read;
    zx_port_packet_t pkt = {.key = 1};
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_port_queue(0x5553, &pkt), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_port_queue(e, &pkt), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(p, ZX_RIGHT_READ, &no_write), ZX_OK);
    ASSERT_ST(zx_port_queue(no_write, &pkt), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_port_queue(p, NULL), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_port_wait(0x5553, 0, &pkt), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_port_wait(e, 0, &pkt), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(p, ZX_RIGHT_WRITE, &no_read), ZX_OK);
    ASSERT_ST(zx_port_wait(no_read, 0, &pkt), ZX_ERR_ACCESS_DENIED);
    kfix_deinit(&f);
}

Test(port, too_many_user_packets_should_wait)
{
    kfix_init(&f);
    zx_handle_t p;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    zx_port_packet_t pkt = {.key = 1};
    /* kMaxAllocatedPacketCountPerPort is 4096; upstream refuses once more than that are
     * queued, so the 4098th queue is the first refused. */
    for (int i = 0; i < 4097; i++)
        ASSERT_ST(zx_port_queue(p, &pkt), ZX_OK);
    ASSERT_ST(zx_port_queue(p, &pkt), ZX_ERR_SHOULD_WAIT);
    ASSERT_ST(zx_port_wait(p, 0, &pkt), ZX_OK);
    ASSERT_ST(zx_port_queue(p, &pkt), ZX_OK);
    kfix_deinit(&f);
}

/* ---- wait_async ------------------------------------------------------------------------------ */

Test(port, wait_async_on_an_active_signal_queues_a_signal_packet_at_once)
{
    kfix_init(&f);
    zx_handle_t p, e;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_4), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 42, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_0, 0), ZX_OK);
    zx_port_packet_t out;
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_OK);
    cr_assert_eq(out.key, 42);
    cr_assert_eq(out.type, ZX_PKT_TYPE_SIGNAL_ONE);
    ASSERT_ST(out.status, ZX_OK);
    cr_assert_eq(out.signal.trigger, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_0);
    cr_assert_eq(out.signal.observed, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_4, "observed %#x",
                 out.signal.observed);
    cr_assert_eq(out.signal.count, 1);
    cr_assert_eq(out.signal.timestamp, 0);
    kfix_deinit(&f);
}

Test(port, wait_async_is_one_shot_and_not_merged)
{
    kfix_init(&f);
    zx_handle_t p, e;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 1, ZX_USER_SIGNAL_0, 0), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 2, ZX_USER_SIGNAL_0, 0), ZX_OK);
    zx_port_packet_t out;
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_ERR_TIMED_OUT);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, ZX_USER_SIGNAL_0, 0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    /* Two registrations, two packets (newest observer first, as Zircon's list), then none. */
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_OK);
    cr_assert_eq(out.key, 2, "first packet key %" PRIu64, out.key);
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_OK);
    cr_assert_eq(out.key, 1);
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_ERR_TIMED_OUT);
    kfix_deinit(&f);
}

Test(port, edge_ignores_an_already_active_signal)
{
    kfix_init(&f);
    zx_handle_t p, e;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 5, ZX_USER_SIGNAL_0, ZX_WAIT_ASYNC_EDGE), ZX_OK);
    zx_port_packet_t out;
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_ERR_TIMED_OUT);
    ASSERT_ST(zx_object_signal(e, ZX_USER_SIGNAL_0, 0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_OK);
    cr_assert_eq(out.key, 5);
    kfix_deinit(&f);
}

static void advance_then_signal(sim_t *s, void *arg)
{
    zx_handle_t e = (zx_handle_t)(uintptr_t)arg;
    sim_mono_pause(s);
    sim_sleep(s, SIM_CLOCK_BOOT, 40); /* boot runs ahead of mono by 40 */
    sim_mono_resume(s);
    kfix_sleep_until(25);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0 | ZX_USER_SIGNAL_1), ZX_OK);
}

Test(port, timestamps_on_request_on_the_requested_clock)
{
    kfix_init(&f);
    zx_handle_t p, e;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 1, ZX_USER_SIGNAL_0, ZX_WAIT_ASYNC_TIMESTAMP), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 2, ZX_USER_SIGNAL_1, ZX_WAIT_ASYNC_BOOT_TIMESTAMP),
              ZX_OK);
    cr_assert_eq(sim_thread_create(f.s, "t", advance_then_signal, (void *)(uintptr_t)e, NULL,
                                   NULL),
                 0);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    zx_port_packet_t out[2];
    ASSERT_ST(zx_port_wait(p, 0, &out[0]), ZX_OK);
    ASSERT_ST(zx_port_wait(p, 0, &out[1]), ZX_OK);
    for (int i = 0; i < 2; i++) {
        uint64_t want = out[i].key == 1 ? 25 : 65;
        cr_assert_eq(out[i].signal.timestamp, want, "key %" PRIu64 " timestamp %" PRIu64,
                     out[i].key, out[i].signal.timestamp);
    }
    kfix_deinit(&f);
}

Test(port, wait_async_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t p, e, no_write, no_wait;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    /* Options first, even with bad handles. */
    ASSERT_ST(zx_object_wait_async(0x1, 0x1, 0, ZX_USER_SIGNAL_0, 8), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_wait_async(0x1, 0x1, 0, ZX_USER_SIGNAL_0,
                                   ZX_WAIT_ASYNC_TIMESTAMP | ZX_WAIT_ASYNC_BOOT_TIMESTAMP),
              ZX_ERR_INVALID_ARGS);
    /* Then the port: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (WRITE). */
    ASSERT_ST(zx_object_wait_async(0x1113, 0x2223, 0, ZX_USER_SIGNAL_0, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_object_wait_async(0x1113, e, 0, ZX_USER_SIGNAL_0, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(p, ZX_RIGHT_READ, &no_write), ZX_OK);
    ASSERT_ST(zx_object_wait_async(0x1113, no_write, 0, ZX_USER_SIGNAL_0, 0),
              ZX_ERR_ACCESS_DENIED);
    /* Then the handle: BAD_HANDLE, ACCESS_DENIED (WAIT), NOT_SUPPORTED (not waitable). */
    ASSERT_ST(zx_object_wait_async(0x1113, p, 0, ZX_USER_SIGNAL_0, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SIGNAL, &no_wait), ZX_OK);
    ASSERT_ST(zx_object_wait_async(no_wait, p, 0, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_object_wait_async(p, p, 0, ZX_USER_SIGNAL_0, 0), ZX_ERR_ACCESS_DENIED);
    zx_handle_t waitable_port = mint(p, ZX_RIGHT_WAIT);
    ASSERT_ST(zx_object_wait_async(waitable_port, p, 0, ZX_USER_SIGNAL_0, 0),
              ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

Test(port, closing_the_source_handle_drops_the_observer_but_not_a_queued_packet)
{
    kfix_init(&f);
    zx_handle_t p, e, d;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS, &d), ZX_OK);
    ASSERT_ST(zx_object_wait_async(d, p, 1, ZX_USER_SIGNAL_0, 0), ZX_OK); /* pending */
    ASSERT_ST(zx_object_wait_async(d, p, 2, ZX_USER_SIGNAL_1, 0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_1), ZX_OK);           /* key 2 queued */
    ASSERT_ST(zx_handle_close(d), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK); /* key 1 is gone */
    zx_port_packet_t out;
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_OK);
    cr_assert_eq(out.key, 2);
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_ERR_TIMED_OUT);
    kfix_deinit(&f);
}

Test(port, cancel_removes_observers_and_queued_packets)
{
    kfix_init(&f);
    zx_handle_t p, e;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 7, ZX_USER_SIGNAL_0, 0), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 8, ZX_USER_SIGNAL_1, 0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_1), ZX_OK); /* key 8 queued */
    ASSERT_ST(zx_port_cancel(p, e, 7), ZX_OK);                  /* an observer */
    ASSERT_ST(zx_port_cancel(p, e, 8), ZX_OK);                  /* a queued packet */
    ASSERT_ST(zx_port_cancel(p, e, 9), ZX_ERR_NOT_FOUND);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    zx_port_packet_t out;
    ASSERT_ST(zx_port_wait(p, 0, &out), ZX_ERR_TIMED_OUT);
    kfix_deinit(&f);
}

Test(port, cancel_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t p, e, no_write, no_wait;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_port_cancel(0x1113, e, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_port_cancel(e, e, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(p, ZX_RIGHT_READ, &no_write), ZX_OK);
    ASSERT_ST(zx_port_cancel(no_write, e, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_port_cancel(p, 0x1113, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SIGNAL, &no_wait), ZX_OK);
    ASSERT_ST(zx_port_cancel(p, no_wait, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_port_cancel(p, mint(p, ZX_RIGHT_WAIT), 0), ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

Test(port, closing_the_port_drops_its_packets_and_observers)
{
    kfix_init(&f);
    zx_handle_t p, e;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    zx_koid_t koid = kfix_koid(p);
    zx_port_packet_t pkt = {.key = 3};
    ASSERT_ST(zx_port_queue(p, &pkt), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 1, ZX_USER_SIGNAL_0, 0), ZX_OK);
    ASSERT_ST(zx_object_wait_async(e, p, 2, ZX_USER_SIGNAL_1, 0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_1), ZX_OK);
    ASSERT_ST(zx_handle_close(p), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK); /* no observer left */
    size_t destroyed = 0;
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        destroyed += ev->kind == SIM_EV_OBJECT_DESTROY && ev->object == koid;
    }
    cr_assert_eq(destroyed, 1, "the port was not freed");
    kfix_deinit(&f);
}

/* ---- Waiting threads ----------------------------------------------------------------------- */

static zx_handle_t port_p;
static zx_status_t got[3];
static uint64_t got_key[3];
static zx_instant_mono_t got_at[3];

static void port_waiter(void *arg)
{
    int i = (int)(intptr_t)arg;
    zx_port_packet_t out = {0};
    got[i] = zx_port_wait(port_p, 500, &out);
    got_key[i] = out.key;
    got_at[i] = zx_clock_get_monotonic();
}

static void port_queuer(void *arg)
{
    (void)arg;
    kfix_sleep_until(100);
    zx_port_packet_t pkt = {.key = 77};
    ASSERT_ST(zx_port_queue(port_p, &pkt), ZX_OK);
}

Test(port, each_packet_releases_one_waiter_in_fifo_order)
{
    kfix_init(&f);
    zx_handle_t p;
    ASSERT_ST(zx_port_create(0, &p), ZX_OK);
    port_p = kfix_give(&f, p);
    kfix_thread(&f, "w0", port_waiter, (void *)0);
    kfix_thread(&f, "w1", port_waiter, (void *)1);
    kfix_thread(&f, "queuer", port_queuer, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(got[0], ZX_OK);
    cr_assert_eq(got_key[0], 77);
    cr_assert_eq(got_at[0], 100, "first waiter woke at %" PRId64, got_at[0]);
    ASSERT_ST(got[1], ZX_ERR_TIMED_OUT);
    cr_assert_eq(got_at[1], 500);
    kfix_deinit(&f);
}
