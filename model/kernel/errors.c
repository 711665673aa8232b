/* errors.c - zx_status_get_string: the spelling of every status code, from ZX_STATUS_MAP. */
#include <zircon/errors.h>

const char *zx_status_get_string(zx_status_t status)
{
    switch (status) {
#define X(name, value)                                                                         \
    case (value):                                                                              \
        return "ZX_" #name;
        ZX_STATUS_MAP(X)
#undef X
    default:
        return "(UNKNOWN)";
    }
}
