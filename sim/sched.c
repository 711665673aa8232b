/* sched.c - The scheduler: who runs next, and the determinism contract.
 *
 * The contract. A run is a pure function of (inputs, seed, strategy, recorded choices):
 *  1. Time advances only to the deadline of the earliest armed timer, ordered by (boot time,
 *     arming sequence number); the monotonic queue's deadlines are converted to boot time with
 *     the current pause offset. Nothing reads the host clock.
 *  2. At each instant, every timer due at that instant fires first (in that order); the
 *     callbacks make threads ready. Then, while threads are ready, one is picked and run until
 *     it parks, yields or finishes; timers armed for the same instant fire before the next
 *     pick. So the set of threads ready "at once" is as large as the model allows, and the
 *     strategy sees all of them.
 *  3. When more than one thread is ready, the strategy picks (sim_choose); `fifo` takes the one
 *     made ready first. Every choice with more than one alternative is recorded, so `replay`
 *     reproduces any run, choice by choice.
 *  4. Within a thread, ready tasks run in the order they became ready (a local executor).
 *
 * Direct switching. A task that parks runs the scheduler on its own stack and switches
 * straight into the next task (SimGrid's raw factory does the same); the context of sim_run
 * is resumed only when the run ends. A task woken before it switched away (a timer due now)
 * continues without any switch at all.
 *
 * Ending. The run ends when every non-daemon thread has finished (complete), when nothing is
 * ready and nothing is scheduled (stalled if non-daemon threads are still parked, quiescent
 * otherwise), at the time limit (events later than the limit never happen; the clock stops at
 * the limit), when the event budget is spent, or on sim_stop. Tasks still parked then are
 * never resumed; their stacks are unmapped by sim_destroy.
 */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SIM_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

_Thread_local sim_t *sim__running;

/* ---- Ready ring ----------------------------------------------------------------------------- */

void sim__task_make_ready(sim_t *s, sim_task_t *t)
{
    SIM_ASSERT(s->ready_count < s->ready_capacity);
    s->ready[(s->ready_head + s->ready_count) & (s->ready_capacity - 1)] = t;
    s->ready_count++;
}

/* Removes and returns the index-th ready thread's task, keeping the others in order. */
static sim_task_t *ready_take(sim_t *s, uint32_t index)
{
    uint32_t mask = s->ready_capacity - 1;
    sim_task_t *t = s->ready[(s->ready_head + index) & mask];
    if (index == 0) {
        s->ready_head = (s->ready_head + 1) & mask;
    } else {
        for (uint32_t i = index; i + 1 < s->ready_count; i++)
            s->ready[(s->ready_head + i) & mask] = s->ready[(s->ready_head + i + 1) & mask];
    }
    s->ready_count--;
    return t;
}

/* ---- Choices -------------------------------------------------------------------------------- */

static inline void choice_record(sim_t *s, uint32_t c)
{
    if (__builtin_expect(s->choices_size + 5 > s->choices_capacity, 0)) {
        size_t cap = s->choices_capacity ? s->choices_capacity * 2 : 4096;
        uint8_t *p = sim__realloc(s, s->choices, cap);
        SIM_ASSERT(p != NULL); /* out of memory while recording: nothing sensible to do */
        s->choices = p;
        s->choices_capacity = cap;
    }
    do {
        uint8_t byte = c & 0x7f;
        c >>= 7;
        s->choices[s->choices_size++] = byte | (c ? 0x80 : 0);
    } while (c);
}

uint32_t sim_choose(sim_t *s, uint32_t n)
{
    SIM_ASSERT(n >= 1);
    if (n == 1)
        return 0;
    /* fifo always answers 0: spare the indirect call on the hot path. */
    uint32_t c = s->strategy == &sim__strategy_fifo ? 0 : s->strategy->choose(s, n);
    if (c >= n) {
        /* Only replay can diverge; end the run at the next scheduling point. */
        if (s->stop_request == SIM_END_NONE)
            s->stop_request = SIM_END_DIVERGED;
        c = 0;
    }
    choice_record(s, c);
    s->stats.choices++;
    return c;
}

const uint8_t *sim_choices(const sim_t *s, size_t *size)
{
    *size = s->choices_size;
    return s->choices;
}

uint64_t sim_choices_count(const sim_t *s)
{
    return s->stats.choices;
}

/* ---- Picking the next task ------------------------------------------------------------------ */

/* Boot-time deadline of the earliest armed timer and its clock, or -1 if none can fire. */
static inline int next_timer(const sim_t *s, int64_t *boot_ns)
{
    const sim_queue_t *b = &s->queue[SIM_CLOCK_BOOT];
    const sim_queue_t *m = &s->queue[SIM_CLOCK_MONO];
    if (m->front_slot != SIM_SLOT_NONE && !s->mono_paused) {
        int64_t md = m->front_deadline_ns;
        int64_t m_boot = md > INT64_MAX - s->mono_offset_ns ? INT64_MAX : md + s->mono_offset_ns;
        if (b->front_slot != SIM_SLOT_NONE) {
            int64_t bd = b->front_deadline_ns;
            if (bd < m_boot ||
                (bd == m_boot && s->slots[b->front_slot].seq < s->slots[m->front_slot].seq)) {
                *boot_ns = bd;
                return SIM_CLOCK_BOOT;
            }
        }
        *boot_ns = m_boot;
        return SIM_CLOCK_MONO;
    }
    if (b->front_slot != SIM_SLOT_NONE) {
        *boot_ns = b->front_deadline_ns;
        return SIM_CLOCK_BOOT;
    }
    return -1;
}

static bool budget_spent(sim_t *s)
{
    if (s->events_max && s->stats.events >= s->events_max) {
        s->end = SIM_END_EVENT_BUDGET;
        return true;
    }
    return false;
}

static void fire(sim_t *s, int which)
{
    sim_timer_t *t = sim__queue_pop(s, &s->queue[which]);
    s->stats.timers_fired++;
    s->stats.events++;
    /* Callbacks run on whichever stack runs the scheduler, but belong to no task: hide the
     * current one so sim_task_self() is NULL and their trace events carry thread 0. */
    sim_task_t *running = s->current;
    s->current = NULL;
    s->in_callback = true;
    t->fn(s, t);
    s->in_callback = false;
    s->current = running;
}

/* True (with s->end set) when the run must end before anything else happens. */
static bool run_is_over(sim_t *s)
{
    if (s->stop_request != SIM_END_NONE) {
        s->end = s->stop_request;
        return true;
    }
    if (s->nondaemon_created && s->nondaemon_alive == 0) {
        s->end = SIM_END_COMPLETE;
        return true;
    }
    return false;
}

/* Which ready thread runs next: sim_choose over the ready ring, with fifo's answer inline (the
 * same zero recorded, the same count) since it is asked at nearly every dispatch of a busy
 * run. */
static inline uint32_t choose_ready(sim_t *s)
{
    if (s->ready_count <= 1)
        return 0;
    if (s->strategy != &sim__strategy_fifo)
        return sim_choose(s, s->ready_count);
    choice_record(s, 0);
    s->stats.choices++;
    return 0;
}

/* The ring holds the task each ready thread runs next (its current one), so a dispatch does
 * not read the thread. */
static sim_task_t *dispatch(sim_t *s)
{
    uint32_t index = choose_ready(s);
    sim_task_t *t = ready_take(s, index);
    s->stats.dispatches++;
    s->stats.events++;
    return t;
}

static sim_task_t *pick(sim_t *s)
{
    for (;;) {
        if (run_is_over(s))
            return NULL;
        int64_t when = 0;
        int which = next_timer(s, &when);
        for (;;) {
            while (which >= 0 && when <= s->now_boot_ns) {
                if (budget_spent(s))
                    return NULL;
                fire(s, which);
                which = next_timer(s, &when);
            }
            if (s->stop_request != SIM_END_NONE || s->ready_count)
                break;
            if (which < 0) {
                s->end = s->nondaemon_alive ? SIM_END_STALLED : SIM_END_QUIESCENT;
                return NULL;
            }
            /* Never advance the clock to an event the budget will not let happen. */
            if (budget_spent(s))
                return NULL;
            if (s->time_limit_ns && when > s->time_limit_ns) {
                if (s->time_limit_ns > s->now_boot_ns)
                    s->now_boot_ns = s->time_limit_ns;
                s->end = SIM_END_TIME_LIMIT;
                return NULL;
            }
            SIM_ASSERT(when >= s->now_boot_ns);
            s->now_boot_ns = when; /* `which` is due now: fire it without looking again */
        }
        if (s->stop_request != SIM_END_NONE)
            continue;
        return budget_spent(s) ? NULL : dispatch(s);
    }
}

/* ---- Switching ------------------------------------------------------------------------------ */

static void switch_to(sim_t *s, sim_task_t *from, sim_task_t *to)
{
    sim_ctx_t *from_ctx = from ? &from->ctx : &s->main_ctx;
    sim_ctx_t *to_ctx = to ? &to->ctx : &s->main_ctx;
    s->current = to;
    if (to)
        to->state = SIM_TASK_RUNNING;
    s->stats.switches++;
#if SIM_ASAN
    void **fake = from ? &from->asan_fake_stack : &s->asan_main_fake_stack;
    bool from_dies = from && from->state == SIM_TASK_DONE;
    const void *bottom = to ? (const void *)(to->ctx_stack_lo)
                            : s->asan_main_bottom;
    size_t size = to ? to->stack_size : s->asan_main_size;
    __sanitizer_start_switch_fiber(from_dies ? NULL : fake, bottom, size);
    sim__ctx_switch(from_ctx, to_ctx);
    __sanitizer_finish_switch_fiber(*fake, NULL, NULL);
#else
    sim__ctx_switch(from_ctx, to_ctx);
#endif
}

void sim__schedule(sim_t *s)
{
    sim_task_t *from = s->current;
    sim_task_t *to = pick(s);
    if (to == from) {
        if (to)
            to->state = SIM_TASK_RUNNING;
        return;
    }
    switch_to(s, from, to);
}

/* ---- Park and wake -------------------------------------------------------------------------- */

intptr_t sim_park(sim_t *s, sim_park_mode_t mode)
{
    SIM__MAY_BLOCK(s);
    sim_task_t *t = s->current;
    t->state = SIM_TASK_PARKED;
    t->park_mode = (uint8_t)mode;
    if (mode == SIM_PARK_THREAD) {
        /* The thread keeps t as its current task, blocked: nothing to write in the thread. */
        sim__schedule(s);
        return t->result;
    }
    /* An await: the thread's executor polls its next ready task, if any, without going
     * through the run's scheduler (a real executor does not give up the CPU either). */
    sim_thread_t *th = t->thread;
    SIM_ASSERT(th->current == t);
    sim_task_t *next = sim__thread_pop_task(th);
    th->current = next;
    if (!next) {
        th->state = SIM_THREAD_IDLE;
    } else if (!budget_spent(s) && s->stop_request == SIM_END_NONE) {
        s->stats.dispatches++;
        s->stats.events++;
        switch_to(s, t, next);
        return t->result;
    } else {
        sim__task_make_ready(s, next);
    }
    sim__schedule(s);
    return t->result;
}

intptr_t sim_park_until(sim_t *s, sim_park_mode_t mode, sim_clock_t clock, int64_t deadline_ns,
                        intptr_t timeout_result)
{
    SIM__MAY_BLOCK(s);
    if (deadline_ns <= sim__now(s, clock))
        return timeout_result;
    sim_task_t *t = s->current;
    if (deadline_ns != SIM_TIME_INFINITE) {
        t->result = timeout_result; /* what the deadline's wake-up returns (thread.c) */
        sim_timer_start(s, &t->deadline, clock, deadline_ns);
    }
    return sim_park(s, mode);
}

void sim_wake(sim_t *s, sim_task_t *t, intptr_t result)
{
    SIM_ASSERT(t->state == SIM_TASK_PARKED);
    if (sim_timer_is_armed(&t->deadline))
        sim_timer_cancel(s, &t->deadline);
    t->result = result;
    t->state = SIM_TASK_READY;
    if (t->park_mode == SIM_PARK_THREAD) {
        /* Still its thread's current task (sim_park left it so): it runs next on its thread. */
        sim__task_make_ready(s, t);
        return;
    }
    sim_thread_t *th = t->thread;
    sim__thread_push_task(th, t);
    if (th->state == SIM_THREAD_IDLE)
        sim__thread_activate(s, th);
}

void sim_sleep(sim_t *s, sim_clock_t clock, int64_t duration_ns)
{
    SIM__MAY_BLOCK(s);
    SIM_ASSERT(duration_ns >= 0);
    int64_t now = sim__now(s, clock);
    int64_t deadline = duration_ns > INT64_MAX - now ? SIM_TIME_INFINITE : now + duration_ns;
    (void)sim_park_until(s, SIM_PARK_THREAD, clock, deadline, 0);
}

void sim_yield(sim_t *s)
{
    SIM__MAY_BLOCK(s);
    sim_task_t *t = s->current;
    t->state = SIM_TASK_READY;
    sim__task_make_ready(s, t);
    sim__schedule(s);
}

/* ---- Running -------------------------------------------------------------------------------- */

sim_end_t sim_run(sim_t *s)
{
    SIM_ASSERT(!s->running);
    SIM_ASSERT(s->current == NULL);
    SIM_ASSERT(sim__running == NULL);
    s->running = true;
    sim__running = s;
    sim__fault_handler_install();
#if SIM_ASAN
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstack(&attr, &addr, &size);
        pthread_attr_destroy(&attr);
    }
    s->asan_main_bottom = addr;
    s->asan_main_size = size;
#endif
    if (s->end == SIM_END_NONE)
        sim__schedule(s);
    SIM_ASSERT(s->current == NULL);
    SIM_ASSERT(s->end != SIM_END_NONE);
    sim__invariants_end(s);
    sim_trace(s, SIM_EV_RUN_END, "sim.run_end", 0, (int64_t)s->end, (int64_t)s->stats.events, 0,
              sim_end_name(s->end));
    sim__trace_end(s);
    sim__running = NULL;
    return s->end;
}

void sim_stop(sim_t *s, sim_end_t end)
{
    SIM_ASSERT(end != SIM_END_NONE);
    if (s->stop_request == SIM_END_NONE)
        s->stop_request = end;
}

sim_end_t sim_end_reason(const sim_t *s)
{
    return s->end;
}
