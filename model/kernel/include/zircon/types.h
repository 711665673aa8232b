/* zircon/types.h - Zircon's public types and constants, as the simulated kernel models them.
 *
 * Upstream spreads these over zircon/types.h, zircon/rights.h, zircon/syscalls/object.h and
 * zircon/syscalls/port.h; wakesim keeps them in one header so that the manager port includes
 * exactly one file. Names and values are Zircon's (reference section 1; values marked
 * [unconfirmed] there are noted here too). Only what the model implements or what its users
 * name is present.
 */
#ifndef WAKESIM_ZIRCON_TYPES_H
#define WAKESIM_ZIRCON_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Scalar types ---------------------------------------------------------------------- */

typedef uint32_t zx_handle_t;
typedef uint64_t zx_koid_t;
typedef uint32_t zx_signals_t;
typedef uint32_t zx_rights_t;
typedef uint32_t zx_obj_type_t;
typedef uint32_t zx_clock_t;
typedef uint64_t zx_off_t;
typedef uintptr_t zx_vaddr_t;

/* Time: nanoseconds. Instants name their timeline; durations are plain nanoseconds. */
typedef int64_t zx_time_t; /* deprecated upstream: an instant on an unspecified timeline */
typedef int64_t zx_instant_mono_t;
typedef int64_t zx_instant_boot_t;
typedef int64_t zx_duration_t;
typedef int64_t zx_duration_mono_t;
typedef int64_t zx_duration_boot_t;

#define ZX_HANDLE_INVALID         ((zx_handle_t)0)
/* Valid handle values always have these bits set. */
#define ZX_HANDLE_FIXED_BITS_MASK ((zx_handle_t)0x3)

#define ZX_KOID_INVALID ((zx_koid_t)0)
#define ZX_KOID_KERNEL  ((zx_koid_t)1)
/* The first koid handed out; the ones below are reserved. */
#define ZX_KOID_FIRST   ((zx_koid_t)1024)

/* Standard values; the reference marks them [unconfirmed] in its own sources. */
#define ZX_TIME_INFINITE      INT64_MAX
#define ZX_TIME_INFINITE_PAST INT64_MIN

#define ZX_CLOCK_MONOTONIC ((zx_clock_t)0)
#define ZX_CLOCK_BOOT      ((zx_clock_t)1)

#define ZX_MAX_NAME_LEN ((size_t)32u)

/* ---- Limits ------------------------------------------------------------------------------ */

#define ZX_WAIT_MANY_MAX_ITEMS     ((size_t)64u)
#define ZX_CHANNEL_MAX_MSG_BYTES   ((uint32_t)65536u)
#define ZX_CHANNEL_MAX_MSG_HANDLES ((uint32_t)64u)
#define ZX_CHANNEL_MAX_MSG_IOVECS  ((uint32_t)8192u)

#define ZX_CHANNEL_READ_MAY_DISCARD ((uint32_t)1u)
#define ZX_CHANNEL_WRITE_USE_IOVEC  ((uint32_t)2u)

/* zx_channel_call: the first 4 bytes of a message are its transaction id. */
typedef uint32_t zx_txid_t;

typedef struct zx_channel_call_args {
    const void *wr_bytes;
    const zx_handle_t *wr_handles;
    void *rd_bytes;
    zx_handle_t *rd_handles;
    uint32_t wr_num_bytes;
    uint32_t wr_num_handles;
    uint32_t rd_num_bytes;
    uint32_t rd_num_handles;
} zx_channel_call_args_t;

/* ---- Signals ----------------------------------------------------------------------------- */

#define ZX_SIGNAL_NONE ((zx_signals_t)0u)

#define ZX_OBJECT_SIGNAL_ALL ((zx_signals_t)0x00ffffffu)
#define ZX_USER_SIGNAL_ALL   ((zx_signals_t)0xff000000u)

#define __ZX_OBJECT_READABLE      ((zx_signals_t)1u << 0)
#define __ZX_OBJECT_WRITABLE      ((zx_signals_t)1u << 1)
#define __ZX_OBJECT_PEER_CLOSED   ((zx_signals_t)1u << 2)
#define __ZX_OBJECT_SIGNALED      ((zx_signals_t)1u << 3)
#define __ZX_OBJECT_SIGNAL_4      ((zx_signals_t)1u << 4)
#define __ZX_OBJECT_SIGNAL_5      ((zx_signals_t)1u << 5)
#define __ZX_OBJECT_SIGNAL_6      ((zx_signals_t)1u << 6)
#define __ZX_OBJECT_HANDLE_CLOSED ((zx_signals_t)1u << 23)

/* Set in `pending`/`observed` when a wait ends because its handle was closed. */
#define ZX_SIGNAL_HANDLE_CLOSED __ZX_OBJECT_HANDLE_CLOSED

#define ZX_USER_SIGNAL_0 ((zx_signals_t)1u << 24)
#define ZX_USER_SIGNAL_1 ((zx_signals_t)1u << 25)
#define ZX_USER_SIGNAL_2 ((zx_signals_t)1u << 26)
#define ZX_USER_SIGNAL_3 ((zx_signals_t)1u << 27)
#define ZX_USER_SIGNAL_4 ((zx_signals_t)1u << 28)
#define ZX_USER_SIGNAL_5 ((zx_signals_t)1u << 29)
#define ZX_USER_SIGNAL_6 ((zx_signals_t)1u << 30)
#define ZX_USER_SIGNAL_7 ((zx_signals_t)1u << 31)

#define ZX_EVENT_SIGNALED    __ZX_OBJECT_SIGNALED
#define ZX_EVENT_SIGNAL_MASK (ZX_USER_SIGNAL_ALL | __ZX_OBJECT_SIGNALED)

#define ZX_EVENTPAIR_SIGNALED    __ZX_OBJECT_SIGNALED
#define ZX_EVENTPAIR_PEER_CLOSED __ZX_OBJECT_PEER_CLOSED
#define ZX_EVENTPAIR_SIGNAL_MASK \
    (ZX_USER_SIGNAL_ALL | __ZX_OBJECT_SIGNALED | __ZX_OBJECT_PEER_CLOSED)

#define ZX_CHANNEL_READABLE    __ZX_OBJECT_READABLE
#define ZX_CHANNEL_WRITABLE    __ZX_OBJECT_WRITABLE
#define ZX_CHANNEL_PEER_CLOSED __ZX_OBJECT_PEER_CLOSED

#define ZX_TASK_TERMINATED    __ZX_OBJECT_SIGNALED
#define ZX_JOB_TERMINATED     __ZX_OBJECT_SIGNALED
#define ZX_JOB_NO_JOBS        __ZX_OBJECT_SIGNAL_4
#define ZX_JOB_NO_PROCESSES   __ZX_OBJECT_SIGNAL_5
#define ZX_PROCESS_TERMINATED __ZX_OBJECT_SIGNALED
#define ZX_THREAD_TERMINATED  __ZX_OBJECT_SIGNALED
#define ZX_THREAD_RUNNING     __ZX_OBJECT_SIGNAL_4
#define ZX_THREAD_SUSPENDED   __ZX_OBJECT_SIGNAL_5

#define ZX_TIMER_SIGNALED __ZX_OBJECT_SIGNALED

#define ZX_VMO_ZERO_CHILDREN __ZX_OBJECT_SIGNALED

#define ZX_COUNTER_SIGNALED     __ZX_OBJECT_SIGNALED
#define ZX_COUNTER_POSITIVE     __ZX_OBJECT_SIGNAL_4
#define ZX_COUNTER_NON_POSITIVE __ZX_OBJECT_SIGNAL_5

#define ZX_CLOCK_STARTED __ZX_OBJECT_SIGNAL_4
#define ZX_CLOCK_UPDATED __ZX_OBJECT_SIGNAL_5

/* ---- Rights (zircon/rights.h) ------------------------------------------------------------ */

#define ZX_RIGHT_NONE           ((zx_rights_t)0u)
#define ZX_RIGHT_DUPLICATE      ((zx_rights_t)1u << 0)
#define ZX_RIGHT_TRANSFER       ((zx_rights_t)1u << 1)
#define ZX_RIGHT_READ           ((zx_rights_t)1u << 2)
#define ZX_RIGHT_WRITE          ((zx_rights_t)1u << 3)
#define ZX_RIGHT_EXECUTE        ((zx_rights_t)1u << 4)
#define ZX_RIGHT_MAP            ((zx_rights_t)1u << 5)
#define ZX_RIGHT_GET_PROPERTY   ((zx_rights_t)1u << 6)
#define ZX_RIGHT_SET_PROPERTY   ((zx_rights_t)1u << 7)
#define ZX_RIGHT_ENUMERATE      ((zx_rights_t)1u << 8)
#define ZX_RIGHT_DESTROY        ((zx_rights_t)1u << 9)
#define ZX_RIGHT_SET_POLICY     ((zx_rights_t)1u << 10)
#define ZX_RIGHT_GET_POLICY     ((zx_rights_t)1u << 11)
#define ZX_RIGHT_SIGNAL         ((zx_rights_t)1u << 12)
#define ZX_RIGHT_SIGNAL_PEER    ((zx_rights_t)1u << 13)
#define ZX_RIGHT_WAIT           ((zx_rights_t)1u << 14)
#define ZX_RIGHT_INSPECT        ((zx_rights_t)1u << 15)
#define ZX_RIGHT_MANAGE_JOB     ((zx_rights_t)1u << 16)
#define ZX_RIGHT_MANAGE_PROCESS ((zx_rights_t)1u << 17)
#define ZX_RIGHT_MANAGE_THREAD  ((zx_rights_t)1u << 18)
#define ZX_RIGHT_APPLY_PROFILE  ((zx_rights_t)1u << 19)
#define ZX_RIGHT_MANAGE_SOCKET  ((zx_rights_t)1u << 20)
#define ZX_RIGHT_OP_CHILDREN    ((zx_rights_t)1u << 21)
#define ZX_RIGHT_RESIZE         ((zx_rights_t)1u << 22)
#define ZX_RIGHT_ATTACH_VMO     ((zx_rights_t)1u << 23)
#define ZX_RIGHT_MANAGE_VMO     ((zx_rights_t)1u << 24)
#define ZX_RIGHT_SAME_RIGHTS    ((zx_rights_t)1u << 31)

#define ZX_RIGHTS_BASIC                                                                        \
    (ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT)
#define ZX_RIGHTS_IO       (ZX_RIGHT_READ | ZX_RIGHT_WRITE)
#define ZX_RIGHTS_PROPERTY (ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY)
#define ZX_RIGHTS_POLICY   (ZX_RIGHT_GET_POLICY | ZX_RIGHT_SET_POLICY)

#define ZX_DEFAULT_CHANNEL_RIGHTS                                                              \
    ((ZX_RIGHTS_BASIC & (~ZX_RIGHT_DUPLICATE)) | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL |              \
     ZX_RIGHT_SIGNAL_PEER)
#define ZX_DEFAULT_EVENT_RIGHTS     (ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL)
#define ZX_DEFAULT_EVENTPAIR_RIGHTS (ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL | ZX_RIGHT_SIGNAL_PEER)
#define ZX_DEFAULT_JOB_RIGHTS                                                                  \
    (ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHTS_POLICY |                  \
     ZX_RIGHT_ENUMERATE | ZX_RIGHT_DESTROY | ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_JOB |           \
     ZX_RIGHT_MANAGE_PROCESS | ZX_RIGHT_MANAGE_THREAD)
#define ZX_DEFAULT_PORT_RIGHTS ((ZX_RIGHTS_BASIC & (~ZX_RIGHT_WAIT)) | ZX_RIGHTS_IO)
#define ZX_DEFAULT_PROCESS_RIGHTS                                                              \
    (ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_ENUMERATE |                \
     ZX_RIGHT_DESTROY | ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_PROCESS | ZX_RIGHT_MANAGE_THREAD)
#define ZX_DEFAULT_THREAD_RIGHTS                                                               \
    (ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_DESTROY |                  \
     ZX_RIGHT_SIGNAL | ZX_RIGHT_MANAGE_THREAD)
#define ZX_DEFAULT_TIMER_RIGHTS (ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL)
#define ZX_DEFAULT_VMO_RIGHTS                                                                  \
    (ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP | ZX_RIGHT_SIGNAL)
#define ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS (ZX_RIGHT_TRANSFER | ZX_RIGHT_INSPECT)
#define ZX_DEFAULT_PAGER_RIGHTS                                                                \
    (ZX_RIGHT_INSPECT | ZX_RIGHT_TRANSFER | ZX_RIGHT_ATTACH_VMO | ZX_RIGHT_MANAGE_VMO)
#define ZX_DEFAULT_COUNTER_RIGHTS (ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_SIGNAL)

/* ---- Object types ------------------------------------------------------------------------ */

#define ZX_OBJ_TYPE_NONE          ((zx_obj_type_t)0u)
#define ZX_OBJ_TYPE_PROCESS       ((zx_obj_type_t)1u)
#define ZX_OBJ_TYPE_THREAD        ((zx_obj_type_t)2u)
#define ZX_OBJ_TYPE_VMO           ((zx_obj_type_t)3u)
#define ZX_OBJ_TYPE_CHANNEL       ((zx_obj_type_t)4u)
#define ZX_OBJ_TYPE_EVENT         ((zx_obj_type_t)5u)
#define ZX_OBJ_TYPE_PORT          ((zx_obj_type_t)6u)
#define ZX_OBJ_TYPE_INTERRUPT     ((zx_obj_type_t)9u)
#define ZX_OBJ_TYPE_SOCKET        ((zx_obj_type_t)14u)
#define ZX_OBJ_TYPE_RESOURCE      ((zx_obj_type_t)15u)
#define ZX_OBJ_TYPE_EVENTPAIR     ((zx_obj_type_t)16u)
#define ZX_OBJ_TYPE_JOB           ((zx_obj_type_t)17u)
#define ZX_OBJ_TYPE_VMAR          ((zx_obj_type_t)18u)
#define ZX_OBJ_TYPE_FIFO          ((zx_obj_type_t)19u)
#define ZX_OBJ_TYPE_TIMER         ((zx_obj_type_t)22u)
#define ZX_OBJ_TYPE_SUSPEND_TOKEN ((zx_obj_type_t)27u)
#define ZX_OBJ_TYPE_PAGER         ((zx_obj_type_t)28u)
#define ZX_OBJ_TYPE_EXCEPTION     ((zx_obj_type_t)29u)
#define ZX_OBJ_TYPE_CLOCK         ((zx_obj_type_t)30u)
#define ZX_OBJ_TYPE_COUNTER       ((zx_obj_type_t)34u)
#define ZX_OBJ_TYPE_UPPER_BOUND   ((zx_obj_type_t)64u)

/* ---- Waits --------------------------------------------------------------------------------- */

typedef struct zx_wait_item {
    zx_handle_t handle;
    zx_signals_t waitfor;
    zx_signals_t pending; /* out: the object's signals at return (upstream's "BUGS": observed) */
} zx_wait_item_t;

/* zx_object_wait_async options. */
#define ZX_WAIT_ASYNC_ONCE           ((uint32_t)0u) /* deprecated no-op */
#define ZX_WAIT_ASYNC_TIMESTAMP      ((uint32_t)1u)
#define ZX_WAIT_ASYNC_EDGE           ((uint32_t)2u)
#define ZX_WAIT_ASYNC_BOOT_TIMESTAMP ((uint32_t)4u)

/* ---- Ports (zircon/syscalls/port.h) -------------------------------------------------------- */

#define ZX_PORT_BIND_TO_INTERRUPT ((uint32_t)1u << 0)

#define ZX_PKT_TYPE_USER         ((uint8_t)0x00u)
#define ZX_PKT_TYPE_SIGNAL_ONE   ((uint8_t)0x01u)
#define ZX_PKT_TYPE_GUEST_BELL   ((uint8_t)0x03u)
#define ZX_PKT_TYPE_GUEST_MEM    ((uint8_t)0x04u)
#define ZX_PKT_TYPE_GUEST_IO     ((uint8_t)0x05u)
#define ZX_PKT_TYPE_GUEST_VCPU   ((uint8_t)0x06u)
#define ZX_PKT_TYPE_INTERRUPT    ((uint8_t)0x07u)
#define ZX_PKT_TYPE_PAGE_REQUEST ((uint8_t)0x09u)

typedef union zx_packet_user {
    uint64_t u64[4];
    uint32_t u32[8];
    uint16_t u16[16];
    uint8_t c8[32];
} zx_packet_user_t;

typedef struct zx_packet_signal {
    zx_signals_t trigger;  /* the signals given to zx_object_wait_async */
    zx_signals_t observed; /* every signal asserted when the packet was queued */
    uint64_t count;        /* deprecated; always 1 (port_dispatcher.cc) */
    uint64_t timestamp;    /* 0 unless a TIMESTAMP option was given */
    uint64_t reserved1;
} zx_packet_signal_t;

/* Page request commands (zircon/syscalls/port.h); the pager model sends them. */
#define ZX_PAGER_VMO_READ     ((uint16_t)0)
#define ZX_PAGER_VMO_COMPLETE ((uint16_t)1)
#define ZX_PAGER_VMO_DIRTY    ((uint16_t)2)

typedef struct zx_packet_page_request {
    uint16_t command;
    uint16_t flags;
    uint32_t reserved0;
    uint64_t offset;
    uint64_t length;
    uint64_t reserved1;
} zx_packet_page_request_t;

typedef struct zx_port_packet {
    uint64_t key;
    uint32_t type;
    zx_status_t status;
    union {
        zx_packet_user_t user;
        zx_packet_signal_t signal;
        zx_packet_page_request_t page_request;
    };
} zx_port_packet_t;

_Static_assert(sizeof(zx_packet_user_t) == 32, "port payloads are 32 bytes");
_Static_assert(sizeof(zx_packet_signal_t) == 32, "port payloads are 32 bytes");
_Static_assert(sizeof(zx_packet_page_request_t) == 32, "port payloads are 32 bytes");
_Static_assert(sizeof(zx_port_packet_t) == 48, "a port packet is 48 bytes");

/* ---- Timers -------------------------------------------------------------------------------- */

#define ZX_TIMER_SLACK_CENTER ((uint32_t)0u)
#define ZX_TIMER_SLACK_EARLY  ((uint32_t)1u)
#define ZX_TIMER_SLACK_LATE   ((uint32_t)2u)

/* ---- Properties ---------------------------------------------------------------------------- */

#define ZX_PROP_NAME ((uint32_t)3u)

/* ---- Tasks --------------------------------------------------------------------------------- */

/* Return codes of killed tasks. */
#define ZX_TASK_RETCODE_SYSCALL_KILL          ((int64_t)-1024)
#define ZX_TASK_RETCODE_OOM_KILL              ((int64_t)-1025)
#define ZX_TASK_RETCODE_POLICY_KILL           ((int64_t)-1026)
#define ZX_TASK_RETCODE_VDSO_KILL             ((int64_t)-1027)
#define ZX_TASK_RETCODE_EXCEPTION_KILL        ((int64_t)-1028)
#define ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL ((int64_t)-1029)

typedef uint32_t zx_thread_state_t;
#define ZX_THREAD_STATE_NEW               ((zx_thread_state_t)0x0000u)
#define ZX_THREAD_STATE_RUNNING           ((zx_thread_state_t)0x0001u)
#define ZX_THREAD_STATE_SUSPENDED         ((zx_thread_state_t)0x0002u)
/* Never reported alone; always with a reason below. */
#define ZX_THREAD_STATE_BLOCKED           ((zx_thread_state_t)0x0003u)
#define ZX_THREAD_STATE_DYING             ((zx_thread_state_t)0x0004u)
#define ZX_THREAD_STATE_DEAD              ((zx_thread_state_t)0x0005u)
#define ZX_THREAD_STATE_BLOCKED_EXCEPTION ((zx_thread_state_t)0x0103u)
#define ZX_THREAD_STATE_BLOCKED_SLEEPING  ((zx_thread_state_t)0x0203u)
#define ZX_THREAD_STATE_BLOCKED_FUTEX     ((zx_thread_state_t)0x0303u)
#define ZX_THREAD_STATE_BLOCKED_PORT      ((zx_thread_state_t)0x0403u)
#define ZX_THREAD_STATE_BLOCKED_CHANNEL   ((zx_thread_state_t)0x0503u)
#define ZX_THREAD_STATE_BLOCKED_WAIT_ONE  ((zx_thread_state_t)0x0603u)
#define ZX_THREAD_STATE_BLOCKED_WAIT_MANY ((zx_thread_state_t)0x0703u)
#define ZX_THREAD_STATE_BLOCKED_INTERRUPT ((zx_thread_state_t)0x0803u)
#define ZX_THREAD_STATE_BLOCKED_PAGER     ((zx_thread_state_t)0x0903u)
#define ZX_THREAD_STATE_BASIC(n)          ((n) & 0xff)

/* ---- zx_object_get_info (zircon/syscalls/object.h) ----------------------------------------- */

typedef uint32_t zx_object_info_topic_t;
#define __ZX_INFO_TOPIC(t, v) ((zx_object_info_topic_t)((t) | ((v) << 28)))

#define ZX_INFO_NONE            ((zx_object_info_topic_t)0u)
#define ZX_INFO_HANDLE_VALID    ((zx_object_info_topic_t)1u)
#define ZX_INFO_HANDLE_BASIC    ((zx_object_info_topic_t)2u) /* zx_info_handle_basic_t[1] */
/* [unconfirmed] topic versions of PROCESS and VMO: chosen per reference 1.10 / 2.1. */
#define ZX_INFO_PROCESS         __ZX_INFO_TOPIC(3u, 1)        /* zx_info_process_t[1] */
#define ZX_INFO_PROCESS_THREADS ((zx_object_info_topic_t)4u) /* zx_koid_t[n] */
#define ZX_INFO_JOB_CHILDREN    ((zx_object_info_topic_t)8u) /* zx_koid_t[n] */
#define ZX_INFO_JOB_PROCESSES   ((zx_object_info_topic_t)9u) /* zx_koid_t[n] */
#define ZX_INFO_THREAD          ((zx_object_info_topic_t)10u) /* zx_info_thread_t[1] */
#define ZX_INFO_HANDLE_COUNT    ((zx_object_info_topic_t)19u) /* zx_info_handle_count_t[1] */
#define ZX_INFO_VMO             __ZX_INFO_TOPIC(23u, 3)       /* zx_info_vmo_t[1] (vmo.c) */
#define ZX_INFO_TIMER           ((zx_object_info_topic_t)25u) /* zx_info_timer_t[1] */

typedef struct zx_info_handle_basic {
    zx_koid_t koid;
    zx_rights_t rights;
    zx_obj_type_t type;
    zx_koid_t related_koid; /* peer of an eventpair/channel, parent of a task, else 0 */
    uint32_t reserved;
    uint8_t padding1[4];
} zx_info_handle_basic_t;

typedef struct zx_info_handle_count {
    uint32_t handle_count;
} zx_info_handle_count_t;

typedef uint32_t zx_info_process_flags_t;
#define ZX_INFO_PROCESS_FLAG_STARTED           ((zx_info_process_flags_t)1u << 0)
#define ZX_INFO_PROCESS_FLAG_EXITED            ((zx_info_process_flags_t)1u << 1)
#define ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED ((zx_info_process_flags_t)1u << 2)

typedef struct zx_info_process {
    int64_t return_code; /* valid once EXITED is set */
    zx_instant_mono_t start_time;
    zx_info_process_flags_t flags;
    uint8_t padding1[4];
} zx_info_process_t;

#define ZX_CPU_SET_MAX_CPUS    512
#define ZX_CPU_SET_BITS_PER_WORD 64
typedef struct zx_cpu_set {
    uint64_t mask[ZX_CPU_SET_MAX_CPUS / ZX_CPU_SET_BITS_PER_WORD];
} zx_cpu_set_t;

typedef struct zx_info_thread {
    zx_thread_state_t state;              /* ZX_THREAD_STATE_* */
    uint32_t wait_exception_channel_type; /* always 0 here: exceptions are not modelled */
    zx_cpu_set_t cpu_affinity_mask;
} zx_info_thread_t;

typedef struct zx_info_timer {
    uint32_t options;
    zx_clock_t clock_id;
    zx_time_t deadline; /* on the timer's clock; 0 when not armed */
    zx_duration_t slack;
} zx_info_timer_t;

/* ---- VMOs and pagers (vmo.c, pager.c; zircon/types.h, limits.h, syscalls/object.h,
 *      syscalls-next.h) --------------------------------------------------------------------- */

#define ZX_PAGE_SHIFT ((uint32_t)12u)
#define ZX_PAGE_SIZE  ((uint64_t)1u << ZX_PAGE_SHIFT) /* upstream: uintptr_t */
#define ZX_PAGE_MASK  (ZX_PAGE_SIZE - 1u)

/* zx_vmo_create / zx_pager_create_vmo options. */
#define ZX_VMO_RESIZABLE   ((uint32_t)1u << 1)
#define ZX_VMO_DISCARDABLE ((uint32_t)1u << 2)
#define ZX_VMO_TRAP_DIRTY  ((uint32_t)1u << 3)
#define ZX_VMO_UNBOUNDED   ((uint32_t)1u << 4)

/* zx_vmo_create_child options: exactly one type, plus modifiers. */
#define ZX_VMO_CHILD_SNAPSHOT                   ((uint32_t)1u << 0)
#define ZX_VMO_CHILD_RESIZABLE                  ((uint32_t)1u << 2)
#define ZX_VMO_CHILD_SLICE                      ((uint32_t)1u << 3)
#define ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE ((uint32_t)1u << 4)
#define ZX_VMO_CHILD_NO_WRITE                   ((uint32_t)1u << 5)
#define ZX_VMO_CHILD_REFERENCE                  ((uint32_t)1u << 6)
#define ZX_VMO_CHILD_SNAPSHOT_MODIFIED          ((uint32_t)1u << 7)

/* zx_vmo_op_range ops. */
#define ZX_VMO_OP_COMMIT                 ((uint32_t)1u)
#define ZX_VMO_OP_DECOMMIT               ((uint32_t)2u)
#define ZX_VMO_OP_LOCK                   ((uint32_t)3u)
#define ZX_VMO_OP_UNLOCK                 ((uint32_t)4u)
#define ZX_VMO_OP_CACHE_SYNC             ((uint32_t)6u)
#define ZX_VMO_OP_CACHE_INVALIDATE       ((uint32_t)7u)
#define ZX_VMO_OP_CACHE_CLEAN            ((uint32_t)8u)
#define ZX_VMO_OP_CACHE_CLEAN_INVALIDATE ((uint32_t)9u)
#define ZX_VMO_OP_ZERO                   ((uint32_t)10u)
#define ZX_VMO_OP_TRY_LOCK               ((uint32_t)11u)
#define ZX_VMO_OP_DONT_NEED              ((uint32_t)12u)
#define ZX_VMO_OP_ALWAYS_NEED            ((uint32_t)13u)
#define ZX_VMO_OP_PREFETCH               ((uint32_t)14u)

/* zx_pager_op_range ops and data. */
#define ZX_PAGER_OP_FAIL            ((uint32_t)1u)
#define ZX_PAGER_OP_DIRTY           ((uint32_t)2u)
#define ZX_PAGER_OP_WRITEBACK_BEGIN ((uint32_t)3u)
#define ZX_PAGER_OP_WRITEBACK_END   ((uint32_t)4u)
#define ZX_VMO_DIRTY_RANGE_IS_ZERO  ((uint64_t)1u)

typedef struct zx_vmo_dirty_range {
    uint64_t offset; /* [offset, offset + length), page aligned */
    uint64_t length;
    uint64_t options; /* ZX_VMO_DIRTY_RANGE_IS_ZERO: known to be all zeros */
} zx_vmo_dirty_range_t;

typedef struct zx_pager_vmo_stats {
    uint32_t modified; /* ZX_PAGER_VMO_STATS_MODIFIED or 0 */
} zx_pager_vmo_stats_t;

#define ZX_PAGER_VMO_STATS_MODIFIED ((uint32_t)1u)
#define ZX_PAGER_RESET_VMO_STATS    ((uint32_t)1u)

/* ZX_INFO_VMO flags. */
#define ZX_INFO_VMO_TYPE_PHYSICAL  ((uint32_t)0u << 0)
#define ZX_INFO_VMO_TYPE_PAGED     ((uint32_t)1u << 0)
#define ZX_INFO_VMO_TYPE(flags)    ((flags) & ((uint32_t)1u << 0))
#define ZX_INFO_VMO_RESIZABLE      ((uint32_t)1u << 1)
#define ZX_INFO_VMO_IS_COW_CLONE   ((uint32_t)1u << 2)
#define ZX_INFO_VMO_VIA_HANDLE     ((uint32_t)1u << 3)
#define ZX_INFO_VMO_VIA_MAPPING    ((uint32_t)1u << 4)
#define ZX_INFO_VMO_PAGER_BACKED   ((uint32_t)1u << 5)
#define ZX_INFO_VMO_CONTIGUOUS     ((uint32_t)1u << 6)
#define ZX_INFO_VMO_DISCARDABLE    ((uint32_t)1u << 7)
#define ZX_INFO_VMO_IMMUTABLE      ((uint32_t)1u << 8)
#define ZX_INFO_VMO_VIA_IOB_HANDLE ((uint32_t)1u << 9)

#define ZX_CACHE_POLICY_CACHED ((uint32_t)0u)

/* The ZX_INFO_VMO (topic 23, version 3) record, as in misttech/fuchsia 74df2e1a
 * zircon/system/public/zircon/syscalls/object.h. The model fills koid, name, size_bytes,
 * parent_koid, num_children, flags, committed/populated bytes and handle_rights; mappings are
 * not modelled (num_mappings, share_count 0) and neither is kernel metadata (0). */
typedef struct zx_info_vmo {
    zx_koid_t koid;
    char name[ZX_MAX_NAME_LEN];
    uint64_t size_bytes;
    zx_koid_t parent_koid;   /* a child's parent, else 0 */
    size_t num_children;
    size_t num_mappings;
    size_t share_count;
    uint32_t flags;          /* ZX_INFO_VMO_* */
    uint8_t padding1[4];
    uint64_t committed_bytes;
    zx_rights_t handle_rights;
    uint32_t cache_policy;
    uint64_t metadata_bytes;
    uint64_t committed_change_events;
    uint64_t populated_bytes;
    uint64_t committed_private_bytes;
    uint64_t populated_private_bytes;
    uint64_t committed_scaled_bytes;
    uint64_t populated_scaled_bytes;
    uint64_t committed_fractional_scaled_bytes;
    uint64_t populated_fractional_scaled_bytes;
} zx_info_vmo_t;

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_ZIRCON_TYPES_H */
