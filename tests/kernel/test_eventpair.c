/* test_eventpair.c - Eventpairs: two peered endpoints, signal vs signal_peer, PEER_CLOSED.
 *
 * Method: contracts of eventpair.fidl and object.fidl (reference 1.2, 1.3): each endpoint has
 * its own word; signal changes one's own, signal_peer the other's; closing the last handle of
 * one end asserts PEER_CLOSED on the other (waking its waiters) and makes signal_peer fail
 * with PEER_CLOSED, after the mask check. Errors in Zircon's order.
 */
#include "kernel_fixture.h"

static kfix_t f;

Test(eventpair, create_options_are_not_supported)
{
    kfix_init(&f);
    zx_handle_t a, b;
    ASSERT_ST(zx_eventpair_create(1, &a, &b), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_eventpair_create(0, &a, &b), ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(a, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.rights, ZX_DEFAULT_EVENTPAIR_RIGHTS, "rights %#x", info.rights);
    cr_assert_eq(info.related_koid, kfix_koid(b));
    kfix_deinit(&f);
}

Test(eventpair, signal_changes_own_word_and_signal_peer_the_other)
{
    kfix_init(&f);
    zx_handle_t a, b;
    ASSERT_ST(zx_eventpair_create(0, &a, &b), ZX_OK);
    ASSERT_ST(zx_object_signal(a, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_object_signal_peer(a, 0, ZX_EVENTPAIR_SIGNALED | ZX_USER_SIGNAL_1), ZX_OK);
    cr_assert_eq(kfix_signals(a), ZX_USER_SIGNAL_0);
    cr_assert_eq(kfix_signals(b), ZX_EVENTPAIR_SIGNALED | ZX_USER_SIGNAL_1);
    ASSERT_ST(zx_object_signal_peer(b, 0, 0), ZX_OK);
    ASSERT_ST(zx_object_signal_peer(a, ZX_USER_SIGNAL_1, 0), ZX_OK);
    cr_assert_eq(kfix_signals(b), ZX_EVENTPAIR_SIGNALED);
    kfix_deinit(&f);
}

Test(eventpair, closing_one_end_asserts_peer_closed_on_the_other)
{
    kfix_init(&f);
    zx_handle_t a, b, b2;
    ASSERT_ST(zx_eventpair_create(0, &a, &b), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(b, ZX_RIGHT_SAME_RIGHTS, &b2), ZX_OK);
    ASSERT_ST(zx_handle_close(b), ZX_OK);
    cr_assert_eq(kfix_signals(a), 0, "a duplicate keeps the peer open");
    ASSERT_ST(zx_handle_close(b2), ZX_OK);
    cr_assert_eq(kfix_signals(a), ZX_EVENTPAIR_PEER_CLOSED);
    /* The mask is checked before the peer. */
    ASSERT_ST(zx_object_signal_peer(a, 0, __ZX_OBJECT_READABLE), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_signal_peer(a, 0, ZX_USER_SIGNAL_0), ZX_ERR_PEER_CLOSED);
    ASSERT_ST(zx_object_signal(a, 0, ZX_USER_SIGNAL_0), ZX_OK); /* its own word still works */
    /* PEER_CLOSED is not user-settable. */
    ASSERT_ST(zx_object_signal(a, ZX_EVENTPAIR_PEER_CLOSED, 0), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

Test(eventpair, signal_peer_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t a, b, no_peer_right;
    ASSERT_ST(zx_eventpair_create(0, &a, &b), ZX_OK);
    ASSERT_ST(zx_object_signal_peer(0x1113, 0, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(a, ZX_RIGHT_SIGNAL | ZX_RIGHT_WAIT, &no_peer_right), ZX_OK);
    ASSERT_ST(zx_object_signal_peer(no_peer_right, 0, __ZX_OBJECT_READABLE),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_object_signal_peer(a, 0, __ZX_OBJECT_READABLE), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_signal_peer(a, ZX_EVENTPAIR_PEER_CLOSED, 0), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

static zx_handle_t end_p, other_p;
static zx_status_t got;
static zx_signals_t got_signals;
static zx_instant_mono_t got_at;

static void wait_peer_closed(void *arg)
{
    (void)arg;
    got = zx_object_wait_one(end_p, ZX_EVENTPAIR_PEER_CLOSED, ZX_TIME_INFINITE, &got_signals);
    got_at = zx_clock_get_monotonic();
}

static void close_other_at_12(void *arg)
{
    (void)arg;
    kfix_sleep_until(12);
    ASSERT_ST(zx_handle_close(other_p), ZX_OK);
}

Test(eventpair, peer_closed_wakes_a_waiter)
{
    kfix_init(&f);
    zx_handle_t a, b;
    ASSERT_ST(zx_eventpair_create(0, &a, &b), ZX_OK);
    end_p = kfix_give(&f, a);
    other_p = kfix_give(&f, b);
    kfix_thread(&f, "waiter", wait_peer_closed, NULL);
    kfix_thread(&f, "closer", close_other_at_12, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(got, ZX_OK);
    cr_assert_eq(got_at, 12);
    cr_assert_eq(got_signals, ZX_EVENTPAIR_PEER_CLOSED);
    kfix_deinit(&f);
}

static void worker_holds_end(void *arg)
{
    (void)arg;
    (void)zx_object_wait_one(end_p, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE, NULL);
}

Test(eventpair, process_death_closes_its_end)
{
    kfix_init(&f);
    zx_handle_t a, b;
    ASSERT_ST(zx_eventpair_create(0, &a, &b), ZX_OK);
    end_p = kfix_give(&f, a);
    kfix_thread(&f, "holder", worker_holds_end, NULL);
    ASSERT_ST(zx_task_kill(f.proc), ZX_OK);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(kfix_signals(b), ZX_EVENTPAIR_PEER_CLOSED, "signals %#x", kfix_signals(b));
    kfix_deinit(&f);
}
