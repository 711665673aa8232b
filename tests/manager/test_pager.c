/* test_pager.c - The ext4 pager (pager.rs): CreatePager, Pager.RegisterFile and page faults
 * served by "pager-0".
 *
 * Goal: upstream's test_pager (no extents read as zeros, a single extent, a sparse file with
 * holes, a read starting inside a hole, and the ZERO_CHILDREN cleanup that empties
 * files_by_inode once every child VMO is gone), plus the request checks of run_pager (missing
 * fields, bad block size, a RegisterFile without all fields ends the connection) and the two
 * readaheads: V5w's old one is not clamped to the VMO size, so a read near the end of a file
 * whose last extent reaches past the page-rounded size fails with IO (R17 d); V6's clamps.
 * Method: the scenario plays the Starnix kernel: it fills a backing VMO, sends CreatePager and
 * RegisterFile over channels, and reads the returned child VMOs, which blocks its thread until
 * the pager thread supplies the pages.
 */
#include "manager_fixture.h"

#include "../../model/manager/manager_int.h"

#define FILE_C_SIZE ((6 + 1 + 5 + 4) * 1024 + 100)

static uint8_t buf[FILE_C_SIZE];
static zx_status_t status[8];
static bool matched[8];
static size_t files_left;
static zx_signals_t seen;

static void fini(void)
{
    fx_fini();
}

TestSuite(pager, .fini = fini, .timeout = 60);

static zx_handle_t backing, pager_client;

static void create_pager(uint64_t block_size, bool with_block_size)
{
    zx_handle_t mgr = fx_open(MANAGER_PROTOCOL);
    FX_CHECK(zx_vmo_create(1024 * 1024, 0, &backing) == ZX_OK);
    zx_handle_t server;
    FX_CHECK(zx_channel_create(0, &pager_client, &server) == ZX_OK);
    fidl_create_pager_req_t req = {.backing_vmo = fx_dup(backing),
                                   .has_block_size = with_block_size,
                                   .block_size = block_size,
                                   .pager = server};
    FX_CHECK(fidl_create_pager_req_write(mgr, 0, &req) == ZX_OK);
}

/* Pager.RegisterFile; returns the reply's status (or the channel's) and the child VMO. */
static zx_status_t register_file(const char *name, uint32_t inode, uint64_t size,
                                 fidl_pager_extent_t *extents, uint32_t count, zx_handle_t *vmo)
{
    fidl_register_file_req_t req = {.has_inode_num = true, .inode_num = inode,
                                    .has_size = true, .size = size,
                                    .has_extents = true, .extent_count = count,
                                    .extents = extents};
    fidl_string_set(req.name, &req.has_name, name);
    uint32_t txid = ++fx_txid;
    FX_CHECK(fidl_register_file_req_write(pager_client, txid, &req) == ZX_OK);
    fidl_message_t msg;
    zx_status_t st = fx_read(pager_client, fx_bytes, fx_handles, &msg, ZX_TIME_INFINITE);
    if (st != ZX_OK)
        return st;
    fidl_register_file_resp_t resp;
    st = fidl_register_file_resp_decode(&msg, &resp);
    if (st != ZX_OK)
        return st;
    if (resp.is_error)
        return resp.error;
    *vmo = resp.vmo;
    return ZX_OK;
}

static void upstream_test_pager(void)
{
    create_pager(1024, true);
    static uint8_t expected[FILE_C_SIZE];
    zx_handle_t a, b, c, d;

    /* With no extent, we expect it to return zeroed data. */
    status[0] = register_file("a", 1, 5, NULL, 0, &a);
    memset(buf, 1, 5);
    status[1] = zx_vmo_read(a, buf, 0, 5);
    matched[0] = memcmp(buf, "\0\0\0\0\0", 5) == 0;

    /* A single extent. */
    fidl_pager_extent_t one[] = {{0, 1, 0}};
    status[2] = register_file("b", 2, 5, one, 1, &b);
    zx_vmo_write(backing, "hello", 0, 5);
    status[3] = zx_vmo_read(b, buf, 0, 5);
    matched[1] = memcmp(buf, "hello", 5) == 0;

    /* Sparse: 6 blocks of hole, 1 extent, 5 of hole, 1 extent, 4 of hole and a bit. */
    fidl_pager_extent_t sparse[] = {{6, 7, 0}, {12, 13, 1}};
    status[4] = register_file("c", 3, FILE_C_SIZE, sparse, 2, &c);
    zx_vmo_write(backing, "there", 1024, 5);
    memset(buf, 1, sizeof(buf));
    status[5] = zx_vmo_read(c, buf, 0, FILE_C_SIZE);
    memset(expected, 0, sizeof(expected));
    memcpy(expected + 6 * 1024, "hello", 5);
    memcpy(expected + 12 * 1024, "there", 5);
    matched[2] = memcmp(buf, expected, FILE_C_SIZE) == 0;

    /* The same file under another inode, read from inside the hole after the first extent. */
    status[6] = register_file("d", 4, FILE_C_SIZE, sparse, 2, &d);
    memset(buf, 1, sizeof(buf));
    status[7] = zx_vmo_read(d, buf, 9000, FILE_C_SIZE - 9000);
    matched[3] = memcmp(buf, expected + 9000, FILE_C_SIZE - 9000) == 0;

    /* After dropping every child VMO, the pager cleans up. */
    zx_handle_close(a), zx_handle_close(b), zx_handle_close(c), zx_handle_close(d);
    for (int i = 0; i < 100 && pager_file_count(fx.m->pager) > 0; i++)
        fx_sleep_until(zx_clock_get_monotonic() + FX_MSEC(10));
    files_left = pager_file_count(fx.m->pager);
}

Test(pager, upstream_test_pager)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(upstream_test_pager), SIM_END_COMPLETE);
    for (int i = 0; i < 8; i++)
        ASSERT_ST(status[i], ZX_OK);
    cr_assert(matched[0], "no extents: zeros");
    cr_assert(matched[1], "a single extent");
    cr_assert(matched[2], "a sparse file with holes");
    cr_assert(matched[3], "a read starting in a hole");
    cr_assert_eq(files_left, 0u, "ZERO_CHILDREN emptied files_by_inode");
    cr_assert_geq(fx_count(MANAGER_EV_PAGER_ZERO_CHILDREN, NULL), 8u, "begin/end per file");
    cr_assert_eq(fx_count(MANAGER_EV_PAGER_FILE_REGISTER, NULL), 4u);
}

static void invalid_requests(void)
{
    create_pager(4096, false); /* no block size */
    zx_object_wait_one(pager_client, ZX_CHANNEL_PEER_CLOSED, FX_SEC(1), &seen);
    matched[0] = seen & ZX_CHANNEL_PEER_CLOSED;
    create_pager(3000, true); /* not a power of two */
    zx_object_wait_one(pager_client, ZX_CHANNEL_PEER_CLOSED, FX_SEC(1), &seen);
    matched[1] = seen & ZX_CHANNEL_PEER_CLOSED;
    create_pager(4096, true);
    fidl_register_file_req_t req = {.has_inode_num = true, .inode_num = 1}; /* no size... */
    FX_CHECK(fidl_register_file_req_write(pager_client, 5, &req) == ZX_OK);
    fidl_message_t msg;
    status[0] = fx_read(pager_client, fx_bytes, fx_handles, &msg, FX_SEC(1));
}

Test(pager, invalid_requests_close_the_pager_connection)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(invalid_requests), SIM_END_COMPLETE);
    cr_assert(matched[0], "Invalid create pager request");
    cr_assert(matched[1], "Bad block size");
    ASSERT_ST(status[0], ZX_ERR_PEER_CLOSED); /* Invalid RegisterFile request: responder drops */
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Invalid create pager request"), 1u);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Bad block size"), 1u);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Invalid RegisterFile request"), 1u);
}

/* R17 d: block 16 KiB, file 5000 bytes (VMO 8 KiB), its one extent covers a whole block. */
static void read_near_eof(void)
{
    create_pager(16384, true);
    zx_vmo_write(backing, "tail", 4096, 4);
    fidl_pager_extent_t one[] = {{0, 1, 0}};
    zx_handle_t vmo;
    status[0] = register_file("small", 9, 5000, one, 1, &vmo);
    memset(buf, 1, 8);
    status[1] = zx_vmo_read(vmo, buf, 4096, 4);
}

Test(pager, v5w_old_readahead_fails_near_eof)
{
    fx_init("v5w");
    cr_assert_eq(fx_run(read_near_eof), SIM_END_COMPLETE);
    ASSERT_ST(status[0], ZX_OK);
    ASSERT_ST(status[1], ZX_ERR_IO);
    cr_assert_eq(fx_count(MANAGER_EV_LOG, "Failing page-in"), 1u);
}

Test(pager, v6_readahead_is_clamped)
{
    fx_init("v6");
    cr_assert_eq(fx_run(read_near_eof), SIM_END_COMPLETE);
    ASSERT_ST(status[0], ZX_OK);
    ASSERT_ST(status[1], ZX_OK);
    cr_assert_eq(memcmp(buf, "tail", 4), 0);
}
