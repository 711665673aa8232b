/* test_channel.c - Channels: zx_channel_create, zx_channel_write, zx_channel_read,
 * zx_channel_call, handles moved inside messages, the signals and the queue limit.
 *
 * Goal: the channel contracts of channel.fidl and of Zircon's channel syscalls (reference 1.8,
 * 1.9, 1.10): every success path, every documented error in Zircon's order of checks (with
 * the cases where two errors apply and the first must win), handles consumed on success and
 * on failure, handles moved with the sender's rights into another process, READABLE /
 * WRITABLE / PEER_CLOSED, messages that outlive the writer's close, messages destroyed with
 * their endpoint (and the real consequences for the handles inside), a reader whose wait is
 * interrupted by a suspend and re-issued, zx_channel_call with replies, timeouts, late
 * replies, suspension and death, the 3500-message limit, and determinism.
 *
 * Method: black-box through the zx_ API. Synchronous cases run as setup code (the bootstrap
 * process, no virtual time); cases that block run simulated threads of the fixture's test
 * process (and of a second process where rights and tables matter) at known virtual times,
 * with zero syscall costs so every time is exact. Threads record into globals that are checked
 * after sim_run; the trace (memory sink) is inspected where a fact is only visible there.
 */
#include "kernel_fixture.h"

static kfix_t f;

/* ---- Helpers ------------------------------------------------------------------------------- */

static bool is_valid(zx_handle_t h)
{
    return zx_object_get_info(h, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL) == ZX_OK;
}

static zx_info_handle_basic_t basic(zx_handle_t h)
{
    zx_info_handle_basic_t info;
    memset(&info, 0, sizeof(info));
    ASSERT_ST(zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL),
              ZX_OK);
    return info;
}

static void make_channel(zx_handle_t *c0, zx_handle_t *c1)
{
    ASSERT_ST(zx_channel_create(0, c0, c1), ZX_OK);
}

/* Writes `text` (without its NUL) and no handles. */
static zx_status_t write_str(zx_handle_t ch, const char *text)
{
    return zx_channel_write(ch, 0, text, (uint32_t)strlen(text), NULL, 0);
}

/* Reads one message with no handles and checks its bytes. */
static void expect_read(zx_handle_t ch, const char *want)
{
    char buf[64] = {0};
    uint32_t nb = 0, nh = 99;
    ASSERT_ST(zx_channel_read(ch, 0, buf, NULL, sizeof(buf), 0, &nb, &nh), ZX_OK);
    cr_assert_eq(nb, strlen(want), "read %u bytes, want %zu", nb, strlen(want));
    cr_assert_eq(nh, 0u, "read %u handles, want 0", nh);
    cr_assert(memcmp(buf, want, nb) == 0, "read \"%.*s\", want \"%s\"", (int)nb, buf, want);
}

static size_t count_events(uint32_t kind, zx_status_t status, int arg_index, int64_t arg)
{
    size_t n = 0;
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        if (ev->kind == kind && ev->status == status &&
            (arg_index < 0 || ev->arg[arg_index] == arg))
            n++;
    }
    return n;
}

#define ASSERT_SIGNALS(h, want)                                                                \
    do {                                                                                       \
        zx_signals_t got_ = kfix_signals(h), want_ = (want);                                   \
        cr_assert_eq(got_, want_, "signals of %s: got %#x, want %#x", #h, got_, want_);       \
    } while (0)

/* ---- zx_channel_create --------------------------------------------------------------------- */

Test(channel, create_gives_two_peered_writable_ends_with_default_rights)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    zx_info_handle_basic_t b0 = basic(c0), b1 = basic(c1);
    cr_assert_eq(b0.type, ZX_OBJ_TYPE_CHANNEL, "type %u", b0.type);
    cr_assert_eq(b0.rights, ZX_DEFAULT_CHANNEL_RIGHTS, "rights %#x, want %#x", b0.rights,
                 ZX_DEFAULT_CHANNEL_RIGHTS);
    cr_assert_eq(b1.rights, ZX_DEFAULT_CHANNEL_RIGHTS, "rights %#x", b1.rights);
    cr_assert_eq(b0.rights & ZX_RIGHT_DUPLICATE, 0u, "channels cannot be duplicated");
    cr_assert_eq(b0.related_koid, b1.koid, "peer koid %" PRIu64 " vs %" PRIu64,
                 b0.related_koid, b1.koid);
    cr_assert_eq(b1.related_koid, b0.koid, "peer koid %" PRIu64 " vs %" PRIu64,
                 b1.related_koid, b0.koid);
    ASSERT_SIGNALS(c0, ZX_CHANNEL_WRITABLE);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE);
    kfix_deinit(&f);
}

Test(channel, create_errors)
{
    kfix_init(&f);
    zx_handle_t c0 = ZX_HANDLE_INVALID, c1 = ZX_HANDLE_INVALID;
    ASSERT_ST(zx_channel_create(1, &c0, &c1), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(c0, ZX_HANDLE_INVALID, "no handle on failure: %#x", c0);
    ASSERT_ST(zx_channel_create(0, NULL, &c1), ZX_ERR_INVALID_ARGS);
    kfix_deinit(&f);
}

/* ---- Write and read ------------------------------------------------------------------------ */

Test(channel, a_message_goes_to_the_peer_whole_and_readable_follows_the_queue)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    ASSERT_ST(write_str(c0, "hello"), ZX_OK);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE);
    ASSERT_SIGNALS(c0, ZX_CHANNEL_WRITABLE); /* the writer's own queue is empty */
    ASSERT_ST(zx_channel_read(c0, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_SHOULD_WAIT);
    expect_read(c1, "hello");
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE);
    /* Both directions work; an empty message is a message. */
    ASSERT_ST(zx_channel_write(c1, 0, NULL, 0, NULL, 0), ZX_OK);
    uint32_t nb = 7, nh = 7;
    ASSERT_ST(zx_channel_read(c0, 0, NULL, NULL, 0, 0, &nb, &nh), ZX_OK);
    cr_assert(nb == 0 && nh == 0, "empty message read as %u bytes %u handles", nb, nh);
    kfix_deinit(&f);
}

Test(channel, three_messages_queued_before_anyone_reads_come_out_in_order)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    ASSERT_ST(write_str(c0, "one"), ZX_OK);
    ASSERT_ST(write_str(c0, "two"), ZX_OK);
    ASSERT_ST(write_str(c0, "three"), ZX_OK);
    expect_read(c1, "one");
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE);
    expect_read(c1, "two");
    expect_read(c1, "three");
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE);
    ASSERT_ST(zx_channel_read(c1, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_SHOULD_WAIT);
    cr_assert_eq(kfix_count(&f, KERNEL_EV_CHANNEL_WRITE, NULL), 3u, "3 writes traced");
    cr_assert_eq(kfix_count(&f, KERNEL_EV_CHANNEL_READ, NULL), 3u, "3 reads traced");
    kfix_deinit(&f);
}

Test(channel, byte_limit_is_inclusive)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    static uint8_t big[ZX_CHANNEL_MAX_MSG_BYTES + 1];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7u);
    ASSERT_ST(zx_channel_write(c0, 0, big, ZX_CHANNEL_MAX_MSG_BYTES + 1, NULL, 0),
              ZX_ERR_OUT_OF_RANGE);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE); /* nothing was queued */
    ASSERT_ST(zx_channel_write(c0, 0, big, ZX_CHANNEL_MAX_MSG_BYTES, NULL, 0), ZX_OK);
    static uint8_t back[ZX_CHANNEL_MAX_MSG_BYTES];
    uint32_t nb = 0;
    ASSERT_ST(zx_channel_read(c1, 0, back, NULL, sizeof(back), 0, &nb, NULL), ZX_OK);
    cr_assert_eq(nb, ZX_CHANNEL_MAX_MSG_BYTES, "read %u bytes", nb);
    cr_assert(memcmp(back, big, nb) == 0, "bytes differ");
    kfix_deinit(&f);
}

/* ---- Write errors -------------------------------------------------------------------------- */

Test(channel, write_errors_each)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev, ro;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_channel_write(c0, 4, "x", 1, NULL, 0), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_channel_write(c0, ZX_CHANNEL_WRITE_USE_IOVEC, "x", 1, NULL, 0),
              ZX_ERR_NOT_SUPPORTED); /* not modelled */
    ASSERT_ST(zx_channel_write(0x12345673, 0, "x", 1, NULL, 0), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_channel_write(ev, 0, "x", 1, NULL, 0), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_replace(c0, ZX_DEFAULT_CHANNEL_RIGHTS & ~ZX_RIGHT_WRITE, &ro), ZX_OK);
    ASSERT_ST(zx_channel_write(ro, 0, "x", 1, NULL, 0), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_channel_write(ro, 0, NULL, 0, NULL, 0), ZX_ERR_ACCESS_DENIED);
    zx_handle_t c2, c3;
    make_channel(&c2, &c3);
    ASSERT_ST(zx_channel_write(c2, 0, NULL, 1, NULL, 0), ZX_ERR_INVALID_ARGS); /* no buffer */
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE);
    ASSERT_SIGNALS(c3, ZX_CHANNEL_WRITABLE);
    kfix_deinit(&f);
}

Test(channel, sixty_five_handles_are_out_of_range_and_all_are_consumed)
{
    kfix_init(&f);
    zx_handle_t c0, c1, evs[ZX_CHANNEL_MAX_MSG_HANDLES + 1];
    make_channel(&c0, &c1);
    for (size_t i = 0; i < ZX_CHANNEL_MAX_MSG_HANDLES + 1; i++)
        ASSERT_ST(zx_event_create(0, &evs[i]), ZX_OK);
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, evs, ZX_CHANNEL_MAX_MSG_HANDLES + 1),
              ZX_ERR_OUT_OF_RANGE);
    for (size_t i = 0; i < ZX_CHANNEL_MAX_MSG_HANDLES + 1; i++)
        cr_assert(!is_valid(evs[i]), "handle %zu (%#x) survived a failed write", i, evs[i]);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE);
    /* Exactly 64 is fine. */
    for (size_t i = 0; i < ZX_CHANNEL_MAX_MSG_HANDLES; i++)
        ASSERT_ST(zx_event_create(0, &evs[i]), ZX_OK);
    ASSERT_ST(zx_channel_write(c0, 0, NULL, 0, evs, ZX_CHANNEL_MAX_MSG_HANDLES), ZX_OK);
    zx_handle_t got[ZX_CHANNEL_MAX_MSG_HANDLES];
    uint32_t nh = 0;
    ASSERT_ST(zx_channel_read(c1, 0, NULL, got, 0, ZX_CHANNEL_MAX_MSG_HANDLES, NULL, &nh), ZX_OK);
    cr_assert_eq(nh, ZX_CHANNEL_MAX_MSG_HANDLES, "read %u handles", nh);
    for (size_t i = 0; i < nh; i++)
        cr_assert(is_valid(got[i]), "received handle %zu invalid", i);
    kfix_deinit(&f);
}

Test(channel, a_message_over_the_byte_limit_consumes_its_handles)
{
    kfix_init(&f);
    zx_handle_t c0, c1, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    static uint8_t big[ZX_CHANNEL_MAX_MSG_BYTES + 1];
    ASSERT_ST(zx_channel_write(c0, 0, big, sizeof(big), &p0, 1), ZX_ERR_OUT_OF_RANGE);
    cr_assert(!is_valid(p0), "the handle was not consumed");
    /* Consumed means closed: the eventpair's other end sees it. */
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, writing_the_channels_own_handle_is_not_supported_and_closes_it)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, &c0, 1), ZX_ERR_NOT_SUPPORTED);
    /* The handle was taken out of the table like any other: the end is closed. */
    cr_assert(!is_valid(c0), "own handle survived");
    ASSERT_SIGNALS(c1, ZX_CHANNEL_PEER_CLOSED);
    /* Writing the *peer's* handle is allowed: it travels inside its own queue. */
    zx_handle_t c2, c3;
    make_channel(&c2, &c3);
    ASSERT_ST(zx_channel_write(c2, 0, "x", 1, &c3, 1), ZX_OK);
    ASSERT_SIGNALS(c2, ZX_CHANNEL_WRITABLE); /* c3 lives on, in transit */
    kfix_deinit(&f);
}

Test(channel, duplicate_handles_in_the_list_are_bad_handle_and_consumed)
{
    kfix_init(&f);
    zx_handle_t c0, c1, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    zx_handle_t list[2] = {p0, p0};
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, list, 2), ZX_ERR_BAD_HANDLE);
    cr_assert(!is_valid(p0), "p0 survived");
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE); /* nothing delivered */
    kfix_deinit(&f);
}

Test(channel, a_handle_without_transfer_is_access_denied_and_the_rest_are_consumed)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev, fixed, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_handle_replace(ev, ZX_DEFAULT_EVENT_RIGHTS & ~ZX_RIGHT_TRANSFER, &fixed), ZX_OK);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    zx_handle_t list[2] = {p0, fixed};
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, list, 2), ZX_ERR_ACCESS_DENIED);
    cr_assert(!is_valid(fixed), "the refused handle is consumed too");
    cr_assert(!is_valid(p0), "the accepted handle is closed with the dropped message");
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE);
    kfix_deinit(&f);
}

Test(channel, writing_to_a_closed_peer_is_peer_closed_and_consumes_the_handles)
{
    kfix_init(&f);
    zx_handle_t c0, c1, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    ASSERT_ST(zx_handle_close(c1), ZX_OK);
    ASSERT_SIGNALS(c0, ZX_CHANNEL_PEER_CLOSED); /* WRITABLE is gone */
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, &p0, 1), ZX_ERR_PEER_CLOSED);
    cr_assert(!is_valid(p0), "p0 survived");
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, write_errors_come_in_zircons_order)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev, fixed, other;
    make_channel(&c0, &c1);
    static uint8_t big[ZX_CHANNEL_MAX_MSG_BYTES + 1];
    /* Options before the handle. */
    ASSERT_ST(zx_channel_write(0x12345673, 8, "x", 1, NULL, 0), ZX_ERR_INVALID_ARGS);
    /* The channel handle before the size. */
    ASSERT_ST(zx_channel_write(0x12345673, 0, big, sizeof(big), NULL, 0), ZX_ERR_BAD_HANDLE);
    /* The size before any listed handle. */
    zx_handle_t bogus = 0x7654323;
    ASSERT_ST(zx_channel_write(c0, 0, big, sizeof(big), &bogus, 1), ZX_ERR_OUT_OF_RANGE);
    /* Among the listed handles the first failure wins: no TRANSFER before a bad value. */
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_handle_replace(ev, ZX_RIGHT_WAIT, &fixed), ZX_OK);
    zx_handle_t list1[2] = {fixed, bogus};
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, list1, 2), ZX_ERR_ACCESS_DENIED);
    /* ... and a bad value before the channel's own handle. */
    zx_handle_t list2[2] = {bogus, c0};
    ASSERT_ST(zx_channel_write(c0, 0, "x", 1, list2, 2), ZX_ERR_BAD_HANDLE);
    cr_assert(!is_valid(c0), "c0 was listed, so it is consumed");
    /* Handle errors before PEER_CLOSED (c1's peer c0 is now closed). */
    ASSERT_ST(zx_event_create(0, &other), ZX_OK);
    zx_handle_t list3[2] = {other, bogus};
    ASSERT_ST(zx_channel_write(c1, 0, "x", 1, list3, 2), ZX_ERR_BAD_HANDLE);
    cr_assert(!is_valid(other), "other consumed");
    ASSERT_ST(zx_channel_write(c1, 0, "x", 1, NULL, 0), ZX_ERR_PEER_CLOSED);
    kfix_deinit(&f);
}

/* ---- Read errors and options --------------------------------------------------------------- */

Test(channel, read_errors_each)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev, wo;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_channel_read(0x12345673, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_channel_read(ev, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_WRONG_TYPE);
    ASSERT_ST(zx_handle_replace(c1, ZX_DEFAULT_CHANNEL_RIGHTS & ~ZX_RIGHT_READ, &wo), ZX_OK);
    ASSERT_ST(zx_channel_read(wo, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_channel_read(c0, 2, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_NOT_SUPPORTED);
    /* The rights check comes before the options check. */
    ASSERT_ST(zx_channel_read(wo, 2, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_ACCESS_DENIED);
    ASSERT_ST(zx_channel_read(c0, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_SHOULD_WAIT);
    /* A buffer that cannot be written: INVALID_ARGS, and the message is gone. */
    ASSERT_ST(write_str(wo, "lost"), ZX_OK);
    ASSERT_ST(zx_channel_read(c0, 0, NULL, NULL, 64, 0, NULL, NULL), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_channel_read(c0, 0, NULL, NULL, 64, 0, NULL, NULL), ZX_ERR_SHOULD_WAIT);
    kfix_deinit(&f);
}

Test(channel, buffer_too_small_reports_the_sizes_and_keeps_the_message)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_channel_write(c0, 0, "abcdef", 6, &ev, 1), ZX_OK);
    char buf[8];
    zx_handle_t got = ZX_HANDLE_INVALID;
    uint32_t nb = 0, nh = 0;
    /* Too few bytes, then too few handles: both report the message's sizes. */
    ASSERT_ST(zx_channel_read(c1, 0, buf, &got, 5, 1, &nb, &nh), ZX_ERR_BUFFER_TOO_SMALL);
    cr_assert(nb == 6 && nh == 1, "sizes %u/%u, want 6/1", nb, nh);
    nb = nh = 0;
    ASSERT_ST(zx_channel_read(c1, 0, buf, &got, 8, 0, &nb, &nh), ZX_ERR_BUFFER_TOO_SMALL);
    cr_assert(nb == 6 && nh == 1, "sizes %u/%u, want 6/1", nb, nh);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE);
    /* Still there: a big enough read gets it whole. */
    ASSERT_ST(zx_channel_read(c1, 0, buf, &got, 8, 1, &nb, &nh), ZX_OK);
    cr_assert(nb == 6 && nh == 1 && memcmp(buf, "abcdef", 6) == 0, "read %u/%u", nb, nh);
    cr_assert(is_valid(got), "received handle %#x invalid", got);
    kfix_deinit(&f);
}

Test(channel, may_discard_drops_a_message_that_does_not_fit_with_its_handles)
{
    kfix_init(&f);
    zx_handle_t c0, c1, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    ASSERT_ST(zx_channel_write(c0, 0, "abcdef", 6, &p0, 1), ZX_OK);
    ASSERT_ST(write_str(c0, "next"), ZX_OK);
    uint32_t nb = 0, nh = 0;
    ASSERT_ST(zx_channel_read(c1, ZX_CHANNEL_READ_MAY_DISCARD, NULL, NULL, 0, 0, &nb, &nh),
              ZX_ERR_BUFFER_TOO_SMALL);
    cr_assert(nb == 6 && nh == 1, "sizes %u/%u, want 6/1", nb, nh);
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED); /* the discarded handle was closed */
    expect_read(c1, "next");
    /* MAY_DISCARD changes nothing for a message that fits. */
    ASSERT_ST(write_str(c0, "fits"), ZX_OK);
    char buf[8];
    ASSERT_ST(zx_channel_read(c1, ZX_CHANNEL_READ_MAY_DISCARD, buf, NULL, 8, 0, &nb, NULL),
              ZX_OK);
    cr_assert(nb == 4 && memcmp(buf, "fits", 4) == 0, "read %u bytes", nb);
    cr_assert_eq(count_events(KERNEL_EV_CHANNEL_DISCARD, ZX_OK, 2, 0), 1u, "one MAY_DISCARD");
    kfix_deinit(&f);
}

Test(channel, after_peer_close_the_queue_drains_then_peer_closed)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    ASSERT_ST(write_str(c0, "a"), ZX_OK);
    ASSERT_ST(write_str(c0, "b"), ZX_OK);
    ASSERT_ST(zx_handle_close(c0), ZX_OK);
    ASSERT_SIGNALS(c1, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED);
    expect_read(c1, "a");
    expect_read(c1, "b");
    ASSERT_SIGNALS(c1, ZX_CHANNEL_PEER_CLOSED);
    ASSERT_ST(zx_channel_read(c1, 0, NULL, NULL, 0, 0, NULL, NULL), ZX_ERR_PEER_CLOSED);
    ASSERT_ST(zx_object_signal_peer(c1, 0, ZX_USER_SIGNAL_0), ZX_ERR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, handles_in_transit_keep_their_objects_open)
{
    kfix_init(&f);
    zx_handle_t c0, c1, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    zx_koid_t koid = basic(p0).koid;
    ASSERT_ST(zx_channel_write(c0, 0, NULL, 0, &p0, 1), ZX_OK);
    cr_assert(!is_valid(p0), "sent handle still in the sender's table");
    ASSERT_SIGNALS(p1, 0u); /* the only handle to p0's end is in flight: no PEER_CLOSED */
    /* The writer closing its end does not destroy what it already sent. */
    ASSERT_ST(zx_handle_close(c0), ZX_OK);
    ASSERT_SIGNALS(p1, 0u);
    zx_handle_t got;
    ASSERT_ST(zx_channel_read(c1, 0, NULL, &got, 0, 1, NULL, NULL), ZX_OK);
    cr_assert_eq(basic(got).koid, koid, "same object on arrival");
    ASSERT_ST(zx_handle_close(got), ZX_OK);
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, an_eventpair_in_an_undelivered_message_is_closed_with_the_channel)
{
    kfix_init(&f);
    zx_handle_t c0, c1, p0, p1;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    ASSERT_ST(zx_channel_write(c0, 0, "wake", 4, &p0, 1), ZX_OK);
    ASSERT_SIGNALS(p1, 0u);
    /* c1 holds the message in its queue; closing c1 destroys the queue. */
    ASSERT_ST(zx_handle_close(c1), ZX_OK);
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    ASSERT_SIGNALS(c0, ZX_CHANNEL_PEER_CLOSED);
    cr_assert_eq(count_events(KERNEL_EV_CHANNEL_DISCARD, ZX_OK, 2, 1), 1u,
                 "one message discarded because its endpoint was destroyed");
    kfix_deinit(&f);
}

/* ---- Handles moved between processes ------------------------------------------------------- */

#define SENT_RIGHTS (ZX_RIGHT_TRANSFER | ZX_RIGHT_WAIT | ZX_RIGHT_SIGNAL | ZX_RIGHT_INSPECT)

static struct {
    zx_handle_t c0, c1, ev;   /* c0 and ev in the test process, c1 in "other" */
    zx_koid_t ev_koid;
    zx_status_t write_st, close_after_st;
    zx_status_t read_st, signal_st, dup_st;
    zx_info_handle_basic_t got;
    zx_koid_t reader_proc;
} mv;

static void mv_sender(void *arg)
{
    (void)arg;
    kfix_sleep_until(100);
    mv.write_st = zx_channel_write(mv.c0, 0, "h", 1, &mv.ev, 1);
    mv.close_after_st = zx_handle_close(mv.ev); /* gone from the sender's table */
}

static void mv_receiver(void *arg)
{
    (void)arg;
    ASSERT_ST(zx_object_wait_one(mv.c1, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, NULL), ZX_OK);
    zx_handle_t h = ZX_HANDLE_INVALID;
    char b;
    mv.read_st = zx_channel_read(mv.c1, 0, &b, &h, 1, 1, NULL, NULL);
    if (mv.read_st != ZX_OK)
        return;
    zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &mv.got, sizeof(mv.got), NULL, NULL);
    mv.signal_st = zx_object_signal(h, 0, ZX_EVENT_SIGNALED);
    zx_handle_t dup;
    mv.dup_st = zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &dup);
}

Test(channel, handles_move_into_the_readers_process_with_the_senders_rights)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev, watch, other, t;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    ASSERT_ST(zx_handle_duplicate(ev, ZX_RIGHT_SAME_RIGHTS, &watch), ZX_OK);
    mv.ev_koid = basic(ev).koid;
    zx_handle_t reduced;
    ASSERT_ST(zx_handle_replace(ev, SENT_RIGHTS, &reduced), ZX_OK);
    ASSERT_ST(kernel_process_create(f.job, "other", &other), ZX_OK);
    mv.reader_proc = basic(other).koid;
    mv.c0 = kfix_give(&f, c0);
    mv.ev = kfix_give(&f, reduced);
    ASSERT_ST(kernel_handle_transfer(c1, other, &mv.c1), ZX_OK);
    kfix_thread(&f, "sender", mv_sender, NULL);
    ASSERT_ST(kernel_thread_create(other, "receiver", mv_receiver, NULL, NULL, &t), ZX_OK);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(mv.write_st, ZX_OK);
    ASSERT_ST(mv.close_after_st, ZX_ERR_BAD_HANDLE);
    ASSERT_ST(mv.read_st, ZX_OK);
    cr_assert_eq(mv.got.koid, mv.ev_koid, "koid %" PRIu64 ", want %" PRIu64, mv.got.koid,
                 mv.ev_koid);
    cr_assert_eq(mv.got.rights, SENT_RIGHTS, "rights %#x, want %#x", mv.got.rights,
                 SENT_RIGHTS);
    ASSERT_ST(mv.signal_st, ZX_OK);
    ASSERT_ST(mv.dup_st, ZX_ERR_ACCESS_DENIED); /* DUPLICATE was not sent */
    cr_assert(kfix_signals(watch) & ZX_EVENT_SIGNALED, "the receiver's signal reached the event");
    kfix_deinit(&f);
}

/* ---- Waiters ------------------------------------------------------------------------------- */

static struct {
    zx_handle_t c0, c1, ev, thread;
    zx_status_t st, st2;
    zx_signals_t observed;
    zx_instant_mono_t at;
} w;

static void peer_closed_waiter(void *arg)
{
    (void)arg;
    w.st = zx_object_wait_one(w.c1, ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE, &w.observed);
    w.at = zx_clock_get_monotonic();
}

static void closer_at_100(void *arg)
{
    (void)arg;
    kfix_sleep_until(100);
    ASSERT_ST(zx_handle_close(w.c0), ZX_OK);
}

Test(channel, peer_closed_wakes_a_waiter_on_the_survivor)
{
    kfix_init(&f);
    memset(&w, 0, sizeof(w));
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    w.c0 = kfix_give(&f, c0);
    w.c1 = kfix_give(&f, c1);
    kfix_thread(&f, "waiter", peer_closed_waiter, NULL);
    kfix_thread(&f, "closer", closer_at_100, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(w.st, ZX_OK);
    cr_assert_eq(w.at, 100, "woke at %" PRId64 ", want 100", w.at);
    cr_assert_eq(w.observed, ZX_CHANNEL_PEER_CLOSED, "observed %#x (WRITABLE must be gone)",
                 w.observed);
    kfix_deinit(&f);
}

static void event_waiter(void *arg)
{
    (void)arg;
    w.st = zx_object_wait_one(w.ev, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE, &w.observed);
    w.at = zx_clock_get_monotonic();
}

static void send_the_waited_handle_then_read_it(void *arg)
{
    (void)arg;
    kfix_sleep_until(50);
    ASSERT_ST(zx_channel_write(w.c0, 0, NULL, 0, &w.ev, 1), ZX_OK);
    kfix_sleep_until(80);
    zx_handle_t back;
    ASSERT_ST(zx_channel_read(w.c1, 0, NULL, &back, 0, 1, NULL, NULL), ZX_OK);
}

Test(channel, a_wait_through_a_sent_handle_ends_when_the_handle_is_read_out)
{
    kfix_init(&f);
    memset(&w, 0, sizeof(w));
    zx_handle_t c0, c1, ev;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    w.c0 = kfix_give(&f, c0);
    w.c1 = kfix_give(&f, c1);
    w.ev = kfix_give(&f, ev);
    kfix_thread(&f, "waiter", event_waiter, NULL);
    kfix_thread(&f, "mover", send_the_waited_handle_then_read_it, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    /* Zircon cancels such waits in msg_get_handles, not at write time. */
    ASSERT_ST(w.st, ZX_ERR_CANCELED);
    cr_assert_eq(w.at, 80, "canceled at %" PRId64 ", want 80", w.at);
    kfix_deinit(&f);
}

/* A reader blocked in zx_object_wait_one(READABLE) is suspended and resumed. */

static void readable_waiter(void *arg)
{
    (void)arg;
    w.st = zx_object_wait_one(w.c1, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, &w.observed);
    w.at = zx_clock_get_monotonic();
}

typedef struct suspend_plan {
    zx_instant_mono_t write_at, resume_at;
    zx_thread_state_t state_at_150;
} suspend_plan_t;

static void suspender(void *arg)
{
    suspend_plan_t *p = arg;
    kfix_sleep_until(100);
    zx_handle_t token;
    ASSERT_ST(zx_task_suspend(w.thread, &token), ZX_OK);
    kfix_sleep_until(150);
    p->state_at_150 = kfix_thread_state(w.thread);
    for (int step = 0; step < 2; step++) {
        bool write_now = (step == 0) == (p->write_at < p->resume_at);
        kfix_sleep_until(write_now ? p->write_at : p->resume_at);
        if (write_now)
            ASSERT_ST(write_str(w.c0, "m"), ZX_OK);
        else
            ASSERT_ST(zx_handle_close(token), ZX_OK);
    }
}

static void run_suspended_reader(suspend_plan_t *plan)
{
    kfix_init(&f);
    memset(&w, 0, sizeof(w));
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    w.c0 = kfix_give(&f, c0);
    w.c1 = kfix_give(&f, c1);
    zx_handle_t t = kfix_thread(&f, "reader", readable_waiter, NULL);
    w.thread = kfix_share(&f, t);
    kfix_thread(&f, "suspender", suspender, plan);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert_eq(plan->state_at_150, ZX_THREAD_STATE_SUSPENDED, "state %#x at 150",
                 plan->state_at_150);
    ASSERT_ST(w.st, ZX_OK);
    cr_assert_eq(w.observed, ZX_CHANNEL_READABLE | ZX_CHANNEL_WRITABLE, "observed %#x",
                 w.observed);
    /* One syscall, interrupted once (INTR_RETRY) and re-issued after the resume. */
    zx_koid_t reader = basic(t).koid;
    cr_assert_eq(count_events(KERNEL_EV_WAKE, ZX_ERR_INTERNAL_INTR_RETRY, 3, (int64_t)reader),
                 1u, "one interrupted wait");
    cr_assert_eq(kfix_count(&f, KERNEL_EV_SYSCALL, "zx_object_wait_one"), 1u,
                 "the vDSO re-issue is inside one zx_object_wait_one");
}

Test(channel, a_suspended_reader_sees_a_message_written_meanwhile_only_after_resume)
{
    suspend_plan_t plan = {.write_at = 200, .resume_at = 300};
    run_suspended_reader(&plan);
    cr_assert_eq(w.at, 300, "returned at %" PRId64 ", want the resume at 300", w.at);
    kfix_deinit(&f);
}

Test(channel, a_resumed_reader_waits_again_for_a_later_message)
{
    suspend_plan_t plan = {.write_at = 400, .resume_at = 200};
    run_suspended_reader(&plan);
    cr_assert_eq(w.at, 400, "returned at %" PRId64 ", want the write at 400", w.at);
    kfix_deinit(&f);
}

/* ---- zx_channel_call ----------------------------------------------------------------------- */

static struct {
    zx_handle_t cli, srv, p0;        /* test process; p0 (optional) goes with the reply */
    zx_handle_t thread, proc;        /* the client thread and process, for the controllers */
    zx_instant_mono_t deadline;      /* of the call */
    zx_instant_mono_t reply_at;      /* when the server replies (0: it closes instead) */
    zx_instant_mono_t suspend_at, resume_at, kill_at, close_at;
    uint32_t reply_bytes;
    bool read_late;                  /* the client reads its queue at 150 after the call */
    /* results */
    zx_status_t st, late_st, reply_st, again_st;
    uint32_t nb, nh, txid_seen, late_txid;
    int requests;
    char reply[16];
    zx_handle_t rh[1];
    zx_instant_mono_t at;
    zx_signals_t cli_at_150;
} cl;

static void call_client(void *arg)
{
    (void)arg;
    char req[8] = {'.', '.', '.', '.', 'p', 'i', 'n', 'g'}; /* bytes 0-3 become the txid */
    zx_channel_call_args_t a = {.wr_bytes = req, .wr_num_bytes = sizeof(req),
                                .rd_bytes = cl.reply, .rd_num_bytes = sizeof(cl.reply),
                                .rd_handles = cl.rh, .rd_num_handles = 1};
    cl.st = zx_channel_call(cl.cli, 0, cl.deadline, &a, &cl.nb, &cl.nh);
    cl.at = zx_clock_get_monotonic();
    if (!cl.read_late)
        return;
    kfix_sleep_until(150);
    char buf[16];
    cl.late_st = zx_channel_read(cl.cli, 0, buf, NULL, sizeof(buf), 0, NULL, NULL);
    memcpy(&cl.late_txid, buf, sizeof(cl.late_txid));
}

static void call_server(void *arg)
{
    (void)arg;
    ASSERT_ST(zx_object_wait_one(cl.srv, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, NULL), ZX_OK);
    char buf[16];
    ASSERT_ST(zx_channel_read(cl.srv, 0, buf, NULL, sizeof(buf), 0, NULL, NULL), ZX_OK);
    cl.requests++;
    memcpy(&cl.txid_seen, buf, sizeof(cl.txid_seen));
    if (!cl.reply_at) {
        kfix_sleep_until(100);
        ASSERT_ST(zx_handle_close(cl.srv), ZX_OK);
        return;
    }
    kfix_sleep_until(cl.reply_at);
    char rep[32] = {0};
    memcpy(rep, &cl.txid_seen, sizeof(cl.txid_seen));
    memcpy(rep + 4, "pong", 4);
    cl.reply_st = zx_channel_write(cl.srv, 0, rep, cl.reply_bytes, cl.p0 ? &cl.p0 : NULL,
                                   cl.p0 ? 1 : 0);
    /* No request is sent twice, even across a suspend. */
    cl.again_st = zx_object_wait_one(cl.srv, ZX_CHANNEL_READABLE, 300, NULL);
}

/* Suspends, resumes, kills or closes, as `cl` plans; lives in its own process. */
static void call_controller(void *arg)
{
    (void)arg;
    zx_handle_t token = ZX_HANDLE_INVALID;
    if (cl.suspend_at) {
        kfix_sleep_until(cl.suspend_at);
        ASSERT_ST(zx_task_suspend(cl.thread, &token), ZX_OK);
    }
    if (cl.kill_at) {
        kfix_sleep_until(cl.kill_at);
        ASSERT_ST(zx_task_kill(cl.proc), ZX_OK);
        return;
    }
    if (cl.resume_at) {
        kfix_sleep_until(150);
        cl.cli_at_150 = kfix_signals(cl.cli);
        kfix_sleep_until(cl.resume_at);
        ASSERT_ST(zx_handle_close(token), ZX_OK);
    }
}

static void call_closer(void *arg)
{
    (void)arg;
    kfix_sleep_until(cl.close_at);
    ASSERT_ST(zx_handle_close(cl.cli), ZX_OK);
}

/* Client and server run in the test process. A controller that only suspends runs there too
 * (it polls the client's end); one that kills the client's process runs with the server in
 * a second process, "ctl". */
static void run_call(void)
{
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    cl.cli = kfix_give(&f, c0);
    zx_handle_t other = f.proc, t, t2;
    if (cl.kill_at)
        ASSERT_ST(kernel_process_create(f.job, "ctl", &other), ZX_OK);
    ASSERT_ST(kernel_handle_transfer(c1, other, &cl.srv), ZX_OK);
    t = kfix_thread(&f, "client", call_client, NULL);
    ASSERT_ST(kernel_thread_create(other, "server", call_server, NULL, NULL, &t2), ZX_OK);
    if (cl.close_at)
        kfix_thread(&f, "closer", call_closer, NULL);
    if (!cl.suspend_at && !cl.kill_at)
        return;
    ASSERT_ST(kernel_handle_transfer(t, other, &cl.thread), ZX_OK);
    zx_handle_t proc_dup;
    ASSERT_ST(zx_handle_duplicate(f.proc, ZX_RIGHT_SAME_RIGHTS, &proc_dup), ZX_OK);
    ASSERT_ST(kernel_handle_transfer(proc_dup, other, &cl.proc), ZX_OK);
    ASSERT_ST(kernel_thread_create(other, "controller", call_controller, NULL, NULL, &t2),
              ZX_OK);
}

static void call_init(void)
{
    kfix_init(&f);
    memset(&cl, 0, sizeof(cl));
    cl.deadline = ZX_TIME_INFINITE;
    cl.reply_at = 100;
    cl.reply_bytes = 8;
}

Test(channel, call_returns_the_reply_matching_its_kernel_txid)
{
    call_init();
    run_call();
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(cl.st, ZX_OK);
    cr_assert_eq(cl.at, 100, "returned at %" PRId64 ", want 100", cl.at);
    cr_assert_geq(cl.txid_seen, 0x80000000u, "txid %#x is not kernel-generated", cl.txid_seen);
    cr_assert(cl.nb == 8 && cl.nh == 0, "reply %u bytes %u handles, want 8/0", cl.nb, cl.nh);
    cr_assert(memcmp(cl.reply, &cl.txid_seen, 4) == 0 && memcmp(cl.reply + 4, "pong", 4) == 0,
              "reply bytes differ");
    cr_assert_eq(cl.requests, 1, "requests %d", cl.requests);
    /* The reply went to the waiter, not to the queue. */
    cr_assert_eq(count_events(KERNEL_EV_CHANNEL_WRITE, ZX_OK, 2, -1), 1u, "handed to the call");
    cr_assert_eq(count_events(KERNEL_EV_CHANNEL_CALL_END, ZX_OK, -1, 0), 1u, "CALL_END ok");
    kfix_deinit(&f);
}

Test(channel, call_times_out_and_the_late_reply_lands_in_the_queue)
{
    call_init();
    cl.deadline = 50;
    cl.read_late = true;
    run_call();
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(cl.st, ZX_ERR_TIMED_OUT);
    cr_assert_eq(cl.at, 50, "timed out at %" PRId64 ", want 50", cl.at);
    ASSERT_ST(cl.reply_st, ZX_OK);
    ASSERT_ST(cl.late_st, ZX_OK);
    cr_assert_eq(cl.late_txid, cl.txid_seen, "late reply txid %#x, want %#x", cl.late_txid,
                 cl.txid_seen);
    kfix_deinit(&f);
}

Test(channel, call_ends_with_peer_closed_when_the_server_closes)
{
    call_init();
    cl.reply_at = 0; /* the server closes at 100 */
    run_call();
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(cl.st, ZX_ERR_PEER_CLOSED);
    cr_assert_eq(cl.at, 100, "returned at %" PRId64 ", want 100", cl.at);
    kfix_deinit(&f);
}

Test(channel, call_is_canceled_when_its_own_end_is_closed)
{
    call_init();
    cl.close_at = 60;
    run_call();
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(cl.st, ZX_ERR_CANCELED);
    cr_assert_eq(cl.at, 60, "returned at %" PRId64 ", want 60", cl.at);
    ASSERT_ST(cl.reply_st, ZX_ERR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, call_drops_a_reply_that_does_not_fit_with_its_handles)
{
    call_init();
    zx_handle_t p0, p1;
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    cl.p0 = kfix_give(&f, p0);
    cl.reply_bytes = 20; /* the client reads into 16 bytes */
    run_call();
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(cl.st, ZX_ERR_BUFFER_TOO_SMALL);
    ASSERT_SIGNALS(p1, ZX_EVENTPAIR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, call_errors_in_order)
{
    kfix_init(&f);
    zx_handle_t c0, c1, wo, p0, p1;
    make_channel(&c0, &c1);
    char req[8] = {0};
    zx_channel_call_args_t a = {.wr_bytes = req, .wr_num_bytes = 8};
    ASSERT_ST(zx_channel_call(c0, 0, 0, NULL, NULL, NULL), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_channel_call(c0, 1, 0, &a, NULL, NULL), ZX_ERR_INVALID_ARGS);
    ASSERT_ST(zx_channel_call(0x12345673, 0, 0, &a, NULL, NULL), ZX_ERR_BAD_HANDLE);
    ASSERT_ST(zx_handle_replace(c0, ZX_DEFAULT_CHANNEL_RIGHTS & ~ZX_RIGHT_READ, &wo), ZX_OK);
    ASSERT_ST(zx_channel_call(wo, 0, 0, &a, NULL, NULL), ZX_ERR_ACCESS_DENIED);
    /* Too many handles is checked before a message too short for a txid. */
    zx_channel_call_args_t shortmany = {.wr_bytes = req, .wr_num_bytes = 3,
                                        .wr_num_handles = ZX_CHANNEL_MAX_MSG_HANDLES + 1};
    zx_handle_t none[ZX_CHANNEL_MAX_MSG_HANDLES + 1] = {0};
    shortmany.wr_handles = none;
    ASSERT_ST(zx_channel_call(wo, 0, 0, &shortmany, NULL, NULL), ZX_ERR_ACCESS_DENIED);
    zx_handle_t c2, c3;
    make_channel(&c2, &c3);
    ASSERT_ST(zx_channel_call(c2, 0, 0, &shortmany, NULL, NULL), ZX_ERR_OUT_OF_RANGE);
    ASSERT_ST(zx_eventpair_create(0, &p0, &p1), ZX_OK);
    zx_channel_call_args_t tooshort = {.wr_bytes = req, .wr_num_bytes = 3,
                                       .wr_handles = &p0, .wr_num_handles = 1};
    ASSERT_ST(zx_channel_call(c2, 0, 0, &tooshort, NULL, NULL), ZX_ERR_INVALID_ARGS);
    cr_assert(!is_valid(p0), "the handle of a refused call is consumed");
    /* A deadline in the past polls: the request is sent, nothing answers. */
    ASSERT_ST(zx_channel_call(c2, 0, 0, &a, NULL, NULL), ZX_ERR_TIMED_OUT);
    ASSERT_SIGNALS(c3, ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE);
    ASSERT_ST(zx_handle_close(c3), ZX_OK);
    ASSERT_ST(zx_channel_call(c2, 0, 0, &a, NULL, NULL), ZX_ERR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, a_reply_during_a_suspend_is_kept_for_the_call_which_is_not_resent)
{
    call_init();
    cl.suspend_at = 50;
    cl.resume_at = 200;
    run_call();
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    ASSERT_ST(cl.st, ZX_OK);
    cr_assert_eq(cl.at, 200, "returned at %" PRId64 ", want the resume at 200", cl.at);
    ASSERT_ST(cl.reply_st, ZX_OK);
    /* At 150 the reply had arrived but was held by the registered waiter, not queued. */
    cr_assert_eq(cl.cli_at_150, ZX_CHANNEL_WRITABLE, "client end at 150: %#x", cl.cli_at_150);
    cr_assert_eq(cl.requests, 1, "requests %d", cl.requests);
    ASSERT_ST(cl.again_st, ZX_ERR_TIMED_OUT);
    cr_assert(memcmp(cl.reply + 4, "pong", 4) == 0, "reply bytes differ");
    cr_assert_eq(kfix_count(&f, KERNEL_EV_SYSCALL, "zx_channel_call"), 1u, "one call");
    kfix_deinit(&f);
}

Test(channel, a_caller_killed_while_suspended_leaves_nothing_behind)
{
    call_init();
    cl.suspend_at = 50;
    cl.kill_at = 80;
    run_call();
    zx_koid_t cli_koid = 0;
    {
        /* The client end's koid, from the trace of its creation (first channel created). */
        for (size_t i = 0; i < sim_trace_mem_count(f.mem) && !cli_koid; i++) {
            const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
            if (ev->kind == SIM_EV_OBJECT_CREATE && ev->arg[1] == ZX_OBJ_TYPE_CHANNEL)
                cli_koid = ev->object;
        }
    }
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    cr_assert(kfix_signals(f.proc) & ZX_PROCESS_TERMINATED, "the client process died");
    ASSERT_ST(cl.reply_st, ZX_ERR_PEER_CLOSED); /* its end closed with the process */
    cr_assert_eq(kfix_count(&f, KERNEL_EV_CHANNEL_CALL_END, NULL), 0u, "the call never ended");
    cr_assert_eq(count_events(SIM_EV_OBJECT_DESTROY, 0, -1, 0) > 0, true, "objects destroyed");
    size_t destroyed = 0;
    for (size_t i = 0; i < sim_trace_mem_count(f.mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f.mem, i);
        destroyed += ev->kind == SIM_EV_OBJECT_DESTROY && ev->object == cli_koid;
    }
    cr_assert_eq(destroyed, 1u, "the orphaned call let its endpoint %" PRIu64 " go",
                 cli_koid);
    kfix_deinit(&f);
}

/* ---- The pending-message limit ------------------------------------------------------------- */

static struct {
    zx_handle_t c0;
    uint32_t writes_done;
} fl;

static void flooder(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < 3600; i++) {
        if (zx_channel_write(fl.c0, 0, "f", 1, NULL, 0) != ZX_OK)
            return;
        fl.writes_done++;
    }
}

Test(channel, the_write_over_3500_pending_messages_kills_the_writers_process)
{
    kfix_init(&f);
    memset(&fl, 0, sizeof(fl));
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    fl.c0 = kfix_give(&f, c0);
    kfix_thread(&f, "flooder", flooder, NULL);
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    /* The 3501st write queued its message, then the policy exception killed the process
     * before the call returned. */
    cr_assert_eq(fl.writes_done, 3500u, "writes returned: %u, want 3500", fl.writes_done);
    cr_assert(kfix_signals(f.proc) & ZX_PROCESS_TERMINATED, "writer's process alive");
    cr_assert_eq(count_events(KERNEL_EV_CHANNEL_FULL, ZX_OK, 2, 1), 1u, "one CHANNEL_FULL kill");
    uint32_t n = 0;
    char b[8];
    while (zx_channel_read(c1, 0, b, NULL, sizeof(b), 0, NULL, NULL) == ZX_OK)
        n++;
    cr_assert_eq(n, 3501u, "queued %u, want 3501", n);
    /* The dead process's handles were closed: the writer's end is gone. */
    ASSERT_ST(zx_channel_read(c1, 0, b, NULL, sizeof(b), 0, NULL, NULL), ZX_ERR_PEER_CLOSED);
    kfix_deinit(&f);
}

Test(channel, setup_code_over_the_limit_is_traced_but_not_killed)
{
    kfix_init(&f);
    zx_handle_t c0, c1;
    make_channel(&c0, &c1);
    for (uint32_t i = 0; i < 3501; i++)
        ASSERT_ST(write_str(c0, "f"), ZX_OK);
    cr_assert_eq(count_events(KERNEL_EV_CHANNEL_FULL, ZX_OK, 2, 0), 1u, "one CHANNEL_FULL");
    ASSERT_SIGNALS(c1, ZX_CHANNEL_WRITABLE | ZX_CHANNEL_READABLE);
    kfix_deinit(&f);
}

/* ---- Determinism --------------------------------------------------------------------------- */

static void ping(void *arg)
{
    zx_handle_t *ends = arg; /* [mine, ev] */
    for (int i = 0; i < 3; i++) {
        kfix_sleep_until(10 * (i + 1));
        zx_handle_t dup;
        ASSERT_ST(zx_handle_duplicate(ends[1], ZX_RIGHT_SAME_RIGHTS, &dup), ZX_OK);
        ASSERT_ST(zx_channel_write(ends[0], 0, "ping", 4, &dup, 1), ZX_OK);
    }
    ASSERT_ST(zx_handle_close(ends[0]), ZX_OK);
}

static void pong(void *arg)
{
    zx_handle_t *ends = arg;
    for (;;) {
        zx_signals_t obs;
        ASSERT_ST(zx_object_wait_one(ends[0], ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED,
                                     ZX_TIME_INFINITE, &obs),
                  ZX_OK);
        char b[4];
        zx_handle_t h;
        if (zx_channel_read(ends[0], 0, b, &h, 4, 1, NULL, NULL) != ZX_OK)
            return;
        ASSERT_ST(zx_object_signal(h, 0, ZX_EVENT_SIGNALED), ZX_OK);
        ASSERT_ST(zx_handle_close(h), ZX_OK);
    }
}

static uint64_t run_ping_pong(int rounds_variant)
{
    kfix_init(&f);
    zx_handle_t c0, c1, ev;
    make_channel(&c0, &c1);
    ASSERT_ST(zx_event_create(0, &ev), ZX_OK);
    static zx_handle_t a[2], b[2];
    a[0] = kfix_give(&f, c0);
    a[1] = kfix_give(&f, ev);
    b[0] = kfix_give(&f, c1);
    kfix_thread(&f, "ping", ping, a);
    kfix_thread(&f, "pong", pong, b);
    if (rounds_variant)
        ASSERT_ST(write_str(ZX_HANDLE_INVALID, "x"), ZX_ERR_BAD_HANDLE); /* one more event */
    cr_assert_eq(kfix_run(&f), SIM_END_COMPLETE);
    uint64_t fp = sim_fingerprint(f.s);
    kfix_deinit(&f);
    return fp;
}

Test(channel, the_same_calls_give_the_same_fingerprint)
{
    uint64_t first = run_ping_pong(0);
    uint64_t second = run_ping_pong(0);
    cr_assert_eq(first, second, "fingerprint %016" PRIx64 " then %016" PRIx64, first, second);
    uint64_t other = run_ping_pong(1);
    cr_assert_neq(first, other, "a different run has the same fingerprint %016" PRIx64, other);
}
