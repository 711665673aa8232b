/* waitq.c - Wait queues and counting semaphores, built on park/wake.
 *
 * A waiter lives on the parked task's stack and is linked into the queue only while the task
 * waits, so waiting allocates nothing. A waiter removed by a wake is unlinked by the waker; one
 * whose deadline fired unlinks itself when it resumes.
 */
#include "sim_int.h"

void sim_waitq_init(sim_waitq_t *q)
{
    q->head = NULL;
    q->tail = &q->head;
}

bool sim_waitq_is_empty(const sim_waitq_t *q)
{
    return q->head == NULL;
}

static void waitq_unlink(sim_waitq_t *q, sim_waiter_t *w)
{
    for (sim_waiter_t **pp = &q->head; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            if (q->tail == &w->next)
                q->tail = pp;
            w->next = NULL;
            return;
        }
    }
}

intptr_t sim_waitq_wait(sim_t *s, sim_waitq_t *q, sim_park_mode_t mode, sim_clock_t clock,
                        int64_t deadline_ns, intptr_t timeout_result)
{
    SIM__MAY_BLOCK(s);
    sim_waiter_t w = {.next = NULL, .task = s->current};
    *q->tail = &w;
    q->tail = &w.next;
    intptr_t r = sim_park_until(s, mode, clock, deadline_ns, timeout_result);
    if (w.task) /* not taken by a waker: timed out (or deadline already past) */
        waitq_unlink(q, &w);
    return r;
}

bool sim_waitq_wake_one(sim_t *s, sim_waitq_t *q, intptr_t result)
{
    sim_waiter_t *w = q->head;
    if (!w)
        return false;
    q->head = w->next;
    if (!q->head)
        q->tail = &q->head;
    sim_task_t *t = w->task;
    w->task = NULL;
    w->next = NULL;
    sim_wake(s, t, result);
    return true;
}

size_t sim_waitq_wake_all(sim_t *s, sim_waitq_t *q, intptr_t result)
{
    size_t n = 0;
    while (sim_waitq_wake_one(s, q, result))
        n++;
    return n;
}

void sim_sem_init(sim_sem_t *sem, int64_t count)
{
    SIM_ASSERT(count >= 0);
    sem->count = count;
    sim_waitq_init(&sem->waiters);
}

void sim_sem_post(sim_t *s, sim_sem_t *sem)
{
    /* Hand the unit straight to the oldest waiter, if any: it cannot be stolen in between. */
    if (!sim_waitq_wake_one(s, &sem->waiters, 1))
        sem->count++;
}

void sim_sem_wait(sim_t *s, sim_sem_t *sem)
{
    SIM__MAY_BLOCK(s);
    if (sem->count > 0) {
        sem->count--;
        return;
    }
    (void)sim_waitq_wait(s, &sem->waiters, SIM_PARK_THREAD, SIM_CLOCK_MONO, SIM_TIME_INFINITE, 0);
}
