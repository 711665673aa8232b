/* test_object_wait.c - zx_object_wait_one, zx_object_wait_many and the cooperative awaits.
 *
 * Method: contracts of object.fidl (reference 1.5): simulated threads of one test process
 * wait while other threads (or setup code before the run) change signals at known virtual
 * times; costs are zero, so every return time is exact. Results are recorded in globals and
 * checked after sim_run. Covered: immediate satisfaction, polls (deadline 0, past, INFINITE
 * past), blocking and timeouts, `observed`/`pending` as the full signal word, wake-exactly-
 * the-satisfied-waiters, cancellation by handle close, every error in Zircon's order
 * (wait_many: 65 items OUT_OF_RANGE before any lookup), count 0, and determinism.
 */
#include <signal.h>

#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

static kfix_t f;
static zx_handle_t ev_p, ev2_p; /* events, in the test process */

typedef struct result {
    zx_status_t st;
    zx_signals_t observed;
    zx_instant_mono_t at;
} result_t;

static result_t res[4];

static void setup_events(void)
{
    kfix_init(&f);
    zx_handle_t e, e2;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e2), ZX_OK);
    ev_p = kfix_give(&f, e);
    ev2_p = kfix_give(&f, e2);
    memset(res, 0, sizeof(res));
}

/* ---- wait_one ------------------------------------------------------------------------------ */

Test(object_wait, wait_one_already_satisfied_returns_at_once_with_the_full_word)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_3), ZX_OK);
    zx_signals_t observed = 0;
    ASSERT_ST(zx_object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &observed), ZX_OK);
    cr_assert_eq(observed, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_3, "observed %#x", observed);
    /* Already satisfied wins over a deadline in the past. */
    ASSERT_ST(zx_object_wait_one(e, ZX_USER_SIGNAL_3, 0, NULL), ZX_OK);
    kfix_deinit(&f);
}

Test(object_wait, past_deadlines_are_polls)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_1), ZX_OK);
    zx_signals_t observed = 0;
    ASSERT_ST(zx_object_wait_one(e, ZX_EVENT_SIGNALED, 0, &observed), ZX_ERR_TIMED_OUT);
    cr_assert_eq(observed, ZX_USER_SIGNAL_1, "TIMED_OUT still reports the state: %#x", observed);
    ASSERT_ST(zx_object_wait_one(e, ZX_EVENT_SIGNALED, -5, NULL), ZX_ERR_TIMED_OUT);
    ASSERT_ST(zx_object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE_PAST, NULL),
              ZX_ERR_TIMED_OUT);
    kfix_deinit(&f);
}

Test(object_wait, wait_one_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t e, no_wait, port;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_wait_one(0x1233, ZX_EVENT_SIGNALED, 0, NULL), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SIGNAL, &no_wait), ZX_OK);
    ASSERT_ST(zx_object_wait_one(no_wait, ZX_EVENT_SIGNALED, 0, NULL), ZX_ERR_ACCESS_DENIED);
    /* A port handle has no WAIT right: ACCESS_DENIED comes first. */
    ASSERT_ST(zx_port_create(0, &port), ZX_OK);
    ASSERT_ST(zx_object_wait_one(port, ZX_USER_SIGNAL_0, 0, NULL), ZX_ERR_ACCESS_DENIED);
    /* With WAIT (minted white-box), a port is still not waitable. */
    kctx_t c;
    kctx_current(&c);
    zx_handle_t port_wait;
    ASSERT_ST(kobj_handle_install(&c, handle_table_lookup(c.proc, port)->obj, ZX_RIGHT_WAIT,
                                  &port_wait),
              ZX_OK);
    ASSERT_ST(zx_object_wait_one(port_wait, ZX_USER_SIGNAL_0, 0, NULL), ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

static void waiter_one(void *arg)
{
    result_t *r = arg;
    r->st = zx_object_wait_one(ev_p, ZX_EVENT_SIGNALED, 500, &r->observed);
    r->at = zx_clock_get_monotonic();
}

static void signaler_at_100(void *arg)
{
    (void)arg;
    kfix_sleep_until(100);
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_USER_SIGNAL_2), ZX_OK); /* no waiter wants it */
    kfix_sleep_until(200);
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

Test(object_wait, wait_one_blocks_until_a_requested_signal)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_one, &res[0]);
    kfix_thread(&f, "signaler", signaler_at_100, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_OK);
    cr_assert_eq(res[0].at, 200, "woke at %" PRId64 ", want 200", res[0].at);
    cr_assert_eq(res[0].observed, ZX_EVENT_SIGNALED | ZX_USER_SIGNAL_2, "observed %#x",
                 res[0].observed);
    kfix_deinit(&f);
}

Test(object_wait, wait_one_times_out_at_its_deadline)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_one, &res[0]);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(res[0].at, 500, "timed out at %" PRId64, res[0].at);
    kfix_deinit(&f);
}

static void waiter_user0(void *arg)
{
    result_t *r = arg;
    r->st = zx_object_wait_one(ev_p, ZX_USER_SIGNAL_0, 1000, &r->observed);
    r->at = zx_clock_get_monotonic();
}

static void waiter_user1(void *arg)
{
    result_t *r = arg;
    r->st = zx_object_wait_one(ev_p, ZX_USER_SIGNAL_1, 1000, &r->observed);
    r->at = zx_clock_get_monotonic();
}

static void signal_user0_then_clear(void *arg)
{
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_object_signal(ev_p, ZX_USER_SIGNAL_0, 0), ZX_OK);
}

Test(object_wait, a_change_wakes_exactly_the_waiters_it_satisfies)
{
    setup_events();
    kfix_thread(&f, "w0", waiter_user0, &res[0]);
    kfix_thread(&f, "w1", waiter_user1, &res[1]);
    kfix_thread(&f, "s", signal_user0_then_clear, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_OK);
    cr_assert_eq(res[0].at, 10);
    /* The state at the match is kept even though the bit was cleared before w0 ran. */
    cr_assert_eq(res[0].observed, ZX_USER_SIGNAL_0, "observed %#x", res[0].observed);
    ASSERT_ST(res[1].st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(res[1].at, 1000);
    kfix_deinit(&f);
}

static void close_at_50(void *arg)
{
    (void)arg;
    kfix_sleep_until(50);
    ASSERT_ST(zx_handle_close(ev_p), ZX_OK);
}

Test(object_wait, closing_the_handle_cancels_the_wait)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_one, &res[0]);
    kfix_thread(&f, "closer", close_at_50, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_ERR_CANCELED);
    cr_assert_eq(res[0].at, 50);
    cr_assert(res[0].observed & ZX_SIGNAL_HANDLE_CLOSED, "observed %#x", res[0].observed);
    kfix_deinit(&f);
}

static void close_a_duplicate_then_signal(void *arg)
{
    (void)arg;
    zx_handle_t dup;
    ASSERT_ST(zx_handle_duplicate(ev_p, ZX_RIGHT_SAME_RIGHTS, &dup), ZX_OK);
    kfix_sleep_until(50);
    ASSERT_ST(zx_handle_close(dup), ZX_OK);
    kfix_sleep_until(60);
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

Test(object_wait, closing_another_handle_to_the_object_does_not_cancel)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_one, &res[0]);
    kfix_thread(&f, "closer", close_a_duplicate_then_signal, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_OK);
    cr_assert_eq(res[0].at, 60);
    kfix_deinit(&f);
}

/* ---- wait_many ----------------------------------------------------------------------------- */

Test(object_wait, wait_many_over_the_limit_is_out_of_range_before_any_lookup)
{
    kfix_init(&f);
    zx_wait_item_t items[ZX_WAIT_MANY_MAX_ITEMS + 1];
    for (size_t i = 0; i < ZX_WAIT_MANY_MAX_ITEMS + 1; i++)
        items[i] = (zx_wait_item_t){.handle = 0x42424243, .waitfor = ZX_USER_SIGNAL_0};
    ASSERT_ST(zx_object_wait_many(items, ZX_WAIT_MANY_MAX_ITEMS + 1, 0), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_object_wait_many(NULL, ZX_WAIT_MANY_MAX_ITEMS + 1, 0), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_object_wait_many(items, ZX_WAIT_MANY_MAX_ITEMS, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_object_wait_many(NULL, 2, 0), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

Test(object_wait, wait_many_with_64_items_works)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    zx_wait_item_t items[ZX_WAIT_MANY_MAX_ITEMS];
    for (size_t i = 0; i < ZX_WAIT_MANY_MAX_ITEMS; i++)
        items[i] = (zx_wait_item_t){.handle = e, .waitfor = ZX_USER_SIGNAL_0};
    items[63].waitfor = ZX_USER_SIGNAL_5;
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_5), ZX_OK);
    ASSERT_ST(zx_object_wait_many(items, ZX_WAIT_MANY_MAX_ITEMS, 0), ZX_OK);
    for (size_t i = 0; i < ZX_WAIT_MANY_MAX_ITEMS; i++)
        cr_assert_eq(items[i].pending, ZX_USER_SIGNAL_5, "item %zu pending %#x", i,
                     items[i].pending);
    kfix_deinit(&f);
}

Test(object_wait, wait_many_item_errors_in_order_and_unwind)
{
    kfix_init(&f);
    zx_handle_t e, no_wait, port;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SIGNAL, &no_wait), ZX_OK);
    ASSERT_ST(zx_port_create(0, &port), ZX_OK);
    zx_wait_item_t items[3] = {
        {.handle = e, .waitfor = ZX_USER_SIGNAL_0},
        {.handle = no_wait, .waitfor = ZX_USER_SIGNAL_0},
        {.handle = 0x1113, .waitfor = ZX_USER_SIGNAL_0},
    };
    ASSERT_ST(zx_object_wait_many(items, 3, 0), ZX_ERR_ACCESS_DENIED);
    items[1].handle = 0x1113;
    ASSERT_ST(zx_object_wait_many(items, 3, 0), ZX_ERR_BAD_HANDLE);
    /* The observer of item 0 was removed: signaling the event now touches no stale record. */
    ASSERT_ST(zx_object_signal(e, 0, ZX_USER_SIGNAL_0), ZX_OK);
    ASSERT_ST(zx_object_signal(e, ZX_USER_SIGNAL_0, 0), ZX_OK);
    kfix_deinit(&f);
}

static void sleeper_count0(void *arg)
{
    result_t *r = arg;
    r->st = zx_object_wait_many(NULL, 0, 300);
    r->at = zx_clock_get_monotonic();
}

Test(object_wait, wait_many_with_no_items_sleeps_until_the_deadline)
{
    kfix_init(&f);
    memset(res, 0, sizeof(res));
    kfix_thread(&f, "sleeper", sleeper_count0, &res[0]);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(res[0].at, 300, "returned at %" PRId64, res[0].at);
    kfix_deinit(&f);
}

static zx_wait_item_t many[2];

static void waiter_many(void *arg)
{
    result_t *r = arg;
    many[0] = (zx_wait_item_t){.handle = ev_p, .waitfor = ZX_USER_SIGNAL_0};
    many[1] = (zx_wait_item_t){.handle = ev2_p, .waitfor = ZX_USER_SIGNAL_0};
    r->st = zx_object_wait_many(many, 2, 400);
    r->at = zx_clock_get_monotonic();
}

static void signal_second_at_70(void *arg)
{
    (void)arg;
    kfix_sleep_until(70);
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_USER_SIGNAL_7), ZX_OK);
    ASSERT_ST(zx_object_signal(ev2_p, 0, ZX_USER_SIGNAL_0 | ZX_EVENT_SIGNALED), ZX_OK);
}

Test(object_wait, wait_many_fills_pending_for_every_item_on_ok)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_many, &res[0]);
    kfix_thread(&f, "signaler", signal_second_at_70, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_OK);
    cr_assert_eq(res[0].at, 70);
    cr_assert_eq(many[0].pending, ZX_USER_SIGNAL_7, "item 0 pending %#x", many[0].pending);
    cr_assert_eq(many[1].pending, ZX_USER_SIGNAL_0 | ZX_EVENT_SIGNALED, "item 1 pending %#x",
                 many[1].pending);
    kfix_deinit(&f);
}

static void signal_unwanted_at_70(void *arg)
{
    (void)arg;
    kfix_sleep_until(70);
    ASSERT_ST(zx_object_signal(ev2_p, 0, ZX_EVENT_SIGNALED), ZX_OK);
}

Test(object_wait, wait_many_fills_pending_for_every_item_on_timeout)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_many, &res[0]);
    kfix_thread(&f, "signaler", signal_unwanted_at_70, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(res[0].at, 400);
    cr_assert_eq(many[0].pending, 0, "item 0 pending %#x", many[0].pending);
    cr_assert_eq(many[1].pending, ZX_EVENT_SIGNALED, "item 1 pending %#x", many[1].pending);
    kfix_deinit(&f);
}

static void close_second_at_20(void *arg)
{
    (void)arg;
    kfix_sleep_until(20);
    ASSERT_ST(zx_handle_close(ev2_p), ZX_OK);
}

Test(object_wait, wait_many_is_canceled_by_closing_one_of_its_handles)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_many, &res[0]);
    kfix_thread(&f, "closer", close_second_at_20, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_ERR_CANCELED);
    cr_assert_eq(res[0].at, 20);
    cr_assert(many[1].pending & ZX_SIGNAL_HANDLE_CLOSED, "item 1 pending %#x", many[1].pending);
    cr_assert_not(many[0].pending & ZX_SIGNAL_HANDLE_CLOSED, "item 0 pending %#x",
                  many[0].pending);
    kfix_deinit(&f);
}

Test(object_wait, setup_code_that_would_block_asserts, .signal = SIGABRT)
{
    kfix_init(&f);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    (void)zx_object_wait_one(e, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, NULL);
}

/* ---- Cooperative awaits -------------------------------------------------------------------- */

static int order[8];
static int order_len;

static void sibling_task(void *arg)
{
    (void)arg;
    order[order_len++] = 2;
    ASSERT_ST(zx_object_signal(ev_p, 0, ZX_USER_SIGNAL_0), ZX_OK);
    order[order_len++] = 3;
}

static void awaiting_task(void *arg)
{
    result_t *r = arg;
    ASSERT_ST(kernel_task_spawn("sibling", sibling_task, NULL), ZX_OK);
    order[order_len++] = 1;
    r->st = kernel_await_one(ev_p, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE, &r->observed);
    order[order_len++] = 4;
}

Test(object_wait, an_await_lets_sibling_tasks_run)
{
    setup_events();
    order_len = 0;
    kfix_thread(&f, "executor", awaiting_task, &res[0]);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_OK);
    cr_assert_eq(order_len, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(order[i], i + 1, "step %d was %d", i, order[i]);
    kfix_deinit(&f);
}

static zx_wait_item_t two[2];

static void proxy_task(void *arg)
{
    result_t *r = arg;
    two[0] = (zx_wait_item_t){.handle = ev_p, .waitfor = ZX_USER_SIGNAL_0};
    two[1] = (zx_wait_item_t){.handle = ev2_p, .waitfor = ZX_USER_SIGNAL_1};
    r->st = kernel_await_many(two, 2, ZX_TIME_INFINITE);
    r->at = zx_clock_get_monotonic();
}

static void signal_ev2_at_40(void *arg)
{
    (void)arg;
    kfix_sleep_until(40);
    ASSERT_ST(zx_object_signal(ev2_p, 0, ZX_USER_SIGNAL_1), ZX_OK);
}

Test(object_wait, an_await_selects_on_two_handles)
{
    setup_events();
    kfix_thread(&f, "proxy", proxy_task, &res[0]);
    kfix_thread(&f, "peer", signal_ev2_at_40, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(res[0].st, ZX_OK);
    cr_assert_eq(res[0].at, 40);
    cr_assert_eq(two[0].pending, 0);
    cr_assert_eq(two[1].pending, ZX_USER_SIGNAL_1, "pending %#x", two[1].pending);
    kfix_deinit(&f);
}

Test(object_wait, await_errors_match_wait_many)
{
    kfix_init(&f);
    zx_wait_item_t items[ZX_WAIT_MANY_MAX_ITEMS + 1] = {{0}};
    ASSERT_ST(kernel_await_many(items, ZX_WAIT_MANY_MAX_ITEMS + 1, 0), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(kernel_await_one(0x1113, ZX_USER_SIGNAL_0, 0, NULL), ZX_ERR_BAD_HANDLE);
    kfix_deinit(&f);
}

/* ---- Determinism --------------------------------------------------------------------------- */

static uint64_t run_scenario(void)
{
    setup_events();
    kfix_thread(&f, "waiter", waiter_many, &res[0]);
    kfix_thread(&f, "w0", waiter_user0, &res[1]);
    kfix_thread(&f, "signaler", signal_second_at_70, NULL);
    kfix_thread(&f, "s", signal_user0_then_clear, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    uint64_t fp = sim_fingerprint(f.s);
    cr_assert_eq(fp, sim_trace_mem_fingerprint(f.mem));
    kfix_deinit(&f);
    return fp;
}

Test(object_wait, the_same_calls_give_the_same_fingerprint)
{
    uint64_t a = run_scenario();
    uint64_t b = run_scenario();
    cr_assert_eq(a, b, "fingerprints %016" PRIx64 " vs %016" PRIx64, a, b);
}
