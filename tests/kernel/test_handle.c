/* test_handle.c - Handles: values, close, close_many, duplicate, replace, koids, HANDLE_BASIC,
 * properties, and the zero-handles step.
 *
 * Method: contracts of handle.fidl / object.fidl (reference 1.9, 1.11), checked from setup code
 * (the bootstrap process, no simulated time needed): for each call the success path, then each
 * documented error in Zircon's order of checks, including the cases where two errors apply at
 * once and the first one must win. A few white-box cases build handles with unusual rights
 * through kernel_int.h to reach errors the default rights hide.
 */
#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

Test(handle, values_have_the_fixed_bits_and_are_deterministic)
{
    zx_handle_t first[8], second[8];
    for (int run = 0; run < 2; run++) {
        kfix_t f;
        kfix_init(&f);
        zx_handle_t *v = run ? second : first;
        for (int i = 0; i < 8; i++) {
            ASSERT_ST(zx_event_create(0, &v[i]), ZX_OK);
            cr_assert_eq(v[i] & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK,
                         "value %#x lacks the fixed bits", v[i]);
            cr_assert_neq(v[i], ZX_HANDLE_INVALID);
            if (i == 3)
                ASSERT_ST(zx_handle_close(v[1]), ZX_OK);
        }
        kfix_deinit(&f);
    }
    for (int i = 0; i < 8; i++)
        cr_assert_eq(first[i], second[i], "run 1 %#x vs run 2 %#x at %d", first[i], second[i], i);
}

Test(handle, a_closed_value_is_not_reused_for_the_next_handle)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t a, b;
    ASSERT_ST(zx_event_create(0, &a), ZX_OK);
    ASSERT_ST(zx_handle_close(a), ZX_OK);
    ASSERT_ST(zx_event_create(0, &b), ZX_OK);
    cr_assert_neq(a, b, "stale value %#x names the new handle", a);
    ASSERT_ST(zx_object_signal(a, 0, ZX_USER_SIGNAL_0), ZX_ERR_BAD_HANDLE);
    kfix_deinit(&f);
}

Test(handle, close_invalid_is_ok_and_close_twice_is_bad_handle)
{
    kfix_t f;
    kfix_init(&f);
    ASSERT_ST(zx_handle_close(ZX_HANDLE_INVALID), ZX_OK);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_close(e), ZX_OK);
    ASSERT_ST(zx_handle_close(e), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_close(0x12345673), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_close(0x100), ZX_ERR_BAD_HANDLE); /* fixed bits clear */
    kfix_deinit(&f);
}

Test(handle, close_many_closes_every_valid_handle_and_reports_bad_ones)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t a, b;
    ASSERT_ST(zx_event_create(0, &a), ZX_OK);
    ASSERT_ST(zx_event_create(0, &b), ZX_OK);
    zx_handle_t list[] = {a, ZX_HANDLE_INVALID, 0x7777773, b};
    ASSERT_ST(zx_handle_close_many(list, 4), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_close(a), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_close(b), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_close_many(NULL, 0), ZX_OK);
    zx_handle_t c;
    ASSERT_ST(zx_event_create(0, &c), ZX_OK);
    zx_handle_t ok[] = {ZX_HANDLE_INVALID, c};
    ASSERT_ST(zx_handle_close_many(ok, 2), ZX_OK);
    kfix_deinit(&f);
}

Test(handle, duplicate_shares_the_koid_with_the_requested_rights)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, d, same;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE, &d), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS, &same), ZX_OK);
    zx_info_handle_basic_t ie, id, is;
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_HANDLE_BASIC, &ie, sizeof(ie), NULL, NULL), ZX_OK);
    ASSERT_ST(zx_object_get_info(d, ZX_INFO_HANDLE_BASIC, &id, sizeof(id), NULL, NULL), ZX_OK);
    ASSERT_ST(zx_object_get_info(same, ZX_INFO_HANDLE_BASIC, &is, sizeof(is), NULL, NULL),
              ZX_OK);
    cr_assert_eq(id.koid, ie.koid, "dup koid %" PRIu64 " vs %" PRIu64, id.koid, ie.koid);
    cr_assert_eq(id.rights, ZX_RIGHT_WAIT | ZX_RIGHT_DUPLICATE, "rights %#x", id.rights);
    cr_assert_eq(is.rights, ZX_DEFAULT_EVENT_RIGHTS, "SAME_RIGHTS gave %#x", is.rights);
    kfix_deinit(&f);
}

Test(handle, duplicate_errors_in_order)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, no_dup, out;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(0x4443, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL, &no_dup), ZX_OK);
    /* No DUPLICATE right: ACCESS_DENIED, even with rights that would also be INVALID_ARGS. */
    ASSERT_ST(zx_handle_duplicate(no_dup, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_handle_duplicate(no_dup, ZX_RIGHT_READ, &out), ZX_ERR_ACCESS_DENIED);
    /* Rights not a subset. */
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_READ, &out), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

Test(handle, replace_invalidates_the_source_even_on_invalid_args)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, r, out;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_replace(e, ZX_RIGHT_WAIT, &r), ZX_OK);
    ASSERT_ST(zx_handle_close(e), ZX_ERR_BAD_HANDLE);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(r, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.rights, ZX_RIGHT_WAIT, "rights %#x", info.rights);
    /* Replace needs no right; asking for more than the handle has consumes it anyway. */
    ASSERT_ST(zx_handle_replace(r, ZX_RIGHT_SIGNAL, &out), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_handle_close(r), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_replace(r, ZX_RIGHT_SAME_RIGHTS, &out), ZX_ERR_BAD_HANDLE);
    kfix_deinit(&f);
}

Test(handle, koids_count_up_from_koid_first)
{
    kfix_t f;
    kfix_init(&f);
    zx_info_handle_basic_t job;
    ASSERT_ST(zx_object_get_info(f.job, ZX_INFO_HANDLE_BASIC, &job, sizeof(job), NULL, NULL),
              ZX_OK);
    cr_assert_eq(job.koid, ZX_KOID_FIRST, "root job koid %" PRIu64, job.koid);
    cr_assert_eq(job.type, ZX_OBJ_TYPE_JOB);
    cr_assert_eq(job.related_koid, ZX_KOID_INVALID, "the root job has no parent");
    zx_handle_t a, b;
    ASSERT_ST(zx_event_create(0, &a), ZX_OK);
    ASSERT_ST(zx_counter_create(0, &b), ZX_OK);
    zx_koid_t ka = kfix_koid(a), kb = kfix_koid(b);
    cr_assert_gt(ka, job.koid);
    cr_assert_eq(kb, ka + 1, "koids %" PRIu64 " then %" PRIu64, ka, kb);
    kfix_deinit(&f);
}

Test(handle, handle_basic_reports_type_rights_and_related_koid)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t p0, p1;
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    zx_info_handle_basic_t i0, i1;
    size_t actual = 9, avail = 9;
    ASSERT_ST(zx_object_get_info(p0, ZX_INFO_HANDLE_BASIC, &i0, sizeof(i0), &actual, &avail),
              ZX_OK);
    cr_assert_eq(actual, 1);
    cr_assert_eq(avail, 1);
    ASSERT_ST(zx_object_get_info(p1, ZX_INFO_HANDLE_BASIC, &i1, sizeof(i1), NULL, NULL), ZX_OK);
    cr_assert_eq(i0.type, ZX_OBJ_TYPE_EVENTPAIR);
    cr_assert_eq(i0.rights, ZX_DEFAULT_EVENTPAIR_RIGHTS, "rights %#x", i0.rights);
    cr_assert_eq(i0.related_koid, i1.koid, "related %" PRIu64 " vs peer %" PRIu64,
                 i0.related_koid, i1.koid);
    cr_assert_eq(i1.related_koid, i0.koid);
    /* The relation survives the peer. */
    ASSERT_ST(zx_handle_close(p1), ZX_OK);
    ASSERT_ST(zx_object_get_info(p0, ZX_INFO_HANDLE_BASIC, &i0, sizeof(i0), NULL, NULL), ZX_OK);
    cr_assert_eq(i0.related_koid, i1.koid);
    kfix_deinit(&f);
}

Test(handle, get_info_errors_in_order)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, no_rights;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    zx_info_handle_basic_t info;
    size_t actual = 7, avail = 7;
    /* Single-record topic, buffer too small: actual 0, avail 1. */
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_HANDLE_BASIC, &info, sizeof(info) - 1, &actual,
                                 &avail),
              ZX_ERR_BUFFER_TOO_SMALL);
    cr_assert_eq(actual, 0);
    cr_assert_eq(avail, 1);
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL), ZX_OK);
    ASSERT_ST(zx_object_get_info(0x9993, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL),
              ZX_ERR_BAD_HANDLE);
    /* An unknown topic is NOT_SUPPORTED before the handle is even looked at. */
    ASSERT_ST(zx_object_get_info(0x9993, 0x7777, NULL, 0, NULL, NULL), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_object_get_info(0x9993, ZX_INFO_PROCESS_THREADS, NULL, 0, NULL, NULL),
              ZX_ERR_BAD_HANDLE);
    /* WRONG_TYPE before ACCESS_DENIED: the event has no ENUMERATE either. */
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_PROCESS_THREADS, NULL, 0, NULL, NULL),
              ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_duplicate(f.proc, ZX_RIGHT_INSPECT, &no_rights), ZX_OK);
    ASSERT_ST(zx_object_get_info(no_rights, ZX_INFO_PROCESS_THREADS, NULL, 0, NULL, NULL),
              ZX_ERR_ACCESS_DENIED);
    kfix_deinit(&f);
}

Test(handle, name_property_round_trip_and_errors)
{
    kfix_t f;
    kfix_init(&f);
    char name[ZX_MAX_NAME_LEN];
    ASSERT_ST(zx_object_get_property(f.proc, ZX_PROP_NAME, name, sizeof(name)), ZX_OK);
    cr_assert_str_eq(name, "test");
    const char *longer = "a-name-that-is-much-longer-than-thirty-one-bytes";
    ASSERT_ST(zx_object_set_property(f.proc, ZX_PROP_NAME, longer, strlen(longer)), ZX_OK);
    ASSERT_ST(zx_object_get_property(f.proc, ZX_PROP_NAME, name, sizeof(name)), ZX_OK);
    cr_assert_eq(strlen(name), ZX_MAX_NAME_LEN - 1, "truncated to 31, got %zu", strlen(name));
    cr_assert_eq(strncmp(name, longer, ZX_MAX_NAME_LEN - 1), 0);
    /* Errors: NULL value first, then the handle, then the property, then the size. */
    ASSERT_ST(zx_object_get_property(0x5553, ZX_PROP_NAME, NULL, 32), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_get_property(0x5553, ZX_PROP_NAME, name, 32), ZX_ERR_BAD_HANDLE);
    zx_handle_t e;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_object_get_property(e, ZX_PROP_NAME, name, 32), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_object_set_property(e, ZX_PROP_NAME, "x", 1), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_object_get_property(f.proc, 0x7777, name, 32), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_get_property(f.proc, ZX_PROP_NAME, name, 31), ZX_ERR_BUFFER_TOO_SMALL);
    ASSERT_ST(zx_object_set_property(f.proc, ZX_PROP_NAME, NULL, 3), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_object_set_property(f.proc, 0x7777, "x", 1), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

Test(handle, name_property_on_a_type_without_a_name_is_wrong_type)
{
    kfix_t f;
    kfix_init(&f);
    /* No default rights give an unnamed type GET/SET_PROPERTY; mint such a handle. */
    zx_handle_t e, odd;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    kctx_t c;
    kctx_current(&c);
    khandle_t *h = handle_table_lookup(c.proc, e);
    cr_assert_not_null(h);
    ASSERT_ST(kobj_handle_install(&c, h->obj, ZX_RIGHTS_PROPERTY, &odd), ZX_OK);
    char name[ZX_MAX_NAME_LEN];
    ASSERT_ST(zx_object_get_property(odd, ZX_PROP_NAME, name, sizeof(name)), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_object_set_property(odd, ZX_PROP_NAME, "x", 1), ZX_ERR_WRONG_TYPE);
    kfix_deinit(&f);
}

Test(handle, handle_count_follows_duplicates_and_closes)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, d;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS, &d), ZX_OK);
    zx_info_handle_count_t count;
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_HANDLE_COUNT, &count, sizeof(count), NULL, NULL),
              ZX_OK);
    cr_assert_eq(count.handle_count, 2);
    ASSERT_ST(zx_handle_close(d), ZX_OK);
    ASSERT_ST(zx_object_get_info(e, ZX_INFO_HANDLE_COUNT, &count, sizeof(count), NULL, NULL),
              ZX_OK);
    cr_assert_eq(count.handle_count, 1);
    kfix_deinit(&f);
}

Test(handle, closing_the_last_handle_runs_the_zero_handles_step_once)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, d;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    zx_koid_t koid = kfix_koid(e);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_SAME_RIGHTS, &d), ZX_OK);
    ASSERT_ST(zx_handle_close(e), ZX_OK);
    size_t zero = 0;
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        zero += ev->kind == KERNEL_EV_ZERO_HANDLES && ev->object == koid;
    }
    cr_assert_eq(zero, 0, "a handle is still open");
    ASSERT_ST(zx_handle_close(d), ZX_OK);
    size_t destroyed = 0;
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        zero += ev->kind == KERNEL_EV_ZERO_HANDLES && ev->object == koid;
        destroyed += ev->kind == SIM_EV_OBJECT_DESTROY && ev->object == koid;
    }
    cr_assert_eq(zero, 1, "zero-handles ran %zu times", zero);
    cr_assert_eq(destroyed, 1, "the event was freed %zu times", destroyed);
    kfix_deinit(&f);
}

Test(handle, transfer_moves_a_handle_between_processes)
{
    kfix_t f;
    kfix_init(&f);
    zx_handle_t e, moved, out, no_transfer;
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    zx_koid_t koid = kfix_koid(e);
    ASSERT_ST(kernel_handle_transfer(e, f.proc, &moved), ZX_OK);
    ASSERT_ST(zx_handle_close(e), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_event_create(0, &e), ZX_OK);
    ASSERT_ST(kernel_handle_transfer(e, 0x3333, &out), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(kernel_handle_transfer(e, e, &out), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(kernel_handle_transfer(0x3333, f.proc, &out), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_duplicate(e, ZX_RIGHT_WAIT, &no_transfer), ZX_OK);
    ASSERT_ST(kernel_handle_transfer(no_transfer, f.proc, &out), ZX_ERR_ACCESS_DENIED);
    cr_assert_neq(koid, 0);
    kfix_deinit(&f);
}
