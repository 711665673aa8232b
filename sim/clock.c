/* clock.c - The two virtual clocks.
 *
 * Boot time is the timeline: the scheduler advances it to the next event. Monotonic time is
 * boot time minus the total time spent paused (mono_offset_ns), frozen at its pause value while
 * the simulated system is suspended, as a real monotonic clock stops during suspend-to-idle
 * while the boot clock runs on.
 */
#include "sim_int.h"

int64_t sim_now_boot(const sim_t *s)
{
    return s->now_boot_ns;
}

int64_t sim_now_mono(const sim_t *s)
{
    return s->mono_paused ? s->mono_paused_at_ns : s->now_boot_ns - s->mono_offset_ns;
}

int64_t sim_now(const sim_t *s, sim_clock_t clock)
{
    return clock == SIM_CLOCK_BOOT ? sim_now_boot(s) : sim_now_mono(s);
}

void sim_mono_pause(sim_t *s)
{
    if (s->mono_paused)
        return;
    s->mono_paused_at_ns = sim_now_mono(s);
    s->mono_paused = true;
    sim_trace(s, SIM_EV_MONO_PAUSE, "sim.mono_pause", 0, s->mono_paused_at_ns, 0, 0, NULL);
}

void sim_mono_resume(sim_t *s)
{
    if (!s->mono_paused)
        return;
    s->mono_paused = false;
    s->mono_offset_ns = s->now_boot_ns - s->mono_paused_at_ns;
    sim_trace(s, SIM_EV_MONO_RESUME, "sim.mono_resume", 0, s->mono_offset_ns, 0, 0, NULL);
}

bool sim_mono_is_paused(const sim_t *s)
{
    return s->mono_paused;
}
