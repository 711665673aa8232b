/* thread.c - Simulated threads, their tasks, and the stacks the tasks run on.
 *
 * Stacks. Every task runs on its own stack, mapped with mmap: one guard page (PROT_NONE) at
 * the low end, then `stack_size` bytes (and the few KiB that cache colouring moves, below),
 * reserved but not committed (MAP_NORESERVE), so a thousand 256 KiB stacks cost only the
 * pages they touch. A task that overflows its stack
 * touches the guard page and takes SIGSEGV; the handler below runs on an alternate signal
 * stack, names the simulated thread and task whose guard page was hit, and lets the signal
 * kill the process. Silent corruption of a neighbour's stack is impossible.
 *
 * Lifetime. A thread starts with one task and may spawn more (sim_task_spawn); it is done when
 * its last task returns. A finished task's stack cannot be unmapped while the task is still
 * on it (it switches away from it last), so finished tasks go to a free list and their stacks
 * are reused by the next task of the same stack size; everything is unmapped in sim_destroy.
 */
#include "sim_int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
/* A stack whose last frames never returned (a finished task switches away from inside the
 * scheduler; a task parked when the run ends is never resumed) keeps ASan's poisoning of those
 * frames. Clear it whenever a stack is mapped, reused or unmapped, or the next user of the same
 * addresses (a later task, or a later run in this process) trips over stale shadow. */
#define STACK_UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION((addr), (size))
#else
#define STACK_UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif

static size_t page_size(void)
{
    static size_t size;
    if (!size)
        size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
}

/* Cache colouring. A task's hot lines are its struct's first line (every park, wake-up and
 * dispatch) and the top frames of its stack (every switch). At one offset modulo the page in
 * every mapping, those lines of all tasks would compete for the sets that offset selects: in
 * a physically indexed L2 only the address bits above the page offset vary, so 1,000 tasks
 * fought over 1/64th of it and most switches went to L3 (or not, depending on which physical
 * pages a run got: wall-clock figures varied by 30% between runs). The struct moves down by
 * one of STRUCT_COLOURS lines per mapping and the stack's start by one of STACK_COLOURS lines
 * per task; cachegrind cannot show the gain, since it indexes every level by virtual address.
 * Measured: pingpong +43%, timers +20% (medians of back-to-back pairs). The mapping is
 * enlarged by both maxima, so a task always has the stack_size it asked for. */
#define CACHE_LINE 64u
#define STRUCT_COLOURS 32u
#define STACK_COLOURS 64u
#define STRUCT_BYTES ((sizeof(sim_task_t) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1))
#define COLOURING_BYTES (STRUCT_BYTES + (STRUCT_COLOURS + STACK_COLOURS - 2) * CACHE_LINE)

/* Maps guard page + stack + the task struct itself, near the top of the mapping: the struct
 * and the stack's hot top frames then share a page, which halves the pages (TLB entries) a
 * switch touches. The struct sits `colour` bytes below the top (task_obtain says why).
 * Returns the task (zeroed) or NULL. */
static sim_task_t *stack_map(size_t usable, size_t colour)
{
    size_t page = page_size();
    size_t header = STRUCT_BYTES + colour;
    size_t total = usable + page;
    uint8_t *map = mmap(NULL, total, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    if (mprotect(map, page, PROT_NONE) != 0) {
        munmap(map, total);
        return NULL;
    }
    STACK_UNPOISON(map + page, usable);
    sim_task_t *t = (sim_task_t *)(map + total - header);
    t->stack_map = map;
    t->stack_map_size = total;
    t->stack_size = usable - header; /* usable bytes below the struct */
    return t;
}

static void task_entry(void *arg);

/* Takes a finished task with a stack of the right size from the free list, or maps one. */
static sim_task_t *task_obtain(sim_t *s, size_t stack_size)
{
    size_t page = page_size();
    size_t usable = (stack_size + COLOURING_BYTES + page - 1) & ~(page - 1);
    for (sim_task_t **pp = &s->free_tasks; *pp; pp = &(*pp)->next_ready) {
        sim_task_t *t = *pp;
        if (t->stack_map_size == usable + page) {
            *pp = t->next_ready;
            STACK_UNPOISON(t->stack_map + page, t->stack_size);
            return t;
        }
    }
    size_t colour = (size_t)(s->stats.stacks_mapped % STRUCT_COLOURS) * CACHE_LINE;
    sim_task_t *t = stack_map(usable, colour);
    if (!t)
        return NULL;
    s->stats.stacks_mapped++;
    t->next_all = NULL;
    if (s->tasks_tail)
        s->tasks_tail->next_all = t;
    else
        s->tasks_head = t;
    s->tasks_tail = t;
    return t;
}

static void deadline_fired(sim_t *s, sim_timer_t *timer)
{
    sim_task_t *t = timer->data;
    sim_wake(s, t, t->result); /* preset to the timeout's value by sim_park_until */
}

int sim__task_create(sim_t *s, sim_thread_t *th, const char *name, sim_task_fn fn, void *arg,
                     sim_task_t **out)
{
    char *copy = sim__strdup(s, name ? name : "task");
    if (!copy)
        return SIM_ENOMEM;
    sim_task_t *t = task_obtain(s, th->stack_size);
    if (!t) {
        sim__free(copy);
        return SIM_ENOMEM;
    }
    sim__free(t->name);
    t->name = copy;
    t->thread = th;
    t->next_ready = NULL;
    t->result = 0;
    t->state = SIM_TASK_NEW;
    t->park_mode = SIM_PARK_THREAD;
    t->id = ++s->task_ids;
    t->fn = fn;
    t->arg = arg;
    t->data = NULL;
    sim_timer_init(&t->deadline, deadline_fired, t);
    size_t colour = (size_t)(t->id % STACK_COLOURS) * CACHE_LINE; /* cache colouring, above */
    t->ctx_stack_lo = t->stack_map + page_size();
    sim__ctx_make(&t->ctx, t->ctx_stack_lo, t->stack_size - colour, task_entry, t);
    th->tasks_alive++;
    *out = t;
    return 0;
}

/* Queues a NEW or READY task behind the thread's other ready tasks. */
static void thread_queue_task(sim_thread_t *th, sim_task_t *t)
{
    t->next_ready = NULL;
    if (th->ready_tail)
        th->ready_tail->next_ready = t;
    else
        th->ready_head = t;
    th->ready_tail = t;
}

int sim_thread_create(sim_t *s, const char *name, sim_task_fn fn, void *arg,
                      const sim_thread_opts_t *opts, sim_thread_t **out)
{
    SIM_ASSERT(s != NULL);
    SIM_ASSERT(fn != NULL);
    if (s->end != SIM_END_NONE)
        return SIM_ESTATE;
    /* 64-byte aligned, so that its hot fields share one cache line. */
    void *mem = sim__alloc(s, sizeof(sim_thread_t) + 63);
    if (!mem)
        return SIM_ENOMEM;
    sim_thread_t *th = (sim_thread_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
    th->alloc = mem;
    th->name = sim__strdup(s, name ? name : "thread");
    if (!th->name)
        goto fail_free_thread;
    th->daemon = opts && opts->daemon;
    th->stack_size = opts && opts->stack_size ? opts->stack_size : s->stack_size;
    th->id = s->thread_ids + 1;
    /* Each thread sits in the ready ring at most once: keep room for all of them. */
    if (s->thread_ids + 1 > s->ready_capacity) {
        uint32_t cap = s->ready_capacity * 2;
        sim_task_t **ring = sim__alloc(s, cap * sizeof(*ring));
        if (!ring)
            goto fail_free_name;
        for (uint32_t i = 0; i < s->ready_count; i++)
            ring[i] = s->ready[(s->ready_head + i) & (s->ready_capacity - 1)];
        sim__free(s->ready);
        s->ready = ring;
        s->ready_head = 0;
        s->ready_capacity = cap;
    }
    sim_task_t *t;
    if (sim__task_create(s, th, th->name, fn, arg, &t) != 0)
        goto fail_free_name;
    s->thread_ids++;
    if (s->threads_tail)
        s->threads_tail->next_all = th;
    else
        s->threads_head = th;
    s->threads_tail = th;
    if (!th->daemon) {
        s->nondaemon_alive++;
        s->nondaemon_created++;
    }
    s->stats.threads_created++;
    thread_queue_task(th, t);
    sim__thread_activate(s, th);
    sim_trace(s, SIM_EV_THREAD_CREATE, "sim.thread_create", th->id, th->daemon, 0, 0, th->name);
    if (out)
        *out = th;
    return 0;

fail_free_name:
    sim__free(th->name);
fail_free_thread:
    sim__free(th->alloc);
    return SIM_ENOMEM;
}

int sim_task_spawn(sim_t *s, sim_thread_t *th, const char *name, sim_task_fn fn, void *arg,
                   sim_task_t **out)
{
    SIM_ASSERT(th != NULL);
    SIM_ASSERT(fn != NULL);
    if (th->state == SIM_THREAD_DONE)
        return SIM_ESTATE;
    sim_task_t *t;
    int rc = sim__task_create(s, th, name, fn, arg, &t);
    if (rc != 0)
        return rc;
    thread_queue_task(th, t);
    if (th->state == SIM_THREAD_IDLE)
        sim__thread_activate(s, th);
    sim_trace(s, SIM_EV_TASK_SPAWN, "sim.task_spawn", th->id, t->id, 0, 0, t->name);
    if (out)
        *out = t;
    return 0;
}

/* Pops the next ready sibling of `th`, or NULL. */
sim_task_t *sim__thread_pop_task(sim_thread_t *th)
{
    sim_task_t *t = th->ready_head;
    if (t) {
        th->ready_head = t->next_ready;
        if (!th->ready_head)
            th->ready_tail = NULL;
        t->next_ready = NULL;
    }
    return t;
}

void sim__thread_push_task(sim_thread_t *th, sim_task_t *t)
{
    thread_queue_task(th, t);
}

/* Picking the task when the thread becomes ready, not when it is dispatched, picks the same
 * one: only the thread itself takes tasks from its queue, and it is not running meanwhile. */
void sim__thread_activate(sim_t *s, sim_thread_t *th)
{
    SIM_ASSERT(th->state == SIM_THREAD_IDLE);
    SIM_ASSERT(th->current == NULL);
    sim_task_t *t = sim__thread_pop_task(th);
    SIM_ASSERT(t != NULL);
    th->current = t;
    th->state = SIM_THREAD_ACTIVE;
    sim__task_make_ready(s, t);
}

static void task_finish(sim_t *s, sim_task_t *t)
{
    sim_thread_t *th = t->thread;
    t->state = SIM_TASK_DONE;
    th->tasks_alive--;
    th->current = NULL;
    if (th->tasks_alive == 0) {
        SIM_ASSERT(th->ready_head == NULL);
        th->state = SIM_THREAD_DONE;
        if (!th->daemon)
            s->nondaemon_alive--;
        sim_trace(s, SIM_EV_THREAD_EXIT, "sim.thread_exit", th->id, 0, 0, 0, th->name);
    } else {
        th->state = SIM_THREAD_IDLE;
        if (th->ready_head)
            sim__thread_activate(s, th);
    }
    /* Safe: the stack is reused only by a task created after we have switched away. */
    t->next_ready = s->free_tasks;
    s->free_tasks = t;
}

static void task_entry(void *arg)
{
    sim_task_t *t = arg;
    sim_t *s = sim__running;
#if SIM_ASAN
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
    t->fn(s, t->arg);
    task_finish(s, t);
    sim__schedule(s);
    SIM_ASSERT(!"a finished task was resumed");
}

void sim__task_free_all(sim_t *s)
{
    sim_task_t *t = s->tasks_head;
    while (t) {
        sim_task_t *next = t->next_all;
        sim__free(t->name);
        STACK_UNPOISON(t->stack_map + page_size(), t->stack_size);
        munmap(t->stack_map, t->stack_map_size); /* the struct lives in this mapping */
        t = next;
    }
    s->tasks_head = s->tasks_tail = s->free_tasks = NULL;
    sim_thread_t *th = s->threads_head;
    while (th) {
        sim_thread_t *next = th->next_all;
        sim__free(th->name);
        sim__free(th->alloc);
        th = next;
    }
    s->threads_head = s->threads_tail = NULL;
}

/* ---- Accessors ------------------------------------------------------------------------------ */

sim_task_t *sim_task_self(const sim_t *s)
{
    return s->current;
}

sim_thread_t *sim_thread_self(const sim_t *s)
{
    return s->current ? s->current->thread : NULL;
}

sim_thread_t *sim_task_thread(const sim_task_t *task)
{
    return task->thread;
}

uint32_t sim_thread_id(const sim_thread_t *thread)
{
    return thread->id;
}

uint32_t sim_task_id(const sim_task_t *task)
{
    return task->id;
}

const char *sim_thread_name(const sim_thread_t *thread)
{
    return thread->name;
}

const char *sim_task_name(const sim_task_t *task)
{
    return task->name;
}

bool sim_thread_is_done(const sim_thread_t *thread)
{
    return thread->state == SIM_THREAD_DONE;
}

bool sim_task_is_done(const sim_task_t *task)
{
    return task->state == SIM_TASK_DONE;
}

bool sim_task_is_parked(const sim_task_t *task)
{
    return task->state == SIM_TASK_PARKED;
}

void sim_task_set_data(sim_task_t *task, void *data)
{
    task->data = data;
}

void *sim_task_data(const sim_task_t *task)
{
    return task->data;
}

void sim_thread_set_data(sim_thread_t *thread, void *data)
{
    thread->data = data;
}

void *sim_thread_data(const sim_thread_t *thread)
{
    return thread->data;
}

bool sim__may_block(const sim_t *s)
{
    return s->current != NULL && !s->in_callback;
}

/* ---- Stack overflow reporting --------------------------------------------------------------- */

static void write_str(const char *str)
{
    ssize_t ignored = write(STDERR_FILENO, str, strlen(str));
    (void)ignored;
}

static void write_dec(size_t v)
{
    char buf[24];
    int i = (int)sizeof(buf);
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    write_str(buf + i);
}

/* Async-signal-safe: only reads the run's task list and writes to stderr. */
static void fault_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    sim_t *s = sim__running;
    uintptr_t addr = (uintptr_t)info->si_addr;
    size_t page = page_size();
    for (sim_task_t *t = s ? s->tasks_head : NULL; t; t = t->next_all) {
        uintptr_t guard = (uintptr_t)t->stack_map;
        /* The guard page itself, or just below it (a large frame skipping over it). */
        if (addr >= guard - 16 * page && addr < guard + page) {
            write_str("wakesim: error: stack overflow in simulated thread '");
            write_str(t->thread ? t->thread->name : "?");
            write_str("' (task '");
            write_str(t->name ? t->name : "?");
            write_str("', stack ");
            write_dec(t->thread ? t->thread->stack_size : t->stack_size); /* as asked for */
            write_str(" bytes); raise its stack_size\n");
            break;
        }
    }
    signal(sig, SIG_DFL); /* returning re-runs the faulting access, which now kills us */
}

void sim__fault_handler_install(void)
{
    static bool installed;
    static uint8_t altstack[64 * 1024];
    if (installed)
        return;
    installed = true;
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_sigaction = fault_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}
