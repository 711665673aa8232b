/* handle_ops.c - zx_handle_close, zx_handle_close_many, zx_handle_duplicate and
 * zx_handle_replace. Port of Zircon's syscalls/handle_ops.cc and RemoveUserHandles.
 */
#include "kernel_int.h"

/* zx_handle_close */
static zx_status_t sys_handle_close(const kctx_t *c, zx_handle_t handle)
{
    /* Closing the "never a handle" invalid handle is not an error, like free(NULL). */
    if (handle == ZX_HANDLE_INVALID)
        return ZX_OK;
    khandle_t *h = handle_table_detach(c->proc, handle);
    if (!h)
        return ZX_ERR_BAD_HANDLE;
    khandle_destroy(h);
    return ZX_OK;
}

zx_status_t zx_handle_close(zx_handle_t handle)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_handle_close, handle);
    zx_status_t st = sys_handle_close(&call.ctx, handle);
    return kcall_end(&call, st, handle, 0, 0, 0);
}

/* zx_handle_close_many */
static zx_status_t sys_handle_close_many(const kctx_t *c, const zx_handle_t *handles,
                                         size_t num_handles)
{
    if (num_handles && !handles)
        return ZX_ERR_INVALID_ARGS;
    /* Every valid handle is closed even when another entry is bad [inf: RemoveUserHandles
     * keeps going and reports BAD_HANDLE at the end]. */
    zx_status_t result = ZX_OK;
    for (size_t i = 0; i < num_handles; i++) {
        if (handles[i] == ZX_HANDLE_INVALID)
            continue;
        khandle_t *h = handle_table_detach(c->proc, handles[i]);
        if (!h) {
            result = ZX_ERR_BAD_HANDLE;
            continue;
        }
        khandle_destroy(h);
    }
    return result;
}

zx_status_t zx_handle_close_many(const zx_handle_t *handles, size_t num_handles)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_handle_close_many,
                num_handles && handles ? handles[0] : ZX_HANDLE_INVALID);
    zx_status_t st = sys_handle_close_many(&call.ctx, handles, num_handles);
    return kcall_end(&call, st, (int64_t)num_handles, 0, 0, 0);
}

/* handle_dup_replace() of handle_ops.cc. */
static zx_status_t dup_replace(const kctx_t *c, bool is_replace, zx_handle_t handle,
                               zx_rights_t rights, zx_handle_t *out)
{
    khandle_t *source = handle_table_lookup(c->proc, handle);
    if (!source)
        return ZX_ERR_BAD_HANDLE;
    if (!is_replace && !(source->rights & ZX_RIGHT_DUPLICATE))
        return ZX_ERR_ACCESS_DENIED;
    if (rights == ZX_RIGHT_SAME_RIGHTS) {
        rights = source->rights;
    } else if ((source->rights & rights) != rights) {
        if (is_replace)
            khandle_destroy(handle_table_detach(c->proc, handle));
        return ZX_ERR_INVALID_ARGS;
    }
    khandle_t *dup = khandle_create(source->obj, rights);
    if (!dup)
        return ZX_ERR_NO_MEMORY;
    /* Remove the source before adding the new handle, as upstream: a replace may reuse its
     * slot (a new generation, so a new value). */
    if (is_replace)
        khandle_destroy(handle_table_detach(c->proc, handle));
    zx_status_t st = handle_table_attach(c->proc, dup, out);
    if (st != ZX_OK)
        khandle_destroy(dup);
    return st;
}

/* zx_handle_duplicate */
zx_status_t zx_handle_duplicate(zx_handle_t handle, zx_rights_t rights, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_handle_duplicate, handle);
    zx_status_t st = dup_replace(&call.ctx, false, handle, rights, out);
    return kcall_end(&call, st, handle, rights, st == ZX_OK ? *out : 0, 0);
}

/* zx_handle_replace */
zx_status_t zx_handle_replace(zx_handle_t handle, zx_rights_t rights, zx_handle_t *out)
{
    kcall_t call;
    kcall_begin(&call, KERNEL_SYSCALL_handle_replace, handle);
    zx_status_t st = dup_replace(&call.ctx, true, handle, rights, out);
    return kcall_end(&call, st, handle, rights, st == ZX_OK ? *out : 0, 0);
}
