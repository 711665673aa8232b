/* clock.c - zx_clock_get_monotonic, zx_clock_get_boot and zx_deadline_after: reads of the
 * engine's two clocks. They are vDSO calls upstream, not syscalls: no cost, no trace.
 */
#include "kernel_int.h"

zx_instant_mono_t zx_clock_get_monotonic(void)
{
    kernel_t *k = kernel_current();
    SIM_ASSERT(k != NULL);
    return sim_now_mono(k->s);
}

zx_instant_boot_t zx_clock_get_boot(void)
{
    kernel_t *k = kernel_current();
    SIM_ASSERT(k != NULL);
    return sim_now_boot(k->s);
}

zx_instant_mono_t zx_deadline_after(zx_duration_t duration)
{
    zx_instant_mono_t now = zx_clock_get_monotonic();
    if (duration > 0 && now > ZX_TIME_INFINITE - duration)
        return ZX_TIME_INFINITE;
    if (duration < 0 && now < ZX_TIME_INFINITE_PAST - duration)
        return ZX_TIME_INFINITE_PAST;
    return now + duration;
}
