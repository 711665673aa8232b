/* test_fidl.c - The FIDL-like codec (wakesim/fidl.h) over simulated channels.
 *
 * Goal: every message round-trips with each field present or absent, handles arrive as the same
 * objects (same koid), and no handle leaks on any path: a malformed body (truncated, unordered,
 * duplicate, wrong kind or length, bad handle index, long or non-UTF-8 string, dirty padding,
 * error plus value) is refused with INVALID_ARGS and closes every handle of the message, an
 * unknown field is skipped and its handle closed, a message for another method is left intact.
 * Method: setup code (the kernel's bootstrap process) writes and reads both ends of a channel,
 * which never blocks, so no simulated thread is needed; a handle's fate is observed on the peer
 * of an eventpair (PEER_CLOSED once the last handle to the sent end is closed).
 */
#include <criterion/criterion.h>
#include <string.h>

#include <wakesim/fidl.h>
#include <wakesim/kernel.h>
#include <zircon/syscalls.h>

static sim_t *s;
static kernel_t *k;
static zx_handle_t client, server;
static uint8_t bytes[ZX_CHANNEL_MAX_MSG_BYTES];
static zx_handle_t handles[ZX_CHANNEL_MAX_MSG_HANDLES];

static void setup(void)
{
    sim_config_t cfg = {.seed = 1};
    cr_assert_eq(sim_create(&cfg, &s), 0);
    cr_assert_eq(kernel_create(s, NULL, &k), ZX_OK);
    cr_assert_eq(zx_channel_create(0, &client, &server), ZX_OK);
}

static void teardown(void)
{
    kernel_destroy(k);
    sim_destroy(s);
}

TestSuite(fidl, .init = setup, .fini = teardown);

#define ASSERT_ST(got, want)                                                                   \
    do {                                                                                       \
        zx_status_t got_ = (got), want_ = (want);                                              \
        cr_assert_eq(got_, want_, "%s: got %s, want %s", #got, zx_status_get_string(got_),     \
                     zx_status_get_string(want_));                                             \
    } while (0)

static zx_koid_t koid_of(zx_handle_t h)
{
    zx_info_handle_basic_t info;
    ASSERT_ST(zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL),
              ZX_OK);
    return info.koid;
}

static zx_signals_t signals_of(zx_handle_t h)
{
    zx_signals_t observed = 0;
    zx_object_wait_one(h, 0, 0, &observed);
    return observed;
}

/* An eventpair: `*sent` goes into a message, `*watch` tells whether it was closed. */
static void pair(zx_handle_t *sent, zx_handle_t *watch)
{
    ASSERT_ST(zx_eventpair_create(0, sent, watch), ZX_OK);
}

static bool closed(zx_handle_t watch)
{
    return (signals_of(watch) & ZX_EVENTPAIR_PEER_CLOSED) != 0;
}

static fidl_message_t read_msg(void)
{
    fidl_message_t msg;
    ASSERT_ST(fidl_message_read(server, bytes, handles, &msg), ZX_OK);
    return msg;
}

Test(fidl, suspend_container_round_trip_moves_handles)
{
    zx_handle_t job, locks, locks_peer;
    ASSERT_ST(zx_job_create(kernel_root_job(k), 0, &job), ZX_OK);
    pair(&locks, &locks_peer);
    zx_koid_t job_koid = koid_of(job), locks_koid = koid_of(locks);
    fidl_suspend_container_req_t req = {.container_job = job, .wake_locks = locks};
    ASSERT_ST(fidl_suspend_container_req_write(client, 7, &req), ZX_OK);
    cr_assert_eq(req.container_job, ZX_HANDLE_INVALID, "write moves the handles out");
    cr_assert_eq(req.wake_locks, ZX_HANDLE_INVALID);

    fidl_message_t msg = read_msg();
    cr_assert_eq(msg.header.txid, 7u);
    cr_assert_eq(msg.header.ordinal, FIDL_MANAGER_SUSPEND_CONTAINER);
    cr_assert_eq(msg.header.flags & FIDL_FLAG_RESPONSE, 0u);
    fidl_suspend_container_req_t got;
    ASSERT_ST(fidl_suspend_container_req_decode(&msg, &got), ZX_OK);
    cr_assert_eq(koid_of(got.container_job), job_koid);
    cr_assert_eq(koid_of(got.wake_locks), locks_koid);
    cr_assert_not(got.has_suspend_debounce_duration);
    cr_assert_not(closed(locks_peer));
    fidl_suspend_container_req_close(&got);
    cr_assert_eq(got.wake_locks, ZX_HANDLE_INVALID);
    cr_assert(closed(locks_peer), "_close closes what the struct owns");
}

Test(fidl, absent_fields_stay_absent)
{
    fidl_suspend_container_req_t req = {.has_suspend_debounce_duration = true,
                                        .suspend_debounce_duration = -5};
    ASSERT_ST(fidl_suspend_container_req_write(client, 1, &req), ZX_OK);
    fidl_message_t msg = read_msg();
    cr_assert_eq(msg.num_handles, 0u);
    fidl_suspend_container_req_t got;
    ASSERT_ST(fidl_suspend_container_req_decode(&msg, &got), ZX_OK);
    cr_assert_eq(got.container_job, ZX_HANDLE_INVALID);
    cr_assert_eq(got.wake_locks, ZX_HANDLE_INVALID);
    cr_assert(got.has_suspend_debounce_duration);
    cr_assert_eq(got.suspend_debounce_duration, -5);
}

Test(fidl, suspend_reply_ok_and_error)
{
    fidl_suspend_container_resp_t ok = {.has_suspend_time = true, .suspend_time = 123456789};
    fidl_string_set(ok.resume_reason, &ok.has_resume_reason, "proxy-a,src-b");
    ASSERT_ST(fidl_suspend_container_resp_write(client, 9, &ok), ZX_OK);
    fidl_suspend_container_resp_t err = {.is_error = true,
                                         .error = FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST,
                                         .has_suspend_time = true};
    ASSERT_ST(fidl_suspend_container_resp_write(client, 10, &err), ZX_OK);

    fidl_message_t msg = read_msg();
    cr_assert(msg.header.flags & FIDL_FLAG_RESPONSE);
    fidl_suspend_container_req_t as_req;
    ASSERT_ST(fidl_suspend_container_req_decode(&msg, &as_req), ZX_ERR_NOT_SUPPORTED);
    fidl_suspend_container_resp_t got;
    ASSERT_ST(fidl_suspend_container_resp_decode(&msg, &got), ZX_OK);
    cr_assert_not(got.is_error);
    cr_assert_eq(got.suspend_time, 123456789);
    cr_assert_str_eq(got.resume_reason, "proxy-a,src-b");

    msg = read_msg();
    ASSERT_ST(fidl_suspend_container_resp_decode(&msg, &got), ZX_OK);
    cr_assert(got.is_error);
    cr_assert_eq(got.error, FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST);
    cr_assert_not(got.has_suspend_time, "an error reply carries no value");
}

Test(fidl, register_file_round_trip_with_extents)
{
    fidl_pager_extent_t ext[3] = {{0, 1, 5}, {6, 7, 0}, {12, 13, 0xffffffff01ull}};
    fidl_register_file_req_t req = {.has_inode_num = true, .inode_num = 3,
                                    .has_size = true, .size = 16484,
                                    .has_extents = true, .extent_count = 3, .extents = ext};
    fidl_string_set(req.name, &req.has_name, "c");
    ASSERT_ST(fidl_register_file_req_write(client, 4, &req), ZX_OK);
    cr_assert_eq(req.extents, ext, "encode borrows the extents");
    fidl_message_t msg = read_msg();
    fidl_register_file_req_t got;
    ASSERT_ST(fidl_register_file_req_decode(&msg, &got), ZX_OK);
    cr_assert_str_eq(got.name, "c");
    cr_assert_eq(got.inode_num, 3u);
    cr_assert_eq(got.size, 16484u);
    cr_assert_eq(got.extent_count, 3u);
    cr_assert_eq(memcmp(got.extents, ext, sizeof(ext)), 0);
    fidl_register_file_req_close(&got);
    cr_assert_null(got.extents);

    fidl_register_file_resp_t err = {.is_error = true, .error = ZX_ERR_NO_MEMORY};
    ASSERT_ST(fidl_register_file_resp_write(client, 4, &err), ZX_OK);
    msg = read_msg();
    fidl_register_file_resp_t resp;
    ASSERT_ST(fidl_register_file_resp_decode(&msg, &resp), ZX_OK);
    cr_assert(resp.is_error);
    cr_assert_eq(resp.error, ZX_ERR_NO_MEMORY);
}

Test(fidl, error_reply_drops_its_handles)
{
    zx_handle_t vmo, peer;
    pair(&vmo, &peer); /* any handle does: the codec does not check object types */
    fidl_register_file_resp_t err = {.is_error = true, .error = ZX_ERR_IO, .vmo = vmo};
    ASSERT_ST(fidl_register_file_resp_write(client, 1, &err), ZX_OK);
    cr_assert(closed(peer));
    cr_assert_eq(err.vmo, ZX_HANDLE_INVALID);
}

Test(fidl, write_consumes_handles_on_failure)
{
    zx_handle_t sent, watch;
    pair(&sent, &watch);
    ASSERT_ST(zx_handle_close(server), ZX_OK);
    fidl_register_wake_watcher_req_t req = {.watcher = sent};
    ASSERT_ST(fidl_register_wake_watcher_req_write(client, 1, &req), ZX_ERR_PEER_CLOSED);
    cr_assert_eq(req.watcher, ZX_HANDLE_INVALID);
    cr_assert(closed(watch));
}

Test(fidl, every_request_type_round_trips)
{
    zx_handle_t a, b, c, d;
    zx_handle_t wa, wb, wc, wd;
    pair(&a, &wa), pair(&b, &wb), pair(&c, &wc), pair(&d, &wd);
    fidl_proxy_wake_channel_req_t pw = {.container_job = a, .container_channel = b,
                                        .remote_channel = c, .counter = d};
    fidl_string_set(pw.name, &pw.has_name, "touch");
    ASSERT_ST(fidl_proxy_wake_channel_req_write(client, 0, &pw), ZX_OK);
    fidl_message_t msg = read_msg();
    fidl_proxy_wake_channel_req_t gpw;
    ASSERT_ST(fidl_proxy_wake_channel_req_decode(&msg, &gpw), ZX_OK);
    cr_assert_str_eq(gpw.name, "touch");
    cr_assert_neq(gpw.counter, ZX_HANDLE_INVALID);
    cr_assert_eq(gpw.resume_event, ZX_HANDLE_INVALID);
    fidl_proxy_wake_channel_req_close(&gpw);
    cr_assert(closed(wa) && closed(wb) && closed(wc) && closed(wd));

    pair(&a, &wa);
    fidl_add_wake_source_req_t aw = {.handle = a, .has_signals = true,
                                     .signals = ZX_USER_SIGNAL_3};
    ASSERT_ST(fidl_add_wake_source_req_write(client, 0, &aw), ZX_OK);
    msg = read_msg();
    fidl_add_wake_source_req_t gaw;
    ASSERT_ST(fidl_add_wake_source_req_decode(&msg, &gaw), ZX_OK);
    cr_assert_not(gaw.has_name);
    cr_assert_eq(gaw.container_job, ZX_HANDLE_INVALID);
    cr_assert_eq(gaw.signals, ZX_USER_SIGNAL_3);
    fidl_add_wake_source_req_close(&gaw);

    fidl_create_pager_req_t cp = {.has_block_size = true, .block_size = 4096};
    ASSERT_ST(fidl_create_pager_req_write(client, 0, &cp), ZX_OK);
    msg = read_msg();
    fidl_create_pager_req_t gcp;
    ASSERT_ST(fidl_create_pager_req_decode(&msg, &gcp), ZX_OK);
    cr_assert_eq(gcp.block_size, 4096u);

    fidl_directory_open_req_t op = {0};
    fidl_string_set(op.protocol, &op.has_protocol, "fuchsia.starnix.runner.Manager");
    ASSERT_ST(fidl_directory_open_req_write(client, 0, &op), ZX_OK);
    msg = read_msg();
    fidl_directory_open_req_t gop;
    ASSERT_ST(fidl_directory_open_req_decode(&msg, &gop), ZX_OK);
    cr_assert_str_eq(gop.protocol, "fuchsia.starnix.runner.Manager");

    ASSERT_ST(fidl_empty_resp_write(client, 5, FIDL_MANAGER_REGISTER_WAKE_WATCHER), ZX_OK);
    msg = read_msg();
    cr_assert_eq(msg.num_bytes, FIDL_HEADER_SIZE);
    cr_assert_eq(msg.header.txid, 5u);
    cr_assert(msg.header.flags & FIDL_FLAG_RESPONSE);
}

/* ---- Malformed bodies -------------------------------------------------------------------- */

static size_t put_header(uint8_t *p, uint64_t ordinal)
{
    memset(p, 0, 16);
    memcpy(p + 8, &ordinal, 8);
    return 16;
}

static size_t put_field(uint8_t *p, uint16_t ordinal, uint16_t kind, uint32_t len,
                        const void *payload, size_t payload_bytes)
{
    memcpy(p, &ordinal, 2);
    memcpy(p + 2, &kind, 2);
    memcpy(p + 4, &len, 4);
    size_t padded = (payload_bytes + 7) & ~(size_t)7;
    memset(p + 8, 0, padded);
    memcpy(p + 8, payload, payload_bytes);
    return 8 + padded;
}

/* Writes `body` with one eventpair end and decodes it as a SuspendContainer request. */
static zx_status_t decode_raw(const uint8_t *body, size_t size, bool *handle_closed)
{
    zx_handle_t sent, watch;
    pair(&sent, &watch);
    ASSERT_ST(zx_channel_write(client, 0, body, (uint32_t)size, &sent, 1), ZX_OK);
    fidl_message_t msg = read_msg();
    fidl_suspend_container_req_t got;
    zx_status_t st = fidl_suspend_container_req_decode(&msg, &got);
    if (st == ZX_OK)
        fidl_suspend_container_req_close(&got);
    *handle_closed = closed(watch);
    return st;
}

typedef struct raw_case {
    const char *what;
    uint8_t body[128];
    size_t size;
} raw_case_t;

static raw_case_t *raw_begin(raw_case_t *c, const char *what)
{
    c->what = what;
    c->size = put_header(c->body, FIDL_MANAGER_SUSPEND_CONTAINER);
    return c;
}

static void raw_add(raw_case_t *c, uint16_t ordinal, uint16_t kind, uint32_t len,
                    const void *payload)
{
    c->size += put_field(c->body + c->size, ordinal, kind, len, payload, len);
}

Test(fidl, malformed_bodies_are_refused_and_close_handles)
{
    uint32_t idx0 = 0, idx1 = 1;
    uint64_t v = 1;
    raw_case_t cases[9], *c = cases;
    raw_begin(c, "truncated field header")->size += 4;
    raw_add(raw_begin(++c, "length past the end"), 1, FIDL_KIND_HANDLE, 4, &idx0);
    c->size -= 8;
    raw_add(raw_begin(++c, "unordered"), 2, FIDL_KIND_HANDLE, 4, &idx0);
    raw_add(c, 1, FIDL_KIND_HANDLE, 4, &idx0);
    raw_add(raw_begin(++c, "duplicate"), 1, FIDL_KIND_HANDLE, 4, &idx0);
    raw_add(c, 1, FIDL_KIND_HANDLE, 4, &idx0);
    raw_add(raw_begin(++c, "wrong kind"), 1, FIDL_KIND_U32, 4, &idx0);
    raw_add(raw_begin(++c, "wrong length"), 3, FIDL_KIND_I64, 4, &v);
    raw_add(raw_begin(++c, "handle index out of range"), 1, FIDL_KIND_HANDLE, 4, &idx1);
    raw_add(raw_begin(++c, "handle used twice"), 1, FIDL_KIND_HANDLE, 4, &idx0);
    raw_add(c, 2, FIDL_KIND_HANDLE, 4, &idx0);
    raw_add(raw_begin(++c, "dirty padding"), 1, FIDL_KIND_HANDLE, 4, &idx0);
    c->body[c->size - 1] = 1;
    cr_assert_eq((size_t)(c - cases) + 1, sizeof(cases) / sizeof(cases[0]));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool handle_closed = false;
        zx_status_t st = decode_raw(cases[i].body, cases[i].size, &handle_closed);
        cr_assert_eq(st, ZX_ERR_INVALID_ARGS, "%s: got %s", cases[i].what,
                     zx_status_get_string(st));
        cr_assert(handle_closed, "%s: the message's handle must be closed", cases[i].what);
    }
}

Test(fidl, strings_are_bounded_and_utf8)
{
    static uint8_t body[2048];
    char long_name[FIDL_STRING_MAX + 1];
    memset(long_name, 'x', sizeof(long_name));
    size_t z = put_header(body, FIDL_MANAGER_ADD_WAKE_SOURCE);
    z += put_field(body + z, 2, FIDL_KIND_STRING, FIDL_STRING_MAX + 1, long_name,
                   sizeof(long_name));
    ASSERT_ST(zx_channel_write(client, 0, body, (uint32_t)z, NULL, 0), ZX_OK);
    fidl_message_t msg = read_msg();
    fidl_add_wake_source_req_t got;
    ASSERT_ST(fidl_add_wake_source_req_decode(&msg, &got), ZX_ERR_INVALID_ARGS);

    const uint8_t bad[] = {'a', 0xc0, 0x80}; /* an overlong NUL */
    z = put_header(body, FIDL_MANAGER_ADD_WAKE_SOURCE);
    z += put_field(body + z, 2, FIDL_KIND_STRING, sizeof(bad), bad, sizeof(bad));
    ASSERT_ST(zx_channel_write(client, 0, body, (uint32_t)z, NULL, 0), ZX_OK);
    msg = read_msg();
    ASSERT_ST(fidl_add_wake_source_req_decode(&msg, &got), ZX_ERR_INVALID_ARGS);

    const char ok[] = "caf\xc3\xa9";
    z = put_header(body, FIDL_MANAGER_ADD_WAKE_SOURCE);
    z += put_field(body + z, 2, FIDL_KIND_STRING, sizeof(ok) - 1, ok, sizeof(ok) - 1);
    ASSERT_ST(zx_channel_write(client, 0, body, (uint32_t)z, NULL, 0), ZX_OK);
    msg = read_msg();
    ASSERT_ST(fidl_add_wake_source_req_decode(&msg, &got), ZX_OK);
    cr_assert_str_eq(got.name, ok);
}

Test(fidl, string_set_truncates_on_a_character_boundary)
{
    static char src[FIDL_STRING_MAX + 8];
    memset(src, 'a', sizeof(src) - 1);
    src[sizeof(src) - 1] = '\0';
    src[FIDL_STRING_MAX - 1] = (char)0xc3; /* a two-byte sequence across the bound */
    src[FIDL_STRING_MAX] = (char)0xa9;
    char dst[FIDL_STRING_MAX + 1];
    bool has = false;
    fidl_string_set(dst, &has, src);
    cr_assert(has);
    cr_assert_eq(strlen(dst), FIDL_STRING_MAX - 1);
}

Test(fidl, unknown_fields_are_skipped_and_their_handles_closed)
{
    uint8_t body[64];
    uint32_t idx0 = 0;
    uint64_t dur = 42;
    size_t z = put_header(body, FIDL_MANAGER_SUSPEND_CONTAINER);
    z += put_field(body + z, 3, FIDL_KIND_I64, 8, &dur, 8);
    z += put_field(body + z, 9, FIDL_KIND_HANDLE, 4, &idx0, 4);
    bool handle_closed = false;
    ASSERT_ST(decode_raw(body, z, &handle_closed), ZX_OK);
    cr_assert(handle_closed);
}

Test(fidl, error_and_value_together_are_malformed)
{
    uint8_t body[64];
    uint64_t t = 5;
    uint32_t e = 2;
    size_t z = put_header(body, FIDL_MANAGER_SUSPEND_CONTAINER);
    uint32_t flags = FIDL_FLAG_RESPONSE;
    memcpy(body + 4, &flags, 4);
    z += put_field(body + z, 1, FIDL_KIND_I64, 8, &t, 8);
    z += put_field(body + z, FIDL_RESULT_ERROR_ORDINAL, FIDL_KIND_U32, 4, &e, 4);
    ASSERT_ST(zx_channel_write(client, 0, body, (uint32_t)z, NULL, 0), ZX_OK);
    fidl_message_t msg = read_msg();
    fidl_suspend_container_resp_t got;
    ASSERT_ST(fidl_suspend_container_resp_decode(&msg, &got), ZX_ERR_INVALID_ARGS);
}

Test(fidl, other_method_is_left_intact)
{
    zx_handle_t sent, watch;
    pair(&sent, &watch);
    fidl_register_wake_watcher_req_t req = {.watcher = sent};
    ASSERT_ST(fidl_register_wake_watcher_req_write(client, 3, &req), ZX_OK);
    fidl_message_t msg = read_msg();
    fidl_add_wake_source_req_t wrong;
    ASSERT_ST(fidl_add_wake_source_req_decode(&msg, &wrong), ZX_ERR_NOT_SUPPORTED);
    cr_assert_not(closed(watch));
    cr_assert_neq(msg.handles[0], ZX_HANDLE_INVALID);
    fidl_message_close(&msg);
    cr_assert(closed(watch));
}

Test(fidl, short_message_is_refused_and_closes_handles)
{
    zx_handle_t sent, watch;
    pair(&sent, &watch);
    uint8_t body[8] = {0};
    ASSERT_ST(zx_channel_write(client, 0, body, sizeof(body), &sent, 1), ZX_OK);
    fidl_message_t msg;
    ASSERT_ST(fidl_message_read(server, bytes, handles, &msg), ZX_ERR_INVALID_ARGS);
    cr_assert(closed(watch));
    ASSERT_ST(fidl_message_read(server, bytes, handles, &msg), ZX_ERR_SHOULD_WAIT);
}
