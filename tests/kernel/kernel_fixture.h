/* kernel_fixture.h - Shared fixtures of the kernel suites (header-only).
 *
 * A fixture is one run (sim_t), one kernel on it and one test process "test" in the root job.
 * Costs are zero unless a test asks for the defaults, so virtual times in assertions are exact.
 * Handles made by setup code live in the bootstrap process; kfix_give() moves one into the
 * test process, whose threads use the returned value.
 */
#ifndef WAKESIM_TESTS_KERNEL_FIXTURE_H
#define WAKESIM_TESTS_KERNEL_FIXTURE_H

#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include <wakesim/kernel.h>
#include <zircon/syscalls.h>

#include "sim.h"

typedef struct kfix {
    sim_t *s;
    kernel_t *k;
    sim_trace_mem_t *mem; /* every event of the run */
    zx_handle_t job;      /* the root job, in the bootstrap process */
    zx_handle_t proc;     /* the test process, in the bootstrap process */
} kfix_t;

static inline void kfix_costs_zero(kernel_costs_t *costs)
{
    kernel_costs_default(costs);
    memset(costs->syscall_ns, 0, sizeof(costs->syscall_ns));
}

/* `costs` NULL = all zero. */
static inline void kfix_init_costs(kfix_t *f, const kernel_costs_t *costs)
{
    sim_config_t cfg = {.seed = 1};
    cr_assert_eq(sim_create(&cfg, &f->s), 0, "sim_create");
    cr_assert_eq(sim_trace_mem_create(&f->mem), 0, "sim_trace_mem_create");
    cr_assert_eq(sim_trace_attach(f->s, &sim_trace_mem_ops, f->mem), 0, "sim_trace_attach");
    kernel_costs_t zero;
    kfix_costs_zero(&zero);
    kernel_config_t kc = {.costs = costs ? costs : &zero};
    zx_status_t st = kernel_create(f->s, &kc, &f->k);
    cr_assert_eq(st, ZX_OK, "kernel_create: %s", zx_status_get_string(st));
    f->job = kernel_root_job(f->k);
    st = kernel_process_create(f->job, "test", &f->proc);
    cr_assert_eq(st, ZX_OK, "kernel_process_create: %s", zx_status_get_string(st));
}

static inline void kfix_init(kfix_t *f)
{
    kfix_init_costs(f, NULL);
}

static inline void kfix_deinit(kfix_t *f)
{
    kernel_destroy(f->k);
    sim_destroy(f->s);
    sim_trace_mem_destroy(f->mem);
}

/* Moves a bootstrap handle into the test process; returns its value there. */
static inline zx_handle_t kfix_give(kfix_t *f, zx_handle_t h)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t st = kernel_handle_transfer(h, f->proc, &out);
    cr_assert_eq(st, ZX_OK, "kernel_handle_transfer: %s", zx_status_get_string(st));
    return out;
}

/* A duplicate of bootstrap handle `h` moved into the test process. */
static inline zx_handle_t kfix_share(kfix_t *f, zx_handle_t h)
{
    zx_handle_t dup = ZX_HANDLE_INVALID;
    cr_assert_eq(zx_handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS, &dup), ZX_OK, "duplicate");
    return kfix_give(f, dup);
}

/* Starts a thread of the test process; returns its handle in the bootstrap process. */
static inline zx_handle_t kfix_thread(kfix_t *f, const char *name, kernel_thread_fn fn,
                                      void *arg)
{
    zx_handle_t t = ZX_HANDLE_INVALID;
    zx_status_t st = kernel_thread_create(f->proc, name, fn, arg, NULL, &t);
    cr_assert_eq(st, ZX_OK, "kernel_thread_create: %s", zx_status_get_string(st));
    return t;
}

static inline sim_end_t kfix_run(kfix_t *f)
{
    return sim_run(f->s);
}

/* Sleeps the calling simulated thread until `deadline` (monotonic) with a zx call. */
static inline void kfix_sleep_until(zx_instant_mono_t deadline)
{
    zx_status_t st = zx_object_wait_many(NULL, 0, deadline);
    cr_assert_eq(st, ZX_ERR_TIMED_OUT, "sleep: %s", zx_status_get_string(st));
}

static inline zx_signals_t kfix_signals(zx_handle_t h)
{
    zx_signals_t observed = 0;
    zx_status_t st = zx_object_wait_one(h, 0, 0, &observed);
    cr_assert_eq(st, ZX_ERR_TIMED_OUT, "poll: %s", zx_status_get_string(st));
    return observed;
}

static inline zx_koid_t kfix_koid(zx_handle_t h)
{
    zx_info_handle_basic_t info;
    zx_status_t st = zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL);
    cr_assert_eq(st, ZX_OK, "HANDLE_BASIC: %s", zx_status_get_string(st));
    return info.koid;
}

static inline zx_thread_state_t kfix_thread_state(zx_handle_t thread)
{
    zx_info_thread_t info;
    zx_status_t st = zx_object_get_info(thread, ZX_INFO_THREAD, &info, sizeof(info), NULL, NULL);
    cr_assert_eq(st, ZX_OK, "ZX_INFO_THREAD: %s", zx_status_get_string(st));
    return info.state;
}

/* Number of trace events of `kind` (with `text`, if not NULL) so far. */
static inline size_t kfix_count(const kfix_t *f, uint32_t kind, const char *text)
{
    size_t n = 0;
    for (size_t i = 0; i < sim_trace_mem_count(f->mem); i++) {
        const sim_trace_event_t *ev = sim_trace_mem_get(f->mem, i);
        if (ev->kind == kind && (!text || (ev->text && strcmp(ev->text, text) == 0)))
            n++;
    }
    return n;
}

#define ASSERT_ST(got, want)                                                                   \
    do {                                                                                       \
        zx_status_t got_ = (got), want_ = (want);                                              \
        cr_assert_eq(got_, want_, "%s: got %s, want %s", #got, zx_status_get_string(got_),     \
                     zx_status_get_string(want_));                                             \
    } while (0)

#endif /* WAKESIM_TESTS_KERNEL_FIXTURE_H */
