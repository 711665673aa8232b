/* zircon/syscalls.h - The syscalls of the simulated kernel, with Zircon's names and signatures.
 *
 * Every call acts as the calling simulated thread (its process's handle table), charges its
 * cost to that thread as a CPU burst and emits a KERNEL_EV_SYSCALL trace event. Called outside
 * any kernel thread (setup code, tests) it acts as the bootstrap process, charges nothing and
 * must not block. Errors are returned in Zircon's order of checks. "May block" marks calls
 * that can park the calling thread; a suspend of the thread interrupts such a wait, which is
 * re-issued with the same arguments (so the same absolute deadline) after resume.
 *
 * Channel, VMO and pager calls are declared by channel.c, vmo.c and pager.c's authors below
 * the marked section.
 */
#ifndef WAKESIM_ZIRCON_SYSCALLS_H
#define WAKESIM_ZIRCON_SYSCALLS_H

#include <zircon/errors.h>
#include <zircon/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Clocks (vDSO reads: no cost, no trace) ------------------------------------------------ */

zx_instant_mono_t zx_clock_get_monotonic(void);
zx_instant_boot_t zx_clock_get_boot(void);
/* now (monotonic) + duration, saturating at ZX_TIME_INFINITE / ZX_TIME_INFINITE_PAST. */
zx_instant_mono_t zx_deadline_after(zx_duration_t duration);

/* ---- Handles (handle_ops.c) ---------------------------------------------------------------- */

/* Closing ZX_HANDLE_INVALID is OK. Closing the last handle to an object runs its zero-handles
 * step; waits made through `handle` end with ZX_ERR_CANCELED. Errors: BAD_HANDLE. */
zx_status_t zx_handle_close(zx_handle_t handle);
/* Closes every valid handle; ZX_HANDLE_INVALID entries are skipped. BAD_HANDLE if any entry
 * was not a valid handle (the others are closed anyway). */
zx_status_t zx_handle_close_many(const zx_handle_t *handles, size_t num_handles);
/* Errors: BAD_HANDLE, ACCESS_DENIED (no DUPLICATE), INVALID_ARGS (rights not a subset). */
zx_status_t zx_handle_duplicate(zx_handle_t handle, zx_rights_t rights, zx_handle_t *out);
/* Always consumes `handle`, even on INVALID_ARGS. Errors: BAD_HANDLE, INVALID_ARGS. */
zx_status_t zx_handle_replace(zx_handle_t handle, zx_rights_t rights, zx_handle_t *out);

/* ---- Objects (object.c, object_wait.c) ------------------------------------------------------ */

/* Errors: BAD_HANDLE, ACCESS_DENIED (no SIGNAL), INVALID_ARGS (bit not user-settable). */
zx_status_t zx_object_signal(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask);
/* Errors: BAD_HANDLE, ACCESS_DENIED (no SIGNAL_PEER), INVALID_ARGS, NOT_SUPPORTED (no peer),
 * PEER_CLOSED. */
zx_status_t zx_object_signal_peer(zx_handle_t handle, uint32_t clear_mask, uint32_t set_mask);
/* May block. Errors: BAD_HANDLE, ACCESS_DENIED (no WAIT), NOT_SUPPORTED (not waitable),
 * CANCELED (handle closed; observed has HANDLE_CLOSED), TIMED_OUT. `observed` may be NULL. */
zx_status_t zx_object_wait_one(zx_handle_t handle, zx_signals_t signals,
                               zx_instant_mono_t deadline, zx_signals_t *observed);
/* May block. count == 0 sleeps until the deadline (TIMED_OUT); count > ZX_WAIT_MANY_MAX_ITEMS
 * is OUT_OF_RANGE before any lookup; then INVALID_ARGS (items NULL), BAD_HANDLE,
 * ACCESS_DENIED, NOT_SUPPORTED per item in order; CANCELED; TIMED_OUT. */
zx_status_t zx_object_wait_many(zx_wait_item_t *items, size_t count,
                                zx_instant_mono_t deadline);
/* Errors: INVALID_ARGS (options), BAD_HANDLE/WRONG_TYPE/ACCESS_DENIED for the port (needs
 * WRITE), then BAD_HANDLE/ACCESS_DENIED (needs WAIT)/NOT_SUPPORTED for the handle. */
zx_status_t zx_object_wait_async(zx_handle_t handle, zx_handle_t port, uint64_t key,
                                 zx_signals_t signals, uint32_t options);
/* Topics: HANDLE_VALID, HANDLE_BASIC, HANDLE_COUNT, PROCESS, PROCESS_THREADS, JOB_CHILDREN,
 * JOB_PROCESSES, THREAD, TIMER. Unknown topic: NOT_SUPPORTED; then BAD_HANDLE, WRONG_TYPE,
 * ACCESS_DENIED; BUFFER_TOO_SMALL for single-record topics. */
zx_status_t zx_object_get_info(zx_handle_t handle, uint32_t topic, void *buffer,
                               size_t buffer_size, size_t *actual, size_t *avail);
/* Errors: BAD_HANDLE, ACCESS_DENIED (no ENUMERATE, or rights above the parent's), NOT_FOUND,
 * WRONG_TYPE (not a job or process). */
zx_status_t zx_object_get_child(zx_handle_t handle, uint64_t koid, zx_rights_t rights,
                                zx_handle_t *out);
/* ZX_PROP_NAME only. Errors: INVALID_ARGS (value NULL, unknown property), BAD_HANDLE,
 * ACCESS_DENIED, BUFFER_TOO_SMALL, WRONG_TYPE (object has no name). */
zx_status_t zx_object_get_property(zx_handle_t handle, uint32_t property, void *value,
                                   size_t value_size);
zx_status_t zx_object_set_property(zx_handle_t handle, uint32_t property, const void *value,
                                   size_t value_size);

/* ---- Events, counters (event.c, counter.c) ------------------------------------------------- */

zx_status_t zx_event_create(uint32_t options, zx_handle_t *out);
zx_status_t zx_eventpair_create(uint32_t options, zx_handle_t *out0, zx_handle_t *out1);
zx_status_t zx_counter_create(uint32_t options, zx_handle_t *out);
/* Needs READ and WRITE. OUT_OF_RANGE on int64 overflow (value unchanged). */
zx_status_t zx_counter_add(zx_handle_t handle, int64_t value);
zx_status_t zx_counter_read(zx_handle_t handle, int64_t *value);
zx_status_t zx_counter_write(zx_handle_t handle, int64_t value);

/* ---- Ports (port.c) ------------------------------------------------------------------------ */

zx_status_t zx_port_create(uint32_t options, zx_handle_t *out);
zx_status_t zx_port_queue(zx_handle_t handle, const zx_port_packet_t *packet);
/* May block. FIFO; one waiter released per packet. Errors: BAD_HANDLE, WRONG_TYPE,
 * ACCESS_DENIED (no READ), TIMED_OUT. */
zx_status_t zx_port_wait(zx_handle_t handle, zx_instant_mono_t deadline,
                         zx_port_packet_t *packet);
zx_status_t zx_port_cancel(zx_handle_t handle, zx_handle_t source, uint64_t key);

/* ---- Timers (timer.c) ---------------------------------------------------------------------- */

zx_status_t zx_timer_create(uint32_t options, zx_clock_t clock_id, zx_handle_t *out);
/* `deadline` is on the timer's own clock. OUT_OF_RANGE (slack < 0) comes first. */
zx_status_t zx_timer_set(zx_handle_t handle, zx_time_t deadline, zx_duration_t slack);
zx_status_t zx_timer_cancel(zx_handle_t handle);

/* ---- Tasks (task.c) ------------------------------------------------------------------------ */

/* Suspends a thread or process until `token` is closed; returns at once (the task reaches
 * SUSPENDED asynchronously). Errors: BAD_HANDLE, ACCESS_DENIED (no WRITE), WRONG_TYPE,
 * NOT_SUPPORTED (the caller itself or its own process), BAD_STATE (dying or dead). */
zx_status_t zx_task_suspend(zx_handle_t handle, zx_handle_t *token);
zx_status_t zx_task_suspend_token(zx_handle_t handle, zx_handle_t *token);
/* Jobs and processes. Errors: BAD_HANDLE, ACCESS_DENIED (no DESTROY), NOT_SUPPORTED (thread),
 * WRONG_TYPE. Asynchronous: TERMINATED marks completion. */
zx_status_t zx_task_kill(zx_handle_t handle);
zx_status_t zx_job_create(zx_handle_t parent_job, uint32_t options, zx_handle_t *out);
/* Never returns: the calling thread and every thread of its process end. */
_Noreturn void zx_process_exit(int64_t retcode);
/* Never returns: the calling thread ends (all its cooperative tasks with it). */
_Noreturn void zx_thread_exit(void);

/* ---- Channels (channel.c), VMOs (vmo.c), pagers (pager.c) ---------------------------------- */

/* Creates two peered endpoints with ZX_DEFAULT_CHANNEL_RIGHTS, both WRITABLE. Errors:
 * INVALID_ARGS (options not 0, out pointers NULL), NO_MEMORY. */
zx_status_t zx_channel_create(uint32_t options, zx_handle_t *out0, zx_handle_t *out1);
/* Queues one message on the peer, or hands it to a zx_channel_call waiting there for its
 * txid. Consumes every handle in `handles`, on success and on failure. Errors in order:
 * INVALID_ARGS (options), BAD_HANDLE / WRONG_TYPE / ACCESS_DENIED (needs WRITE),
 * NOT_SUPPORTED (ZX_CHANNEL_WRITE_USE_IOVEC: not modelled), OUT_OF_RANGE (more than
 * ZX_CHANNEL_MAX_MSG_BYTES bytes or ZX_CHANNEL_MAX_MSG_HANDLES handles), INVALID_ARGS (NULL
 * buffer), then per handle BAD_HANDLE (not in the table, or listed twice), ACCESS_DENIED (no
 * TRANSFER), NOT_SUPPORTED (the channel's own handle), then PEER_CLOSED. A write that takes
 * the peer's queue over 3500 messages succeeds but kills the writer's process (Zircon's
 * unhandled CHANNEL_FULL_WRITE policy exception). */
zx_status_t zx_channel_write(zx_handle_t handle, uint32_t options, const void *bytes,
                             uint32_t num_bytes, const zx_handle_t *handles,
                             uint32_t num_handles);
/* Reads the oldest whole message; its handles move into the caller's table with the rights
 * they were sent with. `actual_*` may be NULL. Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED
 * (needs READ), NOT_SUPPORTED (an option other than ZX_CHANNEL_READ_MAY_DISCARD),
 * SHOULD_WAIT (empty, peer open), PEER_CLOSED (empty, peer closed), BUFFER_TOO_SMALL (sizes
 * in actual_*; the message stays queued unless MAY_DISCARD), INVALID_ARGS (NULL buffer: the
 * message is lost), NO_MEMORY. */
zx_status_t zx_channel_read(zx_handle_t handle, uint32_t options, void *bytes,
                            zx_handle_t *handles, uint32_t num_bytes, uint32_t num_handles,
                            uint32_t *actual_bytes, uint32_t *actual_handles);
/* Writes args->wr_* with a fresh kernel txid (in [0x80000000, 0xFFFFFFFF]) over its first 4
 * bytes and waits until the reply with that txid arrives (read into args->rd_*), `deadline`
 * (monotonic) passes, or either endpoint closes. May block; a suspend keeps the request sent
 * and the wait registered (a reply meanwhile is kept for it); a reply after the deadline lands
 * in the normal queue. Errors: as zx_channel_write (needs WRITE and READ; INVALID_ARGS when
 * args is NULL or wr_num_bytes < 4, after OUT_OF_RANGE), then TIMED_OUT, CANCELED (the
 * caller's endpoint closed), PEER_CLOSED, BUFFER_TOO_SMALL (the reply is discarded). */
zx_status_t zx_channel_call(zx_handle_t handle, uint32_t options, zx_instant_mono_t deadline,
                            const zx_channel_call_args_t *args, uint32_t *actual_bytes,
                            uint32_t *actual_handles);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_ZIRCON_SYSCALLS_H */
