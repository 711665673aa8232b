/* v6.c - The newest revision found (reference section 5, V6: suspend.rs @41a7e9da, lib.rs
 * @9c93a981, proxy.rs @21c540d6, pager.rs @dd1fca5d, kernels.rs @31a722b4). What differs from
 * v5w:
 *  - suspend_job waits per thread for SUSPENDED or TERMINATED in 100 ms slices, skips a thread
 *    blocked in an exception, and logs a [SUSPEND_WATCHDOG] line after 100 slices (~10 s) and
 *    every 600 slices (~60 s) after that; it still waits forever for a thread that is slow.
 *  - The resume reasons zip the wait items with wake_sources.values() (same order, no koid
 *    lookup); with no source up and a wait that TIMED_OUT the reason is
 *    "starnix-container-timeout".
 *  - "Pre-/Post-drop" and "Pre-/Post-acquire wake lease" log lines.
 *  - The worker counts attempts, successes and failures in the inspect node "suspend" and
 *    records successful suspend times in an exponential histogram (floor 100 us, step 100 us,
 *    x2, 32 buckets); here each update is a MANAGER_EV_INSPECT trace event.
 *  - The pager's readahead aligns the start down to 128 KiB and clamps the end to the VMO size.
 * Its mutexes are LockDep-ordered (starnix_sync); they behave as fuchsia_sync's.
 */
#include <stdio.h>
#include <string.h>

#include "../manager_int.h"

#define WATCHDOG_FIRST 100u  /* slices of 100 ms before the first watchdog line */
#define WATCHDOG_EVERY 600u  /* then one line every this many slices */
#define READAHEAD_ALIGNMENT ((uint64_t)128u * 1024u)

static void object_name(zx_handle_t h, char name[ZX_MAX_NAME_LEN])
{
    if (zx_object_get_property(h, ZX_PROP_NAME, name, ZX_MAX_NAME_LEN) != ZX_OK)
        snprintf(name, ZX_MAX_NAME_LEN, "unknown");
}

/* `format!("{:?}", info.state)` of zx::ThreadState. */
static const char *thread_state_debug(zx_thread_state_t state)
{
    switch (state) {
    case ZX_THREAD_STATE_NEW: return "New";
    case ZX_THREAD_STATE_RUNNING: return "Running";
    case ZX_THREAD_STATE_SUSPENDED: return "Suspended";
    case ZX_THREAD_STATE_DYING: return "Dying";
    case ZX_THREAD_STATE_DEAD: return "Dead";
    case ZX_THREAD_STATE_BLOCKED_EXCEPTION: return "Blocked(Exception)";
    case ZX_THREAD_STATE_BLOCKED_SLEEPING: return "Blocked(Sleeping)";
    case ZX_THREAD_STATE_BLOCKED_FUTEX: return "Blocked(Futex)";
    case ZX_THREAD_STATE_BLOCKED_PORT: return "Blocked(Port)";
    case ZX_THREAD_STATE_BLOCKED_CHANNEL: return "Blocked(Channel)";
    case ZX_THREAD_STATE_BLOCKED_WAIT_ONE: return "Blocked(WaitOne)";
    case ZX_THREAD_STATE_BLOCKED_WAIT_MANY: return "Blocked(WaitMany)";
    case ZX_THREAD_STATE_BLOCKED_INTERRUPT: return "Blocked(Interrupt)";
    case ZX_THREAD_STATE_BLOCKED_PAGER: return "Blocked(Pager)";
    }
    return "unknown";
}

static void watchdog_log(zx_handle_t process, zx_handle_t thread, zx_koid_t thread_koid)
{
    char process_name[ZX_MAX_NAME_LEN], thread_name[ZX_MAX_NAME_LEN];
    object_name(process, process_name);
    object_name(thread, thread_name);
    zx_info_thread_t info;
    const char *state = "unknown";
    if (zx_object_get_info(thread, ZX_INFO_THREAD, &info, sizeof(info), NULL, NULL) == ZX_OK)
        state = thread_state_debug(info.state);
    MANAGER_WARN("[SUSPEND_WATCHDOG] Timeout waiting for task suspension. Thread Koid: %llu "
                 "Name: '%s', Process: '%s', State: %s, continuing to wait...",
                 (unsigned long long)thread_koid, thread_name, process_name, state);
}

/* The per-thread loop of V6's suspend_job. */
static zx_status_t v6_wait_thread(manager_t *m, zx_handle_t process, zx_handle_t thread,
                                  zx_koid_t thread_koid)
{
    (void)m;
    uint64_t watchdog_count = 0;
    for (;;) {
        zx_info_thread_t info;
        if (zx_object_get_info(thread, ZX_INFO_THREAD, &info, sizeof(info), NULL, NULL) ==
                ZX_OK &&
            info.state == ZX_THREAD_STATE_BLOCKED_EXCEPTION) {
            char name[ZX_MAX_NAME_LEN];
            object_name(thread, name);
            MANAGER_WARN("Thread %s (Koid: %llu) is blocked on exception, skipping suspend "
                         "wait.",
                         name, (unsigned long long)thread_koid);
            return ZX_OK;
        }
        zx_status_t st = zx_object_wait_one(thread, ZX_THREAD_SUSPENDED | ZX_THREAD_TERMINATED,
                                            zx_deadline_after(ZX_MSEC(100)), NULL);
        if (st == ZX_OK)
            return ZX_OK;
        if (st != ZX_ERR_TIMED_OUT) {
            MANAGER_WARN("Error waiting for task suspension: %s", zx_status_get_string(st));
            return st;
        }
        watchdog_count++;
        if (watchdog_count == WATCHDOG_FIRST || watchdog_count % WATCHDOG_EVERY == 0)
            watchdog_log(process, thread, thread_koid);
    }
}

/* `wake_sources.values().zip(&wait_items)`, plus the timeout reason. */
static char *v6_resume_reason(manager_t *m, wake_sources_t *ws, const size_t *order,
                              const zx_wait_item_t *items, size_t count,
                              zx_status_t wait_status)
{
    char *reasons = NULL;
    size_t length = 0;
    for (size_t i = 0; i < count; i++) {
        if ((items[i].pending & items[i].waitfor) == 0)
            continue;
        const wake_source_t *source = &ws->entries[order[i]];
        MANAGER_INFO("Woke container from sleep for: %s", source->name);
        size_t add = strlen(source->name);
        char *joined = manager_alloc(m, length + 1 + add + 1);
        if (reasons) {
            memcpy(joined, reasons, length);
            joined[length++] = ',';
            manager_free(m, reasons);
        }
        memcpy(joined + length, source->name, add + 1);
        length += add;
        reasons = joined;
    }
    if (!reasons && wait_status == ZX_ERR_TIMED_OUT)
        return manager_strdup(m, "starnix-container-timeout"); /* Starnix's injected timeout */
    return reasons;
}

static void inspect_set(const char *property, uint64_t value)
{
    manager_trace(MANAGER_EV_INSPECT, 0, (int64_t)value, 0, 0, 0, 0, property);
}

static void v6_on_suspend_attempt(manager_t *m)
{
    inspect_set("suspend_attempts_count", ++m->suspend_context.suspend_attempts_count);
}

static void v6_on_suspend_result(manager_t *m, const suspend_result_t *result)
{
    suspend_context_t *ctx = &m->suspend_context;
    if (result->outcome == SUSPEND_OUTCOME_OK) {
        inspect_set("suspend_successes_count", ++ctx->suspend_successes_count);
        inspect_set("suspend_duration_boot_ns", (uint64_t)result->suspend_time);
    } else {
        inspect_set("suspend_failures_count", ++ctx->suspend_failures_count);
    }
}

/* receive_pager_packet's readahead of pager.rs @dd1fca5d. */
static bool v6_readahead(zx_handle_t pager, zx_handle_t vmo, uint64_t offset, uint64_t length,
                         pager_window_t *out)
{
    uint64_t start = offset / READAHEAD_ALIGNMENT * READAHEAD_ALIGNMENT;
    uint64_t end = offset + length;
    end = (end + READAHEAD_ALIGNMENT - 1) / READAHEAD_ALIGNMENT * READAHEAD_ALIGNMENT;
    uint64_t vmo_size;
    zx_status_t st = zx_vmo_get_size(vmo, &vmo_size);
    if (st != ZX_OK) {
        MANAGER_ERROR("Failed to get VMO size: %s", zx_status_get_string(st));
        zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, offset, length,
                          (uint64_t)(int64_t)ZX_ERR_IO);
        return false;
    }
    if (end > vmo_size)
        end = vmo_size;
    if (end <= start)
        return false;
    *out = (pager_window_t){.start = start, .readahead_end = end, .finish_end = end};
    return true;
}

const manager_variant_ops_t manager_variant_v6 = {
    .name = "v6",
    .queue_mode = MANAGER_QUEUE_WORKER,
    .serve_error_panics = false,
    .proxy_wake_channel = lib_proxy_wake_channel_counter,
    .add_wake_source_signals = lib_add_wake_source_signals_given,
    .serves_remove_wake_source = true,
    .serves_create_pager = true,
    .wake_deadline = suspend_deadline_9s,
    .notify_watchers = suspend_watchers_prune,
    .wait_thread = v6_wait_thread,
    .resume_reason = v6_resume_reason,
    .lease_logs = true,
    .forward_into_container = forward_message_counter,
    .readahead = v6_readahead,
    .on_suspend_attempt = v6_on_suspend_attempt,
    .on_suspend_result = v6_on_suspend_result,
};
