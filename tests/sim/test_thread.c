/* test_thread.c - Coroutine threads and tasks: switching, results, blocking vs awaiting, and the
 * guard page.
 *
 * Method: small threads record what they see in a log; the test compares the log with the
 * order the engine's contract (sim.h, sched.c) promises. The overflow test recurses until it
 * hits the guard page and expects the process to die of SIGSEGV with a message. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "sim.h"

static char log_buf[512];

static void say(const char *what)
{
    strncat(log_buf, what, sizeof(log_buf) - strlen(log_buf) - 1);
}

static sim_t *make_sim(void)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(&(sim_config_t){.seed = 1}, &s), 0);
    log_buf[0] = '\0';
    return s;
}

/* ---- switch and result passing ---- */

static sim_task_t *parked_task;
static intptr_t got_result;

static void parker(sim_t *s, void *arg)
{
    (void)arg;
    parked_task = sim_task_self(s);
    say("p1 ");
    got_result = sim_park(s, SIM_PARK_THREAD);
    say("p2 ");
}

static void waker(sim_t *s, void *arg)
{
    (void)arg;
    say("w1 ");
    cr_assert(sim_task_is_parked(parked_task));
    sim_wake(s, parked_task, 4242);
    say("w2 ");
}

Test(thread, park_and_wake_pass_the_result)
{
    sim_t *s = make_sim();
    cr_assert_eq(sim_thread_create(s, "parker", parker, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "waker", waker, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_eq(got_result, 4242);
    cr_assert_str_eq(log_buf, "p1 w1 w2 p2 ", "log: %s", log_buf);
    sim_destroy(s);
}

static void deep_locals(sim_t *s, void *arg)
{
    /* Locals survive switches: each thread checks its own pattern after many switches. */
    intptr_t id = (intptr_t)arg;
    volatile intptr_t pattern[64];
    for (int i = 0; i < 64; i++)
        pattern[i] = id * 1000 + i;
    for (int k = 0; k < 50; k++) {
        sim_sleep(s, SIM_CLOCK_MONO, 1 + (id % 3));
        for (int i = 0; i < 64; i++)
            cr_assert_eq(pattern[i], id * 1000 + i);
    }
}

Test(thread, each_coroutine_keeps_its_own_stack)
{
    sim_t *s = make_sim();
    for (intptr_t i = 0; i < 20; i++)
        cr_assert_eq(sim_thread_create(s, "t", deep_locals, (void *)i, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    sim_destroy(s);
}

static void timed_parker(sim_t *s, void *arg)
{
    (void)arg;
    intptr_t r = sim_park_until(s, SIM_PARK_THREAD, SIM_CLOCK_MONO, 500, -21);
    cr_assert_eq(r, -21, "timed out park returns the timeout result");
    cr_assert_eq(sim_now_mono(s), 500);
    r = sim_park_until(s, SIM_PARK_THREAD, SIM_CLOCK_MONO, 100, -7);
    cr_assert_eq(r, -7, "a past deadline returns at once");
    cr_assert_eq(sim_now_mono(s), 500);
}

Test(thread, park_until_times_out)
{
    sim_t *s = make_sim();
    cr_assert_eq(sim_thread_create(s, "tp", timed_parker, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    sim_destroy(s);
}

/* ---- tasks: await vs blocking call ---- */

static sim_task_t *task_a, *task_b;

static void task_await_then_say(sim_t *s, void *arg)
{
    const char *name = arg;
    say(name);
    say("-wait ");
    (void)sim_park(s, SIM_PARK_TASK);
    say(name);
    say("-woke ");
}

static void task_blocking(sim_t *s, void *arg)
{
    (void)arg;
    say("B-block ");
    (void)sim_park(s, SIM_PARK_THREAD);
    say("B-unblocked ");
}

static void executor_main(sim_t *s, void *arg)
{
    (void)arg;
    sim_thread_t *self = sim_thread_self(s);
    cr_assert_eq(sim_task_spawn(s, self, "A", task_await_then_say, "A", &task_a), 0);
    cr_assert_eq(sim_task_spawn(s, self, "B", task_blocking, NULL, &task_b), 0);
    say("main-await ");
    (void)sim_park(s, SIM_PARK_TASK); /* lets A then B run */
    say("main-woke ");
}

static sim_task_t *main_task;

static void outsider(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 10);
    /* B blocks the whole thread: waking A and main must not run them until B is unblocked. */
    say("wakeA ");
    sim_wake(s, task_a, 0);
    sim_wake(s, main_task, 0);
    sim_sleep(s, SIM_CLOCK_MONO, 10);
    say("wakeB ");
    sim_wake(s, task_b, 0);
}

static void executor_entry(sim_t *s, void *arg)
{
    main_task = sim_task_self(s);
    executor_main(s, arg);
}

Test(thread, a_blocking_task_blocks_its_siblings_an_await_does_not)
{
    sim_t *s = make_sim();
    cr_assert_eq(sim_thread_create(s, "exec", executor_entry, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "outsider", outsider, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_str_eq(log_buf,
                     "main-await A-wait B-block wakeA wakeB B-unblocked A-woke main-woke ",
                     "log: %s", log_buf);
    sim_destroy(s);
}

static void spawner_returns(sim_t *s, void *arg)
{
    (void)arg;
    cr_assert_eq(sim_task_spawn(s, sim_thread_self(s), "child", task_blocking, NULL, &task_b), 0);
    say("main-done ");
}

static void unblocker(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 5);
    sim_wake(s, task_b, 0);
}

Test(thread, thread_ends_with_its_last_task)
{
    sim_t *s = make_sim();
    sim_thread_t *th;
    cr_assert_eq(sim_thread_create(s, "exec", spawner_returns, NULL, NULL, &th), 0);
    cr_assert_eq(sim_thread_create(s, "unblocker", unblocker, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert(sim_thread_is_done(th));
    cr_assert_str_eq(log_buf, "main-done B-block B-unblocked ", "log: %s", log_buf);
    sim_destroy(s);
}

static void short_lived(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 1);
}

static void recycler(sim_t *s, void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        cr_assert_eq(sim_thread_create(s, "short", short_lived, NULL, NULL, NULL), 0);
        sim_sleep(s, SIM_CLOCK_MONO, 2);
    }
}

Test(thread, finished_stacks_are_reused)
{
    sim_t *s = make_sim();
    cr_assert_eq(sim_thread_create(s, "recycler", recycler, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    sim_stats_t st;
    sim_get_stats(s, &st);
    cr_assert_eq(st.threads_created, 201);
    /* 201 threads but a handful of stacks: each short thread's stack is recycled. */
    cr_assert_leq(st.stacks_mapped, 3, "stacks mapped: %llu", (unsigned long long)st.stacks_mapped);
    sim_destroy(s);
}

/* ---- guard page ---- */

/* Recurses until the stack runs out; `limit` is never reached (it is a run-time value so the
 * compiler cannot prove the recursion infinite). */
static volatile int recurse_limit = 1 << 30;

static int recurse(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth >= recurse_limit)
        return 0;
    return frame[0] + recurse(depth + 1) + frame[0];
}

static void overflower(sim_t *s, void *arg)
{
    (void)s;
    (void)arg;
    recurse(0);
}

Test(thread, stack_overflow_hits_the_guard_page, .signal = SIGSEGV)
{
    sim_t *s = make_sim();
    sim_thread_opts_t opts = {.stack_size = 32 * 1024};
    cr_assert_eq(sim_thread_create(s, "overflower", overflower, NULL, &opts, NULL), 0);
    sim_run(s);
}

/* Uses about 3 KiB of its stack, then parks once so that every thread's stack is live. */
static void uses_3k(sim_t *s, void *arg)
{
    (void)arg;
    volatile char frame[3 * 1024];
    memset((char *)frame, 1, sizeof(frame));
    sim_sleep(s, SIM_CLOCK_MONO, 10);
    cr_assert_eq(frame[sizeof(frame) - 1], 1);
}

/* The cache colouring of stacks moves each task's struct and stack start by up to a few KiB;
 * a task must still get every byte of the stack_size it asked for, whatever its colour. */
Test(thread, small_stacks_get_their_size_under_every_colour)
{
    sim_t *s = make_sim();
    sim_thread_opts_t opts = {.stack_size = 4096};
    for (int i = 0; i < 130; i++) /* more than every combination of the two colours' cycles */
        cr_assert_eq(sim_thread_create(s, "small", uses_3k, NULL, &opts, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    sim_destroy(s);
}

Test(thread, thread_names_and_ids)
{
    sim_t *s = make_sim();
    sim_thread_t *a, *b;
    cr_assert_eq(sim_thread_create(s, "alpha", short_lived, NULL, NULL, &a), 0);
    cr_assert_eq(sim_thread_create(s, "beta", short_lived, NULL, NULL, &b), 0);
    cr_assert_str_eq(sim_thread_name(a), "alpha");
    cr_assert_eq(sim_thread_id(a), 1);
    cr_assert_eq(sim_thread_id(b), 2);
    cr_assert_null(sim_task_self(s), "no task runs outside sim_run");
    sim_destroy(s);
}

/* ---- timer callbacks belong to no task ---- */

static sim_task_t *self_in_callback = (sim_task_t *)1;
static uint32_t callback_event_thread = 99;

static void probe_cb(sim_t *s, sim_timer_t *t)
{
    (void)t;
    self_in_callback = sim_task_self(s);
    sim_trace(s, SIM_TRACE_KIND_USER, "test.cb", 0, 0, 0, 0, NULL);
}

static int probe_sink_event(void *ctx, const sim_trace_event_t *ev)
{
    (void)ctx;
    if (ev->kind == SIM_TRACE_KIND_USER)
        callback_event_thread = ev->thread_id;
    return 0;
}

static const sim_trace_sink_ops_t probe_sink = {.name = "probe", .event = probe_sink_event};

static void sleeper_100(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 100);
}

Test(thread, timer_callbacks_run_outside_any_task)
{
    sim_t *s = make_sim();
    static sim_timer_t t;
    sim_timer_init(&t, probe_cb, NULL);
    sim_timer_start(s, &t, SIM_CLOCK_MONO, 50); /* fires while "sleeper" is parked */
    cr_assert_eq(sim_trace_attach(s, &probe_sink, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "sleeper", sleeper_100, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_null(self_in_callback, "sim_task_self() in a callback");
    cr_assert_eq(callback_event_thread, 0, "callback events carry thread %u", callback_event_thread);
    sim_destroy(s);
}
