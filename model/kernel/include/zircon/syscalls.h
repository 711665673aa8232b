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

/* ---- VMOs (vmo.c) --------------------------------------------------------------------------- */

/* The page size (4096); a vDSO read: no cost, no trace. */
uint32_t zx_system_get_page_size(void);
/* `size` is rounded up to the page size. Options: ZX_VMO_RESIZABLE, ZX_VMO_DISCARDABLE,
 * ZX_VMO_UNBOUNDED (size is then the maximum). ZERO_CHILDREN is asserted. Errors: INVALID_ARGS
 * (out NULL, unknown option, RESIZABLE with UNBOUNDED), OUT_OF_RANGE (too large), NO_MEMORY. */
zx_status_t zx_vmo_create(uint64_t size, uint32_t options, zx_handle_t *out);
/* Exactly `length` bytes or an error. Pages are committed lazily; an uncommitted page of an
 * anonymous VMO reads as zeros. On a pager-backed VMO the call blocks (may block) until the
 * pager supplies every page it needs, and fails with the pager's ZX_PAGER_OP_FAIL status or
 * BAD_STATE (detached, pager gone). Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (READ /
 * WRITE), OUT_OF_RANGE (offset + length > size), INVALID_ARGS (buffer NULL), NO_MEMORY. */
zx_status_t zx_vmo_read(zx_handle_t handle, void *buffer, uint64_t offset, size_t length);
zx_status_t zx_vmo_write(zx_handle_t handle, const void *buffer, uint64_t offset, size_t length);
/* No right needed. Errors: BAD_HANDLE, WRONG_TYPE, INVALID_ARGS (size NULL). */
zx_status_t zx_vmo_get_size(zx_handle_t handle, uint64_t *size);
/* Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (no WRITE; resizable without RESIZE),
 * UNAVAILABLE (not resizable), OUT_OF_RANGE (too large). */
zx_status_t zx_vmo_set_size(zx_handle_t handle, uint64_t size);
/* REFERENCE (offset and size 0; acts on the parent) or SLICE (a window; page-aligned offset);
 * snapshots are not modelled (NOT_SUPPORTED). Clears the parent's ZERO_CHILDREN. Errors:
 * INVALID_ARGS (out NULL, flags, misaligned offset, slice outside the parent), OUT_OF_RANGE
 * (size or offset + size too large), BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (DUPLICATE and READ
 * needed), NOT_SUPPORTED (slice of a resizable VMO, reference of a slice, resizable reference
 * of a fixed-size VMO, discardable parent, snapshot), NO_MEMORY. */
zx_status_t zx_vmo_create_child(zx_handle_t handle, uint32_t options, uint64_t offset,
                                uint64_t size, zx_handle_t *out);
/* COMMIT, DECOMMIT, ZERO (WRITE), DONT_NEED, ALWAYS_NEED (hints), PREFETCH and cache ops (READ);
 * LOCK/UNLOCK/TRY_LOCK are NOT_SUPPORTED (no discardable VMOs). COMMIT and PREFETCH of a
 * pager-backed VMO may block like a read. Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED,
 * INVALID_ARGS (unknown op, misaligned DECOMMIT), OUT_OF_RANGE, NOT_SUPPORTED, NO_MEMORY and
 * the pager's statuses. */
zx_status_t zx_vmo_op_range(zx_handle_t handle, uint32_t op, uint64_t offset, uint64_t size,
                            void *buffer, size_t buffer_size);

/* ---- Pagers (pager.c) ----------------------------------------------------------------------- */

/* Errors: INVALID_ARGS (options != 0, out NULL), NO_MEMORY. */
zx_status_t zx_pager_create(uint32_t options, zx_handle_t *out);
/* Options: ZX_VMO_RESIZABLE, ZX_VMO_TRAP_DIRTY, ZX_VMO_UNBOUNDED (not with RESIZABLE). Page
 * requests go to `port` with `key`. Errors: INVALID_ARGS (out NULL, options), BAD_HANDLE,
 * WRONG_TYPE, ACCESS_DENIED (ATTACH_VMO on the pager, WRITE on the port), OUT_OF_RANGE (size),
 * NO_MEMORY. */
zx_status_t zx_pager_create_vmo(zx_handle_t pager, uint32_t options, zx_handle_t port,
                                uint64_t key, uint64_t size, zx_handle_t *out);
/* No more READ/DIRTY requests; waiting readers fail with BAD_STATE; a final COMPLETE packet.
 * Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (ATTACH_VMO|MANAGE_VMO, WRITE on the VMO),
 * INVALID_ARGS (not a VMO of this pager). */
zx_status_t zx_pager_detach_vmo(zx_handle_t pager, zx_handle_t vmo);
/* Errors, in this order: INVALID_ARGS (offset, length or aux_offset misaligned), BAD_HANDLE,
 * WRONG_TYPE, ACCESS_DENIED (MANAGE_VMO; WRITE on vmo), INVALID_ARGS (foreign vmo),
 * BAD_HANDLE/WRONG_TYPE/ACCESS_DENIED for aux (READ|WRITE), NOT_SUPPORTED (aux pager-backed),
 * BAD_STATE (aux a child or with children), OUT_OF_RANGE (aux range, then vmo range),
 * BAD_STATE (detached), NO_MEMORY. */
zx_status_t zx_pager_supply_pages(zx_handle_t pager, zx_handle_t pager_vmo, uint64_t offset,
                                  uint64_t length, zx_handle_t aux_vmo, uint64_t aux_offset);
/* FAIL (data: IO, IO_DATA_INTEGRITY, BAD_STATE, NO_SPACE, BUFFER_TOO_SMALL), DIRTY,
 * WRITEBACK_BEGIN (data 0 or ZX_VMO_DIRTY_RANGE_IS_ZERO), WRITEBACK_END. Errors: INVALID_ARGS
 * (misaligned), BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, INVALID_ARGS (foreign vmo, data),
 * NOT_SUPPORTED (unknown op; DIRTY without TRAP_DIRTY), OUT_OF_RANGE, BAD_STATE (FAIL/DIRTY
 * after detach), NOT_FOUND (DIRTY over unsupplied pages). */
zx_status_t zx_pager_op_range(zx_handle_t pager, uint32_t op, zx_handle_t pager_vmo,
                              uint64_t offset, uint64_t length, uint64_t data);
/* Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (MANAGE_VMO; READ on vmo), INVALID_ARGS (foreign
 * vmo; buffer NULL with a size), OUT_OF_RANGE. `actual` and `avail` may be NULL. */
zx_status_t zx_pager_query_dirty_ranges(zx_handle_t pager, zx_handle_t pager_vmo,
                                        uint64_t offset, uint64_t length, void *buffer,
                                        size_t buffer_size, size_t *actual, size_t *avail);
/* Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, INVALID_ARGS (foreign vmo, options),
 * BUFFER_TOO_SMALL. */
zx_status_t zx_pager_query_vmo_stats(zx_handle_t pager, zx_handle_t pager_vmo, uint32_t options,
                                     void *buffer, size_t buffer_size);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_ZIRCON_SYSCALLS_H */
