/* zircon/errors.h - Zircon status codes, from one X-macro table (values of errors.fidl).
 *
 * Upstream defines each code as a macro; here they come from ZX_STATUS_MAP so that the names
 * printed by zx_status_get_string(), the trace and the reports never disagree. The constants
 * are enumerators of type int, which converts to zx_status_t (int32_t) without loss.
 */
#ifndef WAKESIM_ZIRCON_ERRORS_H
#define WAKESIM_ZIRCON_ERRORS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t zx_status_t;

/* X(name after "ZX_", value). Order and values as in zircon/vdso/errors.fidl. */
#define ZX_STATUS_MAP(X)                                                                       \
    X(OK, 0)                                                                                   \
    X(ERR_INTERNAL, -1)                                                                        \
    X(ERR_NOT_SUPPORTED, -2)                                                                   \
    X(ERR_NO_RESOURCES, -3)                                                                    \
    X(ERR_NO_MEMORY, -4)                                                                       \
    X(ERR_INTERNAL_INTR_RETRY, -6)                                                             \
    X(ERR_INVALID_ARGS, -10)                                                                   \
    X(ERR_BAD_HANDLE, -11)                                                                     \
    X(ERR_WRONG_TYPE, -12)                                                                     \
    X(ERR_BAD_SYSCALL, -13)                                                                    \
    X(ERR_OUT_OF_RANGE, -14)                                                                   \
    X(ERR_BUFFER_TOO_SMALL, -15)                                                               \
    X(ERR_BAD_STATE, -20)                                                                      \
    X(ERR_TIMED_OUT, -21)                                                                      \
    X(ERR_SHOULD_WAIT, -22)                                                                    \
    X(ERR_CANCELED, -23)                                                                       \
    X(ERR_PEER_CLOSED, -24)                                                                    \
    X(ERR_NOT_FOUND, -25)                                                                      \
    X(ERR_ALREADY_EXISTS, -26)                                                                 \
    X(ERR_ALREADY_BOUND, -27)                                                                  \
    X(ERR_UNAVAILABLE, -28)                                                                    \
    X(ERR_ACCESS_DENIED, -30)                                                                  \
    X(ERR_IO, -40)                                                                             \
    X(ERR_IO_REFUSED, -41)                                                                     \
    X(ERR_IO_DATA_INTEGRITY, -42)                                                              \
    X(ERR_IO_DATA_LOSS, -43)                                                                   \
    X(ERR_IO_NOT_PRESENT, -44)                                                                 \
    X(ERR_IO_OVERRUN, -45)                                                                     \
    X(ERR_IO_MISSED_DEADLINE, -46)                                                             \
    X(ERR_IO_INVALID, -47)                                                                     \
    X(ERR_BAD_PATH, -50)                                                                       \
    X(ERR_NOT_DIR, -51)                                                                        \
    X(ERR_NOT_FILE, -52)                                                                       \
    X(ERR_FILE_BIG, -53)                                                                       \
    X(ERR_NO_SPACE, -54)                                                                       \
    X(ERR_NOT_EMPTY, -55)                                                                      \
    X(ERR_STOP, -60)                                                                           \
    X(ERR_NEXT, -61)                                                                           \
    X(ERR_ASYNC, -62)                                                                          \
    X(ERR_PROTOCOL_NOT_SUPPORTED, -70)                                                         \
    X(ERR_ADDRESS_UNREACHABLE, -71)                                                            \
    X(ERR_ADDRESS_IN_USE, -72)                                                                 \
    X(ERR_NOT_CONNECTED, -73)                                                                  \
    X(ERR_CONNECTION_REFUSED, -74)                                                             \
    X(ERR_CONNECTION_RESET, -75)                                                               \
    X(ERR_CONNECTION_ABORTED, -76)                                                             \
    X(ERR_INTERNAL_INTR_KILLED, -502)

enum {
#define X(name, value) ZX_##name = (value),
    ZX_STATUS_MAP(X)
#undef X
};

/* "ZX_ERR_TIMED_OUT" for ZX_ERR_TIMED_OUT; "(UNKNOWN)" for a value not in the table, as the
 * vDSO does. The string is static. */
const char *zx_status_get_string(zx_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_ZIRCON_ERRORS_H */
