/* pager.c - Pager objects and the pager side of pager-backed VMOs: page requests delivered as
 * ZX_PKT_TYPE_PAGE_REQUEST port packets, readers parked until zx_pager_supply_pages or
 * ZX_PAGER_OP_FAIL, dirty tracking, detach and COMPLETE. The pages are vmo.c's. Follows
 * zircon/kernel/lib/syscalls/pager.cc and object/pager_dispatcher.cc, pager_proxy.cc
 * (misttech/fuchsia); the contract is seed 004 (zircon/vdso/pager.fidl).
 *
 * Objects. A kpager_t is the pager. Each pager-backed VMO has one kpager_src_t (Zircon's
 * PagerProxy and PageSource in one): the port (a reference), the key, the requests of the
 * threads waiting on its pages, and one port packet.
 *
 * Requests and batching. A thread that needs pages (zx_vmo_read/write, COMMIT, a fault) asks
 * vmo.c for the first run of missing pages in its range and registers a request on its own
 * stack for that run: it starts at the first missing page and runs to the first present page
 * or the end of the range, and stops short of any other request so that no two packets
 * overlap. A thread whose first missing page is already covered by a waiting request of the
 * same command joins it (an "overlap") and no packet is sent. When its request is resolved the
 * thread looks again and asks for the next run, so a read over several holes asks for them one
 * at a time, in order.
 *
 * One packet per source, as PagerProxy: the oldest unsent request's packet is queued on the
 * port, the next one once the pager service has taken it (zx_port_wait releases it). A request
 * satisfied or abandoned before its packet was taken withdraws it (KERNEL_EV_PAGE_REQUEST_CANCEL).
 *
 * Resolution. zx_pager_supply_pages resolves every READ request whose pages are all present;
 * ZX_PAGER_OP_DIRTY every DIRTY request whose pages are all dirty; ZX_PAGER_OP_FAIL fails each
 * request overlapping the range, and the threads that joined it, with the given status;
 * detach, the VMO's last reference and the pager's last handle fail them all with BAD_STATE.
 * Wakes go in registration order. A suspend of a waiting thread withdraws its request (an
 * overlap, if any, takes it over with its packet) and the syscall is issued again after
 * resume; if the pager had already taken the packet, the new call asks again for what is still
 * missing, as on Zircon.
 *
 * Lifetime. A source lives until its VMO is gone and its COMPLETE packet is released. The
 * pager's last handle closes every source at once: queued packets are withdrawn, waiting
 * threads fail, no COMPLETE is sent, and the VMO stays pager-backed with no pager (absent
 * pages fail with BAD_STATE; present pages stay readable).
 *
 * ZX_PAGER_OP_FAIL statuses: the seed's description allows IO, IO_DATA_INTEGRITY, BAD_STATE,
 * NO_SPACE and BUFFER_TOO_SMALL, its errors section only the first three. The model follows the
 * kernel (PageSource::IsValidExternalFailureCode, page_source.cc): all five; anything else, or a
 * value that is not a sign-extended int32, is INVALID_ARGS.
 */
#include "kernel_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct kpager {
    kobj_t obj;
    kpager_src_t *srcs_head, *srcs_tail; /* sources of its VMOs, in creation order */
} kpager_t;

typedef enum pager_req_role {
    PAGER_REQ_PRIMARY = 0, /* owns a packet (queued, pending, or taken by the pager) */
    PAGER_REQ_OVERLAP = 1, /* joined a primary that covers its first page */
} pager_req_role_t;

typedef struct pager_req pager_req_t;

/* A waiting thread's request; lives on its stack while it is parked. */
struct pager_req {
    pager_req_t *prev, *next;    /* in src->reqs, registration order */
    pager_req_t *pend_next;      /* in src->pend while its packet waits for the port */
    kblock_t *block;
    uint64_t offset, length;     /* bytes in the root, page aligned */
    zx_instant_mono_t since_mono;
    zx_koid_t thread_koid;
    uint16_t command;            /* ZX_PAGER_VMO_READ or _DIRTY */
    uint8_t role;                /* pager_req_role_t */
    bool linked;                 /* in src->reqs */
    bool pending;                /* in src->pend */
};

struct kpager_src {
    kernel_t *k;
    kpager_t *pager;             /* NULL once the pager's last handle closed */
    kvmo_t *vmo;                 /* the root; NULL once destroyed */
    kobj_t *port;                /* a reference */
    kpager_src_t *prev, *next;   /* in pager's list */
    pager_req_t *reqs_head, *reqs_tail;
    pager_req_t *pend_head, *pend_tail; /* primaries whose packet waits for the port */
    pager_req_t *active;         /* whose packet is queued; NULL when idle or for COMPLETE */
    kport_packet_t packet;       /* the one packet (PagerProxy::packet_) */
    uint64_t key;
    zx_koid_t vmo_koid;          /* for the trace once the VMO is gone */
    bool detached;               /* no more READ/DIRTY requests */
    bool resolving;              /* in resolve_where: the next packet waits for its end */
    bool packet_busy;            /* `packet` is queued on the port */
    bool complete_queued;        /* the packet in flight is the COMPLETE */
};

/* KERNEL_EV_PAGER_DETACH reasons. */
enum { DETACH_SYSCALL = 0, DETACH_VMO_GONE = 1, DETACH_PAGER_CLOSED = 2 };

static void pager_on_zero_handles(kobj_t *obj);
static void pager_teardown(kobj_t *obj);

static const kobj_ops_t pager_ops = {
    .type = ZX_OBJ_TYPE_PAGER,
    .default_rights = ZX_DEFAULT_PAGER_RIGHTS,
    .on_zero_handles = pager_on_zero_handles,
    .teardown = pager_teardown,
};

static kpager_t *kpager_from(kobj_t *obj)
{
    SIM_ASSERT(obj != NULL);
    SIM_ASSERT(obj->ops == &pager_ops);
    return (kpager_t *)obj;
}

static bool ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
    return a < b + b_len && b < a + a_len;
}

static zx_koid_t src_pager_koid(const kpager_src_t *src)
{
    return src->pager ? src->pager->obj.koid : ZX_KOID_INVALID;
}

/* ---- The packet (PagerProxy::QueuePacketLocked / Free) --------------------------------------- */

static void src_packet_release(kport_packet_t *pkt);

/* Fills and queues the packet for `req`, or COMPLETE when `req` is NULL. A port without handles
 * loses the packet: it counts as taken at once (pager_proxy.cc: "treat ZX_ERR_BAD_HANDLE as if
 * the packet was queued but the pager service never responds"). */
static void packet_send(kpager_src_t *src, pager_req_t *req)
{
    SIM_ASSERT(!src->packet_busy);
    src->packet = (kport_packet_t){
        .release = src_packet_release, .data = src, .source_koid = src->vmo_koid};
    src->packet.packet = (zx_port_packet_t){.key = src->key, .type = ZX_PKT_TYPE_PAGE_REQUEST};
    zx_packet_page_request_t *pr = &src->packet.packet.page_request;
    pr->command = req ? req->command : ZX_PAGER_VMO_COMPLETE;
    pr->offset = req ? req->offset : 0;
    pr->length = req ? req->length : 0;
    src->packet_busy = true;
    src->active = req;
    src->complete_queued = req == NULL;
    zx_status_t st = port_queue_packet(src->port, &src->packet);
    kernel_trace(src->k, KERNEL_EV_PAGE_REQUEST, src->vmo_koid, pr->command, (int64_t)pr->offset,
                 (int64_t)pr->length, (int64_t)src->key, st, NULL);
    if (st != ZX_OK)
        src_packet_release(&src->packet);
}

static pager_req_t *pend_pop(kpager_src_t *src)
{
    pager_req_t *req = src->pend_head;
    if (!req)
        return NULL;
    src->pend_head = req->pend_next;
    if (!src->pend_head)
        src->pend_tail = NULL;
    req->pend_next = NULL;
    req->pending = false;
    return req;
}

static void pend_push(kpager_src_t *src, pager_req_t *req)
{
    req->pending = true;
    req->pend_next = NULL;
    if (src->pend_tail)
        src->pend_tail->pend_next = req;
    else
        src->pend_head = req;
    src->pend_tail = req;
}

static void pend_remove(kpager_src_t *src, pager_req_t *req)
{
    pager_req_t **link = &src->pend_head, *prev = NULL;
    while (*link && *link != req) {
        prev = *link;
        link = &(*link)->pend_next;
    }
    SIM_ASSERT(*link == req);
    *link = req->pend_next;
    if (src->pend_tail == req)
        src->pend_tail = prev;
    req->pend_next = NULL;
    req->pending = false;
}

static void src_free(kpager_src_t *src);

/* The port is done with the packet: taken by zx_port_wait, withdrawn, or dropped with the
 * port. The next pending request goes out; a released COMPLETE may end the source. */
static void src_packet_release(kport_packet_t *pkt)
{
    kpager_src_t *src = pkt->data;
    SIM_ASSERT(src->packet_busy);
    src->packet_busy = false;
    src->active = NULL; /* a request still waiting was taken by the pager service */
    if (src->complete_queued) {
        src->complete_queued = false;
        if (!src->vmo)
            src_free(src);
        return;
    }
    /* A resolution pass may be about to resolve the next pending request too: it sends the
     * next packet when it ends, so that no packet is queued only to be withdrawn. */
    if (src->detached || src->resolving)
        return;
    pager_req_t *next = pend_pop(src);
    if (next)
        packet_send(src, next);
}

/* Withdraws `req`'s packet, queued or pending (PagerProxy::ClearAsyncRequest). */
static void packet_withdraw(kpager_src_t *src, pager_req_t *req)
{
    if (req->pending) {
        pend_remove(src, req);
        return;
    }
    if (src->active != req)
        return; /* the pager service already took it */
    kernel_trace(src->k, KERNEL_EV_PAGE_REQUEST_CANCEL, src->vmo_koid, req->command,
                 (int64_t)req->offset, (int64_t)req->length, 0, ZX_OK, NULL);
    src->active = NULL;
    bool dequeued = port_dequeue_packet(src->port, &src->packet); /* releases it */
    SIM_ASSERT(dequeued);
    SIM_ASSERT(src->active != req);
}

/* ---- Requests -------------------------------------------------------------------------------- */

/* The primary of the same command whose range covers `offset`, oldest first. */
static pager_req_t *covering_primary(const kpager_src_t *src, uint16_t command, uint64_t offset)
{
    for (pager_req_t *r = src->reqs_head; r; r = r->next) {
        if (r->role == PAGER_REQ_PRIMARY && r->command == command && r->offset <= offset &&
            offset - r->offset < r->length)
            return r;
    }
    return NULL;
}

/* Ends `req`'s range where the next primary of the same command starts, so packets do not
 * overlap. */
static void trim_to_next_primary(const kpager_src_t *src, pager_req_t *req)
{
    uint64_t end = req->offset + req->length;
    for (const pager_req_t *r = src->reqs_head; r; r = r->next) {
        if (r->role == PAGER_REQ_PRIMARY && r->command == req->command && r->offset > req->offset &&
            r->offset < end)
            end = r->offset;
    }
    req->length = end - req->offset;
}

static void reqs_link(kpager_src_t *src, pager_req_t *req)
{
    req->prev = src->reqs_tail;
    req->next = NULL;
    if (src->reqs_tail)
        src->reqs_tail->next = req;
    else
        src->reqs_head = req;
    src->reqs_tail = req;
    req->linked = true;
}

static void reqs_unlink(kpager_src_t *src, pager_req_t *req)
{
    SIM_ASSERT(req->linked);
    if (req->prev)
        req->prev->next = req->next;
    else
        src->reqs_head = req->next;
    if (req->next)
        req->next->prev = req->prev;
    else
        src->reqs_tail = req->prev;
    req->prev = req->next = NULL;
    req->linked = false;
}

/* Registers `req` (offset, length, command set): joins a covering request or becomes a primary
 * whose packet is queued now or after the ones before it. */
static void req_register(kpager_src_t *src, pager_req_t *req)
{
    pager_req_t *cover = covering_primary(src, req->command, req->offset);
    if (cover) {
        req->role = PAGER_REQ_OVERLAP;
        uint64_t end = cover->offset + cover->length;
        if (req->offset + req->length > end)
            req->length = end - req->offset;
        reqs_link(src, req);
        return;
    }
    req->role = PAGER_REQ_PRIMARY;
    trim_to_next_primary(src, req);
    reqs_link(src, req);
    if (src->packet_busy)
        pend_push(src, req);
    else
        packet_send(src, req);
}

/* The oldest overlap that joined `primary`. */
static pager_req_t *first_overlap(const kpager_src_t *src, const pager_req_t *primary)
{
    for (pager_req_t *r = src->reqs_head; r; r = r->next) {
        if (r->role == PAGER_REQ_OVERLAP && r->command == primary->command &&
            r->offset >= primary->offset && r->offset - primary->offset < primary->length)
            return r;
    }
    return NULL;
}

/* A primary leaves while others joined it: the oldest of them takes over its range and its
 * packet (PagerProxy::SwapAsyncRequest), so the pager sees no change. */
static void hand_over(kpager_src_t *src, pager_req_t *old, pager_req_t *heir)
{
    heir->role = PAGER_REQ_PRIMARY;
    heir->offset = old->offset;
    heir->length = old->length;
    if (src->active == old)
        src->active = heir;
    if (old->pending) {
        heir->pending = true;
        heir->pend_next = old->pend_next;
        pager_req_t **link = &src->pend_head;
        while (*link != old)
            link = &(*link)->pend_next;
        *link = heir;
        if (src->pend_tail == old)
            src->pend_tail = heir;
        old->pending = false;
        old->pend_next = NULL;
    }
}

/* Removes `req` because its thread stopped waiting (suspend, kill). */
static void req_abandon(kpager_src_t *src, pager_req_t *req)
{
    reqs_unlink(src, req);
    if (req->role != PAGER_REQ_PRIMARY)
        return;
    pager_req_t *heir = first_overlap(src, req);
    if (heir)
        hand_over(src, req, heir);
    else
        packet_withdraw(src, req);
}

/* Resolves `req` with `status` and wakes its thread; a primary takes the threads that joined it
 * along (PageSource completes overlapping requests with their primary). */
static void req_resolve(kpager_src_t *src, pager_req_t *req, zx_status_t status)
{
    if (req->role == PAGER_REQ_PRIMARY) {
        pager_req_t *joined;
        while ((joined = first_overlap(src, req)) != NULL) {
            reqs_unlink(src, joined);
            kblock_wake(src->k, joined->block, status);
        }
        packet_withdraw(src, req);
    }
    reqs_unlink(src, req);
    kblock_wake(src->k, req->block, status);
}

typedef bool (*req_pred_t)(const kpager_src_t *src, const pager_req_t *req, const void *arg);

/* Resolves, oldest first, every request for which pred holds; returns how many. Restarts the
 * scan after each resolution, since resolving a primary unlinks the requests that joined it:
 * O(n^2) in the waiting threads, which are few. */
static uint64_t resolve_where(kpager_src_t *src, req_pred_t pred, const void *arg,
                              zx_status_t status)
{
    SIM_ASSERT(!src->resolving);
    src->resolving = true;
    uint64_t count = 0;
    for (;;) {
        pager_req_t *r = src->reqs_head;
        while (r && !pred(src, r, arg))
            r = r->next;
        if (!r)
            break;
        req_resolve(src, r, status);
        count++;
    }
    src->resolving = false;
    if (!src->packet_busy && !src->detached) {
        pager_req_t *next = pend_pop(src);
        if (next)
            packet_send(src, next);
    }
    return count;
}

typedef struct range_arg {
    uint64_t offset, length;
    uint16_t command;  /* pred_ready; pred_recheck with dirty_only */
    bool dirty_only;   /* pred_recheck */
} range_arg_t;

static bool pred_any(const kpager_src_t *src, const pager_req_t *req, const void *arg)
{
    return true;
}

static bool pred_overlaps(const kpager_src_t *src, const pager_req_t *req, const void *arg)
{
    const range_arg_t *ra = arg;
    return ranges_overlap(req->offset, req->length, ra->offset, ra->length);
}

static bool pred_primary_overlaps(const kpager_src_t *src, const pager_req_t *req,
                                  const void *arg)
{
    return req->role == PAGER_REQ_PRIMARY && pred_overlaps(src, req, arg);
}

static bool pred_recheck(const kpager_src_t *src, const pager_req_t *req, const void *arg)
{
    const range_arg_t *ra = arg;
    return (!ra->dirty_only || req->command == ZX_PAGER_VMO_DIRTY) &&
           pred_overlaps(src, req, arg);
}

/* A request of `command` overlapping the range whose pages are now all ready. */
static bool pred_ready(const kpager_src_t *src, const pager_req_t *req, const void *arg)
{
    const range_arg_t *ra = arg;
    return req->command == ra->command && pred_overlaps(src, req, arg) &&
           kvmo_range_ready(src->vmo, req->command, req->offset, req->length);
}

/* ---- The interface to vmo.c ------------------------------------------------------------------ */

bool kpager_src_is_detached(const kpager_src_t *src)
{
    return src->detached;
}

zx_status_t kpager_src_wait(const kctx_t *c, kpager_src_t *src, uint16_t command,
                            uint64_t offset, uint64_t length)
{
    SIM_ASSERT(offset % ZX_PAGE_SIZE == 0 && length % ZX_PAGE_SIZE == 0);
    SIM_ASSERT(length > 0);
    if (src->detached)
        return ZX_ERR_BAD_STATE;
    kblock_t b;
    kblock_init(&b, c, KBLOCK_WAIT);
    pager_req_t req = {
        .block = &b,
        .offset = offset,
        .length = length,
        .command = command,
        .since_mono = sim_now_mono(c->k->s),
        .thread_koid = c->thread ? c->thread->obj.koid : ZX_KOID_INVALID,
    };
    zx_koid_t vmo_koid = src->vmo_koid;
    req_register(src, &req);
    kernel_trace(c->k, KERNEL_EV_PAGE_WAIT, vmo_koid, command, (int64_t)req.offset,
                 (int64_t)req.length, (int64_t)req.thread_koid, ZX_OK, NULL);
    zx_status_t st =
        kblock_park(c, &b, ZX_THREAD_STATE_BLOCKED_PAGER, vmo_koid, ZX_TIME_INFINITE);
    if (req.linked) /* not resolved: interrupted; `src` is alive while it holds a request */
        req_abandon(src, &req);
    kernel_trace(c->k, KERNEL_EV_PAGE_WAKE, vmo_koid, command, (int64_t)req.offset,
                 sim_now_mono(c->k->s) - req.since_mono, (int64_t)req.thread_koid, st, NULL);
    return st;
}

void kpager_src_recheck(kpager_src_t *src, uint64_t offset, uint64_t length, bool dirty_only)
{
    range_arg_t ra = {.offset = offset, .length = length, .dirty_only = dirty_only};
    resolve_where(src, pred_recheck, &ra, ZX_OK);
}

/* Fails every waiting request with BAD_STATE and withdraws what is queued (PageSource::Detach
 * and Close). Returns the requests failed. */
static uint64_t src_fail_all(kpager_src_t *src)
{
    src->detached = true;
    uint64_t failed = resolve_where(src, pred_any, NULL, ZX_ERR_BAD_STATE);
    SIM_ASSERT(!src->pend_head);
    SIM_ASSERT(!src->active);
    return failed;
}

/* zx_pager_detach_vmo and the VMO's end: no more requests, then COMPLETE. */
static void src_detach(kpager_src_t *src, int reason)
{
    if (src->detached)
        return;
    uint64_t failed = src_fail_all(src);
    kernel_trace(src->k, KERNEL_EV_PAGER_DETACH, src->vmo_koid, reason, (int64_t)failed,
                 (int64_t)src_pager_koid(src), 0, ZX_OK, NULL);
    if (src->packet_busy)
        return; /* cannot be: withdrawing left the packet free */
    packet_send(src, NULL);
}

void kpager_src_vmo_gone(kpager_src_t *src)
{
    SIM_ASSERT(src->vmo != NULL);
    SIM_ASSERT(!src->reqs_head); /* waiting threads hold the VMO */
    src_detach(src, DETACH_VMO_GONE);
    src->vmo = NULL;
    if (!src->packet_busy)
        src_free(src);
}

/* ---- Sources --------------------------------------------------------------------------------- */

static void src_free(kpager_src_t *src)
{
    SIM_ASSERT(!src->packet_busy);
    SIM_ASSERT(!src->reqs_head);
    kpager_t *pager = src->pager;
    if (pager) {
        if (src->prev)
            src->prev->next = src->next;
        else
            pager->srcs_head = src->next;
        if (src->next)
            src->next->prev = src->prev;
        else
            pager->srcs_tail = src->prev;
    }
    kobj_unref(src->port);
    free(src);
}

static kpager_src_t *src_create(kernel_t *k, kpager_t *pager, kobj_t *port, uint64_t key)
{
    kpager_src_t *src = kvmo_alloc_ok() ? calloc(1, sizeof(*src)) : NULL;
    if (!src)
        return NULL;
    src->k = k;
    src->pager = pager;
    src->key = key;
    kobj_ref(port);
    src->port = port;
    src->prev = pager->srcs_tail;
    if (pager->srcs_tail)
        pager->srcs_tail->next = src;
    else
        pager->srcs_head = src;
    pager->srcs_tail = src;
    return src;
}

/* PagerDispatcher::on_zero_handles -> PagerProxy::OnDispatcherClose for each VMO: waiting
 * threads fail, queued packets (the COMPLETE too) are withdrawn, nothing more is sent. */
static void pager_on_zero_handles(kobj_t *obj)
{
    kpager_t *pager = kpager_from(obj);
    while (pager->srcs_head) {
        kpager_src_t *src = pager->srcs_head;
        uint64_t failed = src->detached ? 0 : src_fail_all(src);
        kernel_trace(src->k, KERNEL_EV_PAGER_DETACH, src->vmo_koid, DETACH_PAGER_CLOSED,
                     (int64_t)failed, (int64_t)obj->koid, 0, ZX_OK, NULL);
        src->detached = true;
        if (src->packet_busy) {
            src->complete_queued = false; /* keep the release from freeing `src` */
            bool dequeued = port_dequeue_packet(src->port, &src->packet);
            SIM_ASSERT(dequeued);
        }
        if (src->vmo)
            kvmo_source_closed(src->vmo);
        src->vmo = NULL;
        src_free(src);
    }
}

/* kernel_destroy: memory only (ports are being torn down too). */
static void pager_teardown(kobj_t *obj)
{
    kpager_t *pager = kpager_from(obj);
    kpager_src_t *src = pager->srcs_head;
    while (src) {
        kpager_src_t *next = src->next;
        free(src);
        src = next;
    }
    pager->srcs_head = pager->srcs_tail = NULL;
}

/* ---- Syscalls -------------------------------------------------------------------------------- */

/* The handles of a pager syscall, in pager.cc's order: the pager (BAD_HANDLE, WRONG_TYPE,
 * ACCESS_DENIED), the VMO (same), then INVALID_ARGS if the VMO is not from this pager. The
 * objects are borrowed. */
static zx_status_t lookup_pager_vmo(const kctx_t *c, zx_handle_t pager_handle,
                                    zx_rights_t pager_rights, zx_handle_t vmo_handle,
                                    zx_rights_t vmo_rights, kpager_t **pager, kvmo_t **vmo)
{
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, pager_handle, ZX_OBJ_TYPE_PAGER, pager_rights, &h);
    if (st != ZX_OK)
        return st;
    *pager = kpager_from(h->obj);
    st = kobj_lookup(c, vmo_handle, ZX_OBJ_TYPE_VMO, vmo_rights, &h);
    if (st != ZX_OK)
        return st;
    *vmo = kvmo_from(h->obj);
    if (kvmo_pager_koid(*vmo) != (*pager)->obj.koid)
        return ZX_ERR_INVALID_ARGS;
    return ZX_OK;
}

static bool is_page_aligned(uint64_t value)
{
    return value % ZX_PAGE_SIZE == 0;
}

/* zx_pager_create */

static zx_status_t sys_pager_create(const kctx_t *c, uint32_t options, zx_handle_t *out,
                                    zx_koid_t *koid)
{
    if (options != 0 || !out)
        return ZX_ERR_INVALID_ARGS;
    if (!kvmo_alloc_ok())
        return ZX_ERR_NO_MEMORY;
    kobj_t *obj;
    zx_status_t st = kobj_create(c->k, &pager_ops, sizeof(kpager_t), ZX_SIGNAL_NONE, &obj);
    if (st != ZX_OK)
        return st;
    kobj_created(obj, c->proc->obj.koid, 0);
    *koid = obj->koid;
    st = kobj_handle_install(c, obj, ZX_DEFAULT_PAGER_RIGHTS, out);
    kobj_unref(obj);
    return st;
}

zx_status_t zx_pager_create(uint32_t options, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_create, ZX_HANDLE_INVALID);
    zx_koid_t koid = ZX_KOID_INVALID;
    zx_status_t st = sys_pager_create(&call.ctx, options, out, &koid);
    return kcall_end(&call, st, options, (int64_t)koid, 0, 0);
}

/* zx_pager_create_vmo */

/* The VMO and its source, linked both ways. */
static zx_status_t paged_vmo_create(const kctx_t *c, kpager_t *pager, kobj_t *port, uint64_t key,
                                    uint32_t flags, uint64_t size, bool trap_dirty, kvmo_t **out)
{
    kpager_src_t *src = src_create(c->k, pager, port, key);
    if (!src)
        return ZX_ERR_NO_MEMORY;
    kvmo_t *vmo;
    zx_status_t st = kvmo_create_root(c->k, size, flags, src, pager->obj.koid, trap_dirty, &vmo);
    if (st != ZX_OK) {
        src_free(src);
        return st;
    }
    src->vmo = vmo;
    src->vmo_koid = kvmo_obj(vmo)->koid;
    *out = vmo;
    return ZX_OK;
}

static zx_status_t sys_pager_create_vmo(const kctx_t *c, zx_handle_t pager_handle,
                                        uint32_t options, zx_handle_t port_handle, uint64_t key,
                                        uint64_t size, zx_handle_t *out, zx_koid_t *koid)
{
    if (!out)
        return ZX_ERR_INVALID_ARGS;
    khandle_t *h;
    zx_status_t st = kobj_lookup(c, pager_handle, ZX_OBJ_TYPE_PAGER, ZX_RIGHT_ATTACH_VMO, &h);
    if (st != ZX_OK)
        return st;
    kpager_t *pager = kpager_from(h->obj);
    st = kobj_lookup(c, port_handle, ZX_OBJ_TYPE_PORT, ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    kobj_t *port = h->obj;
    /* split_syscall_flags: TRAP_DIRTY is the source's, the rest the VMO's. A discardable
     * pager-backed VMO is refused [inf: pager.fidl allows only RESIZABLE and TRAP_DIRTY]. */
    bool trap_dirty = (options & ZX_VMO_TRAP_DIRTY) != 0;
    uint32_t vmo_options = options & ~ZX_VMO_TRAP_DIRTY;
    if (vmo_options & ZX_VMO_DISCARDABLE)
        return ZX_ERR_INVALID_ARGS;
    uint32_t flags;
    uint64_t rounded;
    st = kvmo_parse_options(vmo_options, size, &flags, &rounded);
    if (st != ZX_OK)
        return st;
    kvmo_t *vmo;
    st = paged_vmo_create(c, pager, port, key, flags, rounded, trap_dirty, &vmo);
    if (st != ZX_OK)
        return st;
    kobj_t *obj = kvmo_obj(vmo);
    kobj_created(obj, c->proc->obj.koid, 0);
    *koid = obj->koid;
    st = kobj_handle_install(c, obj, kvmo_default_rights(vmo), out);
    kobj_unref(obj);
    return st;
}

zx_status_t zx_pager_create_vmo(zx_handle_t pager, uint32_t options, zx_handle_t port,
                                uint64_t key, uint64_t size, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_create_vmo, pager);
    zx_koid_t koid = ZX_KOID_INVALID;
    zx_status_t st = sys_pager_create_vmo(&call.ctx, pager, options, port, key, size, out, &koid);
    return kcall_end(&call, st, options, (int64_t)key, (int64_t)size, (int64_t)koid);
}

/* zx_pager_detach_vmo */

static zx_status_t sys_pager_detach_vmo(const kctx_t *c, zx_handle_t pager_handle,
                                        zx_handle_t vmo_handle, zx_koid_t *koid)
{
    kpager_t *pager;
    kvmo_t *vmo;
    zx_status_t st =
        lookup_pager_vmo(c, pager_handle, ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO, vmo_handle,
                         ZX_RIGHT_WRITE, &pager, &vmo);
    if (st != ZX_OK)
        return st;
    uint64_t root_offset;
    kvmo_t *root = kvmo_root(vmo, &root_offset);
    *koid = kvmo_obj(root)->koid;
    kpager_src_t *src = kvmo_source(root);
    SIM_ASSERT(src != NULL); /* the caller holds the pager, so it is not closed */
    src_detach(src, DETACH_SYSCALL);
    return ZX_OK;
}

zx_status_t zx_pager_detach_vmo(zx_handle_t pager, zx_handle_t vmo)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_detach_vmo, pager);
    zx_koid_t koid = ZX_KOID_INVALID;
    zx_status_t st = sys_pager_detach_vmo(&call.ctx, pager, vmo, &koid);
    return kcall_end(&call, st, (int64_t)koid, 0, 0, 0);
}

/* zx_pager_supply_pages */

/* Looks up and checks the aux VMO (TakePages' checks), then the target range. */
static zx_status_t supply_checks(const kctx_t *c, kvmo_t *vmo, uint64_t offset, uint64_t length,
                                 zx_handle_t aux_handle, uint64_t aux_offset, kvmo_t **aux)
{
    khandle_t *h;
    zx_status_t st =
        kobj_lookup(c, aux_handle, ZX_OBJ_TYPE_VMO, ZX_RIGHT_READ | ZX_RIGHT_WRITE, &h);
    if (st != ZX_OK)
        return st;
    *aux = kvmo_from(h->obj);
    st = kvmo_check_aux(*aux, aux_offset, length);
    if (st != ZX_OK)
        return st;
    if (offset > kvmo_size(vmo) || length > kvmo_size(vmo) - offset)
        return ZX_ERR_OUT_OF_RANGE;
    uint64_t root_offset;
    kvmo_t *root = kvmo_root(vmo, &root_offset);
    kpager_src_t *src = kvmo_source(root);
    if (!src || kpager_src_is_detached(src))
        return ZX_ERR_BAD_STATE;
    return ZX_OK;
}

static zx_status_t sys_pager_supply_pages(const kctx_t *c, zx_handle_t pager_handle,
                                          zx_handle_t vmo_handle, uint64_t offset,
                                          uint64_t length, zx_handle_t aux_handle,
                                          uint64_t aux_offset)
{
    if (!is_page_aligned(offset) || !is_page_aligned(length) || !is_page_aligned(aux_offset))
        return ZX_ERR_INVALID_ARGS;
    kpager_t *pager;
    kvmo_t *vmo, *aux;
    zx_status_t st = lookup_pager_vmo(c, pager_handle, ZX_RIGHT_MANAGE_VMO, vmo_handle,
                                      ZX_RIGHT_WRITE, &pager, &vmo);
    if (st != ZX_OK)
        return st;
    st = supply_checks(c, vmo, offset, length, aux_handle, aux_offset, &aux);
    if (st != ZX_OK)
        return st;
    uint64_t root_offset, aux_root_offset, inserted = 0, skipped = 0;
    kvmo_t *root = kvmo_root(vmo, &root_offset);
    kvmo_t *aux_root = kvmo_root(aux, &aux_root_offset);
    uint64_t start = root_offset + offset;
    st = kvmo_supply(root, start, aux_root, aux_root_offset + aux_offset, length, &inserted,
                     &skipped);
    kernel_trace(c->k, KERNEL_EV_PAGE_SUPPLY, kvmo_obj(root)->koid, (int64_t)start, (int64_t)length,
                 (int64_t)inserted, (int64_t)skipped, st, NULL);
    range_arg_t ra = {.offset = start, .length = length, .command = ZX_PAGER_VMO_READ};
    resolve_where(kvmo_source(root), pred_ready, &ra, ZX_OK);
    return st;
}

zx_status_t zx_pager_supply_pages(zx_handle_t pager, zx_handle_t pager_vmo, uint64_t offset,
                                  uint64_t length, zx_handle_t aux_vmo, uint64_t aux_offset)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_supply_pages, pager);
    zx_status_t st = sys_pager_supply_pages(&call.ctx, pager, pager_vmo, offset, length, aux_vmo,
                                            aux_offset);
    return kcall_end(&call, st, (int64_t)offset, (int64_t)length, (int64_t)aux_offset, 0);
}

/* zx_pager_op_range */

static bool is_valid_fail_status(zx_status_t status)
{
    switch (status) {
    case ZX_ERR_IO:
    case ZX_ERR_IO_DATA_INTEGRITY:
    case ZX_ERR_BAD_STATE:
    case ZX_ERR_NO_SPACE:
    case ZX_ERR_BUFFER_TOO_SMALL:
        return true;
    default:
        return false;
    }
}

/* ZX_PAGER_OP_FAIL (VmObject::FailPageRequests): waiting threads of the range get `data`. */
static zx_status_t op_fail(const kctx_t *c, kvmo_t *root, uint64_t start, uint64_t length,
                           uint64_t data)
{
    int64_t signed_data = (int64_t)data;
    if (signed_data < INT32_MIN || signed_data > INT32_MAX)
        return ZX_ERR_INVALID_ARGS;
    zx_status_t status = (zx_status_t)signed_data;
    if (!is_valid_fail_status(status))
        return ZX_ERR_INVALID_ARGS;
    kpager_src_t *src = kvmo_source(root);
    if (!src || kpager_src_is_detached(src))
        return ZX_ERR_BAD_STATE;
    range_arg_t ra = {.offset = start, .length = length};
    uint64_t failed = resolve_where(src, pred_primary_overlaps, &ra, status);
    kernel_trace(c->k, KERNEL_EV_PAGE_FAIL, kvmo_obj(root)->koid, (int64_t)start, (int64_t)length,
                 (int64_t)failed, 0, status, NULL);
    return ZX_OK;
}

/* ZX_PAGER_OP_DIRTY (VmObject::DirtyPages): releases writes waiting on DIRTY requests. */
static zx_status_t op_dirty(const kctx_t *c, kvmo_t *root, uint64_t start, uint64_t length,
                            uint64_t data, bool trap_dirty)
{
    if (data != 0)
        return ZX_ERR_INVALID_ARGS;
    kpager_src_t *src = kvmo_source(root);
    if (!src || kpager_src_is_detached(src))
        return ZX_ERR_BAD_STATE;
    /* A VMO without TRAP_DIRTY has no clean-to-dirty transitions to grant [unconfirmed]. */
    if (!trap_dirty)
        return ZX_ERR_NOT_SUPPORTED;
    uint64_t pages = 0;
    zx_status_t st = kvmo_dirty(root, start, length, &pages);
    if (st != ZX_OK)
        return st;
    kernel_trace(c->k, KERNEL_EV_PAGE_DIRTY, kvmo_obj(root)->koid, (int64_t)start, (int64_t)length,
                 (int64_t)pages, 0, ZX_OK, NULL);
    range_arg_t ra = {.offset = start, .length = length, .command = ZX_PAGER_VMO_DIRTY};
    resolve_where(src, pred_ready, &ra, ZX_OK);
    return ZX_OK;
}

/* WRITEBACK_BEGIN / _END: allowed after detach, so that dirty pages can still be written back. */
static zx_status_t op_writeback(const kctx_t *c, kvmo_t *root, uint32_t op, uint64_t start,
                                uint64_t length, uint64_t data)
{
    bool begin = op == ZX_PAGER_OP_WRITEBACK_BEGIN;
    if (begin ? (data != 0 && data != ZX_VMO_DIRTY_RANGE_IS_ZERO) : data != 0)
        return ZX_ERR_INVALID_ARGS;
    uint64_t pages = kvmo_writeback(root, start, length, begin, data == ZX_VMO_DIRTY_RANGE_IS_ZERO);
    kernel_trace(c->k, KERNEL_EV_PAGE_WRITEBACK, kvmo_obj(root)->koid, (int64_t)start,
                 (int64_t)length, begin, (int64_t)pages, ZX_OK, NULL);
    return ZX_OK;
}

/* PagerDispatcher::RangeOp, after the handles: each op checks `data` first, then the range,
 * then its state [order of the last two unconfirmed]. */
static zx_status_t range_op(const kctx_t *c, uint32_t op, kvmo_t *vmo, uint64_t offset,
                            uint64_t length, uint64_t data)
{
    bool known = op == ZX_PAGER_OP_FAIL || op == ZX_PAGER_OP_DIRTY ||
                 op == ZX_PAGER_OP_WRITEBACK_BEGIN || op == ZX_PAGER_OP_WRITEBACK_END;
    if (!known)
        return ZX_ERR_NOT_SUPPORTED;
    bool data_ok = op == ZX_PAGER_OP_FAIL ||
                   (op == ZX_PAGER_OP_WRITEBACK_BEGIN && data == ZX_VMO_DIRTY_RANGE_IS_ZERO) ||
                   data == 0;
    if (!data_ok)
        return ZX_ERR_INVALID_ARGS;
    if (offset > kvmo_size(vmo) || length > kvmo_size(vmo) - offset)
        return ZX_ERR_OUT_OF_RANGE;
    uint64_t root_offset;
    kvmo_t *root = kvmo_root(vmo, &root_offset);
    uint64_t start = root_offset + offset;
    switch (op) {
    case ZX_PAGER_OP_FAIL:
        return op_fail(c, root, start, length, data);
    case ZX_PAGER_OP_DIRTY:
        return op_dirty(c, root, start, length, data, kvmo_trap_dirty(root));
    default:
        return op_writeback(c, root, op, start, length, data);
    }
}

static zx_status_t sys_pager_op_range(const kctx_t *c, zx_handle_t pager_handle, uint32_t op,
                                      zx_handle_t vmo_handle, uint64_t offset, uint64_t length,
                                      uint64_t data)
{
    if (!is_page_aligned(offset) || !is_page_aligned(length))
        return ZX_ERR_INVALID_ARGS;
    kpager_t *pager;
    kvmo_t *vmo;
    zx_status_t st = lookup_pager_vmo(c, pager_handle, ZX_RIGHT_MANAGE_VMO, vmo_handle,
                                      ZX_RIGHT_WRITE, &pager, &vmo);
    if (st != ZX_OK)
        return st;
    return range_op(c, op, vmo, offset, length, data);
}

zx_status_t zx_pager_op_range(zx_handle_t pager, uint32_t op, zx_handle_t pager_vmo,
                              uint64_t offset, uint64_t length, uint64_t data)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_op_range, pager);
    zx_status_t st = sys_pager_op_range(&call.ctx, pager, op, pager_vmo, offset, length, data);
    return kcall_end(&call, st, op, (int64_t)offset, (int64_t)length, (int64_t)data);
}

/* zx_pager_query_dirty_ranges */

static zx_status_t sys_pager_query_dirty_ranges(const kctx_t *c, zx_handle_t pager_handle,
                                                zx_handle_t vmo_handle, uint64_t offset,
                                                uint64_t length, void *buffer,
                                                size_t buffer_size, size_t *actual,
                                                size_t *avail)
{
    kpager_t *pager;
    kvmo_t *vmo;
    zx_status_t st = lookup_pager_vmo(c, pager_handle, ZX_RIGHT_MANAGE_VMO, vmo_handle,
                                      ZX_RIGHT_READ, &pager, &vmo);
    if (st != ZX_OK)
        return st;
    /* The range need not be aligned: it is widened to whole pages, then checked. */
    uint64_t size = kvmo_size(vmo);
    if (offset > size || length > size - offset)
        return ZX_ERR_OUT_OF_RANGE;
    if (!buffer && buffer_size > 0)
        return ZX_ERR_INVALID_ARGS; /* the copy-out would fault */
    uint64_t first = offset / ZX_PAGE_SIZE * ZX_PAGE_SIZE;
    uint64_t end = (offset + length + ZX_PAGE_MASK) / ZX_PAGE_SIZE * ZX_PAGE_SIZE;
    uint64_t root_offset;
    kvmo_t *root = kvmo_root(vmo, &root_offset);
    size_t got = 0, total = 0;
    kvmo_query_dirty(root, root_offset + first, end - first, buffer, buffer ? buffer_size : 0,
                     &got, avail ? &total : NULL);
    zx_vmo_dirty_range_t *ranges = buffer;
    for (size_t i = 0; i < got; i++)
        ranges[i].offset -= root_offset; /* back to the handle's VMO */
    if (actual)
        *actual = got;
    if (avail)
        *avail = total;
    return ZX_OK;
}

zx_status_t zx_pager_query_dirty_ranges(zx_handle_t pager, zx_handle_t pager_vmo,
                                        uint64_t offset, uint64_t length, void *buffer,
                                        size_t buffer_size, size_t *actual, size_t *avail)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_query_dirty_ranges, pager);
    size_t got = 0;
    zx_status_t st = sys_pager_query_dirty_ranges(&call.ctx, pager, pager_vmo, offset, length,
                                                  buffer, buffer_size, &got, avail);
    if (actual && st == ZX_OK)
        *actual = got;
    return kcall_end(&call, st, (int64_t)offset, (int64_t)length, (int64_t)got, 0);
}

/* zx_pager_query_vmo_stats */

static zx_status_t sys_pager_query_vmo_stats(const kctx_t *c, zx_handle_t pager_handle,
                                             zx_handle_t vmo_handle, uint32_t options,
                                             void *buffer, size_t buffer_size, bool *modified)
{
    kpager_t *pager;
    kvmo_t *vmo;
    zx_status_t st = lookup_pager_vmo(c, pager_handle, ZX_RIGHT_MANAGE_VMO, vmo_handle,
                                      ZX_RIGHT_READ, &pager, &vmo);
    if (st != ZX_OK)
        return st;
    if (buffer_size < sizeof(zx_pager_vmo_stats_t))
        return ZX_ERR_BUFFER_TOO_SMALL;
    if (options & ~ZX_PAGER_RESET_VMO_STATS)
        return ZX_ERR_INVALID_ARGS;
    if (!buffer)
        return ZX_ERR_INVALID_ARGS; /* the copy-out would fault */
    uint64_t root_offset;
    *modified = kvmo_modified(kvmo_root(vmo, &root_offset), options & ZX_PAGER_RESET_VMO_STATS);
    zx_pager_vmo_stats_t stats = {.modified = *modified ? ZX_PAGER_VMO_STATS_MODIFIED : 0};
    memcpy(buffer, &stats, sizeof(stats));
    return ZX_OK;
}

zx_status_t zx_pager_query_vmo_stats(zx_handle_t pager, zx_handle_t pager_vmo, uint32_t options,
                                     void *buffer, size_t buffer_size)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_pager_query_vmo_stats, pager);
    bool modified = false;
    zx_status_t st = sys_pager_query_vmo_stats(&call.ctx, pager, pager_vmo, options, buffer,
                                               buffer_size, &modified);
    return kcall_end(&call, st, options, modified, 0, 0);
}
