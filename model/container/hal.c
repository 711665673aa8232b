/* hal.c - HALs outside the container that watch the container's wake state
 * (fuchsia.starnix.runner/Manager.RegisterWakeWatcher, reference 4.7).
 *
 * Each watcher is a thread "hal:<name>" of the platform process. On "register_watcher" it
 * creates an eventpair, sends one end in RegisterWakeWatcher on a new Manager connection and
 * waits for the empty reply while it already watches its own end: the runner sets AWAKE
 * (USER_0) at registration, ASLEEP (USER_1) before it drops its lease, AWAKE again after it
 * re-acquires it. The HAL records every transition it observes, in order, with its time: it
 * waits for the opposite of what it saw last, so a fast flap is still seen as both steps
 * (a wait reports the signals present when its trigger became active). "close_watcher" closes
 * the HAL's end (the runner prunes it at its next notification). A second registration
 * replaces the first eventpair.
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct hal_state {
    zx_handle_t mine; /* the HAL's end of the watcher eventpair */
    zx_handle_t conn; /* the Manager connection awaiting RegisterWakeWatcher's reply */
    char last;        /* last observation: 'A', 'S' or 0 */
} hal_state_t;

static void hal_unregister(hal_state_t *h)
{
    zx_handle_close(h->mine);
    zx_handle_close(h->conn);
    *h = (hal_state_t){0};
}

static void hal_do_register(world_watcher_t *hw, hal_state_t *h)
{
    world_t *w = hw->w;
    hal_unregister(h);
    zx_handle_t theirs;
    if (zx_eventpair_create(0, &h->mine, &theirs) != ZX_OK)
        return;
    records_watcher(w, hw->index, 'C');
    h->conn = world_connect(w->tl.svc, MANAGER_PROTOCOL);
    fidl_register_wake_watcher_req_t req = {.watcher = theirs};
    if (h->conn == ZX_HANDLE_INVALID ||
        fidl_register_wake_watcher_req_write(h->conn, 1, &req) != ZX_OK) {
        zx_handle_close(h->conn);
        h->conn = ZX_HANDLE_INVALID;
    }
    fidl_register_wake_watcher_req_close(&req);
}

/* Runs the commands queued by the timeline, in order. */
static void hal_commands(world_watcher_t *hw, hal_state_t *h)
{
    for (int i = 0; i < 64; i++) {
        char cmd = 0;
        uint32_t actual_bytes = 0, actual_handles = 0;
        if (zx_channel_read(hw->cmd_rx, 0, &cmd, NULL, 1, 0, &actual_bytes, &actual_handles) !=
            ZX_OK)
            return;
        if (cmd == 'R') {
            hal_do_register(hw, h);
        } else if (cmd == 'C' && h->mine != ZX_HANDLE_INVALID) {
            hal_unregister(h);
            records_watcher(hw->w, hw->index, 'X');
        }
    }
}

static void hal_observe(world_watcher_t *hw, hal_state_t *h, zx_signals_t pending)
{
    if ((pending & ZX_USER_SIGNAL_0) && h->last != 'A') {
        h->last = 'A';
        records_watcher(hw->w, hw->index, 'A');
    } else if ((pending & ZX_USER_SIGNAL_1) && h->last != 'S') {
        h->last = 'S';
        records_watcher(hw->w, hw->index, 'S');
    }
    if (pending & ZX_EVENTPAIR_PEER_CLOSED) {
        zx_handle_close(h->mine); /* the runner dropped the watcher: nothing more to see */
        h->mine = ZX_HANDLE_INVALID;
    }
}

static void hal_reply(world_watcher_t *hw, hal_state_t *h)
{
    fidl_message_t msg;
    zx_status_t st = fidl_message_read(h->conn, hw->buf.bytes, hw->buf.handles, &msg);
    if (st == ZX_ERR_SHOULD_WAIT)
        return;
    if (st == ZX_OK)
        fidl_message_close(&msg);
    zx_handle_close(h->conn); /* the reply came, or the connection ended without one */
    h->conn = ZX_HANDLE_INVALID;
}

static zx_signals_t wanted(char last)
{
    if (last == 'A')
        return ZX_USER_SIGNAL_1;
    if (last == 'S')
        return ZX_USER_SIGNAL_0;
    return ZX_USER_SIGNAL_0 | ZX_USER_SIGNAL_1;
}

static void hal_main(void *arg)
{
    world_watcher_t *hw = arg;
    hal_state_t h = {0};
    for (;;) {
        zx_wait_item_t items[3] = {{hw->cmd_rx, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0}};
        size_t n = 1, mine = 0, conn = 0;
        if (h.mine != ZX_HANDLE_INVALID) {
            mine = n;
            items[n++] = (zx_wait_item_t){h.mine, wanted(h.last) | ZX_EVENTPAIR_PEER_CLOSED, 0};
        }
        if (h.conn != ZX_HANDLE_INVALID) {
            conn = n;
            items[n++] = (zx_wait_item_t){h.conn, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0};
        }
        if (zx_object_wait_many(items, n, ZX_TIME_INFINITE) != ZX_OK)
            return;
        /* Observations first, so a close in the same wake loses none. */
        if (mine && (items[mine].pending & items[mine].waitfor))
            hal_observe(hw, &h, items[mine].pending);
        if (conn && (items[conn].pending & items[conn].waitfor))
            hal_reply(hw, &h);
        if (items[0].pending & ZX_CHANNEL_READABLE)
            hal_commands(hw, &h);
    }
}

static void command(world_t *w, int i, char cmd)
{
    (void)zx_channel_write(w->watchers[i].cmd_tx, 0, &cmd, 1, NULL, 0);
}

void hal_register(world_t *w, int i)
{
    command(w, i, 'R');
}

void hal_close(world_t *w, int i)
{
    command(w, i, 'C');
}

void hal_setup(world_t *w)
{
    for (size_t i = 0; i < w->cfg->watcher_count; i++) {
        world_watcher_t *hw = &w->watchers[i];
        hw->w = w;
        hw->index = (int)i;
        zx_handle_t tx, rx;
        zx_status_t st = zx_channel_create(0, &tx, &rx);
        SIM_ASSERT(st == ZX_OK);
        hw->cmd_tx = world_give(tx, w->platform_proc);
        hw->cmd_rx = world_give(rx, w->platform_proc);
        world_msgbuf_init(&hw->buf);
        char name[64];
        snprintf(name, sizeof(name), "hal:%s", w->cfg->watchers[i].name);
        world_thread_start(w->platform_proc, name, hal_main, hw);
    }
}

void hal_teardown(world_t *w)
{
    for (size_t i = 0; i < w->watcher_count; i++)
        world_msgbuf_deinit(&w->watchers[i].buf);
}
