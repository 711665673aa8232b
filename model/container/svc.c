/* svc.c - The component manager's capability routing, as far as the world needs it: the
 * runner's namespace /svc, the Starnix kernel's /svc and the platform's /svc.
 *
 * Each client speaks fidl_directory_open_req on its directory channel; the router (thread
 * "router" of process "component_manager" in the platform job) forwards the server end to the
 * directory that offers the protocol, exactly one hop, as component manager routes a protocol
 * open. What is routed:
 *   runner's /svc   fuchsia.power.system.ActivityGovernor  -> the SAG's outgoing directory
 *   Starnix's /svc  fuchsia.starnix.runner.Manager          -> the runner's outgoing directory
 *   platform's /svc fuchsia.starnix.runner.Manager          -> the runner's outgoing directory
 * Anything else is not routed: the server end is closed, so the client sees PEER_CLOSED (what
 * upstream's connect_to_protocol observes for a capability that is not offered).
 */
#include "world_int.h"

#include <string.h>

static zx_handle_t route(world_t *w, int client, const char *protocol)
{
    bool to_sag = client == WORLD_SVC_RUNNER && !strcmp(protocol, MANAGER_GOVERNOR_PROTOCOL);
    bool to_runner = client != WORLD_SVC_RUNNER && !strcmp(protocol, MANAGER_PROTOCOL);
    if (to_sag)
        return w->svc.sag_dir;
    if (to_runner)
        return w->svc.runner_dir;
    return ZX_HANDLE_INVALID;
}

/* Reads one open request from client `i`; false when that directory is gone. */
static bool serve_one(world_t *w, int i, world_msgbuf_t *buf)
{
    fidl_message_t msg;
    zx_status_t st = fidl_message_read(w->svc.clients[i], buf->bytes, buf->handles, &msg);
    if (st == ZX_ERR_SHOULD_WAIT)
        return true;
    if (st != ZX_OK)
        return false;
    if (msg.header.ordinal != FIDL_DIRECTORY_OPEN) {
        fidl_message_close(&msg);
        return true;
    }
    fidl_directory_open_req_t req;
    if (fidl_directory_open_req_decode(&msg, &req) != ZX_OK)
        return true;
    zx_handle_t target = req.has_protocol ? route(w, i, req.protocol) : ZX_HANDLE_INVALID;
    if (target == ZX_HANDLE_INVALID || req.server_end == ZX_HANDLE_INVALID) {
        fidl_directory_open_req_close(&req);
        return true;
    }
    /* Write errors (the target directory closed) drop the server end: the client's
     * connection then fails, as a route to a dead component does. */
    (void)fidl_directory_open_req_write(target, 0, &req);
    fidl_directory_open_req_close(&req);
    return true;
}

static void router_main(void *arg)
{
    world_t *w = arg;
    bool open[WORLD_SVC_CLIENTS] = {true, true, true};
    for (;;) {
        zx_wait_item_t items[WORLD_SVC_CLIENTS];
        int which[WORLD_SVC_CLIENTS];
        size_t n = 0;
        for (int i = 0; i < WORLD_SVC_CLIENTS; i++) {
            if (!open[i])
                continue;
            items[n] = (zx_wait_item_t){w->svc.clients[i],
                                        ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, 0};
            which[n++] = i;
        }
        if (n == 0)
            break;
        if (zx_object_wait_many(items, n, ZX_TIME_INFINITE) != ZX_OK)
            break;
        for (size_t j = 0; j < n; j++) {
            if (items[j].pending & (ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED))
                open[which[j]] = serve_one(w, which[j], &w->svc.buf);
        }
    }
}

void svc_setup(world_t *w, zx_handle_t runner_svc_server, zx_handle_t outgoing,
               zx_handle_t starnix_svc_server, zx_handle_t platform_svc_server,
               zx_handle_t sag_dir_client)
{
    zx_handle_t p = w->cm_proc;
    w->svc.clients[WORLD_SVC_RUNNER] = world_give(runner_svc_server, p);
    w->svc.clients[WORLD_SVC_STARNIX] = world_give(starnix_svc_server, p);
    w->svc.clients[WORLD_SVC_PLATFORM] = world_give(platform_svc_server, p);
    w->svc.runner_dir = world_give(outgoing, p);
    w->svc.sag_dir = world_give(sag_dir_client, p);
    world_msgbuf_init(&w->svc.buf);
    world_thread_start(p, "router", router_main, w);
}

void svc_teardown(world_t *w)
{
    world_msgbuf_deinit(&w->svc.buf);
}
