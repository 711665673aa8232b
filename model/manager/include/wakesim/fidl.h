/* wakesim/fidl.h - FIDL-like messages over simulated channels: the wire shared by the runner's
 * manager port (server) and the container world (clients).
 *
 * What is modelled. Upstream the runner and the Starnix kernel talk FIDL over Zircon channels.
 * wakesim keeps what the suspend/wake logic can observe: one channel message per request,
 * reply or event; a 16-byte header with a transaction id and a method ordinal; request and
 * response payloads that are *tables* whose fields may each be absent (so a request with a
 * missing field takes upstream's path, usually "silently ignored"); handles carried in the
 * message's handle array and owned by whoever decodes them; replies matched by txid; a decode
 * error ends the server's stream (Rust's `stream.try_next().await?`); a responder dropped
 * without a reply shuts the channel down (the client sees PEER_CLOSED). What is not modelled:
 * the exact FIDL wire format (alignment, envelopes, out-of-line objects), epitaphs, and the
 * FIDL framework's own handling of unknown methods beyond what the runner does with `_ => {}`.
 *
 * Wire format of a message body (after the header): a sequence of fields, each
 *   uint16 ordinal (1-based table ordinal), uint16 kind (FIDL_KIND_*), uint32 length,
 *   then `length` payload bytes padded to 8;
 * a handle field's payload is a uint32 index into the message's handles; an integer field is
 * little-endian (U32 in 4 bytes, U64/I64 in 8); a string is its UTF-8 bytes without a NUL; a
 * BYTES field is `count` PagerExtent records of 16 bytes (u32 logical_start, u32 logical_end,
 * u64 physical_block). Padding bytes are zero. Fields appear in increasing ordinal order, at
 * most once. The reply of a method declared with `error` carries, when it is an error, exactly
 * one field: FIDL_RESULT_ERROR_ORDINAL (kind U32: the error value, a zx_status_t bit-cast for
 * zx.Status). A decoder ignores fields with ordinals it does not
 * know (tables are extensible) but refuses malformed bodies (truncated, unordered, duplicate,
 * a known ordinal with the wrong kind or length, a handle index out of range or used twice,
 * strings over their bound). Every handle of a message is either moved into the decoded
 * struct or closed by the decoder, so nothing leaks on any path.
 *
 * Ownership: `*_decode` moves handles out of the channel message into the struct; the caller
 * owns them and releases what it does not keep with the matching `*_close` (which closes every
 * handle still present and marks it absent). `*_encode`/`*_write` consume the handles present
 * in the struct (they are moved into the message, on success and on failure, as
 * zx_channel_write does), leaving them absent.
 */
#ifndef WAKESIM_FIDL_H
#define WAKESIM_FIDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Header and envelopes ------------------------------------------------------------------ */

typedef struct fidl_header {
    uint32_t txid;    /* 0 for one-way methods and events; a reply carries the request's txid */
    uint32_t flags;   /* FIDL_FLAG_* */
    uint64_t ordinal; /* method */
} fidl_header_t;

#define FIDL_HEADER_SIZE 16u
#define FIDL_RESULT_ERROR_ORDINAL 0xffffu /* the error of a `-> (...) error E` reply */
#define FIDL_FLAG_RESPONSE 0x1u /* the message is a reply */

/* Method ordinals (stable numbers; upstream's are hashes, their values do not matter here). */
#define FIDL_MANAGER_SUSPEND_CONTAINER 0x5e01u
#define FIDL_MANAGER_PROXY_WAKE_CHANNEL 0x5e02u
#define FIDL_MANAGER_ADD_WAKE_SOURCE 0x5e03u
#define FIDL_MANAGER_REMOVE_WAKE_SOURCE 0x5e04u
#define FIDL_MANAGER_REGISTER_WAKE_WATCHER 0x5e05u
#define FIDL_MANAGER_CREATE_PAGER 0x5e06u
#define FIDL_PAGER_REGISTER_FILE 0x9a01u
#define FIDL_GOVERNOR_TAKE_APPLICATION_ACTIVITY_LEASE 0x6a01u
#define FIDL_RUNNER_START 0x7c01u    /* fuchsia.component.runner.ComponentRunner/Start */
#define FIDL_DIRECTORY_OPEN 0xd101u  /* a service directory: connect to a protocol by name */

/* Kinds of table fields on the wire. */
enum {
    FIDL_KIND_U64 = 1,
    FIDL_KIND_I64 = 2,
    FIDL_KIND_U32 = 3,
    FIDL_KIND_STRING = 4,
    FIDL_KIND_HANDLE = 5,
    FIDL_KIND_BYTES = 6, /* a vector of plain structs (PagerExtent[]) */
};

#define FIDL_STRING_MAX 1024u       /* PROXY_NAME_LEN and resume_reason's bound */
#define FIDL_PAGER_EXTENTS_MAX 1024u

/* Result of decoding; ZX_ERR_INVALID_ARGS for a malformed message (a decode error),
 * ZX_ERR_NOT_SUPPORTED for an ordinal the decoder was not asked for. */

/* Reads one message from `channel` (ZX_OK, or the zx_channel_read error: SHOULD_WAIT,
 * PEER_CLOSED, ...) into `bytes`/`handles` (the caller's buffers of ZX_CHANNEL_MAX_MSG_BYTES and
 * ZX_CHANNEL_MAX_MSG_HANDLES), and parses the header (INVALID_ARGS if shorter than a header;
 * the handles are then closed). */
typedef struct fidl_message {
    fidl_header_t header;
    uint8_t *bytes;         /* whole message, header included; borrowed */
    uint32_t num_bytes;
    zx_handle_t *handles;   /* borrowed array; entries set to ZX_HANDLE_INVALID once moved */
    uint32_t num_handles;
} fidl_message_t;

zx_status_t fidl_message_read(zx_handle_t channel, uint8_t *bytes, zx_handle_t *handles,
                              fidl_message_t *out);
/* Closes every handle of `msg` still in it (the message is dropped). */
void fidl_message_close(fidl_message_t *msg);

/* ---- fuchsia.starnix.runner/Manager -------------------------------------------------------- */

/* Optional fields: `has_*` for values; ZX_HANDLE_INVALID means an absent handle field. */

typedef struct fidl_suspend_container_req {
    zx_handle_t container_job;               /* 1: JOB */
    zx_handle_t wake_locks;                  /* 2: EVENTPAIR */
    bool has_suspend_debounce_duration;
    int64_t suspend_debounce_duration;       /* 3: zx.Duration (read by no runner version) */
} fidl_suspend_container_req_t;

typedef enum fidl_suspend_error {
    FIDL_SUSPEND_ERROR_WAKE_LOCKS_EXIST = 1,
    FIDL_SUSPEND_ERROR_SUSPEND_FAILURE = 2,
} fidl_suspend_error_t;

typedef struct fidl_suspend_container_resp {
    bool is_error;
    uint32_t error;                          /* fidl_suspend_error_t when is_error */
    bool has_suspend_time;
    int64_t suspend_time;                    /* 1: zx.Duration, boot ns */
    bool has_resume_reason;
    char resume_reason[FIDL_STRING_MAX + 1]; /* 2: string:1024 */
} fidl_suspend_container_resp_t;

typedef struct fidl_proxy_wake_channel_req {
    zx_handle_t container_job;     /* 1 */
    zx_handle_t container_channel; /* 2 */
    zx_handle_t remote_channel;    /* 3 */
    bool has_name;
    char name[FIDL_STRING_MAX + 1]; /* 4 */
    zx_handle_t counter;           /* 5 */
    /* 6: EVENTPAIR, the V1-era field (variant "v1"): the runner's endpoint R of the resume-event
     * handshake (reference section 5, V1). Additive: no later revision sends or reads it. */
    zx_handle_t resume_event;
} fidl_proxy_wake_channel_req_t;

typedef struct fidl_add_wake_source_req {
    zx_handle_t container_job;     /* 1 */
    bool has_name;
    char name[FIDL_STRING_MAX + 1]; /* 2 */
    zx_handle_t handle;            /* 3 */
    bool has_signals;
    zx_signals_t signals;          /* 4 */
} fidl_add_wake_source_req_t;

typedef struct fidl_remove_wake_source_req {
    zx_handle_t container_job; /* 1 */
    zx_handle_t handle;        /* 2 */
} fidl_remove_wake_source_req_t;

typedef struct fidl_register_wake_watcher_req {
    zx_handle_t watcher; /* 1: EVENTPAIR */
} fidl_register_wake_watcher_req_t;

typedef struct fidl_create_pager_req {
    zx_handle_t backing_vmo; /* 1 */
    bool has_block_size;
    uint64_t block_size;     /* 2 */
    zx_handle_t pager;       /* 3: server_end:Pager (a channel) */
} fidl_create_pager_req_t;

/* ---- fuchsia.starnix.runner/Pager ------------------------------------------------------------ */

typedef struct fidl_pager_extent {
    uint32_t logical_start; /* blocks */
    uint32_t logical_end;
    uint64_t physical_block;
} fidl_pager_extent_t;

typedef struct fidl_register_file_req {
    bool has_name;
    char name[FIDL_STRING_MAX + 1];
    bool has_inode_num;
    uint32_t inode_num;
    bool has_size;
    uint64_t size;
    bool has_extents;
    uint32_t extent_count;
    fidl_pager_extent_t *extents; /* malloc'd by decode (freed by _close), borrowed by encode */
} fidl_register_file_req_t;

typedef struct fidl_register_file_resp {
    bool is_error;
    zx_status_t error;  /* when is_error */
    zx_handle_t vmo;    /* 1: the child VMO when !is_error (may be absent) */
} fidl_register_file_resp_t;

/* ---- fuchsia.power.system/ActivityGovernor (the subset the runner uses) --------------------- */

typedef struct fidl_take_lease_req {
    bool has_name;
    char name[FIDL_STRING_MAX + 1];
} fidl_take_lease_req_t;

typedef struct fidl_take_lease_resp {
    zx_handle_t token; /* an eventpair end: the lease is held while it is open */
} fidl_take_lease_resp_t;

/* ---- fuchsia.component.runner/ComponentRunner.Start (simplified) ----------------------------
 * Deviation: upstream the runner creates the kernel component and asks it for its job; the
 * component framework is not modelled, so Start carries the container's job and a name. */
typedef struct fidl_runner_start_req {
    zx_handle_t job; /* 1 */
    bool has_name;
    char name[FIDL_STRING_MAX + 1]; /* 2 */
    /* 3: server_end:ComponentController (a channel). Additive: upstream the runner removes the
     * kernel when the kernel component's controller channel closes (Kernels::start's on_stop);
     * here the world closes its end of this channel to stop the container. Absent = the kernel
     * is never removed. */
    zx_handle_t controller;
} fidl_runner_start_req_t;

/* ---- Service directory: connect to a protocol by name ---------------------------------------- */

typedef struct fidl_directory_open_req {
    bool has_protocol;
    char protocol[FIDL_STRING_MAX + 1]; /* "fuchsia.power.system.ActivityGovernor" */
    zx_handle_t server_end;             /* channel */
} fidl_directory_open_req_t;

/* ---- Encode/write and decode, per message ----------------------------------------------------
 * `_write(channel, txid, ...)` encodes and writes one message (consuming the struct's handles);
 * returns the zx_channel_write status. `_decode(msg, ...)` parses a message already read with
 * fidl_message_read whose ordinal is the method's; returns ZX_OK or ZX_ERR_INVALID_ARGS (every
 * handle of the message is then closed). `_close` releases what a decoded struct still owns. */

#define FIDL_DECLARE_MESSAGE(name, type)                                                       \
    zx_status_t name##_write(zx_handle_t channel, uint32_t txid, type *m);                     \
    zx_status_t name##_decode(fidl_message_t *msg, type *out);                                 \
    void name##_close(type *m);

FIDL_DECLARE_MESSAGE(fidl_suspend_container_req, fidl_suspend_container_req_t)
FIDL_DECLARE_MESSAGE(fidl_suspend_container_resp, fidl_suspend_container_resp_t)
FIDL_DECLARE_MESSAGE(fidl_proxy_wake_channel_req, fidl_proxy_wake_channel_req_t)
FIDL_DECLARE_MESSAGE(fidl_add_wake_source_req, fidl_add_wake_source_req_t)
FIDL_DECLARE_MESSAGE(fidl_remove_wake_source_req, fidl_remove_wake_source_req_t)
FIDL_DECLARE_MESSAGE(fidl_register_wake_watcher_req, fidl_register_wake_watcher_req_t)
FIDL_DECLARE_MESSAGE(fidl_create_pager_req, fidl_create_pager_req_t)
FIDL_DECLARE_MESSAGE(fidl_register_file_req, fidl_register_file_req_t)
FIDL_DECLARE_MESSAGE(fidl_register_file_resp, fidl_register_file_resp_t)
FIDL_DECLARE_MESSAGE(fidl_take_lease_req, fidl_take_lease_req_t)
FIDL_DECLARE_MESSAGE(fidl_take_lease_resp, fidl_take_lease_resp_t)
FIDL_DECLARE_MESSAGE(fidl_runner_start_req, fidl_runner_start_req_t)
FIDL_DECLARE_MESSAGE(fidl_directory_open_req, fidl_directory_open_req_t)

/* An empty reply (RegisterWakeWatcher's `-> ()`). */
zx_status_t fidl_empty_resp_write(zx_handle_t channel, uint32_t txid, uint64_t ordinal);

/* Sets a string field from a C string, truncated to FIDL_STRING_MAX (the encoder refuses
 * nothing longer, as the bound is part of the type). */
void fidl_string_set(char dst[FIDL_STRING_MAX + 1], bool *has, const char *src);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_FIDL_H */
