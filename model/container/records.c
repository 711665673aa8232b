/* records.c - What happened in a run: suspend attempts, proxied messages, watcher observations,
 * file reads, counter values and samples, gathered from the world's own actors and from the
 * trace (the runner is observed only through its trace events, never by peeking inside it).
 *
 * From the trace (records_on_event, called from the first invariant's on_event hook):
 *  - MANAGER_EV_SUSPEND_PHASE: the runner's phase times of attempt n go to the n-th suspend
 *    record (the world's suspend loop sends one request at a time, so the runner's order of
 *    reception is the world's order of sending; a tool's request (kernel_side.c) keeps that
 *    order unless the tool and the kernel send within the few µs a request takes to reach the
 *    runner's serve loop);
 *  - MANAGER_EV_COUNTER_INCREMENTED: the k-th for a proxy is the k-th message its remote wrote
 *    (the channel is FIFO and the proxy moves one message per iteration);
 *  - KERNEL_EV_CHANNEL_WRITE on a handler's channel end: the k-th is the k-th message, now in
 *    the container (every variant; v1 has no counter);
 *  - MANAGER_EV_PROXY_LOOP_EXIT: the runner's proxy task for that name ended;
 *  - KERNEL_EV_SUSPEND_TOKEN_CREATE/CLOSE on container processes: the container is frozen
 *    while at least one such token is open;
 *  - KERNEL_EV_SYSCALL zx_counter_add / zx_counter_write on a proxy's counter (by koid): the
 *    counter's value (arg[1] of add, arg[0] of write), whoever changed it.
 */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Setup ----------------------------------------------------------------------------------- */

void records_setup(world_t *w)
{
    world_records_t *r = &w->rec;
    size_t n = w->opts.sample_count;
    r->sample_timers = world_alloc(n * sizeof(*r->sample_timers));
    r->sample_values = world_alloc(n * sizeof(*r->sample_values));
    for (size_t i = 0; i < n; i++)
        r->sample_values[i] = INT64_MIN;
}

static void sample_fire(sim_t *s, sim_timer_t *t)
{
    (void)s;
    world_t *w = t->data;
    size_t i = (size_t)(t - w->rec.sample_timers);
    const world_proxy_t *px = &w->proxies[w->opts.samples[i].proxy];
    if (px->counter_koid != ZX_KOID_INVALID)
        w->rec.sample_values[i] = px->counter_value;
}

void records_start(world_t *w)
{
    for (size_t i = 0; i < w->opts.sample_count; i++) {
        sim_timer_t *t = &w->rec.sample_timers[i];
        sim_timer_init(t, sample_fire, w);
        sim_timer_start(w->s, t, SIM_CLOCK_BOOT, w->opts.samples[i].at_ns);
    }
}

void records_teardown(world_t *w)
{
    world_records_t *r = &w->rec;
    free(r->container_koids);
    free(r->tokens);
    free(r->id_to_record);
    free(r->resume_pending);
    free(r->sample_timers);
    free(r->sample_values);
    free(w->res.suspends);
    free(w->res.messages);
    free(w->res.file_reads);
}

/* ---- Container state ------------------------------------------------------------------------- */

void records_container_process(world_t *w, zx_koid_t koid)
{
    world_records_t *r = &w->rec;
    world_grow((void **)&r->container_koids, &r->container_capacity, r->container_count + 1,
               sizeof(zx_koid_t));
    r->container_koids[r->container_count++] = koid;
}

bool records_container_frozen(const world_t *w)
{
    return w->rec.token_count > 0;
}

static bool is_container_process(const world_records_t *r, zx_koid_t koid)
{
    for (size_t i = 0; i < r->container_count; i++) {
        if (r->container_koids[i] == koid)
            return true;
    }
    return false;
}

static void thaw(world_t *w)
{
    world_records_t *r = &w->rec;
    int64_t now = sim_now_boot(w->s);
    for (size_t i = 0; i < r->resume_pending_count; i++)
        w->res.messages[r->resume_pending[i]].container_resumed_ns = now;
    r->resume_pending_count = 0;
    r->last_change_ns = now;
    invariants_frozen(w, false);
}

static void on_token(world_t *w, const sim_trace_event_t *ev, bool created)
{
    world_records_t *r = &w->rec;
    if (created) {
        if (!is_container_process(r, (zx_koid_t)ev->arg[0]))
            return;
        world_grow((void **)&r->tokens, &r->token_capacity, r->token_count + 1, sizeof(zx_koid_t));
        r->tokens[r->token_count++] = ev->object;
        if (r->token_count == 1) {
            r->last_change_ns = ev->time_boot_ns;
            invariants_frozen(w, true);
        }
        return;
    }
    for (size_t i = 0; i < r->token_count; i++) {
        if (r->tokens[i] != ev->object)
            continue;
        r->tokens[i] = r->tokens[--r->token_count];
        if (r->token_count == 0)
            thaw(w);
        return;
    }
}

/* ---- Suspend attempts ------------------------------------------------------------------------ */

size_t records_suspend_begin(world_t *w)
{
    world_results_t *res = &w->res;
    size_t i = res->suspend_count;
    world_grow((void **)&res->suspends, &w->rec.suspend_capacity, i + 1, sizeof(*res->suspends));
    world_suspend_record_t *rec = &res->suspends[i];
    memset(rec, 0, sizeof(*rec));
    rec->sent_ns = sim_now_boot(w->s);
    for (size_t p = 0; p < sizeof(rec->phase_ns) / sizeof(rec->phase_ns[0]); p++)
        rec->phase_ns[p] = -1;
    rec->reply_received_ns = -1;
    rec->suspend_time_ns = -1;
    rec->result = WORLD_SUSPEND_NO_REPLY;
    rec->request_event = sim_trace_count(w->s);
    res->suspend_count++;
    world_trace(w, WORLD_EV_SUSPEND_REQUEST, 0, (int64_t)i, 0, 0, 0, NULL);
    return i;
}

void records_suspend_end(world_t *w, size_t i, zx_status_t st,
                         const fidl_suspend_container_resp_t *resp)
{
    world_suspend_record_t *rec = &w->res.suspends[i];
    rec->reply_received_ns = sim_now_boot(w->s);
    if (st != ZX_OK) {
        rec->result = WORLD_SUSPEND_NO_REPLY;
        rec->channel_closed = true;
    } else if (!resp->is_error) {
        rec->result = WORLD_SUSPEND_OK;
    } else {
        rec->result = resp->error == FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST
                          ? WORLD_SUSPEND_WAKE_LOCKS_EXIST
                          : WORLD_SUSPEND_FAILURE;
    }
    if (st == ZX_OK && resp->has_suspend_time) {
        rec->has_suspend_time = true;
        rec->suspend_time_ns = resp->suspend_time;
    }
    if (st == ZX_OK && resp->has_resume_reason) {
        rec->has_resume_reason = true;
        memcpy(rec->resume_reason, resp->resume_reason, sizeof(rec->resume_reason));
    }
    world_trace(w, WORLD_EV_SUSPEND_REPLY, 0, (int64_t)i, rec->suspend_time_ns, 0,
                (int32_t)rec->result, rec->has_resume_reason ? rec->resume_reason : NULL);
}

static void on_phase(world_t *w, const sim_trace_event_t *ev)
{
    world_records_t *r = &w->rec;
    int64_t phase = ev->arg[0], attempt = ev->arg[1];
    if (attempt <= 0)
        return;
    if (phase == MANAGER_PHASE_WAIT_BEGUN)
        r->runner_attempt_waiting = (uint32_t)attempt;
    else if (phase == MANAGER_PHASE_WOKEN && r->runner_attempt_waiting == (uint32_t)attempt)
        r->runner_attempt_waiting = 0;
    size_t i = (size_t)attempt - 1;
    if (i >= w->res.suspend_count || phase < 0 || phase >= 16)
        return;
    w->res.suspends[i].phase_ns[phase] = ev->time_boot_ns;
}

/* ---- Messages -------------------------------------------------------------------------------- */

uint64_t records_message_id(world_t *w)
{
    world_records_t *r = &w->rec;
    world_grow((void **)&r->id_to_record, &r->id_capacity, r->id_count + 1, sizeof(size_t));
    r->id_to_record[r->id_count] = SIZE_MAX;
    return r->id_count++;
}

void records_message_sent(world_t *w, int p, uint64_t id)
{
    world_results_t *res = &w->res;
    world_records_t *r = &w->rec;
    size_t m = res->message_count;
    world_grow((void **)&res->messages, &r->message_capacity, m + 1, sizeof(*res->messages));
    int64_t now = sim_now_boot(w->s);
    res->messages[m] = (world_message_record_t){
        .proxy = p, .sent_ns = now, .counter_incremented_ns = -1, .forwarded_ns = -1,
        .read_by_container_ns = -1,
        .handled_ns = -1, .decremented_ns = -1, .container_resumed_ns = now};
    res->message_count++;
    SIM_ASSERT(id < r->id_count);
    r->id_to_record[id] = m;
    world_proxy_t *px = &w->proxies[p];
    world_grow((void **)&px->msgs, &px->msg_capacity, px->msg_count + 1, sizeof(size_t));
    px->msgs[px->msg_count++] = m;
    if (records_container_frozen(w)) {
        res->messages[m].container_resumed_ns = -1;
        world_grow((void **)&r->resume_pending, &r->resume_pending_capacity,
                   r->resume_pending_count + 1, sizeof(size_t));
        r->resume_pending[r->resume_pending_count++] = m;
    }
    world_trace(w, WORLD_EV_MESSAGE, 0, (int64_t)m, p, WORLD_MESSAGE_SENT, 0, NULL);
}

void records_message_step(world_t *w, uint64_t id, world_message_step_t step)
{
    world_records_t *r = &w->rec;
    if (id >= r->id_count || r->id_to_record[id] == SIZE_MAX)
        return; /* not one of the world's messages */
    size_t m = r->id_to_record[id];
    world_message_record_t *rec = &w->res.messages[m];
    int64_t now = sim_now_boot(w->s);
    switch (step) {
    case WORLD_MESSAGE_SENT:
        break;
    case WORLD_MESSAGE_READ:
        rec->read_by_container_ns = now;
        break;
    case WORLD_MESSAGE_HANDLED:
        rec->handled_ns = now;
        break;
    case WORLD_MESSAGE_DECREMENTED:
        rec->decremented_ns = now;
        break;
    }
    world_trace(w, WORLD_EV_MESSAGE, 0, (int64_t)m, rec->proxy, step, 0, NULL);
}

static int proxy_by_name(const world_t *w, const char *name)
{
    if (!name)
        return -1;
    for (size_t p = 0; p < w->cfg->proxy_count; p++) {
        if (!strcmp(w->cfg->proxies[p].name, name))
            return (int)p;
    }
    return -1;
}

static void on_forwarded(world_t *w, const sim_trace_event_t *ev)
{
    int p = proxy_by_name(w, ev->text);
    if (p < 0)
        return;
    world_proxy_t *px = &w->proxies[p];
    size_t k = px->forwarded++;
    if (k >= px->msg_count)
        return; /* a message the world did not write (cannot happen: it holds the only end) */
    w->res.messages[px->msgs[k]].counter_incremented_ns = ev->time_boot_ns;
}

/* A message queued on a handler's end: the runner forwarded it into the container. */
static void on_channel_write(world_t *w, const sim_trace_event_t *ev)
{
    for (size_t p = 0; p < w->cfg->proxy_count; p++) {
        world_proxy_t *px = &w->proxies[p];
        if (px->kernel_end_koid == ZX_KOID_INVALID || px->kernel_end_koid != ev->object)
            continue;
        size_t k = px->delivered++;
        if (k >= px->msg_count)
            return;
        size_t m = px->msgs[k];
        w->res.messages[m].forwarded_ns = ev->time_boot_ns;
        invariants_forwarded(w, m, ev->index);
        return;
    }
}

static void on_counter(world_t *w, const sim_trace_event_t *ev)
{
    if (ev->status != ZX_OK || !ev->text || strncmp(ev->text, "zx_counter_", 11) != 0)
        return;
    bool add = !strcmp(ev->text, "zx_counter_add");
    if (!add && strcmp(ev->text, "zx_counter_write") != 0)
        return;
    for (size_t p = 0; p < w->cfg->proxy_count; p++) {
        world_proxy_t *px = &w->proxies[p];
        if (px->counter_koid == ZX_KOID_INVALID || px->counter_koid != ev->object)
            continue;
        px->counter_value = add ? ev->arg[1] : ev->arg[0];
        invariants_counter(w, (int)p, px->counter_value, ev);
        return;
    }
}

/* ---- Watchers and file reads ----------------------------------------------------------------- */

void records_watcher(world_t *w, int i, char what)
{
    world_watcher_record_t *rec = &w->res.watchers[i];
    int64_t now = sim_now_boot(w->s);
    if (what == 'A' || what == 'S') {
        if (rec->count < sizeof(rec->observations)) {
            rec->observations[rec->count] = what;
            rec->observed_ns[rec->count] = now;
            rec->count++;
        }
        rec->total++;
        rec->last = what;
        rec->last_ns = now;
    } else if (what == 'C') {
        rec->closed = false;
        rec->last = 0;
    } else if (what == 'X') {
        rec->closed = true;
    }
    world_trace(w, WORLD_EV_WATCHER, 0, i, what, 0, 0, w->cfg->watchers[i].name);
}

size_t records_read_begin(world_t *w, int file, uint64_t offset, uint64_t length)
{
    world_results_t *res = &w->res;
    size_t i = res->file_read_count;
    world_grow((void **)&res->file_reads, &w->rec.read_capacity, i + 1, sizeof(*res->file_reads));
    res->file_reads[i] = (world_file_read_record_t){
        .file = file, .offset = offset, .length = length, .started_ns = sim_now_boot(w->s),
        .finished_ns = -1, .status = ZX_ERR_SHOULD_WAIT};
    res->file_read_count++;
    world_trace(w, WORLD_EV_FILE_READ, 0, (int64_t)i, 1, 0, 0, w->cfg->files[file].name);
    return i;
}

void records_read_end(world_t *w, size_t i, zx_status_t st, const uint8_t *data)
{
    world_file_read_record_t *rec = &w->res.file_reads[i];
    rec->finished_ns = sim_now_boot(w->s);
    rec->status = st;
    if (st == ZX_OK) {
        uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
        for (uint64_t k = 0; k < rec->length; k++)
            h = (h ^ data[k]) * 0x100000001b3ULL;
        rec->checksum = h;
        memcpy(rec->head, data, rec->length < sizeof(rec->head) ? rec->length : sizeof(rec->head));
    }
    world_trace(w, WORLD_EV_FILE_READ, 0, (int64_t)i, 0, 0, st, w->cfg->files[rec->file].name);
}

/* ---- The trace observer ---------------------------------------------------------------------- */

static void on_peer_event(world_t *w, const sim_trace_event_t *ev)
{
    int p = (int)ev->arg[0];
    if (p >= 0 && (size_t)p < w->cfg->proxy_count && ev->arg[1] == WORLD_PEER_HANDLER_EXIT)
        w->proxies[p].handler_exited = true;
}

void records_on_event(world_t *w, const sim_trace_event_t *ev)
{
    switch (ev->kind) {
    case KERNEL_EV_SYSCALL:
        on_counter(w, ev);
        break;
    case KERNEL_EV_SUSPEND_TOKEN_CREATE:
        on_token(w, ev, true);
        break;
    case KERNEL_EV_SUSPEND_TOKEN_CLOSE:
        on_token(w, ev, false);
        break;
    case KERNEL_EV_CHANNEL_WRITE:
        on_channel_write(w, ev);
        break;
    case MANAGER_EV_SUSPEND_PHASE:
        on_phase(w, ev);
        break;
    case MANAGER_EV_COUNTER_INCREMENTED:
        on_forwarded(w, ev);
        break;
    case MANAGER_EV_PROXY_LOOP_EXIT: {
        int p = proxy_by_name(w, ev->text);
        if (p >= 0)
            w->proxies[p].runner_exited = true;
        break;
    }
    case WORLD_EV_PEER:
        on_peer_event(w, ev);
        break;
    default:
        break;
    }
}

/* ---- End of run ------------------------------------------------------------------------------ */

static bool suspend_outstanding(const world_t *w, char *buf, size_t size)
{
    for (size_t i = 0; i < w->res.suspend_count; i++) {
        const world_suspend_record_t *rec = &w->res.suspends[i];
        if (rec->reply_received_ns >= 0)
            continue;
        /* Waiting for a wake source is the runner's normal sleep, not a deadlock. */
        if (w->rec.runner_attempt_waiting == i + 1)
            continue;
        snprintf(buf, size, "SuspendContainer #%zu (request event %llu) is still unanswered and "
                 "the runner is not waiting for a wake", i + 1,
                 (unsigned long long)rec->request_event);
        return true;
    }
    return false;
}

static bool message_outstanding(const world_t *w, char *buf, size_t size)
{
    for (size_t m = 0; m < w->res.message_count; m++) {
        const world_message_record_t *rec = &w->res.messages[m];
        const world_proxy_t *px = &w->proxies[rec->proxy];
        if (rec->handled_ns >= 0)
            continue;
        bool forwarded = rec->forwarded_ns >= 0;
        bool stuck = forwarded ? !px->handler_exited && !px->container_closed
                               : px->registered && !px->runner_exited;
        if (!stuck)
            continue;
        snprintf(buf, size, "message %zu of proxy '%s' (sent at %lld ns) was %s", m,
                 w->cfg->proxies[rec->proxy].name, (long long)rec->sent_ns,
                 forwarded ? "forwarded but never handled" : "never forwarded");
        return true;
    }
    return false;
}

bool records_outstanding(const world_t *w, char *buf, size_t size)
{
    if (suspend_outstanding(w, buf, size) || message_outstanding(w, buf, size))
        return true;
    for (size_t i = 0; i < w->res.file_read_count; i++) {
        const world_file_read_record_t *rec = &w->res.file_reads[i];
        if (rec->finished_ns < 0) {
            snprintf(buf, size, "read %zu of file '%s' never finished", i,
                     w->cfg->files[rec->file].name);
            return true;
        }
    }
    return false;
}

void records_finish(world_t *w)
{
    world_results_t *res = &w->res;
    res->end = sim_end_reason(w->s);
    res->end_time_ns = sim_now_boot(w->s);
    res->fingerprint = sim_fingerprint(w->s);
    res->events = sim_trace_count(w->s);
    for (size_t p = 0; p < w->cfg->proxy_count; p++) {
        const world_proxy_t *px = &w->proxies[p];
        res->counter_end[p] = px->counter_koid != ZX_KOID_INVALID ? px->counter_value : INT64_MIN;
    }
}
