/* error.c - Names and messages of SIM_E* codes and run verdicts, from their X-macro tables. */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>

const char *sim_err_name(int err)
{
    switch (err) {
    case 0:
        return "OK";
#define X(name, value, text)                                                                   \
    case value:                                                                                \
        return #name;
        SIM_ERRNO_MAP(X)
#undef X
    }
    return "unknown";
}

const char *sim_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define X(name, value, text)                                                                   \
    case value:                                                                                \
        return text;
        SIM_ERRNO_MAP(X)
#undef X
    }
    return "unknown error";
}

const char *sim_end_name(sim_end_t end)
{
    switch (end) {
#define X(name, text, desc)                                                                    \
    case SIM_END_##name:                                                                       \
        return text;
        SIM_END_MAP(X)
#undef X
    }
    return "unknown";
}

const char *sim_end_description(sim_end_t end)
{
    switch (end) {
#define X(name, text, desc)                                                                    \
    case SIM_END_##name:                                                                       \
        return desc;
        SIM_END_MAP(X)
#undef X
    }
    return "unknown verdict";
}

void sim__assert_fail(const char *expr, const char *file, int line, const char *func)
{
    fprintf(stderr, "wakesim: internal error: assertion failed: %s (%s:%d, %s)\n", expr, file,
            line, func);
    fflush(stderr);
    abort();
}
