/* v5w.c - The seed revision, and the default: V5's logic (wake sources with a signal mask,
 * resume reasons joined with ",", watchers pruned when closed, a 9 s monotonic deadline) with
 * lib.rs's suspend worker queue and the global pager (reference section 5: suspend.rs
 * @0596a854, lib.rs + main.rs @0a73ab72, pager.rs @0620b3d4). Every step is the one the port
 * files implement; the other variants swap some of them.
 */
#include "../manager_int.h"

const manager_variant_ops_t manager_variant_v5w = {
    .name = "v5w",
    .queue_mode = MANAGER_QUEUE_WORKER,
    .serve_error_panics = false,
    .proxy_wake_channel = lib_proxy_wake_channel_counter,
    .add_wake_source_signals = lib_add_wake_source_signals_given,
    .serves_remove_wake_source = true,
    .serves_create_pager = true,
    .wake_deadline = suspend_deadline_9s,
    .notify_watchers = suspend_watchers_prune,
    .wait_thread = suspend_wait_thread_infinite,
    .resume_reason = suspend_resume_reason_join,
    .lease_logs = false,
    .forward_into_container = forward_message_counter,
    .readahead = pager_readahead_old,
    .on_suspend_attempt = NULL,
    .on_suspend_result = NULL,
};
