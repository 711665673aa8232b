/* sim_int.h - What the files of sim/ share: the run, thread and task structs, the context
 * switch, the timer heaps and the strategy ops table. Not for use outside sim/.
 */
#ifndef WAKESIM_SIM_SIM_INT_H
#define WAKESIM_SIM_SIM_INT_H

#include "sim.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif
#ifndef SIM_ASAN
#define SIM_ASAN 0
#endif

/* ---- Allocation (counted, so tests can prove the hot path allocates nothing) ------------- */

void *sim__alloc(sim_t *s, size_t size);   /* zeroed; NULL on failure */
void *sim__realloc(sim_t *s, void *p, size_t size);
void sim__free(void *p);
char *sim__strdup(sim_t *s, const char *str);

/* ---- Context switch (switch.c) ------------------------------------------------------------ */

/* A saved machine context: just the stack pointer; callee-saved registers sit on the stack. */
typedef struct sim_ctx {
    void *sp;
} sim_ctx_t;

/* Saves the current context into `from` and resumes `to`. Returns when someone switches back
 * to `from`. No allocation, no tracing. */
void sim__ctx_switch(sim_ctx_t *from, sim_ctx_t *to);
/* Prepares `ctx` to run entry(arg) on the stack [stack_lo, stack_hi) at its first switch. */
void sim__ctx_make(sim_ctx_t *ctx, void *stack_lo, size_t size, void (*entry)(void *),
                   void *arg);

/* ---- Event queue (queue.c) ----------------------------------------------------------------- */

/* Every armed timer holds a slot in the run's compact slot table: its timer, arming sequence
 * number, deadline and position in its queue. Queue entries name slots, not timers, so moving
 * an entry updates the slot table (small, hot) instead of writing into the timer (anywhere in
 * memory: one cache miss per moved entry, which dominated the cost of a pop). 32 bytes. */
typedef struct sim_slot {
    sim_timer_t *timer;  /* NULL: cancelled while in the sorted FIFO (a tombstone) */
    uint64_t seq;        /* order of arming: breaks deadline ties */
    int64_t deadline_ns; /* the timer's, read by the wheel's bucket lists */
    uint32_t pos;        /* heap index, absolute position in the sorted FIFO, or (in the wheel)
                          * the previous slot of its bucket */
    uint32_t next;       /* in the wheel: the next slot of its bucket; free: next free slot */
} sim_slot_t;

#define SIM_SLOT_NONE UINT32_MAX

/* A queue entry: 16 bytes, the deadline compared without touching anything else. */
typedef struct sim_heap_entry {
    int64_t deadline_ns;
    uint32_t slot;
    uint32_t unused;
} sim_heap_entry_t;

/* (deadline, seq) order of two entries. */
static inline bool sim__entry_less(const sim_slot_t *slots, const sim_heap_entry_t *a,
                                   const sim_heap_entry_t *b)
{
    if (__builtin_expect(a->deadline_ns != b->deadline_ns, 1))
        return a->deadline_ns < b->deadline_ns;
    return slots[a->slot].seq < slots[b->slot].seq;
}

/* A binary min-heap of entries ordered by (deadline_ns, seq). */
typedef struct sim_heap {
    sim_heap_entry_t *entries;
    uint32_t count;
    uint32_t capacity;
} sim_heap_t;

/* Timers armed in non-decreasing deadline order, kept as a ring: O(1) push and pop. */
typedef struct sim_fifo {
    sim_heap_entry_t *entries;
    uint32_t head, tail; /* absolute positions; slot = position & (capacity - 1) */
    uint32_t capacity;   /* power of two */
    uint32_t live;       /* entries not cancelled; the head entry is always live */
} sim_fifo_t;

/* The near future: SIM_WHEEL_BUCKETS buckets of 2^SIM_WHEEL_SHIFT ns each, starting at the
 * bucket of the queue's clock's now. Bucket b holds the timers whose deadline / width is b
 * modulo the bucket count, as a list of slots sorted by (deadline, seq). */
#define SIM_WHEEL_SHIFT 10
#define SIM_WHEEL_BUCKETS 1024u
#define SIM_WHEEL_WORDS (SIM_WHEEL_BUCKETS / 64)

typedef struct sim_wheel_bucket {
    uint32_t head, tail; /* slots; SIM_SLOT_NONE when empty */
} sim_wheel_bucket_t;

typedef struct sim_wheel {
    sim_wheel_bucket_t *buckets;           /* [SIM_WHEEL_BUCKETS] */
    uint32_t count;                        /* timers in the wheel */
    uint64_t nonempty[SIM_WHEEL_WORDS];    /* bit b: bucket b has a timer */
} sim_wheel_t;

/* One clock's queue: a timer goes to the FIFO when its deadline is not below the FIFO's last
 * deadline (its sequence number is the largest yet, so it sorts last), else to the wheel when
 * its deadline is near, else to the heap. The earliest timer of the three is kept at hand. */
typedef struct sim_queue {
    int64_t front_deadline_ns; /* deadline of the earliest timer, if any */
    uint32_t front_slot;       /* slot of the earliest timer; SIM_SLOT_NONE: the queue is empty */
    sim_heap_t heap;
    sim_fifo_t fifo;
    sim_wheel_t wheel;
} sim_queue_t;

enum { SIM_TIMER_IDLE = 0, SIM_TIMER_IN_HEAP = 1, SIM_TIMER_IN_FIFO = 2, SIM_TIMER_IN_WHEEL = 3 };

int sim__queue_init(sim_t *s, sim_queue_t *q);
void sim__queue_deinit(sim_queue_t *q);
int sim__slots_init(sim_t *s);
void sim__slots_deinit(sim_t *s);
/* Removes the earliest timer of `q` (which must have one) and returns it. */
sim_timer_t *sim__queue_pop(sim_t *s, sim_queue_t *q);
bool sim__queue_ok(const sim_t *s, const sim_queue_t *q); /* checker for assertions in tests */

/* ---- Threads and tasks --------------------------------------------------------------------- */

typedef enum sim_task_state {
    SIM_TASK_NEW = 0,      /* created, never run */
    SIM_TASK_READY,        /* runnable: queued on its thread or the thread's current task */
    SIM_TASK_RUNNING,      /* the task executing now */
    SIM_TASK_PARKED,       /* in sim_park; `park_mode` says how */
    SIM_TASK_DONE,         /* returned from its function */
} sim_task_state_t;

/* A thread's state says only whether it has a current task; what that task does (runs, waits
 * in the run's ready ring, or is parked in a blocking call) is the task's state. So parking in
 * a blocking call, waking from it and being dispatched touch the task alone, never the thread
 * (another line, and a cache miss each time in a run with many threads). */
typedef enum sim_thread_state {
    SIM_THREAD_IDLE = 0,   /* no current task: every task awaits (or none is left) */
    SIM_THREAD_ACTIVE,     /* has a current task, running, ready or in a blocking call */
    SIM_THREAD_DONE,       /* every task finished */
} sim_thread_state_t;

/* A task's first cache line holds what parking, waking and resuming it touch (its waker or
 * deadline timer runs while other tasks' lines fill the cache, and so does its dispatch; each
 * line it needs is a miss); the rest is used rarely. The struct sits 64-byte aligned at the top
 * of its stack mapping (thread.c). */
struct sim_task {
    /* Line 0: park, wake and the switch. */
    intptr_t result;            /* value sim_park returns; preset to the timeout's value by
                                 * sim_park_until, so the deadline firing need not store it */
    sim_ctx_t ctx;              /* saved stack pointer while not running */
    uint8_t state;              /* sim_task_state_t */
    uint8_t park_mode;          /* sim_park_mode_t, valid while PARKED */
    sim_timer_t deadline;       /* park_until / sleep */
    /* Line 1: what is used rarely. */
    sim_thread_t *thread;
    uint32_t id;
    sim_task_t *next_ready;     /* link in the thread's FIFO of ready tasks */
    sim_task_t *next_all;       /* link in the run's list of every task (creation order) */
    sim_task_fn fn;
    void *arg;
    void *data;                 /* sim_task_set_data */
    char *name;
    uint8_t *stack_map;         /* mmap base: guard page, stack, then this struct */
    size_t stack_map_size;      /* bytes mapped, guard and struct included */
    size_t stack_size;          /* usable stack bytes, between the guard and this struct */
    void *ctx_stack_lo;         /* lowest usable stack address (for ASan) */
#if SIM_ASAN
    void *asan_fake_stack;     /* ASan fiber bookkeeping while switched out */
#endif
};

_Static_assert(offsetof(struct sim_task, deadline) + sizeof(sim_timer_t) <= 64,
               "parking, waking and resuming touch one line of the task");

/* A thread's fields, used when a thread's current task changes (it awaits, finishes or
 * spawns), come first, in the struct's first cache line; thread.c allocates it 64-byte
 * aligned. */
struct sim_thread {
    sim_task_t *current;        /* task running, parked in a blocking call, or picked to run next
                                 * (then in the run's ready ring); NULL if idle */
    sim_task_t *ready_head;     /* FIFO of ready sibling tasks, not yet picked */
    sim_task_t *ready_tail;
    uint8_t state;              /* sim_thread_state_t */
    bool daemon;
    uint32_t tasks_alive;
    uint32_t id;
    sim_thread_t *next_all;     /* the run's threads in creation order */
    size_t stack_size;
    void *data;
    char *name;
    void *alloc;                /* what sim__alloc returned: the struct is aligned within it */
};

/* ---- Strategies ----------------------------------------------------------------------------- */

typedef struct sim_strategy_ops {
    const char *name;
    /* Prepares the strategy's state in s->strategy_state; returns 0 or a SIM_E* error. */
    int (*init)(sim_t *s, const sim_config_t *config);
    /* Picks one of n >= 2 alternatives. A value >= n means "diverged" (replay only). */
    uint32_t (*choose)(sim_t *s, uint32_t n);
    void (*deinit)(sim_t *s); /* optional */
} sim_strategy_ops_t;

extern const sim_strategy_ops_t sim__strategy_fifo;
extern const sim_strategy_ops_t sim__strategy_random;
extern const sim_strategy_ops_t sim__strategy_replay;

/* ---- The run -------------------------------------------------------------------------------- */

typedef struct sim_invariant {
    char *name;
    sim_invariant_event_fn on_event;
    sim_invariant_end_fn on_end;
    void *arg;
} sim_invariant_t;

struct sim {
    /* Clocks. boot is the timeline; mono = boot - mono_offset_ns, frozen while paused. */
    int64_t now_boot_ns;
    int64_t mono_offset_ns;
    int64_t mono_paused_at_ns;   /* mono time at pause */
    bool mono_paused;

    /* Event queue: one per clock, merged by (boot time, seq) when popping. */
    sim_queue_t queue[2];
    sim_slot_t *slots;           /* slot table of armed timers (queue.c) */
    uint32_t slot_capacity;
    uint32_t slot_free;          /* head of the free list, UINT32_MAX if empty */
    uint64_t timer_seq;

    /* Scheduler. */
    sim_task_t *current;         /* running task, NULL in the scheduler's own context */
    sim_ctx_t main_ctx;          /* sim_run's context */
    sim_task_t **ready;          /* ring of the ready threads' current tasks (one per thread) */
    uint32_t ready_head;
    uint32_t ready_count;
    uint32_t ready_capacity;     /* power of two */
    bool in_callback;            /* a timer callback is running: parking is a bug */
    bool running;
    sim_end_t end;
    sim_end_t stop_request;
    int64_t time_limit_ns;
    uint64_t events_max;

    /* Threads and tasks. */
    sim_thread_t *threads_head, *threads_tail;
    sim_task_t *tasks_head, *tasks_tail;
    sim_task_t *free_tasks;      /* finished tasks whose stacks can be reused */
    uint32_t thread_ids, task_ids;
    uint32_t nondaemon_alive;
    uint32_t nondaemon_created;
    size_t stack_size;

    /* Strategy and recorded choices. */
    const sim_strategy_ops_t *strategy;
    void *strategy_state;
    uint8_t *choices;
    size_t choices_size, choices_capacity;
    const uint8_t *replay;
    size_t replay_size, replay_pos;

    /* Randomness. */
    uint64_t seed;
    sim_rng_t rng[SIM_RNG_STREAMS];

    /* Trace. */
    const sim_trace_sink_ops_t *sink_ops[SIM_TRACE_SINKS_MAX];
    void *sink_ctx[SIM_TRACE_SINKS_MAX];
    uint32_t sink_count;
    uint64_t fingerprint;
    uint64_t trace_count;
    bool in_invariant;

    /* Invariants and violations. */
    sim_invariant_t *invariants;
    uint32_t invariant_count;
    sim_violation_t *violations;
    size_t violation_count, violation_capacity;

    sim_stats_t stats;
#if SIM_ASAN
    void *asan_main_fake_stack;
    const void *asan_main_bottom; /* sim_run's stack, for switches back to it */
    size_t asan_main_size;
#endif
};

/* Inline forms of public accessors for the hot path. */
static inline int64_t sim__now(const sim_t *s, sim_clock_t clock)
{
    if (clock == SIM_CLOCK_BOOT)
        return s->now_boot_ns;
    return s->mono_paused ? s->mono_paused_at_ns : s->now_boot_ns - s->mono_offset_ns;
}

#define SIM__MAY_BLOCK(s) SIM_ASSERT((s)->current != NULL && !(s)->in_callback)

/* sched.c: hands the CPU to the next runnable task (or back to sim_run when the run ends).
 * Called by the current task after it changed its own state (parked, finished, yielded). */
void sim__schedule(sim_t *s);
/* sched.c: makes the thread of `t` ready: appends t, its current task, to the ready ring. */
void sim__task_make_ready(sim_t *s, sim_task_t *t);
/* thread.c: makes an idle thread with a ready task active: its first ready task becomes its
 * current one, queued in the ready ring. */
void sim__thread_activate(sim_t *s, sim_thread_t *th);
/* thread.c: stack allocation and the entry point of every task. */
int sim__task_create(sim_t *s, sim_thread_t *th, const char *name, sim_task_fn fn, void *arg,
                     sim_task_t **out);
void sim__task_free_all(sim_t *s);
sim_task_t *sim__thread_pop_task(sim_thread_t *th);
void sim__thread_push_task(sim_thread_t *th, sim_task_t *t);
void sim__fault_handler_install(void);
/* trace.c */
void sim__trace_end(sim_t *s);
/* invariant.c */
void sim__invariants_run(sim_t *s, const sim_trace_event_t *ev);
void sim__invariants_end(sim_t *s);
void sim__invariants_free(sim_t *s);
/* rng.c */
void sim__rng_init(sim_t *s, uint64_t seed);

/* The run currently executing sim_run on this host thread (for the fault handler). */
extern _Thread_local sim_t *sim__running;

#endif /* WAKESIM_SIM_SIM_INT_H */
