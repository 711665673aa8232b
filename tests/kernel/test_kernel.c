/* test_kernel.c - The kernel instance: status strings, clocks, the cost table, trace kinds.
 *
 * Method: the spelling of every status code comes from one table (errors.fidl values), unknown
 * values print "(UNKNOWN)"; costs can be set by name with or without "zx_"; every trace kind
 * has a name; clock reads follow the engine; zx_deadline_after saturates.
 */
#include "kernel_fixture.h"

Test(kernel, status_strings_come_from_one_table)
{
    cr_assert_str_eq(zx_status_get_string(ZX_OK), "ZX_OK");
    cr_assert_str_eq(zx_status_get_string(ZX_ERR_TIMED_OUT), "ZX_ERR_TIMED_OUT");
    cr_assert_str_eq(zx_status_get_string(ZX_ERR_INTERNAL_INTR_KILLED),
                     "ZX_ERR_INTERNAL_INTR_KILLED");
    cr_assert_str_eq(zx_status_get_string(-5), "(UNKNOWN)");
    cr_assert_str_eq(zx_status_get_string(1), "(UNKNOWN)");
    cr_assert_eq(ZX_ERR_BAD_STATE, -20);
    cr_assert_eq(ZX_ERR_ACCESS_DENIED, -30);
    cr_assert_eq(ZX_ERR_CONNECTION_ABORTED, -76);
#define X(name, value)                                                                         \
    cr_assert_str_eq(zx_status_get_string(value), "ZX_" #name);
    ZX_STATUS_MAP(X)
#undef X
}

Test(kernel, costs_are_set_by_name)
{
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    cr_assert_gt(costs.syscall_ns[KERNEL_SYSCALL_object_wait_many], 0);
    ASSERT_ST(kernel_costs_set(&costs, "zx_port_wait", 1234), ZX_OK);
    cr_assert_eq(costs.syscall_ns[KERNEL_SYSCALL_port_wait], 1234);
    ASSERT_ST(kernel_costs_set(&costs, "port_wait", 99), ZX_OK);
    cr_assert_eq(costs.syscall_ns[KERNEL_SYSCALL_port_wait], 99);
    ASSERT_ST(kernel_costs_set(&costs, "kernel_await", 5), ZX_OK);
    ASSERT_ST(kernel_costs_set(&costs, "zx_no_such_call", 1), ZX_ERR_NOT_FOUND);
    ASSERT_ST(kernel_costs_set(&costs, "port_wait", -1), ZX_ERR_OUT_OF_RANGE);
    cr_assert_str_eq(kernel_syscall_name(KERNEL_SYSCALL_object_wait_one), "zx_object_wait_one");
    cr_assert_str_eq(kernel_syscall_name(KERNEL_SYSCALL_kernel_await), "kernel_await");
    cr_assert_null(kernel_syscall_name(KERNEL_SYSCALL_COUNT));
}

Test(kernel, every_trace_kind_has_a_name_and_a_free_range)
{
#define X(name, value, text)                                                                   \
    cr_assert_str_eq(kernel_trace_kind_name(value), text);                                     \
    cr_assert_geq(value, SIM_TRACE_KIND_USER);
    KERNEL_TRACE_KINDS(X)
#undef X
    cr_assert_null(kernel_trace_kind_name(SIM_EV_RUN_END));
}

static zx_instant_mono_t mono_at;
static zx_instant_boot_t boot_at;

static void clocks(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_BOOT, 10);
    sim_mono_pause(s);
    sim_sleep(s, SIM_CLOCK_BOOT, 30);
    mono_at = zx_clock_get_monotonic();
    boot_at = zx_clock_get_boot();
}

Test(kernel, clocks_follow_the_engine)
{
    kfix_t f;
    kfix_init(&f);
    cr_assert_eq(sim_thread_create(f.s, "clocks", clocks, NULL, NULL, NULL), 0);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(mono_at, 10, "monotonic stops while paused: %" PRId64, mono_at);
    cr_assert_eq(boot_at, 40, "boot always runs: %" PRId64, boot_at);
    cr_assert_eq(zx_deadline_after(ZX_TIME_INFINITE), ZX_TIME_INFINITE);
    cr_assert_eq(zx_deadline_after(5), 15);
    kfix_deinit(&f);
}

Test(kernel, create_and_destroy_set_the_current_kernel)
{
    sim_t *s;
    cr_assert_eq(sim_create(NULL, &s), 0);
    kernel_t *k;
    ASSERT_ST(kernel_create(s, NULL, &k), ZX_OK);
    cr_assert_eq(kernel_current(), k);
    cr_assert_eq(kernel_sim(k), s);
    cr_assert_eq(kernel_costs(k)->syscall_ns[KERNEL_SYSCALL_handle_close], 300);
    kernel_destroy(k);
    cr_assert_null(kernel_current());
    sim_destroy(s);
}

/* Several runs in one process, each ending with a thread still parked in a wait (its frames,
 * with address-taken wait records, never return). Under AddressSanitizer the next run maps the
 * same stack addresses: the engine must clear the stale shadow, or ASan reports a false
 * stack error in the next run. Without ASan the test still checks that runs are independent. */
static void wait_forever(void *arg)
{
    (void)arg;
    zx_handle_t ev;
    cr_assert_eq(zx_event_create(0, &ev), ZX_OK);
    zx_signals_t observed;
    zx_object_wait_one(ev, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &observed);
}

static void make_objects(void *arg)
{
    (void)arg;
    zx_handle_t a, b;
    cr_assert_eq(zx_event_create(0, &a), ZX_OK);
    cr_assert_eq(zx_eventpair_create(0, &a, &b), ZX_OK);
}

Test(kernel, runs_in_one_process_leave_no_stale_stack_state)
{
    for (int run = 0; run < 4; run++) {
        sim_t *s;
        kernel_t *k;
        cr_assert_eq(sim_create(&(sim_config_t){.seed = 1}, &s), 0);
        cr_assert_eq(kernel_create(s, NULL, &k), ZX_OK);
        zx_handle_t p, t;
        cr_assert_eq(kernel_process_create(kernel_root_job(k), "p", &p), ZX_OK);
        kernel_thread_opts_t daemon = {.daemon = true};
        cr_assert_eq(kernel_thread_create(p, "parked", wait_forever, NULL, &daemon, &t), ZX_OK);
        cr_assert_eq(kernel_thread_create(p, "worker", make_objects, NULL, NULL, &t), ZX_OK);
        cr_assert_eq(sim_run(s), SIM_END_COMPLETE, "run %d", run);
        kernel_destroy(k);
        sim_destroy(s);
    }
}
