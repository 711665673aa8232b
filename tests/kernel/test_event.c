/* test_event.c - Events: zx_event_create and zx_object_signal / signal_peer on an event.
 *
 * Method: contracts of event.fidl and object.fidl (reference 1.2, 1.3) from setup code: the
 * settable bits (user signals and SIGNALED only), clear-then-set, visibility to a waiter before
 * the call returns, and each documented error in Zircon's order. signal_peer on an event is
 * refused by the rights first (events lack SIGNAL_PEER); NOT_SUPPORTED is reached with a
 * white-box handle that has the right.
 */
#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

static kfix_t f;

Test(event, create_gives_default_rights_and_no_signals)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.type, ZX_OBJ_TYPE_EVENT);
    cr_assert_eq(info.rights, ZX_DEFAULT_EVENT_RIGHTS, "rights %#x", info.rights);
    cr_assert_eq(info.related_koid, 0);
    cr_assert_eq(kfix_signals(e), 0);
    ASSERT_ST(zx_event_create(1, &e), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

Test(event, signal_clears_then_sets_the_settable_bits)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_ALL), ZX_OK);
    cr_assert_eq(kfix_signals(e), ZX_EVENT_SIGNAL_MASK);
    ASSERT_ST(zx_object_signal(e, ZX_USER_SIGNAL_ALL, ZX_USER_SIGNAL_2), ZX_OK);
    cr_assert_eq(kfix_signals(e), ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_2);
    /* Clear and set of the same bit: set wins (clear first). */
    ASSERT_ST(zx_object_signal(e, ZX_EVENT_SIGNALED, ZX_EVENT_SIGNALED), ZX_OK);
    cr_assert(kfix_signals(e) & ZX_EVENT_SIGNALED);
    kfix_deinit(&f);
}

Test(event, signal_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t e, no_signal;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal(0x1113, 0, ZX_USER_SIGNAL_0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_WAIT, &no_signal), ZX_OK);
    /* No SIGNAL right wins over a disallowed bit. */
    ASSERT_ST(zx_object_signal(no_signal, 0, __ZX_OBJECT_READABLE), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_object_signal(e, 0, __ZX_OBJECT_READABLE), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_signal(e, ZX_EVENTPAIR_PEER_CLOSED, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_signal(e, 0, ZX_COUNTER_POSITIVE), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(kfix_signals(e), 0, "a refused call changed nothing");
    kfix_deinit(&f);
}

Test(event, signal_peer_on_an_event)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal_peer(0x1113, 0, ZX_USER_SIGNAL_0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_object_signal_peer(e, 0, ZX_USER_SIGNAL_0), ZX_ERR_ACCESS_DENIED);
    kctx_t c;
    kctx_current(&c);
    zx_handle_t with_peer_right;
    ASSERT_ST(kobj_handle_install(&c, handle_table_lookup(c.proc, e)->obj,
                                  ZX_DEFAULT_EVENT_RIGHTS | ZX_RIGHT_SIGNAL_PEER,
                                  &with_peer_right),
              ZX_OK);
    /* A solo object: NOT_SUPPORTED, before the mask is even looked at. */
    ASSERT_ST(zx_object_signal_peer(with_peer_right, 0, ZX_USER_SIGNAL_0), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_object_signal_peer(with_peer_right, 0, __ZX_OBJECT_READABLE),
              ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

static zx_handle_t ev_p;
static zx_status_t waited;
static zx_instant_mono_t waited_at;

static void waiter(void *arg)
{
    (void)arg;
    waited = zx_object_wait_one(ev_p, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, NULL);
    waited_at = zx_clock_get_monotonic();
}

static void signaler(void *arg)
{
    (void)arg;
    kfix_sleep_until(33);
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

Test(event, a_signal_wakes_a_waiting_thread_at_that_instant)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ev_p = kfix_give(&f, e);
    kfix_thread(&f, "waiter", waiter, NULL);
    kfix_thread(&f, "signaler", signaler, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(waited, ZX_OK);
    cr_assert_eq(waited_at, 33);
    kfix_deinit(&f);
}

Test(event, signal_changes_are_traced_with_old_and_new_words)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    size_t before = kfix_count(&f, KERNEL_EV_SIGNAL, NULL);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK); /* no change: not traced */
    cr_assert_eq(kfix_count(&f, KERNEL_EV_SIGNAL, NULL), before + 1);
    const sim_trace_event_t *last = NULL;
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        if (ev->kind == KERNEL_EV_SIGNAL)
            last = ev;
    }
    cr_assert_not_null(last);
    cr_assert_eq(last->object, kfix_koid(e));
    cr_assert_eq(last->arg[0], 0);
    cr_assert_eq(last->arg[1], ZX_USER_SIGNAL_0);
    cr_assert_eq(kfix_count(&f, KERNEL_EV_SYSCALL, "zx_object_signal"), 2);
    kfix_deinit(&f);
}
