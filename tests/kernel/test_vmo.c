/* test_vmo.c - VMOs: sizes and options, real bytes with lazy commit, get/set size, REFERENCE
 * and SLICE children, ZX_VMO_ZERO_CHILDREN (and the sysmem2 Heap cleanup fence built on it),
 * ZX_INFO_VMO, ZX_PROP_NAME and zx_vmo_op_range on anonymous VMOs.
 *
 * Method: the contracts of vmo.fidl (reference 2.1, 2.2, 2.7) and of seed 002 (sysmem2 Heap:
 * "create vmo as a SLICE or REFERENCE child of a parent retained by the server, wait on
 * ZX_VMO_ZERO_CHILDREN to trigger cleanup"), checked from setup code with polls, and with
 * simulated threads where time matters (the cleanup packet arrives exactly when the last child
 * closes). Each documented error is provoked in Zircon's order of checks (vmo.cc,
 * vm_object_dispatcher.cc), one precondition broken at a time. Pager-backed VMOs are in
 * test_pager.c.
 */
#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

#define PAGE ((uint64_t)ZX_PAGE_SIZE)

static kfix_t f;

/* cr_assert_eq that prints both sides (as integers). */
#define ASSERT_EQ(got, want)                                                                   \
    cr_assert_eq((uint64_t)(got), (uint64_t)(want), "%s: got %" PRIu64 " (%#" PRIx64           \
                 "), want %" PRIu64, #got, (uint64_t)(got), (uint64_t)(got), (uint64_t)(want))

static zx_handle_t vmo_new(uint64_t size, uint32_t options)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    ASSERT_ST(zx_vmo_create(size, options, &h), ZX_OK);
    return h;
}

static zx_handle_t child_new(zx_handle_t parent, uint32_t options, uint64_t offset, uint64_t size)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    ASSERT_ST(zx_vmo_create_child(parent, options, offset, size, &h), ZX_OK);
    return h;
}

static zx_handle_t dup(zx_handle_t h, zx_rights_t rights)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    ASSERT_ST(zx_handle_duplicate(h, rights, &out), ZX_OK);
    return out;
}

static zx_info_vmo_t vmo_info(zx_handle_t h)
{
    zx_info_vmo_t info;
    memset(&info, 0xa5, sizeof(info));
    size_t actual = 0, avail = 0;
    ASSERT_ST(zx_object_get_info(h, ZX_INFO_VMO, &info, sizeof(info), &actual, &avail), ZX_OK);
    cr_assert_eq(actual, 1, "actual %zu", actual);
    cr_assert_eq(avail, 1, "avail %zu", avail);
    return info;
}

static uint64_t size_of(zx_handle_t h)
{
    uint64_t size = 0;
    ASSERT_ST(zx_vmo_get_size(h, &size), ZX_OK);
    return size;
}

static zx_rights_t rights_of(zx_handle_t h)
{
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    return info.rights;
}

/* Fills `buf` with a pattern that differs per byte and per `seed`. */
static void pattern(uint8_t *buf, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(seed + i * 7 + i / 4096);
}

static void assert_zeros(const uint8_t *buf, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(buf[i], 0, "%s: byte %zu is %#x, want 0", what, i, buf[i]);
}

static void assert_bytes(zx_handle_t h, uint64_t offset, const uint8_t *want, size_t n)
{
    uint8_t *got = malloc(n);
    ASSERT_ST(zx_vmo_read(h, got, offset, n), ZX_OK);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], want[i], "offset %" PRIu64 ": got %#x, want %#x", offset + i, got[i],
                     want[i]);
    free(got);
}

/* ---- Creation -------------------------------------------------------------------------------- */

Test(vmo, create_rounds_the_size_up_to_pages)
{
    kfix_init(&f);
    ASSERT_EQ(zx_system_get_page_size(), 4096u);
    const uint64_t sizes[][2] = {{0, 0}, {1, PAGE}, {PAGE, PAGE}, {PAGE + 1, 2 * PAGE}};
    for (size_t i = 0; i < 4; i++) {
        zx_handle_t h = vmo_new(sizes[i][0], 0);
        cr_assert_eq(size_of(h), sizes[i][1], "size %" PRIu64 ": got %" PRIu64 ", want %" PRIu64,
                     sizes[i][0], size_of(h), sizes[i][1]);
    }
    zx_handle_t unbounded = vmo_new(5, ZX_VMO_UNBOUNDED);
    cr_assert_eq(size_of(unbounded), KVMO_SIZE_MAX, "UNBOUNDED: %#" PRIx64, size_of(unbounded));
    kfix_deinit(&f);
}

Test(vmo, create_rights_and_zero_children_signal)
{
    kfix_init(&f);
    zx_handle_t fixed = vmo_new(PAGE, 0), resizable = vmo_new(PAGE, ZX_VMO_RESIZABLE);
    cr_assert_eq(rights_of(fixed), ZX_DEFAULT_VMO_RIGHTS, "rights %#x", rights_of(fixed));
    cr_assert_eq(rights_of(resizable), ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE, "rights %#x",
                 rights_of(resizable));
    cr_assert_eq(kfix_signals(fixed), ZX_VMO_ZERO_CHILDREN, "signals %#x", kfix_signals(fixed));
    kfix_deinit(&f);
}

Test(vmo, create_errors)
{
    kfix_init(&f);
    zx_handle_t h;
    ASSERT_ST(zx_vmo_create(PAGE, 0, NULL), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create(PAGE, ZX_VMO_TRAP_DIRTY, &h), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create(PAGE, 1u << 5, &h), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create(PAGE, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED, &h), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create(UINT64_MAX, 0, &h), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_create(KVMO_SIZE_MAX + 1, 0, &h), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_create(KVMO_SIZE_MAX, 0, &h), ZX_OK);
    kvmo_test_set_alloc_limit(0);
    ASSERT_ST(zx_vmo_create(PAGE, 0, &h), ZX_ERR_NO_MEMORY);
    kvmo_test_set_alloc_limit(-1);
    kfix_deinit(&f);
}

/* ---- Bytes ----------------------------------------------------------------------------------- */

Test(vmo, write_then_read_real_bytes_across_pages_committing_only_touched_pages)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(8 * PAGE, 0);
    ASSERT_EQ(vmo_info(h).committed_bytes, 0);
    uint8_t data[2 * 4096 + 100];
    pattern(data, sizeof(data), 3);
    ASSERT_ST(zx_vmo_write(h, data, PAGE + 50, sizeof(data)), ZX_OK); /* pages 1, 2, 3 */
    assert_bytes(h, PAGE + 50, data, sizeof(data));
    cr_assert_eq(vmo_info(h).committed_bytes, 3 * PAGE, "committed %" PRIu64,
                 vmo_info(h).committed_bytes);
    uint8_t buf[4096];
    ASSERT_ST(zx_vmo_read(h, buf, 5 * PAGE, sizeof(buf)), ZX_OK);
    assert_zeros(buf, sizeof(buf), "an untouched page");
    ASSERT_ST(zx_vmo_read(h, buf, PAGE, 50), ZX_OK);
    assert_zeros(buf, 50, "the start of a touched page");
    cr_assert_eq(vmo_info(h).committed_bytes, 3 * PAGE, "reads commit nothing");
    kfix_deinit(&f);
}

Test(vmo, read_write_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(2 * PAGE, 0), ev;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    zx_handle_t ro = dup(h, ZX_RIGHT_READ), wo = dup(h, ZX_RIGHT_WRITE);
    uint8_t buf[16] = {1};
    ASSERT_ST(zx_vmo_read(0x5553, buf, 0, 1), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_vmo_read(ev, buf, 0, 1), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_vmo_read(wo, buf, 0, 1), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_write(ro, buf, 0, 1), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_read(h, buf, 2 * PAGE - 8, 16), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_write(h, buf, 2 * PAGE + 1, 0), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_read(h, buf, UINT64_MAX, 2), ZX_ERR_OUT_OF_RANGE); /* offset + len wraps */
    ASSERT_ST(zx_vmo_read(h, NULL, 0, 16), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_write(h, NULL, 0, 16), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_read(h, NULL, 2 * PAGE, 0), ZX_OK); /* empty, at the very end */
    ASSERT_ST(zx_vmo_write(h, buf, 2 * PAGE - 16, 16), ZX_OK);
    kfix_deinit(&f);
}

/* ---- Size ------------------------------------------------------------------------------------ */

Test(vmo, get_size_needs_no_right)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(3 * PAGE, 0), ev;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_EQ(size_of(dup(h, ZX_RIGHT_NONE)), 3 * PAGE);
    uint64_t size;
    ASSERT_ST(zx_vmo_get_size(0x5553, &size), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_vmo_get_size(ev, &size), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_vmo_get_size(h, NULL), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

Test(vmo, set_size_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t fixed = vmo_new(PAGE, 0), h = vmo_new(PAGE, ZX_VMO_RESIZABLE), ev;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_vmo_set_size(0x5553, PAGE), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_vmo_set_size(ev, PAGE), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_vmo_set_size(dup(h, ZX_RIGHT_RESIZE), PAGE), ZX_ERR_ACCESS_DENIED); /* WRITE */
    ASSERT_ST(zx_vmo_set_size(dup(h, ZX_RIGHT_WRITE), PAGE), ZX_ERR_ACCESS_DENIED); /* RESIZE */
    ASSERT_ST(zx_vmo_set_size(fixed, 2 * PAGE), ZX_ERR_UNAVAILABLE);
    ASSERT_ST(zx_vmo_set_size(h, UINT64_MAX), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_set_size(h, 3 * PAGE - 1), ZX_OK);
    cr_assert_eq(size_of(h), 3 * PAGE, "rounded up: %" PRIu64, size_of(h));
    kfix_deinit(&f);
}

Test(vmo, shrinking_drops_pages_and_zeroes_the_tail_of_the_last_one)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(3 * PAGE, ZX_VMO_RESIZABLE);
    uint8_t data[3 * 4096];
    pattern(data, sizeof(data), 9);
    ASSERT_ST(zx_vmo_write(h, data, 0, sizeof(data)), ZX_OK);
    ASSERT_ST(zx_vmo_set_size(h, PAGE + 100), ZX_OK);
    ASSERT_EQ(size_of(h), 2 * PAGE);
    cr_assert_eq(vmo_info(h).committed_bytes, 2 * PAGE, "page 2 is freed");
    ASSERT_ST(zx_vmo_set_size(h, 3 * PAGE), ZX_OK);
    assert_bytes(h, 0, data, PAGE + 100);
    uint8_t buf[2 * 4096];
    ASSERT_ST(zx_vmo_read(h, buf, PAGE + 100, sizeof(buf) - 100), ZX_OK);
    assert_zeros(buf, sizeof(buf) - 100, "past the old size");
    kfix_deinit(&f);
}

/* ---- Children -------------------------------------------------------------------------------- */

Test(vmo, a_reference_acts_on_its_parent_and_follows_its_size)
{
    kfix_init(&f);
    zx_handle_t parent = vmo_new(2 * PAGE, ZX_VMO_RESIZABLE);
    zx_handle_t ref = child_new(parent, ZX_VMO_CHILD_REFERENCE, 0, 0);
    uint8_t a[64], b[64];
    pattern(a, sizeof(a), 1);
    pattern(b, sizeof(b), 2);
    ASSERT_ST(zx_vmo_write(ref, a, 100, sizeof(a)), ZX_OK);
    assert_bytes(parent, 100, a, sizeof(a));
    ASSERT_ST(zx_vmo_write(parent, b, PAGE, sizeof(b)), ZX_OK);
    assert_bytes(ref, PAGE, b, sizeof(b));
    ASSERT_ST(zx_vmo_set_size(parent, 5 * PAGE), ZX_OK);
    cr_assert_eq(size_of(ref), 5 * PAGE, "the reference shows the parent's size");
    /* Not resizable itself: UNAVAILABLE (and without the RESIZE right). */
    cr_assert_not(rights_of(ref) & ZX_RIGHT_RESIZE);
    ASSERT_ST(zx_vmo_set_size(ref, PAGE), ZX_ERR_UNAVAILABLE);
    zx_handle_t rref = child_new(parent, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0);
    cr_assert(rights_of(rref) & ZX_RIGHT_RESIZE);
    ASSERT_ST(zx_vmo_set_size(rref, PAGE), ZX_OK);
    cr_assert_eq(size_of(parent), PAGE, "a resizable reference resizes its parent");
    zx_info_vmo_t info = vmo_info(ref);
    cr_assert_eq(info.parent_koid, kfix_koid(parent), "parent_koid %" PRIu64, info.parent_koid);
    ASSERT_EQ(info.size_bytes, PAGE);
    cr_assert_eq(info.committed_bytes, 0, "memory is attributed to the parent");
    ASSERT_EQ(vmo_info(parent).num_children, 2);
    kfix_deinit(&f);
}

Test(vmo, reference_errors)
{
    kfix_init(&f);
    zx_handle_t fixed = vmo_new(2 * PAGE, 0), resizable = vmo_new(PAGE, ZX_VMO_RESIZABLE), c;
    ASSERT_ST(zx_vmo_create_child(fixed, ZX_VMO_CHILD_REFERENCE, PAGE, 0, &c),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create_child(fixed, ZX_VMO_CHILD_REFERENCE, 0, PAGE, &c),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create_child(fixed, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0,
                                  &c),
              ZX_ERR_NOT_SUPPORTED);
    zx_handle_t no_resize = dup(resizable, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ);
    ASSERT_ST(zx_vmo_create_child(no_resize, ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0,
                                  0, &c),
              ZX_ERR_ACCESS_DENIED);
    zx_handle_t slice = child_new(fixed, ZX_VMO_CHILD_SLICE, 0, PAGE);
    ASSERT_ST(zx_vmo_create_child(slice, ZX_VMO_CHILD_REFERENCE, 0, 0, &c), ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

Test(vmo, a_slice_is_a_window_on_its_parent)
{
    kfix_init(&f);
    zx_handle_t parent = vmo_new(4 * PAGE, 0);
    zx_handle_t slice = child_new(parent, ZX_VMO_CHILD_SLICE, PAGE, 2 * PAGE - 10);
    cr_assert_eq(size_of(slice), 2 * PAGE, "rounded up");
    uint8_t a[300], b[300];
    pattern(a, sizeof(a), 5);
    pattern(b, sizeof(b), 6);
    ASSERT_ST(zx_vmo_write(slice, a, PAGE - 100, sizeof(a)), ZX_OK);
    assert_bytes(parent, 2 * PAGE - 100, a, sizeof(a));
    ASSERT_ST(zx_vmo_write(parent, b, PAGE, sizeof(b)), ZX_OK);
    assert_bytes(slice, 0, b, sizeof(b));
    uint8_t buf[8];
    ASSERT_ST(zx_vmo_read(slice, buf, 2 * PAGE - 4, 8), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_set_size(slice, PAGE), ZX_ERR_UNAVAILABLE);
    zx_handle_t inner = child_new(slice, ZX_VMO_CHILD_SLICE, PAGE, PAGE); /* parent's page 2 */
    assert_bytes(inner, 0, a + 100, 200);
    zx_info_vmo_t info = vmo_info(slice);
    ASSERT_EQ(info.parent_koid, kfix_koid(parent));
    ASSERT_EQ(info.num_children, 1);
    kfix_deinit(&f);
}

Test(vmo, slice_errors)
{
    kfix_init(&f);
    zx_handle_t parent = vmo_new(4 * PAGE, 0), resizable = vmo_new(PAGE, ZX_VMO_RESIZABLE), c;
    ASSERT_ST(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 100, PAGE, &c), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 3 * PAGE, 2 * PAGE, &c),
              ZX_ERR_INVALID_ARGS); /* leaves the parent */
    ASSERT_ST(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, UINT64_MAX - PAGE + 1, 2 * PAGE,
                                  &c),
              ZX_ERR_OUT_OF_RANGE); /* offset + size wraps */
    ASSERT_ST(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_RESIZABLE, 0, PAGE,
                                  &c),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create_child(resizable, ZX_VMO_CHILD_SLICE, 0, PAGE, &c),
              ZX_ERR_NOT_SUPPORTED);
    zx_handle_t ref = child_new(resizable, ZX_VMO_CHILD_REFERENCE, 0, 0);
    ASSERT_ST(zx_vmo_create_child(ref, ZX_VMO_CHILD_SLICE, 0, PAGE, &c), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 4 * PAGE, 0, &c), ZX_OK);
    kfix_deinit(&f);
}

Test(vmo, create_child_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(PAGE, 0), ev, c;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_vmo_create_child(h, ZX_VMO_CHILD_SLICE, 0, PAGE, NULL), ZX_ERR_INVALID_ARGS);
    /* The size is rounded before the handle is looked up. */
    ASSERT_ST(zx_vmo_create_child(0x5553, ZX_VMO_CHILD_SLICE, 0, UINT64_MAX, &c),
              ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_create_child(0x5553, ZX_VMO_CHILD_NO_WRITE | ZX_VMO_CHILD_RESIZABLE, 0, 0,
                                  &c),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create_child(0x5553, ZX_VMO_CHILD_SLICE, 0, PAGE, &c), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_vmo_create_child(ev, ZX_VMO_CHILD_SLICE, 0, PAGE, &c), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_vmo_create_child(dup(h, ZX_RIGHT_READ), ZX_VMO_CHILD_SLICE, 0, PAGE, &c),
              ZX_ERR_ACCESS_DENIED); /* no DUPLICATE */
    ASSERT_ST(zx_vmo_create_child(dup(h, ZX_RIGHT_DUPLICATE), ZX_VMO_CHILD_SLICE, 0, PAGE, &c),
              ZX_ERR_ACCESS_DENIED); /* no READ */
    ASSERT_ST(zx_vmo_create_child(h, 0, 0, PAGE, &c), ZX_ERR_INVALID_ARGS); /* no type */
    ASSERT_ST(zx_vmo_create_child(h, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_REFERENCE, 0, 0, &c),
              ZX_ERR_INVALID_ARGS); /* two types */
    ASSERT_ST(zx_vmo_create_child(h, ZX_VMO_CHILD_SNAPSHOT | ZX_VMO_CHILD_SNAPSHOT_MODIFIED, 0,
                                  PAGE, &c),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_create_child(h, ZX_VMO_CHILD_SNAPSHOT, 0, PAGE, &c), ZX_ERR_NOT_SUPPORTED);
    zx_handle_t discardable = vmo_new(PAGE, ZX_VMO_DISCARDABLE);
    ASSERT_ST(zx_vmo_create_child(discardable, ZX_VMO_CHILD_REFERENCE, 0, 0, &c),
              ZX_ERR_NOT_SUPPORTED);
    kvmo_test_set_alloc_limit(0);
    ASSERT_ST(zx_vmo_create_child(h, ZX_VMO_CHILD_REFERENCE, 0, 0, &c), ZX_ERR_NO_MEMORY);
    kvmo_test_set_alloc_limit(-1);
    cr_assert_eq(kfix_signals(h), ZX_VMO_ZERO_CHILDREN, "failed calls made no child");
    kfix_deinit(&f);
}

Test(vmo, child_rights_and_name)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(PAGE, 0);
    ASSERT_ST(zx_object_set_property(h, ZX_PROP_NAME, "heap-buffer", 11), ZX_OK);
    zx_handle_t c = child_new(h, ZX_VMO_CHILD_SLICE | ZX_VMO_CHILD_NO_WRITE, 0, PAGE);
    cr_assert_eq(rights_of(c), ZX_DEFAULT_VMO_RIGHTS & ~ZX_RIGHT_WRITE, "rights %#x",
                 rights_of(c));
    uint8_t b = 1;
    ASSERT_ST(zx_vmo_write(c, &b, 0, 1), ZX_ERR_ACCESS_DENIED);
    char name[ZX_MAX_NAME_LEN];
    ASSERT_ST(zx_object_get_property(c, ZX_PROP_NAME, name, sizeof(name)), ZX_OK);
    cr_assert_str_eq(name, "heap-buffer", "the child has its parent's name: %s", name);
    /* A parent handle without GET_PROPERTY gives an unnamed child, which can still be named. */
    zx_handle_t limited = dup(h, ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ);
    zx_handle_t c2 = child_new(limited, ZX_VMO_CHILD_REFERENCE, 0, 0);
    ASSERT_EQ(rights_of(c2), ZX_RIGHT_DUPLICATE | ZX_RIGHT_READ | ZX_RIGHTS_PROPERTY);
    ASSERT_ST(zx_object_get_property(c2, ZX_PROP_NAME, name, sizeof(name)), ZX_OK);
    cr_assert_str_eq(name, "");
    ASSERT_ST(zx_object_set_property(c2, ZX_PROP_NAME, "ref", 3), ZX_OK);
    ASSERT_ST(zx_object_get_property(c2, ZX_PROP_NAME, name, sizeof(name)), ZX_OK);
    cr_assert_str_eq(name, "ref");
    kfix_deinit(&f);
}

/* ---- ZERO_CHILDREN --------------------------------------------------------------------------- */

Test(vmo, zero_children_is_cleared_by_a_child_and_set_again_after_the_last_one)
{
    kfix_init(&f);
    zx_handle_t parent = vmo_new(2 * PAGE, 0);
    zx_handle_t ref = child_new(parent, ZX_VMO_CHILD_REFERENCE, 0, 0);
    cr_assert_eq(kfix_signals(parent), 0, "a child exists: %#x", kfix_signals(parent));
    cr_assert_eq(kfix_signals(ref), ZX_VMO_ZERO_CHILDREN, "the child has none");
    zx_handle_t slice = child_new(parent, ZX_VMO_CHILD_SLICE, PAGE, PAGE);
    zx_handle_t grandchild = child_new(slice, ZX_VMO_CHILD_SLICE, 0, PAGE);
    ASSERT_EQ(vmo_info(parent).num_children, 2);
    ASSERT_ST(zx_handle_close(ref), ZX_OK);
    cr_assert_eq(kfix_signals(parent), 0, "one child is left");
    ASSERT_EQ(vmo_info(parent).num_children, 1);
    ASSERT_ST(zx_handle_close(slice), ZX_OK);
    cr_assert_eq(kfix_signals(parent), 0, "the grandchild keeps the slice alive");
    ASSERT_ST(zx_handle_close(grandchild), ZX_OK);
    cr_assert_eq(kfix_signals(parent), ZX_VMO_ZERO_CHILDREN, "signals %#x",
                 kfix_signals(parent));
    ASSERT_EQ(vmo_info(parent).num_children, 0);
    kfix_deinit(&f);
}

/* The sysmem2 Heap server (seed 002): it keeps the parent, hands out a child per buffer, waits
 * on ZERO_CHILDREN with a port, and cleans up when the packet comes. Clients (a thread of the
 * test process) hold the children and close them at 100 and 250 ns; the server thread must see
 * the packet exactly at the last close. */
static struct {
    zx_handle_t port, parent;        /* bootstrap: the server's */
    zx_handle_t child_ref, child_slice; /* test process: the client's */
    zx_instant_mono_t packet_at;
    zx_port_packet_t packet;
    size_t num_children_at_packet;
} heap;

static void heap_client(void *arg)
{
    (void)arg;
    kfix_sleep_until(100);
    ASSERT_ST(zx_handle_close(heap.child_ref), ZX_OK);
    kfix_sleep_until(250);
    ASSERT_ST(zx_handle_close(heap.child_slice), ZX_OK);
}

static void heap_server(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    ASSERT_ST(zx_port_wait(heap.port, ZX_TIME_INFINITE, &heap.packet), ZX_OK);
    heap.packet_at = zx_clock_get_monotonic();
    heap.num_children_at_packet = vmo_info(heap.parent).num_children;
}

Test(vmo, heap_cleanup_fence_fires_when_the_last_child_closes)
{
    kfix_init(&f);
    ASSERT_ST(zx_port_create(0, &heap.port), ZX_OK);
    heap.parent = vmo_new(4 * PAGE, 0);
    heap.child_ref = kfix_give(&f, child_new(heap.parent, ZX_VMO_CHILD_REFERENCE, 0, 0));
    heap.child_slice = kfix_give(&f, child_new(heap.parent, ZX_VMO_CHILD_SLICE, PAGE, PAGE));
    ASSERT_ST(zx_object_wait_async(heap.parent, heap.port, 42, ZX_VMO_ZERO_CHILDREN, 0), ZX_OK);
    kfix_thread(&f, "client", heap_client, NULL);
    ASSERT_EQ(sim_thread_create(f.s, "heap", heap_server, NULL, NULL, NULL), 0);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(heap.packet_at, 250, "packet at %" PRId64 ", want 250 (the last close)",
                 heap.packet_at);
    ASSERT_EQ(heap.packet.key, 42);
    ASSERT_EQ(heap.packet.type, ZX_PKT_TYPE_SIGNAL_ONE);
    cr_assert(heap.packet.signal.observed & ZX_VMO_ZERO_CHILDREN, "observed %#x",
              heap.packet.signal.observed);
    ASSERT_EQ(heap.num_children_at_packet, 0);
    kfix_deinit(&f);
}

Test(vmo, heap_rechecks_num_children_when_a_child_came_back_before_the_packet_was_read)
{
    kfix_init(&f);
    zx_handle_t port, parent = vmo_new(PAGE, 0);
    ASSERT_ST(zx_port_create(0, &port), ZX_OK);
    zx_handle_t c1 = child_new(parent, ZX_VMO_CHILD_REFERENCE, 0, 0);
    ASSERT_ST(zx_object_wait_async(parent, port, 7, ZX_VMO_ZERO_CHILDREN, 0), ZX_OK);
    zx_port_packet_t pkt;
    ASSERT_ST(zx_port_wait(port, 0, &pkt), ZX_ERR_TIMED_OUT);
    ASSERT_ST(zx_handle_close(c1), ZX_OK); /* the packet is queued now ... */
    zx_handle_t c2 = child_new(parent, ZX_VMO_CHILD_SLICE, 0, PAGE); /* ... and a child is back */
    ASSERT_ST(zx_port_wait(port, 0, &pkt), ZX_OK);
    cr_assert(pkt.signal.observed & ZX_VMO_ZERO_CHILDREN, "the packet kept what it saw");
    cr_assert_eq(vmo_info(parent).num_children, 1, "so the server must look again");
    ASSERT_EQ(kfix_signals(parent), 0);
    /* The server re-arms (as the runner's pager does): nothing until c2 goes. */
    ASSERT_ST(zx_object_wait_async(parent, port, 7, ZX_VMO_ZERO_CHILDREN, 0), ZX_OK);
    ASSERT_ST(zx_port_wait(port, 0, &pkt), ZX_ERR_TIMED_OUT);
    ASSERT_ST(zx_handle_close(c2), ZX_OK);
    ASSERT_ST(zx_port_wait(port, 0, &pkt), ZX_OK);
    ASSERT_EQ(vmo_info(parent).num_children, 0);
    kfix_deinit(&f);
}

/* ---- ZX_INFO_VMO and the name ---------------------------------------------------------------- */

Test(vmo, info_vmo_fields)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(3 * PAGE, ZX_VMO_RESIZABLE);
    ASSERT_ST(zx_object_set_property(h, ZX_PROP_NAME, "starnix:ext4", 12), ZX_OK);
    uint8_t b = 1;
    ASSERT_ST(zx_vmo_write(h, &b, 2 * PAGE, 1), ZX_OK);
    zx_info_vmo_t info = vmo_info(h);
    ASSERT_EQ(info.koid, kfix_koid(h));
    cr_assert_str_eq(info.name, "starnix:ext4");
    ASSERT_EQ(info.size_bytes, 3 * PAGE);
    ASSERT_EQ(info.parent_koid, ZX_KOID_INVALID);
    ASSERT_EQ(info.num_children, 0);
    cr_assert_eq(info.num_mappings, 0, "mappings are not modelled");
    cr_assert_eq(info.flags,
                 ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE | ZX_INFO_VMO_VIA_HANDLE,
                 "flags %#x", info.flags);
    ASSERT_EQ(info.committed_bytes, PAGE);
    ASSERT_EQ(info.populated_bytes, PAGE);
    ASSERT_EQ(info.handle_rights, ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE);
    /* The rights of the handle queried, not of the object. */
    zx_rights_t fewer = ZX_RIGHT_INSPECT | ZX_RIGHT_READ;
    ASSERT_EQ(vmo_info(dup(h, fewer)).handle_rights, fewer);
    zx_info_vmo_t small;
    size_t actual = 9, avail = 9;
    ASSERT_ST(zx_object_get_info(h, ZX_INFO_VMO, &small, sizeof(small) - 8, &actual, &avail),
              ZX_ERR_BUFFER_TOO_SMALL);
    ASSERT_ST(zx_object_get_info(dup(h, ZX_RIGHT_READ), ZX_INFO_VMO, &small, sizeof(small), NULL,
                                 NULL),
              ZX_ERR_ACCESS_DENIED); /* needs INSPECT */
    kfix_deinit(&f);
}

/* ---- zx_vmo_op_range ------------------------------------------------------------------------- */

Test(vmo, commit_and_decommit)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(4 * PAGE, 0);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_COMMIT, PAGE + 1, PAGE, NULL, 0), ZX_OK);
    cr_assert_eq(vmo_info(h).committed_bytes, 2 * PAGE, "pages 1 and 2: %" PRIu64,
                 vmo_info(h).committed_bytes);
    uint8_t data[4 * 4096];
    pattern(data, sizeof(data), 4);
    ASSERT_ST(zx_vmo_write(h, data, 0, sizeof(data)), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_DECOMMIT, PAGE, 2 * PAGE, NULL, 0), ZX_OK);
    ASSERT_EQ(vmo_info(h).committed_bytes, 2 * PAGE);
    uint8_t buf[2 * 4096];
    ASSERT_ST(zx_vmo_read(h, buf, PAGE, sizeof(buf)), ZX_OK);
    assert_zeros(buf, sizeof(buf), "decommitted pages");
    assert_bytes(h, 3 * PAGE, data + 3 * PAGE, PAGE);
    /* Through a slice: the parent's pages go. */
    zx_handle_t slice = child_new(h, ZX_VMO_CHILD_SLICE, 3 * PAGE, PAGE);
    ASSERT_ST(zx_vmo_op_range(slice, ZX_VMO_OP_DECOMMIT, 0, PAGE, NULL, 0), ZX_OK);
    ASSERT_EQ(vmo_info(h).committed_bytes, PAGE);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 1, PAGE, NULL, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 5 * PAGE, NULL, 0), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_COMMIT, 4 * PAGE, 1, NULL, 0), ZX_ERR_OUT_OF_RANGE);
    zx_handle_t big = vmo_new(0, ZX_VMO_UNBOUNDED);
    ASSERT_ST(zx_vmo_op_range(big, ZX_VMO_OP_COMMIT, 0, (uint64_t)2 << 30, NULL, 0),
              ZX_ERR_NO_MEMORY); /* over the model's 1 GiB per VMO, refused up front */
    ASSERT_EQ(vmo_info(big).committed_bytes, 0);
    kfix_deinit(&f);
}

Test(vmo, zero_range_zeroes_partial_pages_and_decommits_whole_ones)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(3 * PAGE, 0);
    uint8_t data[3 * 4096];
    pattern(data, sizeof(data), 8);
    ASSERT_ST(zx_vmo_write(h, data, 0, sizeof(data)), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_ZERO, 100, 2 * PAGE, NULL, 0), ZX_OK);
    memset(data + 100, 0, 2 * PAGE);
    assert_bytes(h, 0, data, sizeof(data));
    cr_assert_eq(vmo_info(h).committed_bytes, 2 * PAGE, "page 1 was whole: decommitted");
    kfix_deinit(&f);
}

Test(vmo, dont_need_is_a_hint_that_keeps_anonymous_pages)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(2 * PAGE, 0);
    uint8_t data[2 * 4096];
    pattern(data, sizeof(data), 2);
    ASSERT_ST(zx_vmo_write(h, data, 0, sizeof(data)), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(dup(h, ZX_RIGHT_NONE), ZX_VMO_OP_DONT_NEED, 10, PAGE, NULL, 0),
              ZX_OK); /* no right needed */
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_ALWAYS_NEED, 0, 2 * PAGE, NULL, 0), ZX_OK);
    assert_bytes(h, 0, data, sizeof(data));
    ASSERT_EQ(vmo_info(h).committed_bytes, 2 * PAGE);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_DONT_NEED, PAGE, 2 * PAGE, NULL, 0),
              ZX_ERR_OUT_OF_RANGE);
    kfix_deinit(&f);
}

Test(vmo, op_range_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t h = vmo_new(PAGE, 0), ev;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    zx_handle_t ro = dup(h, ZX_RIGHT_READ), none = dup(h, ZX_RIGHT_NONE);
    ASSERT_ST(zx_vmo_op_range(0x5553, ZX_VMO_OP_COMMIT, 0, PAGE, NULL, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_vmo_op_range(ev, ZX_VMO_OP_COMMIT, 0, PAGE, NULL, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_vmo_op_range(h, 99, 0, PAGE, NULL, 0), ZX_ERR_INVALID_ARGS);
    /* The right is checked before the range. */
    ASSERT_ST(zx_vmo_op_range(ro, ZX_VMO_OP_COMMIT, 0, 9 * PAGE, NULL, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_op_range(ro, ZX_VMO_OP_DECOMMIT, 0, PAGE, NULL, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_op_range(ro, ZX_VMO_OP_ZERO, 0, PAGE, NULL, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_op_range(none, ZX_VMO_OP_CACHE_SYNC, 0, PAGE, NULL, 0),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_op_range(none, ZX_VMO_OP_LOCK, 0, PAGE, NULL, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_vmo_op_range(ro, ZX_VMO_OP_LOCK, 0, PAGE, NULL, 0), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_CACHE_INVALIDATE, 0, PAGE, NULL, 0),
              ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_vmo_op_range(ro, ZX_VMO_OP_CACHE_CLEAN, 0, PAGE, NULL, 0), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(h, ZX_VMO_OP_ZERO, PAGE, 1, NULL, 0), ZX_ERR_OUT_OF_RANGE);
    kfix_deinit(&f);
}

/* ---- Costs and trace ------------------------------------------------------------------------ */

static zx_instant_mono_t costed_at[3];

static void costed_calls(void *arg)
{
    (void)arg;
    zx_handle_t h;
    ASSERT_ST(zx_vmo_create(PAGE, 0, &h), ZX_OK);
    costed_at[0] = zx_clock_get_monotonic();
    uint8_t b = 3;
    ASSERT_ST(zx_vmo_write(h, &b, 0, 1), ZX_OK);
    costed_at[1] = zx_clock_get_monotonic();
    ASSERT_ST(zx_vmo_read(h, &b, 0, 1), ZX_OK);
    costed_at[2] = zx_clock_get_monotonic();
}

Test(vmo, every_call_charges_its_cost_and_is_traced)
{
    kernel_costs_t costs;
    kernel_costs_default(&costs);
    kfix_init_costs(&f, &costs);
    kfix_thread(&f, "caller", costed_calls, NULL);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    const int64_t *ns = costs.syscall_ns;
    int64_t want[3] = {ns[KERNEL_SYSCALL_vmo_create]};
    want[1] = want[0] + ns[KERNEL_SYSCALL_vmo_write];
    want[2] = want[1] + ns[KERNEL_SYSCALL_vmo_read];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(costed_at[i], want[i], "call %d done at %" PRId64 ", want %" PRId64, i,
                     costed_at[i], want[i]);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_SYSCALL, "zx_vmo_create"), 1);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_SYSCALL, "zx_vmo_write"), 1);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_SYSCALL, "zx_vmo_read"), 1);
    kfix_deinit(&f);
}

/* ---- Lifetime and determinism ---------------------------------------------------------------- */

Test(vmo, children_outlive_a_closed_parent_handle)
{
    kfix_init(&f);
    zx_handle_t parent = vmo_new(PAGE, 0);
    uint8_t data[32];
    pattern(data, sizeof(data), 7);
    ASSERT_ST(zx_vmo_write(parent, data, 0, sizeof(data)), ZX_OK);
    zx_handle_t slice = child_new(parent, ZX_VMO_CHILD_SLICE, 0, PAGE);
    ASSERT_ST(zx_handle_close(parent), ZX_OK);
    assert_bytes(slice, 0, data, sizeof(data));
    ASSERT_ST(zx_handle_close(slice), ZX_OK); /* the parent goes with it */
    kfix_deinit(&f);
}

static uint64_t scripted_run(void)
{
    kfix_init(&f);
    zx_handle_t port, parent = vmo_new(3 * PAGE, ZX_VMO_RESIZABLE);
    ASSERT_ST(zx_port_create(0, &port), ZX_OK);
    uint8_t data[5000];
    pattern(data, sizeof(data), 1);
    ASSERT_ST(zx_vmo_write(parent, data, 10, sizeof(data)), ZX_OK);
    zx_handle_t ref = child_new(parent, ZX_VMO_CHILD_REFERENCE, 0, 0);
    ASSERT_ST(zx_object_wait_async(parent, port, 1, ZX_VMO_ZERO_CHILDREN, 0), ZX_OK);
    ASSERT_ST(zx_vmo_set_size(parent, PAGE), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(ref, ZX_VMO_OP_COMMIT, 0, PAGE, NULL, 0), ZX_OK);
    ASSERT_ST(zx_handle_close(ref), ZX_OK);
    zx_port_packet_t pkt;
    ASSERT_ST(zx_port_wait(port, 0, &pkt), ZX_OK);
    uint64_t fingerprint = sim_fingerprint(f.s);
    kfix_deinit(&f);
    return fingerprint;
}

Test(vmo, the_same_calls_give_the_same_fingerprint)
{
    uint64_t a = scripted_run(), b = scripted_run();
    cr_assert_eq(a, b, "fingerprint %016" PRIx64 " then %016" PRIx64, a, b);
}
