/* test_counter.c - Counters: create, add, read, write, and the POSITIVE / NON_POSITIVE pair.
 *
 * Method: contracts of counter.fidl (reference 1.4) from setup code: exactly one of POSITIVE
 * and NON_POSITIVE is asserted after every change, negative values are legal, overflow and
 * underflow fail with OUT_OF_RANGE leaving the value unchanged, add needs READ and WRITE,
 * SIGNALED is independent of the value; each documented error in Zircon's order (read checks
 * its out pointer before the handle). One threaded case: a waiter on POSITIVE.
 */
#include "kernel_fixture.h"

static kfix_t f;

static int64_t value_of(zx_handle_t c)
{
    int64_t v = 0;
    ASSERT_ST(zx_counter_read(c, &v), ZX_OK);
    return v;
}

Test(counter, create_starts_at_zero_non_positive)
{
    kfix_init(&f);
    zx_handle_t c;
    ASSERT_ST(zx_counter_create(1, &c), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    cr_assert_eq(value_of(c), 0);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_NON_POSITIVE);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(c, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.type, ZX_OBJ_TYPE_COUNTER);
    cr_assert_eq(info.rights, ZX_DEFAULT_COUNTER_RIGHTS, "rights %#x", info.rights);
    kfix_deinit(&f);
}

Test(counter, exactly_one_of_positive_and_non_positive)
{
    kfix_init(&f);
    zx_handle_t c;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    ASSERT_ST(zx_counter_add(c, 2), ZX_OK);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_POSITIVE);
    ASSERT_ST(zx_counter_add(c, -3), ZX_OK);
    cr_assert_eq(value_of(c), -1, "negative values are legal");
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_NON_POSITIVE);
    ASSERT_ST(zx_counter_add(c, 1), ZX_OK);
    cr_assert_eq(value_of(c), 0);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_NON_POSITIVE, "-1 + 1 stays NON_POSITIVE");
    ASSERT_ST(zx_counter_write(c, 9), ZX_OK);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_POSITIVE);
    ASSERT_ST(zx_counter_write(c, INT64_MIN), ZX_OK);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_NON_POSITIVE);
    kfix_deinit(&f);
}

Test(counter, overflow_and_underflow_leave_the_value_unchanged)
{
    kfix_init(&f);
    zx_handle_t c;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    ASSERT_ST(zx_counter_write(c, INT64_MAX - 1), ZX_OK);
    ASSERT_ST(zx_counter_add(c, 1), ZX_OK);
    ASSERT_ST(zx_counter_add(c, 1), ZX_ERR_OUT_OF_RANGE);
    cr_assert_eq(value_of(c), INT64_MAX);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_POSITIVE);
    ASSERT_ST(zx_counter_write(c, INT64_MIN + 1), ZX_OK);
    ASSERT_ST(zx_counter_add(c, -2), ZX_ERR_OUT_OF_RANGE);
    cr_assert_eq(value_of(c), INT64_MIN + 1);
    kfix_deinit(&f);
}

Test(counter, add_needs_read_and_write)
{
    kfix_init(&f);
    zx_handle_t c, w_only, r_only, e;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(c, ZX_RIGHT_WRITE, &w_only), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(c, ZX_RIGHT_READ, &r_only), ZX_OK);
    ASSERT_ST(zx_counter_add(0x1113, 1), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_counter_add(e, 1), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_counter_add(w_only, 1), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_counter_add(r_only, 1), ZX_ERR_ACCESS_DENIED);
    cr_assert_eq(value_of(c), 0);
    kfix_deinit(&f);
}

Test(counter, read_and_write_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t c, w_only, r_only, e;
    int64_t v;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(c, ZX_RIGHT_WRITE, &w_only), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(c, ZX_RIGHT_READ, &r_only), ZX_OK);
    ASSERT_ST(zx_counter_read(0x1113, NULL), ZX_ERR_INVALID_ARGS); /* before the handle */
    ASSERT_ST(zx_counter_read(0x1113, &v), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_counter_read(e, &v), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_counter_read(w_only, &v), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_counter_read(r_only, &v), ZX_OK);
    ASSERT_ST(zx_counter_write(0x1113, 1), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_counter_write(e, 1), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_counter_write(r_only, 1), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_counter_write(w_only, 1), ZX_OK);
    kfix_deinit(&f);
}

Test(counter, signaled_is_user_settable_and_independent_of_the_value)
{
    kfix_init(&f);
    zx_handle_t c;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    ASSERT_ST(zx_object_signal(c, 0, ZX_COUNTER_SIGNALED), ZX_OK);
    ASSERT_ST(zx_counter_add(c, 5), ZX_OK);
    cr_assert_eq(kfix_signals(c), ZX_COUNTER_SIGNALED | ZX_COUNTER_POSITIVE);
    ASSERT_ST(zx_object_signal(c, 0, ZX_COUNTER_POSITIVE), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_signal(c, ZX_COUNTER_NON_POSITIVE, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_signal_peer(c, 0, 0), ZX_ERR_ACCESS_DENIED);
    kfix_deinit(&f);
}

static zx_handle_t counter_p;
static zx_status_t got;
static zx_instant_mono_t got_at;

static void wait_positive(void *arg)
{
    (void)arg;
    got = zx_object_wait_one(counter_p, ZX_COUNTER_POSITIVE, ZX_TIME_INFINITE, NULL);
    got_at = zx_clock_get_monotonic();
    ASSERT_ST(zx_counter_add(counter_p, -1), ZX_OK);
}

static void bump_at_9(void *arg)
{
    (void)arg;
    kfix_sleep_until(9);
    ASSERT_ST(zx_counter_add(counter_p, -1), ZX_OK); /* -1: still not positive */
    ASSERT_ST(zx_counter_add(counter_p, 1), ZX_OK);  /* 0 */
    kfix_sleep_until(11);
    ASSERT_ST(zx_counter_add(counter_p, 1), ZX_OK);  /* 1: wakes the waiter */
}

Test(counter, a_waiter_on_positive_wakes_only_when_the_value_turns_positive)
{
    kfix_init(&f);
    zx_handle_t c;
    ASSERT_ST(zx_counter_create(0, &c), ZX_OK);
    counter_p = kfix_share(&f, c);
    kfix_thread(&f, "waiter", wait_positive, NULL);
    kfix_thread(&f, "bump", bump_at_9, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(got, ZX_OK);
    cr_assert_eq(got_at, 11);
    cr_assert_eq(value_of(c), 0);
    kfix_deinit(&f);
}
