/* fidl.c - The FIDL-like codec of wakesim/fidl.h: tables of optional fields carried in simulated
 * channel messages. Shared by the runner's port (server side) and the container world
 * (clients); it sits on the kernel's zx_channel_* calls and nothing else.
 *
 * Design. Every message type is described once, by a table of field descriptors (ordinal, wire
 * kind, where the value and its `has_` flag live in the C struct, the bound), and three generic
 * routines walk that table: encode_write() builds the body and writes it with the handles,
 * decode() validates a received body field by field and moves its handles into the struct,
 * close_fields() releases what a decoded struct still owns. The per-message functions of the
 * header are thin wrappers made by one macro, so adding a field is one line in a table.
 *
 * Handle ownership on every path (the header's contract):
 *  - encode_write moves each present handle into the message and marks it absent in the struct;
 *    the handles are consumed by zx_channel_write on success and on failure; if encoding fails
 *    before the write, they are closed here, so the caller never owns them again.
 *  - decode either moves a handle into the struct (clearing its slot in the message) or leaves
 *    it in the message and closes it with fidl_message_close before returning: handles of
 *    unknown fields, handles no field refers to, and every handle when the body is malformed.
 *  - A message whose ordinal (or direction) the decoder was not asked for is left untouched
 *    (ZX_ERR_NOT_SUPPORTED), so that the caller can try another decoder or drop it.
 *
 * Deviations from real FIDL, on purpose: strings must not contain NUL (the structs hold C
 * strings), RegisterFile's `name` (string:MAX upstream) is bounded by FIDL_STRING_MAX like the
 * other strings, handle object types and rights are not checked on decode, and handles that no
 * field refers to are closed instead of failing the decode.
 */
#include <wakesim/fidl.h>

#include <stdlib.h>
#include <string.h>

#include <zircon/syscalls.h>

/* ---- Message descriptors --------------------------------------------------------------------- */

#define NO_OFFSET UINT16_MAX
#define EXTENT_WIRE_SIZE 16u
#define ENCODE_STACK_BYTES 2048u

typedef struct field_desc {
    uint16_t ordinal;
    uint16_t kind;          /* FIDL_KIND_* */
    uint16_t value_offset;  /* the value (for BYTES: the pointer to the records) */
    uint16_t has_offset;    /* the bool has_*, NO_OFFSET for handles (absent = INVALID) */
    uint16_t count_offset;  /* BYTES: the uint32_t record count; else NO_OFFSET */
    uint32_t max;           /* STRING: bytes; BYTES: records */
} field_desc_t;

typedef struct msg_desc {
    uint64_t ordinal;
    bool response;            /* the message is a reply (FIDL_FLAG_RESPONSE) */
    size_t size;              /* sizeof the C struct */
    const field_desc_t *fields;
    size_t field_count;
    uint16_t is_error_offset; /* result replies: bool is_error; else NO_OFFSET */
    uint16_t error_offset;    /* result replies: the 32-bit error value */
} msg_desc_t;

#define F_VAL(type, ord, kind, field)                                                          \
    {(ord), (kind), offsetof(type, field), offsetof(type, has_##field), NO_OFFSET, 0}
#define F_STR(type, ord, field)                                                                \
    {(ord), FIDL_KIND_STRING, offsetof(type, field), offsetof(type, has_##field), NO_OFFSET,     \
     FIDL_STRING_MAX}
#define F_HANDLE(type, ord, field)                                                             \
    {(ord), FIDL_KIND_HANDLE, offsetof(type, field), NO_OFFSET, NO_OFFSET, 0}

static const field_desc_t suspend_container_req_fields[] = {
    F_HANDLE(fidl_suspend_container_req_t, 1, container_job),
    F_HANDLE(fidl_suspend_container_req_t, 2, wake_locks),
    F_VAL(fidl_suspend_container_req_t, 3, FIDL_KIND_I64, suspend_debounce_duration),
};
static const field_desc_t suspend_container_resp_fields[] = {
    F_VAL(fidl_suspend_container_resp_t, 1, FIDL_KIND_I64, suspend_time),
    F_STR(fidl_suspend_container_resp_t, 2, resume_reason),
};
static const field_desc_t proxy_wake_channel_req_fields[] = {
    F_HANDLE(fidl_proxy_wake_channel_req_t, 1, container_job),
    F_HANDLE(fidl_proxy_wake_channel_req_t, 2, container_channel),
    F_HANDLE(fidl_proxy_wake_channel_req_t, 3, remote_channel),
    F_STR(fidl_proxy_wake_channel_req_t, 4, name),
    F_HANDLE(fidl_proxy_wake_channel_req_t, 5, counter),
    F_HANDLE(fidl_proxy_wake_channel_req_t, 6, resume_event),
};
static const field_desc_t add_wake_source_req_fields[] = {
    F_HANDLE(fidl_add_wake_source_req_t, 1, container_job),
    F_STR(fidl_add_wake_source_req_t, 2, name),
    F_HANDLE(fidl_add_wake_source_req_t, 3, handle),
    F_VAL(fidl_add_wake_source_req_t, 4, FIDL_KIND_U32, signals),
};
static const field_desc_t remove_wake_source_req_fields[] = {
    F_HANDLE(fidl_remove_wake_source_req_t, 1, container_job),
    F_HANDLE(fidl_remove_wake_source_req_t, 2, handle),
};
static const field_desc_t register_wake_watcher_req_fields[] = {
    F_HANDLE(fidl_register_wake_watcher_req_t, 1, watcher),
};
static const field_desc_t create_pager_req_fields[] = {
    F_HANDLE(fidl_create_pager_req_t, 1, backing_vmo),
    F_VAL(fidl_create_pager_req_t, 2, FIDL_KIND_U64, block_size),
    F_HANDLE(fidl_create_pager_req_t, 3, pager),
};
static const field_desc_t register_file_req_fields[] = {
    F_STR(fidl_register_file_req_t, 1, name),
    F_VAL(fidl_register_file_req_t, 2, FIDL_KIND_U32, inode_num),
    F_VAL(fidl_register_file_req_t, 3, FIDL_KIND_U64, size),
    {4, FIDL_KIND_BYTES, offsetof(fidl_register_file_req_t, extents),
     offsetof(fidl_register_file_req_t, has_extents),
     offsetof(fidl_register_file_req_t, extent_count), FIDL_PAGER_EXTENTS_MAX},
};
static const field_desc_t register_file_resp_fields[] = {
    F_HANDLE(fidl_register_file_resp_t, 1, vmo),
};
static const field_desc_t take_lease_req_fields[] = {
    F_STR(fidl_take_lease_req_t, 1, name),
};
static const field_desc_t take_lease_resp_fields[] = {
    F_HANDLE(fidl_take_lease_resp_t, 1, token),
};
static const field_desc_t runner_start_req_fields[] = {
    F_HANDLE(fidl_runner_start_req_t, 1, job),
    F_STR(fidl_runner_start_req_t, 2, name),
    F_HANDLE(fidl_runner_start_req_t, 3, controller),
};
static const field_desc_t directory_open_req_fields[] = {
    F_STR(fidl_directory_open_req_t, 1, protocol),
    F_HANDLE(fidl_directory_open_req_t, 2, server_end),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DESC(ord, resp, type, fields)                                                          \
    {(ord), (resp), sizeof(type), (fields), COUNT(fields), NO_OFFSET, NO_OFFSET}
#define DESC_RESULT(ord, type, fields)                                                         \
    {(ord), true, sizeof(type), (fields), COUNT(fields), offsetof(type, is_error),             \
     offsetof(type, error)}

static const msg_desc_t suspend_container_req_desc = DESC(
    FIDL_MANAGER_SUSPEND_CONTAINER, false, fidl_suspend_container_req_t,
    suspend_container_req_fields);
static const msg_desc_t suspend_container_resp_desc = DESC_RESULT(
    FIDL_MANAGER_SUSPEND_CONTAINER, fidl_suspend_container_resp_t,
    suspend_container_resp_fields);
static const msg_desc_t proxy_wake_channel_req_desc = DESC(
    FIDL_MANAGER_PROXY_WAKE_CHANNEL, false, fidl_proxy_wake_channel_req_t,
    proxy_wake_channel_req_fields);
static const msg_desc_t add_wake_source_req_desc = DESC(
    FIDL_MANAGER_ADD_WAKE_SOURCE, false, fidl_add_wake_source_req_t,
    add_wake_source_req_fields);
static const msg_desc_t remove_wake_source_req_desc = DESC(
    FIDL_MANAGER_REMOVE_WAKE_SOURCE, false, fidl_remove_wake_source_req_t,
    remove_wake_source_req_fields);
static const msg_desc_t register_wake_watcher_req_desc = DESC(
    FIDL_MANAGER_REGISTER_WAKE_WATCHER, false, fidl_register_wake_watcher_req_t,
    register_wake_watcher_req_fields);
static const msg_desc_t create_pager_req_desc = DESC(
    FIDL_MANAGER_CREATE_PAGER, false, fidl_create_pager_req_t, create_pager_req_fields);
static const msg_desc_t register_file_req_desc = DESC(
    FIDL_PAGER_REGISTER_FILE, false, fidl_register_file_req_t, register_file_req_fields);
static const msg_desc_t register_file_resp_desc = DESC_RESULT(
    FIDL_PAGER_REGISTER_FILE, fidl_register_file_resp_t, register_file_resp_fields);
static const msg_desc_t take_lease_req_desc = DESC(
    FIDL_GOVERNOR_TAKE_APPLICATION_ACTIVITY_LEASE, false, fidl_take_lease_req_t,
    take_lease_req_fields);
static const msg_desc_t take_lease_resp_desc = DESC(
    FIDL_GOVERNOR_TAKE_APPLICATION_ACTIVITY_LEASE, true, fidl_take_lease_resp_t,
    take_lease_resp_fields);
static const msg_desc_t runner_start_req_desc = DESC(
    FIDL_RUNNER_START, false, fidl_runner_start_req_t, runner_start_req_fields);
static const msg_desc_t directory_open_req_desc = DESC(
    FIDL_DIRECTORY_OPEN, false, fidl_directory_open_req_t, directory_open_req_fields);

/* ---- Little helpers -------------------------------------------------------------------------- */

static void *at(void *s, uint16_t offset)
{
    return (char *)s + offset;
}

static size_t pad8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Whether s[0, len) is well-formed UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF) without NUL: what Rust's FIDL decoder demands of a string, plus the NUL rule of the
 * C structs. */
static bool utf8_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

static bool field_present(const field_desc_t *f, void *s)
{
    if (f->kind == FIDL_KIND_HANDLE)
        return *(zx_handle_t *)at(s, f->value_offset) != ZX_HANDLE_INVALID;
    return *(bool *)at(s, f->has_offset);
}

static bool is_error_reply(const msg_desc_t *d, void *s)
{
    return d->is_error_offset != NO_OFFSET && *(bool *)at(s, d->is_error_offset);
}

/* Closes every handle field of `s` still present and marks it absent. */
static void close_handles(const msg_desc_t *d, void *s)
{
    for (size_t i = 0; i < d->field_count; i++) {
        const field_desc_t *f = &d->fields[i];
        if (f->kind != FIDL_KIND_HANDLE)
            continue;
        zx_handle_t *h = at(s, f->value_offset);
        if (*h != ZX_HANDLE_INVALID)
            zx_handle_close(*h);
        *h = ZX_HANDLE_INVALID;
    }
}

/* ---- Encoding -------------------------------------------------------------------------------- */

/* Payload bytes of a present field (before padding), or SIZE_MAX if it cannot be encoded (a
 * string not terminated within its bound, too many records). */
static size_t payload_size(const field_desc_t *f, void *s)
{
    switch (f->kind) {
    case FIDL_KIND_U64:
    case FIDL_KIND_I64:
        return 8;
    case FIDL_KIND_U32:
    case FIDL_KIND_HANDLE:
        return 4;
    case FIDL_KIND_STRING: {
        size_t n = strnlen(at(s, f->value_offset), FIDL_STRING_MAX + 1);
        return n > f->max ? SIZE_MAX : n;
    }
    case FIDL_KIND_BYTES: {
        uint32_t count = *(uint32_t *)at(s, f->count_offset);
        const void *records = *(void **)at(s, f->value_offset);
        if (count > f->max || (count > 0 && records == NULL))
            return SIZE_MAX;
        return (size_t)count * EXTENT_WIRE_SIZE;
    }
    }
    return SIZE_MAX;
}

static uint8_t *put_field_header(uint8_t *p, uint16_t ordinal, uint16_t kind, uint32_t len)
{
    put_u16(p, ordinal);
    put_u16(p + 2, kind);
    put_u32(p + 4, len);
    return p + 8;
}

/* Writes one present field at `p` (zeroed memory); moves a handle into handles[*num_handles]. */
static void put_field(const field_desc_t *f, void *s, size_t len, uint8_t *p,
                      zx_handle_t *handles, uint32_t *num_handles)
{
    p = put_field_header(p, f->ordinal, f->kind, (uint32_t)len);
    void *v = at(s, f->value_offset);
    switch (f->kind) {
    case FIDL_KIND_U64:
    case FIDL_KIND_I64:
        put_u64(p, *(uint64_t *)v);
        break;
    case FIDL_KIND_U32:
        put_u32(p, *(uint32_t *)v);
        break;
    case FIDL_KIND_HANDLE:
        put_u32(p, *num_handles);
        handles[(*num_handles)++] = *(zx_handle_t *)v;
        *(zx_handle_t *)v = ZX_HANDLE_INVALID;
        break;
    case FIDL_KIND_STRING:
        memcpy(p, v, len);
        break;
    case FIDL_KIND_BYTES: {
        const fidl_pager_extent_t *e = *(const fidl_pager_extent_t **)v;
        for (size_t i = 0; i < len / EXTENT_WIRE_SIZE; i++, p += EXTENT_WIRE_SIZE) {
            put_u32(p, e[i].logical_start);
            put_u32(p + 4, e[i].logical_end);
            put_u64(p + 8, e[i].physical_block);
        }
        break;
    }
    }
}

/* Encodes `s` as described by `d` and writes it on `channel`; consumes every handle of `s`. */
static zx_status_t encode_write(const msg_desc_t *d, zx_handle_t channel, uint32_t txid,
                                void *s)
{
    bool error = is_error_reply(d, s);
    size_t size = FIDL_HEADER_SIZE;
    if (error) {
        size += 8 + 8;
    } else {
        for (size_t i = 0; i < d->field_count; i++) {
            const field_desc_t *f = &d->fields[i];
            if (!field_present(f, s))
                continue;
            size_t len = payload_size(f, s);
            if (len == SIZE_MAX) {
                close_handles(d, s);
                return ZX_ERR_INVALID_ARGS;
            }
            size += 8 + pad8(len);
        }
    }
    if (size > ZX_CHANNEL_MAX_MSG_BYTES) {
        close_handles(d, s);
        return ZX_ERR_OUT_OF_RANGE;
    }
    uint8_t stack[ENCODE_STACK_BYTES];
    uint8_t *buf = size <= sizeof(stack) ? stack : malloc(size);
    if (!buf) {
        close_handles(d, s);
        return ZX_ERR_NO_MEMORY;
    }
    memset(buf, 0, size);
    put_u32(buf, txid);
    put_u32(buf + 4, d->response ? FIDL_FLAG_RESPONSE : 0);
    put_u64(buf + 8, d->ordinal);
    zx_handle_t handles[ZX_CHANNEL_MAX_MSG_HANDLES];
    uint32_t num_handles = 0;
    uint8_t *p = buf + FIDL_HEADER_SIZE;
    if (error) {
        p = put_field_header(p, FIDL_RESULT_ERROR_ORDINAL, FIDL_KIND_U32, 4);
        put_u32(p, *(uint32_t *)at(s, d->error_offset));
        close_handles(d, s); /* an error reply carries no value: its handles are dropped */
    } else {
        for (size_t i = 0; i < d->field_count; i++) {
            const field_desc_t *f = &d->fields[i];
            if (!field_present(f, s))
                continue;
            size_t len = payload_size(f, s);
            put_field(f, s, len, p, handles, &num_handles);
            p += 8 + pad8(len);
        }
    }
    zx_status_t st =
        zx_channel_write(channel, 0, buf, (uint32_t)size, handles, num_handles);
    if (buf != stack)
        free(buf);
    return st;
}

/* ---- Decoding -------------------------------------------------------------------------------- */

typedef struct decode_state {
    fidl_message_t *msg;
    bool used[ZX_CHANNEL_MAX_MSG_HANDLES];  /* a field referred to this handle */
    bool moved[ZX_CHANNEL_MAX_MSG_HANDLES]; /* ... and it went into the struct */
} decode_state_t;

static const field_desc_t *find_field(const msg_desc_t *d, uint16_t ordinal)
{
    for (size_t i = 0; i < d->field_count; i++) {
        if (d->fields[i].ordinal == ordinal)
            return &d->fields[i];
    }
    return NULL;
}

static bool take_handle_index(decode_state_t *ds, const uint8_t *p, uint32_t len, bool keep,
                              zx_handle_t *out)
{
    if (len != 4)
        return false;
    uint32_t index = get_u32(p);
    if (index >= ds->msg->num_handles || ds->used[index])
        return false;
    ds->used[index] = true;
    ds->moved[index] = keep;
    if (keep)
        *out = ds->msg->handles[index];
    return true;
}

static bool decode_bytes(const field_desc_t *f, const uint8_t *p, uint32_t len, void *out)
{
    if (len % EXTENT_WIRE_SIZE != 0 || len / EXTENT_WIRE_SIZE > f->max)
        return false;
    uint32_t count = len / EXTENT_WIRE_SIZE;
    fidl_pager_extent_t *e = NULL;
    if (count > 0) {
        e = malloc((size_t)count * sizeof(*e));
        if (!e)
            return false;
        for (uint32_t i = 0; i < count; i++, p += EXTENT_WIRE_SIZE) {
            e[i] = (fidl_pager_extent_t){.logical_start = get_u32(p),
                                         .logical_end = get_u32(p + 4),
                                         .physical_block = get_u64(p + 8)};
        }
    }
    *(fidl_pager_extent_t **)at(out, f->value_offset) = e;
    *(uint32_t *)at(out, f->count_offset) = count;
    return true;
}

/* Decodes one known field's payload into `out`. */
static bool decode_field(decode_state_t *ds, const field_desc_t *f, uint16_t kind,
                         const uint8_t *p, uint32_t len, void *out)
{
    if (kind != f->kind)
        return false;
    void *v = at(out, f->value_offset);
    switch (f->kind) {
    case FIDL_KIND_U64:
    case FIDL_KIND_I64:
        if (len != 8)
            return false;
        *(uint64_t *)v = get_u64(p);
        break;
    case FIDL_KIND_U32:
        if (len != 4)
            return false;
        *(uint32_t *)v = get_u32(p);
        break;
    case FIDL_KIND_HANDLE:
        return take_handle_index(ds, p, len, true, v);
    case FIDL_KIND_STRING:
        if (len > f->max || !utf8_ok(p, len))
            return false;
        memcpy(v, p, len);
        ((char *)v)[len] = '\0';
        break;
    case FIDL_KIND_BYTES:
        if (!decode_bytes(f, p, len, out))
            return false;
        break;
    default:
        return false;
    }
    if (f->has_offset != NO_OFFSET)
        *(bool *)at(out, f->has_offset) = true;
    return true;
}

static bool padding_is_zero(const uint8_t *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

/* Walks the body; false if it is malformed. */
static bool decode_body(const msg_desc_t *d, decode_state_t *ds, void *out)
{
    const uint8_t *body = ds->msg->bytes;
    size_t pos = FIDL_HEADER_SIZE, end = ds->msg->num_bytes;
    uint32_t last = 0;
    bool error_seen = false, value_seen = false;
    while (pos < end) {
        if (end - pos < 8)
            return false;
        uint16_t ordinal = get_u16(body + pos);
        uint16_t kind = get_u16(body + pos + 2);
        uint32_t len = get_u32(body + pos + 4);
        pos += 8;
        if (ordinal == 0 || ordinal <= last || pad8(len) > end - pos)
            return false;
        if (!padding_is_zero(body + pos, len, pad8(len)))
            return false;
        last = ordinal;
        const uint8_t *p = body + pos;
        pos += pad8(len);
        if (ordinal == FIDL_RESULT_ERROR_ORDINAL && d->is_error_offset != NO_OFFSET) {
            if (kind != FIDL_KIND_U32 || len != 4)
                return false;
            *(bool *)at(out, d->is_error_offset) = true;
            *(uint32_t *)at(out, d->error_offset) = get_u32(p);
            error_seen = true;
            continue;
        }
        const field_desc_t *f = find_field(d, ordinal);
        if (!f) {
            /* An unknown field of an extensible table: skipped, its handle closed later. */
            if (kind == FIDL_KIND_HANDLE && !take_handle_index(ds, p, len, false, NULL))
                return false;
            continue;
        }
        if (!decode_field(ds, f, kind, p, len, out))
            return false;
        value_seen = true;
    }
    return !(error_seen && value_seen);
}

static void free_bytes(const msg_desc_t *d, void *s)
{
    for (size_t i = 0; i < d->field_count; i++) {
        const field_desc_t *f = &d->fields[i];
        if (f->kind != FIDL_KIND_BYTES)
            continue;
        void **records = at(s, f->value_offset);
        free(*records);
        *records = NULL;
        *(uint32_t *)at(s, f->count_offset) = 0;
        *(bool *)at(s, f->has_offset) = false;
    }
}

static zx_status_t decode(const msg_desc_t *d, fidl_message_t *msg, void *out)
{
    bool response = (msg->header.flags & FIDL_FLAG_RESPONSE) != 0;
    if (msg->header.ordinal != d->ordinal || response != d->response)
        return ZX_ERR_NOT_SUPPORTED;
    memset(out, 0, d->size);
    decode_state_t ds = {.msg = msg};
    if (!decode_body(d, &ds, out)) {
        free_bytes(d, out);
        memset(out, 0, d->size); /* the handles stay in the message and are closed below */
        fidl_message_close(msg);
        return ZX_ERR_INVALID_ARGS;
    }
    for (uint32_t i = 0; i < msg->num_handles; i++) {
        if (ds.moved[i])
            msg->handles[i] = ZX_HANDLE_INVALID;
    }
    fidl_message_close(msg); /* unknown fields' handles and handles no field names */
    return ZX_OK;
}

static void close_fields(const msg_desc_t *d, void *s)
{
    close_handles(d, s);
    free_bytes(d, s);
}

/* ---- Public API ------------------------------------------------------------------------------ */

zx_status_t fidl_message_read(zx_handle_t channel, uint8_t *bytes, zx_handle_t *handles,
                              fidl_message_t *out)
{
    uint32_t num_bytes = 0, num_handles = 0;
    *out = (fidl_message_t){.bytes = bytes, .handles = handles};
    zx_status_t st = zx_channel_read(channel, 0, bytes, handles, ZX_CHANNEL_MAX_MSG_BYTES,
                                     ZX_CHANNEL_MAX_MSG_HANDLES, &num_bytes, &num_handles);
    if (st != ZX_OK)
        return st;
    out->num_bytes = num_bytes;
    out->num_handles = num_handles;
    if (num_bytes < FIDL_HEADER_SIZE) {
        fidl_message_close(out);
        return ZX_ERR_INVALID_ARGS;
    }
    out->header = (fidl_header_t){.txid = get_u32(bytes),
                                  .flags = get_u32(bytes + 4),
                                  .ordinal = get_u64(bytes + 8)};
    return ZX_OK;
}

void fidl_message_close(fidl_message_t *msg)
{
    for (uint32_t i = 0; i < msg->num_handles; i++) {
        if (msg->handles[i] != ZX_HANDLE_INVALID)
            zx_handle_close(msg->handles[i]);
        msg->handles[i] = ZX_HANDLE_INVALID;
    }
}

#define FIDL_DEFINE_MESSAGE(name, type)                                                        \
    zx_status_t name##_write(zx_handle_t channel, uint32_t txid, type *m)                      \
    {                                                                                          \
        return encode_write(&name##_desc, channel, txid, m);                                   \
    }                                                                                          \
    zx_status_t name##_decode(fidl_message_t *msg, type *out)                                  \
    {                                                                                          \
        return decode(&name##_desc, msg, out);                                                 \
    }                                                                                          \
    void name##_close(type *m)                                                                 \
    {                                                                                          \
        close_fields(&name##_desc, m);                                                         \
    }

/* The descriptors are named without the "fidl_" prefix; alias them for the macro. */
#define fidl_suspend_container_req_desc suspend_container_req_desc
#define fidl_suspend_container_resp_desc suspend_container_resp_desc
#define fidl_proxy_wake_channel_req_desc proxy_wake_channel_req_desc
#define fidl_add_wake_source_req_desc add_wake_source_req_desc
#define fidl_remove_wake_source_req_desc remove_wake_source_req_desc
#define fidl_register_wake_watcher_req_desc register_wake_watcher_req_desc
#define fidl_create_pager_req_desc create_pager_req_desc
#define fidl_register_file_req_desc register_file_req_desc
#define fidl_register_file_resp_desc register_file_resp_desc
#define fidl_take_lease_req_desc take_lease_req_desc
#define fidl_take_lease_resp_desc take_lease_resp_desc
#define fidl_runner_start_req_desc runner_start_req_desc
#define fidl_directory_open_req_desc directory_open_req_desc

FIDL_DEFINE_MESSAGE(fidl_suspend_container_req, fidl_suspend_container_req_t)
FIDL_DEFINE_MESSAGE(fidl_suspend_container_resp, fidl_suspend_container_resp_t)
FIDL_DEFINE_MESSAGE(fidl_proxy_wake_channel_req, fidl_proxy_wake_channel_req_t)
FIDL_DEFINE_MESSAGE(fidl_add_wake_source_req, fidl_add_wake_source_req_t)
FIDL_DEFINE_MESSAGE(fidl_remove_wake_source_req, fidl_remove_wake_source_req_t)
FIDL_DEFINE_MESSAGE(fidl_register_wake_watcher_req, fidl_register_wake_watcher_req_t)
FIDL_DEFINE_MESSAGE(fidl_create_pager_req, fidl_create_pager_req_t)
FIDL_DEFINE_MESSAGE(fidl_register_file_req, fidl_register_file_req_t)
FIDL_DEFINE_MESSAGE(fidl_register_file_resp, fidl_register_file_resp_t)
FIDL_DEFINE_MESSAGE(fidl_take_lease_req, fidl_take_lease_req_t)
FIDL_DEFINE_MESSAGE(fidl_take_lease_resp, fidl_take_lease_resp_t)
FIDL_DEFINE_MESSAGE(fidl_runner_start_req, fidl_runner_start_req_t)
FIDL_DEFINE_MESSAGE(fidl_directory_open_req, fidl_directory_open_req_t)

zx_status_t fidl_empty_resp_write(zx_handle_t channel, uint32_t txid, uint64_t ordinal)
{
    uint8_t buf[FIDL_HEADER_SIZE];
    put_u32(buf, txid);
    put_u32(buf + 4, FIDL_FLAG_RESPONSE);
    put_u64(buf + 8, ordinal);
    return zx_channel_write(channel, 0, buf, sizeof(buf), NULL, 0);
}

void fidl_string_set(char dst[FIDL_STRING_MAX + 1], bool *has, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        if (has)
            *has = false;
        return;
    }
    size_t n = strnlen(src, FIDL_STRING_MAX + 1);
    if (n > FIDL_STRING_MAX) {
        /* A cut must not split a UTF-8 sequence, or the decoder would refuse the string. */
        n = FIDL_STRING_MAX;
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    if (has)
        *has = true;
}
