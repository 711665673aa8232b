/* test_waitq.c - Wait queues and semaphores: FIFO wake order, timeouts that leave the queue
 * clean, and a semaphore that remembers a post made before the wait. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim.h"

static sim_waitq_t q;
static char order[16];
static int order_len;
static intptr_t results[4];

static void waiter(sim_t *s, void *arg)
{
    intptr_t id = (intptr_t)arg;
    results[id] = sim_waitq_wait(s, &q, SIM_PARK_THREAD, SIM_CLOCK_MONO,
                                 id == 2 ? 50 : SIM_TIME_INFINITE, -21);
    order[order_len++] = (char)('0' + id);
}

static void waker_thread(sim_t *s, void *arg)
{
    (void)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 100); /* waiter 2 has timed out by now */
    cr_assert(sim_waitq_wake_one(s, &q, 7));
    cr_assert_eq(sim_waitq_wake_all(s, &q, 8), 2);
    cr_assert_not(sim_waitq_wake_one(s, &q, 9));
    cr_assert(sim_waitq_is_empty(&q));
}

Test(waitq, fifo_order_and_timeouts)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    sim_waitq_init(&q);
    order_len = 0;
    for (intptr_t i = 0; i < 4; i++)
        cr_assert_eq(sim_thread_create(s, "w", waiter, (void *)i, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "k", waker_thread, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    order[order_len] = '\0';
    cr_assert_str_eq(order, "2013");
    cr_assert_eq(results[2], -21);
    cr_assert_eq(results[0], 7);
    cr_assert_eq(results[1], 8);
    cr_assert_eq(results[3], 8);
    sim_destroy(s);
}

static sim_sem_t sem;
static int64_t acquired_at[2];

static void sem_taker(sim_t *s, void *arg)
{
    intptr_t id = (intptr_t)arg;
    sim_sleep(s, SIM_CLOCK_MONO, 10);
    sim_sem_wait(s, &sem);
    acquired_at[id] = sim_now_mono(s);
}

static void sem_poster(sim_t *s, void *arg)
{
    (void)arg;
    sim_sem_post(s, &sem); /* before anyone waits: remembered */
    sim_sleep(s, SIM_CLOCK_MONO, 40);
    sim_sem_post(s, &sem);
}

Test(waitq, semaphore_remembers_early_posts)
{
    sim_t *s = NULL;
    cr_assert_eq(sim_create(NULL, &s), 0);
    sim_sem_init(&sem, 0);
    cr_assert_eq(sim_thread_create(s, "p", sem_poster, NULL, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "t0", sem_taker, (void *)0, NULL, NULL), 0);
    cr_assert_eq(sim_thread_create(s, "t1", sem_taker, (void *)1, NULL, NULL), 0);
    cr_assert_eq(sim_run(s), SIM_END_COMPLETE);
    cr_assert_eq(acquired_at[0], 10, "the early post is taken at once");
    cr_assert_eq(acquired_at[1], 40, "the second taker waits for the second post");
    sim_destroy(s);
}
