/* test_pager.c - Pagers and pager-backed VMOs: page requests on ports, readers parked until
 * supply or FAIL, batching, detach and the pager's end, suspend of a waiting reader, dirty
 * tracking, writeback, queries, DONT_NEED eviction, COMPLETE, page faults.
 *
 * Method: seed 004 (zircon/vdso/pager.fidl) is the contract, with reference 2.3-2.6 and the
 * order of checks of zircon/kernel/lib/syscalls/pager.cc. Every error the seed lists is
 * provoked, in that order, one precondition broken at a time (NO_MEMORY through the white-box
 * allocation limit of kernel_int.h). Behaviour is checked with simulated threads: readers in
 * the test process, and a pager service thread (bootstrap) that takes packets from the port
 * and answers after a delay, so that virtual times show who waited for what. Page contents are
 * a function of the offset, so every byte read back is checked.
 */
#include "kernel_fixture.h"

#include "../../model/kernel/kernel_int.h"

#define PAGE ((uint64_t)ZX_PAGE_SIZE)
#define KEY  ((uint64_t)0x5eed)

static kfix_t f;

/* cr_assert_eq that prints both sides (as integers). */
#define ASSERT_EQ(got, want)                                                                   \
    cr_assert_eq((uint64_t)(got), (uint64_t)(want), "%s: got %" PRIu64 " (%#" PRIx64           \
                 "), want %" PRIu64, #got, (uint64_t)(got), (uint64_t)(got), (uint64_t)(want))

/* The pager side, in the bootstrap process; vmo_p is the VMO's handle in the test process. */
static struct {
    zx_handle_t pager, port, vmo, vmo_p;
} pg;

/* The byte a pager supplies at `offset`. */
static uint8_t content(uint64_t offset)
{
    return (uint8_t)(offset * 13u + offset / 4096u + 1u);
}

static bool content_ok(const uint8_t *buf, uint64_t offset, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != content(offset + i))
            return false;
    }
    return true;
}

static zx_handle_t vmo_new(uint64_t size, uint32_t options)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    ASSERT_ST(zx_vmo_create(size, options, &h), ZX_OK);
    return h;
}

/* A new bootstrap handle to `h`'s object with exactly `rights` (white-box: a pager handle has
 * no DUPLICATE right to derive one from). */
static zx_handle_t dup(zx_handle_t h, zx_rights_t rights)
{
    kctx_t c;
    kctx_current(&c);
    zx_handle_t out = ZX_HANDLE_INVALID;
    ASSERT_ST(kobj_handle_install(&c, handle_table_lookup(c.proc, h)->obj, rights, &out), ZX_OK);
    return out;
}

/* An aux VMO holding the content of [offset, +length) of the pager's file. */
static zx_handle_t aux_for(uint64_t offset, uint64_t length)
{
    zx_handle_t aux = vmo_new(length, 0);
    uint8_t *buf = malloc(length ? length : 1);
    for (uint64_t i = 0; i < length; i++)
        buf[i] = content(offset + i);
    ASSERT_ST(zx_vmo_write(aux, buf, 0, length), ZX_OK);
    free(buf);
    return aux;
}

static zx_status_t supply(uint64_t offset, uint64_t length)
{
    zx_handle_t aux = aux_for(offset, length);
    zx_status_t st = zx_pager_supply_pages(pg.pager, pg.vmo, offset, length, aux, 0);
    ASSERT_ST(zx_handle_close(aux), ZX_OK);
    return st;
}

static zx_info_vmo_t vmo_info(zx_handle_t h)
{
    zx_info_vmo_t info;
    ASSERT_ST(zx_object_get_info(h, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL), ZX_OK);
    return info;
}

/* A pager, a port and a pager-backed VMO of `size` with `options`, not yet shared. */
static void setup_unshared(uint64_t size, uint32_t options)
{
    kfix_init(&f);
    memset(&pg, 0, sizeof(pg));
    ASSERT_ST(zx_pager_create(0, &pg.pager), ZX_OK);
    ASSERT_ST(zx_port_create(0, &pg.port), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, options, pg.port, KEY, size, &pg.vmo), ZX_OK);
}

/* The same, with a handle to the VMO in the test process (closed when its threads are done:
 * the process then dies). */
static void setup(uint64_t size, uint32_t options)
{
    setup_unshared(size, options);
    pg.vmo_p = kfix_share(&f, pg.vmo);
}

static void assert_no_packet(void)
{
    zx_port_packet_t p;
    zx_status_t st = zx_port_wait(pg.port, 0, &p);
    cr_assert_eq(st, ZX_ERR_TIMED_OUT, "unexpected packet: %s, type %u command %u offset %" PRIu64,
                 zx_status_get_string(st), p.type, p.page_request.command,
                 p.page_request.offset);
}

static void assert_request(const zx_port_packet_t *p, uint16_t command, uint64_t offset,
                           uint64_t length)
{
    cr_assert_eq(p->type, ZX_PKT_TYPE_PAGE_REQUEST, "type %u", p->type);
    cr_assert_eq(p->key, KEY, "key %#" PRIx64, p->key);
    ASSERT_EQ(p->status, ZX_OK);
    cr_assert_eq(p->page_request.command, command, "command %u, want %u",
                 p->page_request.command, command);
    cr_assert_eq(p->page_request.offset, offset, "offset %" PRIu64 ", want %" PRIu64,
                 p->page_request.offset, offset);
    cr_assert_eq(p->page_request.length, length, "length %" PRIu64 ", want %" PRIu64,
                 p->page_request.length, length);
}

static void next_request(uint16_t command, uint64_t offset, uint64_t length)
{
    zx_port_packet_t p;
    ASSERT_ST(zx_port_wait(pg.port, 0, &p), ZX_OK);
    assert_request(&p, command, offset, length);
}

/* ---- Threads --------------------------------------------------------------------------------- */

/* A thread of the test process that reads, writes, commits or faults a range. */
typedef enum { DO_READ, DO_WRITE, DO_COMMIT, DO_TOUCH } access_t;

typedef struct reader {
    access_t access;
    uint64_t offset, length;
    zx_instant_mono_t start;  /* when to begin */
    zx_status_t st;
    zx_instant_mono_t at;     /* when the call returned */
    bool done;
    bool bytes_ok;            /* DO_READ: every byte is the pager's */
} reader_t;

static void reader_fn(void *arg)
{
    reader_t *r = arg;
    if (r->start > 0)
        kfix_sleep_until(r->start);
    /* On the stack: a thread killed by a fault never gets to free anything. */
    uint8_t buf[8 * 4096] = {0};
    cr_assert_leq(r->length, sizeof(buf), "reader length %" PRIu64, r->length);
    switch (r->access) {
    case DO_READ:
        r->st = zx_vmo_read(pg.vmo_p, buf, r->offset, r->length);
        r->bytes_ok = r->st == ZX_OK && content_ok(buf, r->offset, r->length);
        break;
    case DO_WRITE:
        memset(buf, 0x77, r->length);
        r->st = zx_vmo_write(pg.vmo_p, buf, r->offset, r->length);
        break;
    case DO_COMMIT:
        r->st = zx_vmo_op_range(pg.vmo_p, ZX_VMO_OP_COMMIT, r->offset, r->length, NULL, 0);
        break;
    case DO_TOUCH:
        r->st = kernel_thread_touch(pg.vmo_p, r->offset, r->length, false);
        break;
    }
    r->at = zx_clock_get_monotonic();
    r->done = true;
}

static zx_handle_t start_reader(reader_t *r)
{
    return kfix_thread(&f, "reader", reader_fn, r);
}

/* The pager service: takes `packets_max` packets and answers READ / DIRTY requests `delay` ns
 * after taking them, as told by `action`, or by plan[i] for the i-th packet if set. */
typedef enum { ACT_DEFAULT, ACT_NONE, ACT_SUPPLY, ACT_FAIL, ACT_DETACH } action_t;

typedef struct service {
    int packets_max;
    zx_duration_t delay;
    action_t action;
    zx_status_t fail_status;
    action_t plan[16];            /* per packet; ACT_DEFAULT = `action` */
    zx_status_t plan_status[16];  /* per packet FAIL status; 0 = `fail_status` */
    int count;
    zx_port_packet_t pkt[16];
    zx_instant_mono_t at[16]; /* when each packet was taken */
} service_t;

static void answer(service_t *sv, int i, const zx_packet_page_request_t *pr)
{
    action_t action = sv->plan[i] != ACT_DEFAULT ? sv->plan[i] : sv->action;
    zx_status_t fail_status = sv->plan_status[i] != ZX_OK ? sv->plan_status[i] : sv->fail_status;
    switch (action) {
    case ACT_DEFAULT:
    case ACT_NONE:
        break;
    case ACT_SUPPLY:
        if (pr->command == ZX_PAGER_VMO_READ)
            ASSERT_ST(supply(pr->offset, pr->length), ZX_OK);
        else
            ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, pr->offset,
                                        pr->length, 0),
                      ZX_OK);
        break;
    case ACT_FAIL:
        ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, pg.vmo, pr->offset, pr->length,
                                    (uint64_t)(int64_t)fail_status),
                  ZX_OK);
        break;
    case ACT_DETACH:
        ASSERT_ST(zx_pager_detach_vmo(pg.pager, pg.vmo), ZX_OK);
        break;
    }
}

static void service_fn(sim_t *s, void *arg)
{
    (void)s;
    service_t *sv = arg;
    while (sv->count < sv->packets_max) {
        zx_port_packet_t p;
        ASSERT_ST(zx_port_wait(pg.port, ZX_TIME_INFINITE, &p), ZX_OK);
        sv->at[sv->count] = zx_clock_get_monotonic();
        sv->pkt[sv->count++] = p;
        if (p.type != ZX_PKT_TYPE_PAGE_REQUEST || p.page_request.command == ZX_PAGER_VMO_COMPLETE)
            continue;
        if (sv->delay > 0)
            kfix_sleep_until(zx_clock_get_monotonic() + sv->delay);
        answer(sv, sv->count - 1, &p.page_request);
    }
}

static void start_service(service_t *sv)
{
    ASSERT_EQ(sim_thread_create(f.s, "pager", service_fn, sv, NULL, NULL), 0);
}

/* A controller thread in the bootstrap process running `fn`. */
static void start_controller(sim_task_fn fn, void *arg)
{
    ASSERT_EQ(sim_thread_create(f.s, "controller", fn, arg, NULL, NULL), 0);
}

/* The i-th trace event of `kind`, or NULL. */
static const sim_trace_event_t *nth_event(uint32_t kind, size_t i)
{
    for (size_t k = 0; k < sim_trace_mem_count(f.mem); k++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, k);
        if (ev->kind == kind && i-- == 0)
            return ev;
    }
    return NULL;
}

/* ---- zx_pager_create / zx_pager_create_vmo --------------------------------------------------- */

Test(pager, create_and_its_errors)
{
    kfix_init(&f);
    zx_handle_t p;
    ASSERT_ST(zx_pager_create(0, &p), ZX_OK);
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(p, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL), ZX_OK);
    ASSERT_EQ(info.type, ZX_OBJ_TYPE_PAGER);
    cr_assert_eq(info.rights, ZX_DEFAULT_PAGER_RIGHTS, "rights %#x", info.rights);
    ASSERT_ST(zx_pager_create(1, &p), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_create(0, NULL), ZX_ERR_INVALID_ARGS);
    kvmo_test_set_alloc_limit(0);
    ASSERT_ST(zx_pager_create(0, &p), ZX_ERR_NO_MEMORY);
    kvmo_test_set_alloc_limit(-1);
    kfix_deinit(&f);
}

Test(pager, create_vmo_gives_a_normal_vmo_that_is_pager_backed)
{
    setup(3 * PAGE - 5, ZX_VMO_RESIZABLE);
    zx_info_handle_basic_t basic;
    ASSERT_ST(zx_object_get_info(pg.vmo, ZX_INFO_HANDLE_BASIC, &basic, sizeof(basic), NULL, NULL),
              ZX_OK);
    cr_assert_eq(basic.rights, ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_RESIZE, "rights %#x",
                 basic.rights);
    ASSERT_EQ(kfix_signals(pg.vmo), ZX_VMO_ZERO_CHILDREN);
    zx_info_vmo_t info = vmo_info(pg.vmo);
    cr_assert_eq(info.size_bytes, 3 * PAGE, "rounded up: %" PRIu64, info.size_bytes);
    cr_assert_eq(info.flags,
                 ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_RESIZABLE | ZX_INFO_VMO_PAGER_BACKED |
                     ZX_INFO_VMO_VIA_HANDLE,
                 "flags %#x", info.flags);
    ASSERT_EQ(info.committed_bytes, 0);
    zx_handle_t v;
    ASSERT_ST(zx_pager_create_vmo(pg.pager, ZX_VMO_UNBOUNDED | ZX_VMO_TRAP_DIRTY, pg.port, 1, 0,
                                  &v),
              ZX_OK);
    ASSERT_EQ(vmo_info(v).size_bytes, KVMO_SIZE_MAX);
    assert_no_packet();
    kfix_deinit(&f);
}

Test(pager, create_vmo_errors_in_order)
{
    setup(PAGE, 0);
    zx_handle_t v, ev;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 0, pg.port, 0, PAGE, NULL), ZX_ERR_INVALID_ARGS);
    /* The handles come before the options (pager.cc). */
    ASSERT_ST(zx_pager_create_vmo(0x5553, 1u << 5, pg.port, 0, PAGE, &v), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_create_vmo(pg.port, 0, pg.port, 0, PAGE, &v), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_create_vmo(dup(pg.pager, ZX_RIGHT_MANAGE_VMO), 0, pg.port, 0, PAGE, &v),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 1u << 5, 0x5553, 0, PAGE, &v), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 0, ev, 0, PAGE, &v), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 0, dup(pg.port, ZX_RIGHT_READ), 0, PAGE, &v),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 1u << 5, pg.port, 0, PAGE, &v), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, ZX_VMO_DISCARDABLE, pg.port, 0, PAGE, &v),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED, pg.port, 0,
                                  PAGE, &v),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 0, pg.port, 0, UINT64_MAX, &v), ZX_ERR_OUT_OF_RANGE);
    kvmo_test_set_alloc_limit(0);
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 0, pg.port, 0, PAGE, &v), ZX_ERR_NO_MEMORY);
    kvmo_test_set_alloc_limit(1); /* the source, not the VMO */
    ASSERT_ST(zx_pager_create_vmo(pg.pager, 0, pg.port, 0, PAGE, &v), ZX_ERR_NO_MEMORY);
    kvmo_test_set_alloc_limit(-1);
    assert_no_packet();
    kfix_deinit(&f);
}

/* ---- Reading: requests, supply, batching ----------------------------------------------------- */

static zx_thread_state_t state_at_100;

static void look_at_reader(sim_t *s, void *arg)
{
    (void)s;
    kfix_sleep_until(100);
    state_at_100 = kfix_thread_state(*(zx_handle_t *)arg);
}

Test(pager, a_read_sends_one_request_for_its_missing_run_and_completes_after_supply)
{
    setup(8 * PAGE, 0);
    reader_t r = {.access = DO_READ, .offset = PAGE + 10, .length = 2 * PAGE};
    service_t sv = {.packets_max = 1, .delay = 500, .action = ACT_SUPPLY};
    zx_handle_t t = start_reader(&r);
    start_service(&sv);
    start_controller(look_at_reader, &t);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(state_at_100, ZX_THREAD_STATE_BLOCKED_PAGER, "state %#x", state_at_100);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, PAGE, 3 * PAGE); /* pages 1, 2 and 3 */
    ASSERT_EQ(sv.at[0], 0);
    ASSERT_ST(r.st, ZX_OK);
    cr_assert(r.bytes_ok, "the bytes are the pager's");
    cr_assert_eq(r.at, 500, "done at %" PRId64 ", want 500 (the supply)", r.at);
    ASSERT_EQ(vmo_info(pg.vmo).committed_bytes, 3 * PAGE);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_PAGE_REQUEST, NULL), 1);
    const sim_trace_event_t *wake = nth_event(KERNEL_EV_PAGE_WAKE, 0);
    cr_assert_not_null(wake);
    cr_assert_eq(wake->arg[2], 500, "waited %" PRId64 " ns", wake->arg[2]);
    ASSERT_EQ(wake->object, kfix_koid(pg.vmo));
    assert_no_packet();
    kfix_deinit(&f);
}

Test(pager, a_read_straddling_supplied_and_missing_pages_waits_only_for_the_missing_ones)
{
    setup(5 * PAGE, 0);
    ASSERT_ST(supply(PAGE, PAGE), ZX_OK);
    ASSERT_ST(supply(3 * PAGE, PAGE), ZX_OK);
    reader_t r = {.access = DO_READ, .offset = 0, .length = 5 * PAGE};
    service_t sv = {.packets_max = 3, .delay = 100, .action = ACT_SUPPLY};
    start_reader(&r);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    /* One missing run at a time, in order, each after the previous one was supplied. */
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, 0, PAGE);
    assert_request(&sv.pkt[1], ZX_PAGER_VMO_READ, 2 * PAGE, PAGE);
    assert_request(&sv.pkt[2], ZX_PAGER_VMO_READ, 4 * PAGE, PAGE);
    ASSERT_EQ(sv.at[1], 100);
    ASSERT_EQ(sv.at[2], 200);
    ASSERT_ST(r.st, ZX_OK);
    cr_assert(r.bytes_ok, "every byte right, supplied before or during the read");
    ASSERT_EQ(r.at, 300);
    kfix_deinit(&f);
}

Test(pager, readers_of_the_same_page_share_one_request)
{
    setup(4 * PAGE, 0);
    reader_t a = {.access = DO_READ, .offset = 0, .length = PAGE};
    reader_t b = {.access = DO_READ, .offset = 100, .length = 2 * PAGE}; /* pages 0-2 */
    service_t sv = {.packets_max = 2, .delay = 50, .action = ACT_SUPPLY};
    start_reader(&a);
    start_reader(&b);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, 0, PAGE);
    /* b joined a's request for page 0, then asked for the rest. */
    assert_request(&sv.pkt[1], ZX_PAGER_VMO_READ, PAGE, 2 * PAGE);
    cr_assert(a.bytes_ok && b.bytes_ok);
    ASSERT_EQ(a.at, 50);
    ASSERT_EQ(b.at, 100);
    kfix_deinit(&f);
}

/* A partial supply does not wake the reader; the pager's readahead past the request is kept. */
static void supply_in_two_steps(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    zx_port_packet_t p;
    ASSERT_ST(zx_port_wait(pg.port, ZX_TIME_INFINITE, &p), ZX_OK);
    assert_request(&p, ZX_PAGER_VMO_READ, 0, 2 * PAGE);
    kfix_sleep_until(100);
    ASSERT_ST(supply(0, PAGE), ZX_OK);
    kfix_sleep_until(200);
    ASSERT_ST(supply(PAGE, 3 * PAGE), ZX_OK); /* with readahead */
}

Test(pager, a_partial_supply_keeps_the_reader_waiting_for_the_rest)
{
    setup(4 * PAGE, 0);
    reader_t r = {.access = DO_READ, .offset = 0, .length = 2 * PAGE};
    start_reader(&r);
    start_controller(supply_in_two_steps, NULL);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert(r.bytes_ok);
    cr_assert_eq(r.at, 200, "done at %" PRId64, r.at);
    assert_no_packet();
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_PAGE_REQUEST, NULL), 1);
    uint8_t buf[4096];
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, 3 * PAGE, sizeof(buf)), ZX_OK); /* readahead: no wait */
    cr_assert(content_ok(buf, 3 * PAGE, sizeof(buf)));
    kfix_deinit(&f);
}

Test(pager, reading_through_a_reference_child_pages_in_the_parent)
{
    setup(2 * PAGE, ZX_VMO_RESIZABLE);
    zx_handle_t ref;
    ASSERT_ST(zx_vmo_create_child(pg.vmo, ZX_VMO_CHILD_REFERENCE, 0, 0, &ref), ZX_OK);
    ASSERT_ST(zx_handle_close(pg.vmo_p), ZX_OK);
    pg.vmo_p = kfix_give(&f, ref); /* the runner hands out reference children */
    reader_t r = {.access = DO_READ, .offset = PAGE, .length = 10};
    service_t sv = {.packets_max = 1, .action = ACT_SUPPLY};
    start_reader(&r);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, PAGE, PAGE);
    cr_assert(r.bytes_ok);
    cr_assert(vmo_info(pg.vmo).flags & ZX_INFO_VMO_PAGER_BACKED);
    kfix_deinit(&f);
}

/* ---- zx_pager_supply_pages ------------------------------------------------------------------- */

Test(pager, supply_keeps_present_pages_and_decommits_the_aux_range)
{
    setup(4 * PAGE, 0);
    zx_handle_t first = vmo_new(PAGE, 0);
    uint8_t a = 0xaa;
    ASSERT_ST(zx_vmo_write(first, &a, 0, 1), ZX_OK);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, first, 0), ZX_OK);
    /* Supply pages 0-1 from aux [PAGE, 3 PAGE): page 0 stays, page 1 comes in. */
    zx_handle_t aux = vmo_new(4 * PAGE, 0);
    uint8_t data[4 * 4096];
    for (uint64_t i = 0; i < sizeof(data); i++)
        data[i] = content(i - PAGE);
    ASSERT_ST(zx_vmo_write(aux, data, 0, sizeof(data)), ZX_OK);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, 2 * PAGE, aux, PAGE), ZX_OK);
    uint8_t got;
    ASSERT_ST(zx_vmo_read(pg.vmo, &got, 0, 1), ZX_OK);
    cr_assert_eq(got, 0xaa, "a present page is not replaced: %#x", got);
    uint8_t page1[4096];
    ASSERT_ST(zx_vmo_read(pg.vmo, page1, PAGE, PAGE), ZX_OK);
    cr_assert(content_ok(page1, PAGE, PAGE));
    cr_assert_eq(vmo_info(aux).committed_bytes, 2 * PAGE, "aux pages 1-2 are gone: %" PRIu64,
                 vmo_info(aux).committed_bytes);
    uint8_t back[2 * 4096];
    ASSERT_ST(zx_vmo_read(aux, back, PAGE, sizeof(back)), ZX_OK);
    for (size_t i = 0; i < sizeof(back); i++)
        cr_assert_eq(back[i], 0, "aux byte %zu reads %#x after the supply", PAGE + i, back[i]);
    ASSERT_ST(zx_vmo_read(aux, back, 0, 16), ZX_OK);
    cr_assert_eq(memcmp(back, data, 16), 0, "aux outside the range is untouched");
    /* An uncommitted aux page supplies a zero page, present without committing memory. */
    zx_handle_t empty = vmo_new(PAGE, 0);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 3 * PAGE, PAGE, empty, 0), ZX_OK);
    ASSERT_ST(zx_vmo_read(pg.vmo, &got, 3 * PAGE + 5, 1), ZX_OK);
    ASSERT_EQ(got, 0);
    ASSERT_EQ(vmo_info(pg.vmo).committed_bytes, 2 * PAGE);
    const sim_trace_event_t *ev = nth_event(KERNEL_EV_PAGE_SUPPLY, 1);
    cr_assert_eq(ev->arg[2], 1, "inserted %" PRId64, ev->arg[2]);
    cr_assert_eq(ev->arg[3], 1, "skipped %" PRId64, ev->arg[3]);
    kfix_deinit(&f);
}

Test(pager, supply_errors_in_order)
{
    setup(4 * PAGE, 0);
    zx_handle_t aux = vmo_new(4 * PAGE, 0), ev, other_pager, foreign, anon = vmo_new(PAGE, 0);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_pager_create(0, &other_pager), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(other_pager, 0, pg.port, 0, PAGE, &foreign), ZX_OK);
    /* Alignment first, before any handle. */
    ASSERT_ST(zx_pager_supply_pages(0x5553, pg.vmo, 1, PAGE, aux, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_supply_pages(0x5553, pg.vmo, 0, PAGE + 1, aux, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_supply_pages(0x5553, pg.vmo, 0, PAGE, aux, 12), ZX_ERR_INVALID_ARGS);
    /* The pager, then the VMO, then whether the VMO is the pager's. */
    ASSERT_ST(zx_pager_supply_pages(0x5553, pg.vmo, 0, PAGE, aux, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_supply_pages(ev, pg.vmo, 0, PAGE, aux, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_supply_pages(dup(pg.pager, ZX_RIGHT_ATTACH_VMO), pg.vmo, 0, PAGE, aux, 0),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, 0x5553, 0, PAGE, aux, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, ev, 0, PAGE, aux, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, dup(pg.vmo, ZX_RIGHT_READ), 0, PAGE, aux, 0),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, foreign, 0, PAGE, aux, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, anon, 0, PAGE, aux, 0), ZX_ERR_INVALID_ARGS);
    /* Then the aux VMO. */
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, 0x5553, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, ev, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, dup(aux, ZX_RIGHT_WRITE), 0),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, dup(aux, ZX_RIGHT_READ), 0),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, foreign, 0), ZX_ERR_NOT_SUPPORTED);
    zx_handle_t parent = vmo_new(PAGE, 0), child;
    ASSERT_ST(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 0, PAGE, &child), ZX_OK);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, parent, 0), ZX_ERR_BAD_STATE);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, child, 0), ZX_ERR_BAD_STATE);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, 2 * PAGE, aux, 3 * PAGE),
              ZX_ERR_OUT_OF_RANGE); /* the aux range */
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 3 * PAGE, 2 * PAGE, aux, 0),
              ZX_ERR_OUT_OF_RANGE); /* the VMO range */
    kvmo_test_set_alloc_limit(0);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, aux, 0), ZX_ERR_NO_MEMORY);
    kvmo_test_set_alloc_limit(-1);
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, pg.vmo), ZX_OK);
    ASSERT_ST(zx_pager_supply_pages(pg.pager, pg.vmo, 0, PAGE, aux, 0), ZX_ERR_BAD_STATE);
    kfix_deinit(&f);
}

/* ---- ZX_PAGER_OP_FAIL ------------------------------------------------------------------------ */

Test(pager, fail_with_a_status_the_contract_does_not_allow_is_invalid_args)
{
    setup(PAGE, 0);
    const int64_t forbidden[] = {ZX_OK,         ZX_ERR_NO_MEMORY, ZX_ERR_INTERNAL,
                                 ZX_ERR_TIMED_OUT, ZX_ERR_IO_REFUSED, 1,
                                 (int64_t)1 << 40, (int64_t)INT32_MIN - 1};
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, pg.vmo, 0, PAGE,
                                    (uint64_t)forbidden[i]),
                  ZX_ERR_INVALID_ARGS);
    /* The kernel's list (IsValidExternalFailureCode): the seed's description, all five. */
    const zx_status_t allowed[] = {ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE,
                                   ZX_ERR_NO_SPACE, ZX_ERR_BUFFER_TOO_SMALL};
    for (size_t i = 0; i < 5; i++)
        ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, pg.vmo, 0, PAGE,
                                    (uint64_t)(int64_t)allowed[i]),
                  ZX_OK);
    kfix_deinit(&f);
}

Test(pager, fail_delivers_io_and_io_data_integrity_to_the_readers)
{
    setup(8 * PAGE, 0);
    reader_t a = {.access = DO_READ, .offset = 0, .length = PAGE};
    reader_t b = {.access = DO_READ, .offset = 2 * PAGE, .length = PAGE, .start = 100};
    service_t sv = {.packets_max = 2, .delay = 10, .action = ACT_FAIL,
                    .plan_status = {ZX_ERR_IO, ZX_ERR_IO_DATA_INTEGRITY}};
    start_reader(&a);
    start_reader(&b);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(a.st, ZX_ERR_IO);
    ASSERT_EQ(a.at, 10);
    ASSERT_ST(b.st, ZX_ERR_IO_DATA_INTEGRITY);
    ASSERT_EQ(b.at, 110);
    const sim_trace_event_t *ev = nth_event(KERNEL_EV_PAGE_FAIL, 1);
    ASSERT_EQ(ev->status, ZX_ERR_IO_DATA_INTEGRITY);
    cr_assert_eq(ev->arg[2], 1, "requests failed %" PRId64, ev->arg[2]);
    kfix_deinit(&f);
}

/* A FAIL over part of a request fails the whole request, and the readers that joined it. */
static void fail_one_page_of_two(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    zx_port_packet_t p;
    ASSERT_ST(zx_port_wait(pg.port, ZX_TIME_INFINITE, &p), ZX_OK);
    assert_request(&p, ZX_PAGER_VMO_READ, 4 * PAGE, 2 * PAGE);
    kfix_sleep_until(30);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, pg.vmo, 5 * PAGE, PAGE,
                                (uint64_t)(int64_t)ZX_ERR_NO_SPACE),
              ZX_OK);
}

Test(pager, fail_over_part_of_a_request_fails_it_and_the_readers_that_joined_it)
{
    setup(8 * PAGE, 0);
    reader_t a = {.access = DO_READ, .offset = 4 * PAGE, .length = 2 * PAGE};
    reader_t b = {.access = DO_READ, .offset = 4 * PAGE, .length = 1, .start = 10};
    start_reader(&a);
    start_reader(&b);
    start_controller(fail_one_page_of_two, NULL);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(a.st, ZX_ERR_NO_SPACE);
    ASSERT_ST(b.st, ZX_ERR_NO_SPACE);
    ASSERT_EQ(a.at, 30);
    ASSERT_EQ(b.at, 30);
    kfix_deinit(&f);
}

Test(pager, commit_waits_like_a_read_and_returns_the_fail_status)
{
    setup(4 * PAGE, 0);
    reader_t c = {.access = DO_COMMIT, .offset = 0, .length = 2 * PAGE};
    reader_t c2 = {.access = DO_COMMIT, .offset = PAGE, .length = PAGE, .start = 100};
    service_t sv = {.packets_max = 2, .delay = 20, .plan = {ACT_FAIL, ACT_SUPPLY},
                    .fail_status = ZX_ERR_BUFFER_TOO_SMALL};
    start_reader(&c);
    start_reader(&c2);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, 0, 2 * PAGE);
    ASSERT_ST(c.st, ZX_ERR_BUFFER_TOO_SMALL);
    assert_request(&sv.pkt[1], ZX_PAGER_VMO_READ, PAGE, PAGE);
    ASSERT_ST(c2.st, ZX_OK);
    ASSERT_EQ(vmo_info(pg.vmo).committed_bytes, PAGE);
    kfix_deinit(&f);
}

/* ---- zx_pager_op_range ----------------------------------------------------------------------- */

Test(pager, op_range_errors_in_order)
{
    setup(4 * PAGE, 0);
    zx_handle_t ev, other_pager, foreign;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_pager_create(0, &other_pager), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(other_pager, 0, pg.port, 0, PAGE, &foreign), ZX_OK);
    const uint64_t io = (uint64_t)(int64_t)ZX_ERR_IO;
    ASSERT_ST(zx_pager_op_range(0x5553, ZX_PAGER_OP_FAIL, pg.vmo, 3, PAGE, io),
              ZX_ERR_INVALID_ARGS); /* alignment first */
    ASSERT_ST(zx_pager_op_range(0x5553, ZX_PAGER_OP_FAIL, pg.vmo, 0, 3, io), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_op_range(0x5553, ZX_PAGER_OP_FAIL, pg.vmo, 0, PAGE, io),
              ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_op_range(ev, ZX_PAGER_OP_FAIL, pg.vmo, 0, PAGE, io), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_op_range(dup(pg.pager, ZX_RIGHT_ATTACH_VMO), ZX_PAGER_OP_FAIL, pg.vmo, 0,
                                PAGE, io),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, 0x5553, 0, PAGE, io),
              ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, ev, 0, PAGE, io), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, dup(pg.vmo, ZX_RIGHT_READ), 0, PAGE,
                                io),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, foreign, 0, PAGE, io),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_op_range(pg.pager, 99, pg.vmo, 0, PAGE, 0), ZX_ERR_NOT_SUPPORTED);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, 0, PAGE, 1),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 0, PAGE, 2),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, 0, PAGE,
                                ZX_VMO_DIRTY_RANGE_IS_ZERO),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, pg.vmo, 3 * PAGE, 2 * PAGE, io),
              ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 4 * PAGE, PAGE,
                                ZX_VMO_DIRTY_RANGE_IS_ZERO),
              ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, 0, PAGE, 0),
              ZX_ERR_NOT_SUPPORTED); /* not a TRAP_DIRTY VMO */
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 0, 4 * PAGE, 0),
              ZX_OK);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, 0, 4 * PAGE, 0),
              ZX_OK);
    kfix_deinit(&f);
}

Test(pager, dirty_over_unsupplied_pages_is_not_found)
{
    setup(4 * PAGE, ZX_VMO_TRAP_DIRTY);
    ASSERT_ST(supply(0, PAGE), ZX_OK);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, 0, 2 * PAGE, 0),
              ZX_ERR_NOT_FOUND);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, 0, PAGE, 0), ZX_OK);
    zx_vmo_dirty_range_t r[2];
    size_t actual = 0;
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 0, 4 * PAGE, r, sizeof(r), &actual,
                                          NULL),
              ZX_OK);
    ASSERT_EQ(actual, 1);
    ASSERT_EQ(r[0].offset, 0);
    ASSERT_EQ(r[0].length, PAGE);
    kfix_deinit(&f);
}

/* ---- Detach and the pager's end -------------------------------------------------------------- */

Test(pager, detach_while_a_reader_waits_fails_it_and_ends_with_complete)
{
    setup(4 * PAGE, 0);
    ASSERT_ST(supply(3 * PAGE, PAGE), ZX_OK);
    reader_t r = {.access = DO_READ, .offset = 0, .length = PAGE};
    service_t sv = {.packets_max = 2, .delay = 40, .action = ACT_DETACH};
    start_reader(&r);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, 0, PAGE);
    ASSERT_ST(r.st, ZX_ERR_BAD_STATE);
    ASSERT_EQ(r.at, 40);
    assert_request(&sv.pkt[1], ZX_PAGER_VMO_COMPLETE, 0, 0);
    /* No more requests: absent pages fail at once, present pages stay readable. */
    uint8_t buf[16];
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, PAGE, sizeof(buf)), ZX_ERR_BAD_STATE);
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, 3 * PAGE, sizeof(buf)), ZX_OK);
    cr_assert(content_ok(buf, 3 * PAGE, sizeof(buf)));
    ASSERT_ST(supply(0, PAGE), ZX_ERR_BAD_STATE);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_FAIL, pg.vmo, 0, PAGE,
                                (uint64_t)(int64_t)ZX_ERR_IO),
              ZX_ERR_BAD_STATE);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 0, PAGE, 0),
              ZX_OK); /* writeback still works */
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, pg.vmo), ZX_OK);
    assert_no_packet(); /* one COMPLETE only */
    kfix_deinit(&f);
}

static void detach_at_10(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, pg.vmo), ZX_OK);
}

Test(pager, detach_withdraws_a_request_the_pager_has_not_taken)
{
    setup(PAGE, ZX_VMO_TRAP_DIRTY);
    reader_t r = {.access = DO_READ, .offset = 0, .length = PAGE};
    start_reader(&r);
    start_controller(detach_at_10, NULL);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(r.st, ZX_ERR_BAD_STATE);
    ASSERT_EQ(r.at, 10);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, 0, PAGE, 0),
              ZX_ERR_BAD_STATE);
    next_request(ZX_PAGER_VMO_COMPLETE, 0, 0); /* the READ is gone from the port */
    assert_no_packet();
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_PAGE_REQUEST_CANCEL, NULL), 1);
    kfix_deinit(&f);
}

Test(pager, detach_errors)
{
    setup(PAGE, 0);
    zx_handle_t ev, other_pager, foreign, anon = vmo_new(PAGE, 0);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_pager_create(0, &other_pager), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(other_pager, 0, pg.port, 0, PAGE, &foreign), ZX_OK);
    ASSERT_ST(zx_pager_detach_vmo(0x5553, pg.vmo), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_detach_vmo(ev, pg.vmo), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_detach_vmo(dup(pg.pager, ZX_RIGHT_MANAGE_VMO), pg.vmo),
              ZX_ERR_ACCESS_DENIED); /* needs ATTACH_VMO too */
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, 0x5553), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, ev), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, dup(pg.vmo, ZX_RIGHT_READ)), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, foreign), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_detach_vmo(pg.pager, anon), ZX_ERR_INVALID_ARGS);
    assert_no_packet();
    kfix_deinit(&f);
}

static void close_pager_at_10(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_handle_close(pg.pager), ZX_OK);
}

Test(pager, closing_the_pager_fails_waiting_readers_and_sends_nothing_more)
{
    setup(2 * PAGE, 0);
    ASSERT_ST(supply(PAGE, PAGE), ZX_OK);
    reader_t r = {.access = DO_READ, .offset = 0, .length = 2 * PAGE};
    start_reader(&r);
    start_controller(close_pager_at_10, NULL);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(r.st, ZX_ERR_BAD_STATE);
    ASSERT_EQ(r.at, 10);
    assert_no_packet(); /* the READ was withdrawn and there is no COMPLETE */
    uint8_t buf[8];
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, 0, sizeof(buf)), ZX_ERR_BAD_STATE);
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, PAGE, sizeof(buf)), ZX_OK);
    cr_assert(vmo_info(pg.vmo).flags & ZX_INFO_VMO_PAGER_BACKED);
    cr_assert(kfix_signals(f.proc) & ZX_PROCESS_TERMINATED, "its handle to the VMO is gone");
    ASSERT_ST(zx_handle_close(pg.vmo), ZX_OK);
    assert_no_packet(); /* not even when the VMO goes */
    const sim_trace_event_t *ev = nth_event(KERNEL_EV_PAGER_DETACH, 0);
    cr_assert_eq(ev->arg[0], 2, "reason %" PRId64, ev->arg[0]);
    cr_assert_eq(ev->arg[1], 1, "waiters failed %" PRId64, ev->arg[1]);
    kfix_deinit(&f);
}

Test(pager, complete_comes_when_the_vmo_and_its_children_are_gone)
{
    setup_unshared(PAGE, ZX_VMO_RESIZABLE);
    zx_handle_t ref;
    ASSERT_ST(zx_vmo_create_child(pg.vmo, ZX_VMO_CHILD_REFERENCE, 0, 0, &ref), ZX_OK);
    ASSERT_ST(zx_handle_close(pg.vmo), ZX_OK);
    assert_no_packet(); /* the child holds the VMO */
    ASSERT_ST(zx_handle_close(ref), ZX_OK);
    next_request(ZX_PAGER_VMO_COMPLETE, 0, 0);
    assert_no_packet();
    kfix_deinit(&f);
}

/* ---- Suspend of a waiting reader ------------------------------------------------------------- */

static zx_handle_t token;

/* Suspends the test process at 10 with the reader's packet still queued, resumes at 20, and
 * answers the request that follows at 30. */
static void suspend_before_the_pager_took_it(sim_t *s, void *arg)
{
    (void)s;
    zx_handle_t reader = *(zx_handle_t *)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    ASSERT_ST(zx_object_wait_one(reader, ZX_THREAD_SUSPENDED, ZX_TIME_INFINITE, NULL), ZX_OK);
    kfix_sleep_until(15); /* the reader unwinds its wait when it next runs */
    assert_no_packet(); /* withdrawn */
    kfix_sleep_until(20);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
    zx_port_packet_t p;
    ASSERT_ST(zx_port_wait(pg.port, ZX_TIME_INFINITE, &p), ZX_OK); /* the re-issued read's */
    assert_request(&p, ZX_PAGER_VMO_READ, 0, PAGE);
    kfix_sleep_until(30);
    ASSERT_ST(supply(0, PAGE), ZX_OK);
}

Test(pager, a_suspended_reader_reissues_its_read_after_resume)
{
    setup(PAGE, 0);
    reader_t r = {.access = DO_READ, .offset = 0, .length = PAGE};
    zx_handle_t t = start_reader(&r);
    start_controller(suspend_before_the_pager_took_it, &t);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(r.st, ZX_OK);
    cr_assert(r.bytes_ok);
    cr_assert_eq(r.at, 30, "done at %" PRId64 ", want 30 (the supply after resume)", r.at);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_PAGE_REQUEST, NULL), 2);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_PAGE_REQUEST_CANCEL, NULL), 1);
    const sim_trace_event_t *wake = nth_event(KERNEL_EV_PAGE_WAKE, 0);
    ASSERT_EQ(wake->status, ZX_ERR_INTERNAL_INTR_RETRY);
    kfix_deinit(&f);
}

/* Takes the packet at 5, suspends at 10, supplies at 20 while the reader is suspended, resumes
 * at 30: the re-issued read finds its pages and asks for nothing. */
static void supply_during_the_suspend(sim_t *s, void *arg)
{
    (void)s;
    zx_handle_t reader = *(zx_handle_t *)arg;
    kfix_sleep_until(5);
    next_request(ZX_PAGER_VMO_READ, 0, 2 * PAGE);
    kfix_sleep_until(10);
    ASSERT_ST(zx_task_suspend(f.proc, &token), ZX_OK);
    ASSERT_ST(zx_object_wait_one(reader, ZX_THREAD_SUSPENDED, ZX_TIME_INFINITE, NULL), ZX_OK);
    kfix_sleep_until(20);
    ASSERT_ST(supply(0, 2 * PAGE), ZX_OK);
    kfix_sleep_until(30);
    ASSERT_ST(zx_handle_close(token), ZX_OK);
}

Test(pager, pages_supplied_while_the_reader_is_suspended_are_found_after_resume)
{
    setup(2 * PAGE, 0);
    reader_t r = {.access = DO_READ, .offset = 0, .length = 2 * PAGE};
    zx_handle_t t = start_reader(&r);
    start_controller(supply_during_the_suspend, &t);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(r.st, ZX_OK);
    cr_assert(r.bytes_ok);
    ASSERT_EQ(r.at, 30);
    ASSERT_EQ(kfix_count(&f, KERNEL_EV_PAGE_REQUEST, NULL), 1);
    kfix_deinit(&f);
}

/* ---- Dirty tracking -------------------------------------------------------------------------- */

static void query(zx_vmo_dirty_range_t *r, size_t n, size_t *actual, size_t *avail)
{
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 0, 8 * PAGE, r,
                                          n * sizeof(zx_vmo_dirty_range_t), actual, avail),
              ZX_OK);
}

static uint32_t stats(uint32_t options)
{
    zx_pager_vmo_stats_t st = {.modified = 99};
    ASSERT_ST(zx_pager_query_vmo_stats(pg.pager, pg.vmo, options, &st, sizeof(st)), ZX_OK);
    return st.modified;
}

Test(pager, a_write_to_a_clean_page_of_a_trap_dirty_vmo_waits_for_op_dirty)
{
    setup(8 * PAGE, ZX_VMO_TRAP_DIRTY);
    ASSERT_ST(supply(0, 2 * PAGE), ZX_OK);
    cr_assert_eq(stats(0), 0, "supplying is not modifying");
    reader_t w = {.access = DO_WRITE, .offset = 100, .length = 10};
    service_t sv = {.packets_max = 1, .delay = 100, .action = ACT_SUPPLY};
    start_reader(&w);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_DIRTY, 0, PAGE);
    ASSERT_ST(w.st, ZX_OK);
    cr_assert_eq(w.at, 100, "the write waited for ZX_PAGER_OP_DIRTY: done at %" PRId64, w.at);
    zx_vmo_dirty_range_t r[4];
    size_t actual = 0, avail = 0;
    query(r, 4, &actual, &avail);
    ASSERT_EQ(actual, 1);
    ASSERT_EQ(r[0].offset, 0);
    ASSERT_EQ(r[0].length, PAGE);
    ASSERT_EQ(r[0].options, 0);
    ASSERT_EQ(stats(ZX_PAGER_RESET_VMO_STATS), ZX_PAGER_VMO_STATS_MODIFIED);
    cr_assert_eq(stats(0), 0, "reset");
    /* Written back, the page is clean again: the next write asks again. */
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 0, PAGE, 0), ZX_OK);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, 0, PAGE, 0), ZX_OK);
    query(r, 4, &actual, &avail);
    ASSERT_EQ(actual, 0);
    kfix_deinit(&f);
}

Test(pager, a_write_asks_to_dirty_only_the_clean_pages_it_touches)
{
    setup(4 * PAGE, ZX_VMO_TRAP_DIRTY);
    ASSERT_ST(supply(0, 4 * PAGE), ZX_OK);
    /* Page 1 dirtied ahead of time is written at once; page 2 written back is clean again. */
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_DIRTY, pg.vmo, PAGE, 2 * PAGE, 0), ZX_OK);
    uint8_t b = 1;
    ASSERT_ST(zx_vmo_write(pg.vmo, &b, PAGE, 1), ZX_OK);
    assert_no_packet();
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 2 * PAGE, PAGE, 0),
              ZX_OK);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, 2 * PAGE, PAGE, 0),
              ZX_OK);
    reader_t w = {.access = DO_WRITE, .offset = 0, .length = 3 * PAGE};
    service_t sv = {.packets_max = 2, .delay = 10, .action = ACT_SUPPLY};
    start_reader(&w);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_DIRTY, 0, PAGE);
    assert_request(&sv.pkt[1], ZX_PAGER_VMO_DIRTY, 2 * PAGE, PAGE);
    ASSERT_ST(w.st, ZX_OK);
    ASSERT_EQ(w.at, 20);
    kfix_deinit(&f);
}

Test(pager, a_write_to_a_missing_page_reads_it_first_then_dirties_it)
{
    setup(2 * PAGE, ZX_VMO_TRAP_DIRTY);
    reader_t w = {.access = DO_WRITE, .offset = PAGE, .length = 4};
    service_t sv = {.packets_max = 2, .delay = 10, .action = ACT_SUPPLY};
    start_reader(&w);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, PAGE, PAGE);
    assert_request(&sv.pkt[1], ZX_PAGER_VMO_DIRTY, PAGE, PAGE);
    ASSERT_ST(w.st, ZX_OK);
    ASSERT_EQ(w.at, 20);
    uint8_t buf[8];
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, PAGE, 8), ZX_OK);
    ASSERT_EQ(buf[3], 0x77);
    cr_assert(content_ok(buf + 4, PAGE + 4, 4), "the rest of the page is the pager's");
    kfix_deinit(&f);
}

Test(pager, without_trap_dirty_writes_dirty_pages_directly_and_writeback_cleans_them)
{
    setup(8 * PAGE, 0);
    ASSERT_ST(supply(0, 8 * PAGE), ZX_OK);
    uint8_t b = 5;
    for (uint64_t page = 0; page < 8; page += 2)
        ASSERT_ST(zx_vmo_write(pg.vmo, &b, page * PAGE + 1, 1), ZX_OK); /* pages 0, 2, 4, 6 */
    assert_no_packet();
    ASSERT_EQ(stats(0), ZX_PAGER_VMO_STATS_MODIFIED);
    zx_vmo_dirty_range_t r[2];
    size_t actual = 0, avail = 0;
    query(r, 2, &actual, &avail);
    cr_assert_eq(actual, 2, "actual %zu", actual);
    cr_assert_eq(avail, 4, "avail %zu", avail);
    ASSERT_EQ(r[1].offset, 2 * PAGE);
    query(r, 2, &actual, NULL);
    ASSERT_EQ(actual, 2);
    /* Unaligned query ranges are widened to pages. */
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 4 * PAGE + 7, 10, r, sizeof(r),
                                          &actual, &avail),
              ZX_OK);
    ASSERT_EQ(actual, 1);
    ASSERT_EQ(r[0].offset, 4 * PAGE);
    /* A write between WRITEBACK_BEGIN and _END keeps its page dirty. */
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, 0, 8 * PAGE, 0),
              ZX_OK);
    ASSERT_ST(zx_vmo_write(pg.vmo, &b, 2 * PAGE, 1), ZX_OK);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, 0, 8 * PAGE, 0),
              ZX_OK);
    query(r, 2, &actual, &avail);
    cr_assert_eq(avail, 1, "avail %zu", avail);
    ASSERT_EQ(r[0].offset, 2 * PAGE);
    ASSERT_EQ(r[0].length, PAGE);
    kfix_deinit(&f);
}

Test(pager, query_dirty_ranges_errors)
{
    setup(2 * PAGE, 0);
    zx_handle_t ev, other_pager, foreign;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_pager_create(0, &other_pager), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(other_pager, 0, pg.port, 0, PAGE, &foreign), ZX_OK);
    zx_vmo_dirty_range_t r[1];
    size_t actual, avail;
    ASSERT_ST(zx_pager_query_dirty_ranges(0x5553, pg.vmo, 0, PAGE, r, sizeof(r), &actual, &avail),
              ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_query_dirty_ranges(ev, pg.vmo, 0, PAGE, r, sizeof(r), &actual, &avail),
              ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_query_dirty_ranges(dup(pg.pager, ZX_RIGHT_ATTACH_VMO), pg.vmo, 0, PAGE, r,
                                          sizeof(r), &actual, &avail),
              ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, 0x5553, 0, PAGE, r, sizeof(r), &actual,
                                          &avail),
              ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, ev, 0, PAGE, r, sizeof(r), &actual, &avail),
              ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, dup(pg.vmo, ZX_RIGHT_WRITE), 0, PAGE, r,
                                          sizeof(r), &actual, &avail),
              ZX_ERR_ACCESS_DENIED); /* needs READ */
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, foreign, 0, PAGE, r, sizeof(r), &actual,
                                          &avail),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, pg.vmo, PAGE, 2 * PAGE, r, sizeof(r), &actual,
                                          &avail),
              ZX_ERR_OUT_OF_RANGE);
    kfix_deinit(&f);
}

Test(pager, query_vmo_stats_errors_and_reset)
{
    setup(PAGE, 0);
    zx_handle_t ev, other_pager, foreign;
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_pager_create(0, &other_pager), ZX_OK);
    ASSERT_ST(zx_pager_create_vmo(other_pager, 0, pg.port, 0, PAGE, &foreign), ZX_OK);
    zx_pager_vmo_stats_t st;
    ASSERT_ST(zx_pager_query_vmo_stats(0x5553, pg.vmo, 0, &st, sizeof(st)), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_query_vmo_stats(ev, pg.vmo, 0, &st, sizeof(st)), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_query_vmo_stats(pg.pager, 0x5553, 0, &st, sizeof(st)), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_pager_query_vmo_stats(pg.pager, ev, 0, &st, sizeof(st)), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_pager_query_vmo_stats(pg.pager, foreign, 0, &st, sizeof(st)),
              ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_pager_query_vmo_stats(pg.pager, pg.vmo, 0, &st, sizeof(st) - 1),
              ZX_ERR_BUFFER_TOO_SMALL);
    ASSERT_ST(zx_pager_query_vmo_stats(pg.pager, pg.vmo, 2, &st, sizeof(st)), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(supply(0, PAGE), ZX_OK);
    uint8_t b = 1;
    ASSERT_ST(zx_vmo_write(pg.vmo, &b, 0, 1), ZX_OK);
    ASSERT_EQ(stats(ZX_PAGER_RESET_VMO_STATS), ZX_PAGER_VMO_STATS_MODIFIED);
    cr_assert_eq(stats(ZX_PAGER_RESET_VMO_STATS), 0, "only the first query after a write sees it");
    kfix_deinit(&f);
}

/* ---- Sizes, eviction, faults ----------------------------------------------------------------- */

static void shrink_at_10(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    kfix_sleep_until(10);
    ASSERT_ST(zx_vmo_set_size(pg.vmo, PAGE), ZX_OK);
}

Test(pager, growing_adds_zero_pages_and_shrinking_ends_reads_past_the_end)
{
    setup(3 * PAGE, ZX_VMO_RESIZABLE);
    reader_t r = {.access = DO_READ, .offset = 2 * PAGE, .length = 8};
    start_reader(&r);
    start_controller(shrink_at_10, NULL);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(r.st, ZX_ERR_OUT_OF_RANGE);
    ASSERT_EQ(r.at, 10);
    assert_no_packet(); /* the withdrawn request never reached the pager */
    /* Past the old size the pager has nothing: zeros, no request, reported dirty and zero. */
    ASSERT_ST(zx_vmo_set_size(pg.vmo, 3 * PAGE), ZX_OK);
    uint8_t buf[16] = {1};
    ASSERT_ST(zx_vmo_read(pg.vmo, buf, PAGE, sizeof(buf)), ZX_OK);
    for (size_t i = 0; i < sizeof(buf); i++)
        ASSERT_EQ(buf[i], 0);
    assert_no_packet();
    zx_vmo_dirty_range_t d[2];
    size_t actual = 0, avail = 0;
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 0, 3 * PAGE, d, sizeof(d), &actual,
                                          &avail),
              ZX_OK);
    ASSERT_EQ(actual, 1);
    ASSERT_EQ(d[0].offset, PAGE);
    ASSERT_EQ(d[0].length, 2 * PAGE);
    ASSERT_EQ(d[0].options, ZX_VMO_DIRTY_RANGE_IS_ZERO);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, pg.vmo, PAGE, 2 * PAGE,
                                ZX_VMO_DIRTY_RANGE_IS_ZERO),
              ZX_OK);
    ASSERT_ST(zx_pager_op_range(pg.pager, ZX_PAGER_OP_WRITEBACK_END, pg.vmo, PAGE, 2 * PAGE, 0),
              ZX_OK);
    ASSERT_ST(zx_pager_query_dirty_ranges(pg.pager, pg.vmo, 0, 3 * PAGE, d, sizeof(d), &actual,
                                          &avail),
              ZX_OK);
    cr_assert_eq(actual, 0, "written back as zeros");
    kfix_deinit(&f);
}

Test(pager, dont_need_evicts_clean_pages_and_keeps_dirty_ones)
{
    setup(2 * PAGE, 0);
    ASSERT_ST(supply(0, 2 * PAGE), ZX_OK);
    uint8_t b = 9;
    ASSERT_ST(zx_vmo_write(pg.vmo, &b, PAGE, 1), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(pg.vmo, ZX_VMO_OP_DONT_NEED, 0, 2 * PAGE, NULL, 0), ZX_OK);
    cr_assert_eq(vmo_info(pg.vmo).committed_bytes, PAGE, "the clean page went");
    const sim_trace_event_t *ev = nth_event(KERNEL_EV_PAGE_EVICT, 0);
    cr_assert_eq(ev->arg[2], 1, "evicted %" PRId64, ev->arg[2]);
    uint8_t got;
    ASSERT_ST(zx_vmo_read(pg.vmo, &got, PAGE, 1), ZX_OK);
    ASSERT_EQ(got, 9);
    reader_t r = {.access = DO_READ, .offset = 0, .length = PAGE};
    service_t sv = {.packets_max = 1, .action = ACT_SUPPLY};
    start_reader(&r);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    assert_request(&sv.pkt[0], ZX_PAGER_VMO_READ, 0, PAGE); /* paged in again */
    cr_assert(r.bytes_ok);
    /* ALWAYS_NEED pages stay. */
    ASSERT_ST(zx_vmo_op_range(pg.vmo, ZX_VMO_OP_ALWAYS_NEED, 0, PAGE, NULL, 0), ZX_OK);
    ASSERT_ST(zx_vmo_op_range(pg.vmo, ZX_VMO_OP_DONT_NEED, 0, PAGE, NULL, 0), ZX_OK);
    ASSERT_EQ(vmo_info(pg.vmo).committed_bytes, 2 * PAGE);
    kfix_deinit(&f);
}

Test(pager, decommit_of_a_pager_backed_vmo_is_not_supported)
{
    setup(PAGE, 0);
    ASSERT_ST(zx_vmo_op_range(pg.vmo, ZX_VMO_OP_DECOMMIT, 0, PAGE, NULL, 0), ZX_ERR_NOT_SUPPORTED);
    kfix_deinit(&f);
}

Test(pager, a_fault_pages_in_and_a_failed_fault_kills_the_process)
{
    setup(4 * PAGE, 0);
    reader_t ok = {.access = DO_TOUCH, .offset = 0, .length = PAGE};
    reader_t bad = {.access = DO_TOUCH, .offset = 2 * PAGE, .length = 1, .start = 100};
    service_t sv = {.packets_max = 2, .delay = 5, .plan = {ACT_SUPPLY, ACT_FAIL},
                    .fail_status = ZX_ERR_IO};
    start_reader(&ok);
    start_reader(&bad);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(ok.st, ZX_OK);
    ASSERT_EQ(ok.at, 5);
    cr_assert_not(bad.done, "the faulting thread never returns");
    cr_assert(kfix_signals(f.proc) & ZX_PROCESS_TERMINATED);
    zx_info_process_t info;
    ASSERT_ST(zx_object_get_info(f.proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL), ZX_OK);
    cr_assert_eq(info.return_code, ZX_TASK_RETCODE_EXCEPTION_KILL, "retcode %" PRId64,
                 info.return_code);
    const sim_trace_event_t *ev = nth_event(KERNEL_EV_PAGE_FAULT, 1);
    ASSERT_EQ(ev->status, ZX_ERR_IO);
    kfix_deinit(&f);
}

/* ---- Determinism ----------------------------------------------------------------------------- */

static uint64_t scripted_run(void)
{
    setup(6 * PAGE, ZX_VMO_TRAP_DIRTY);
    ASSERT_ST(supply(PAGE, PAGE), ZX_OK);
    reader_t r = {.access = DO_READ, .offset = 0, .length = 3 * PAGE};
    reader_t w = {.access = DO_WRITE, .offset = 4 * PAGE, .length = 10, .start = 7};
    service_t sv = {.packets_max = 4, .delay = 13, .action = ACT_SUPPLY};
    start_reader(&r);
    start_reader(&w);
    start_service(&sv);
    ASSERT_EQ(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert(r.bytes_ok);
    ASSERT_ST(w.st, ZX_OK);
    uint64_t fingerprint = sim_fingerprint(f.s);
    kfix_deinit(&f);
    return fingerprint;
}

Test(pager, the_same_calls_give_the_same_fingerprint)
{
    uint64_t a = scripted_run(), b = scripted_run();
    cr_assert_eq(a, b, "fingerprint %016" PRIx64 " then %016" PRIx64, a, b);
}
