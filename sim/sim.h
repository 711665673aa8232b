/* sim.h - Public API of the wakesim engine.
 *
 * The engine is the bottom layer: virtual clocks, the event queue, coroutine threads and
 * their cooperative tasks, the scheduler and its strategies, seeded randomness, the trace
 * sink with the run fingerprint, and invariants. It knows nothing about the system it
 * simulates; the kernel model (model/kernel) is built on park/wake, timers and the trace.
 */
#ifndef WAKESIM_SIM_SIM_H
#define WAKESIM_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim sim_t;
typedef struct sim_thread sim_thread_t;
typedef struct sim_task sim_task_t;
typedef struct sim_timer sim_timer_t;

/* ---- Errors ------------------------------------------------------------------------------ */

/* Operating errors of sim/, reports/ and tools/: 0 or a negative SIM_E* (libuv style). */
#define SIM_ERRNO_MAP(X)                                                                       \
    X(EINVAL, -1, "invalid argument")                                                          \
    X(ENOMEM, -2, "out of memory")                                                             \
    X(EIO, -3, "input/output error")                                                           \
    X(ESTATE, -4, "operation not valid in the current state")                                  \
    X(ENOENT, -5, "no such entry")                                                             \
    X(EDIVERGED, -6, "replay diverged from the recorded schedule")                             \
    X(ERANGE, -7, "value out of range")                                                        \
    X(EINTR, -8, "interrupted")

enum {
#define X(name, value, text) SIM_##name = value,
    SIM_ERRNO_MAP(X)
#undef X
};

/* Short name ("EINVAL") and message of an error code; "unknown" for anything else. */
const char *sim_err_name(int err);
const char *sim_strerror(int err);

/* Always compiled in: a failed assertion is a bug in wakesim, never in the modelled system. */
#define SIM_ASSERT(cond)                                                                       \
    ((cond) ? (void)0 : sim__assert_fail(#cond, __FILE__, __LINE__, __func__))
_Noreturn void sim__assert_fail(const char *expr, const char *file, int line, const char *func);

/* ---- Clocks -------------------------------------------------------------------------------- */

/* Virtual time is int64_t nanoseconds. Boot time always runs; monotonic time stops while the
 * simulated system is suspended (sim_mono_pause). Both start at 0. */
typedef enum sim_clock {
    SIM_CLOCK_MONO = 0,
    SIM_CLOCK_BOOT = 1,
} sim_clock_t;

#define SIM_TIME_INFINITE INT64_MAX

int64_t sim_now_mono(const sim_t *s);
int64_t sim_now_boot(const sim_t *s);
int64_t sim_now(const sim_t *s, sim_clock_t clock);

/* Stops the monotonic clock (idempotent). Monotonic timers do not fire while it is paused;
 * boot timers do. */
void sim_mono_pause(sim_t *s);
/* Restarts the monotonic clock where it stopped (idempotent). */
void sim_mono_resume(sim_t *s);
bool sim_mono_is_paused(const sim_t *s);

/* ---- Timers (caller-allocated, intrusive) -------------------------------------------------- */

typedef void (*sim_timer_fn)(sim_t *s, sim_timer_t *timer);

/* A timer lives in the caller's memory (a task, a kernel object) and is valid while armed.
 * Callbacks run in scheduler context: they may wake tasks and arm timers, never park. */
struct sim_timer {
    /* public */
    void *data;
    /* private */
    sim_timer_fn fn;
    int64_t deadline_ns; /* on `clock` */
    uint64_t seq;        /* tie-break: order of arming */
    uint32_t slot;       /* its slot in the run's slot table while armed */
    uint8_t where;       /* 0: not armed, 1: in the heap, 2: in the sorted FIFO, 3: in the wheel */
    uint8_t clock;
};

void sim_timer_init(sim_timer_t *timer, sim_timer_fn fn, void *data);
/* Arms (or re-arms) `timer` to fire at the absolute `deadline_ns` on `clock`. A deadline in
 * the past fires at the current instant, after the callbacks already due. */
void sim_timer_start(sim_t *s, sim_timer_t *timer, sim_clock_t clock, int64_t deadline_ns);
/* Disarms `timer`; returns whether it was armed. */
bool sim_timer_cancel(sim_t *s, sim_timer_t *timer);
bool sim_timer_is_armed(const sim_timer_t *timer);

/* ---- Threads and tasks --------------------------------------------------------------------- */

/* A simulated thread runs one or more cooperative tasks; each task is a stackful coroutine
 * with its own stack and a guard page below it. At most one task of a thread runs at a time.
 *  - A task that parks with SIM_PARK_TASK ("awaits") lets sibling tasks of its thread run.
 *  - A task that parks with SIM_PARK_THREAD (a blocking call) blocks the whole thread: no
 *    sibling runs until it is woken. This is how the upstream proxy thread behaves. */
typedef void (*sim_task_fn)(sim_t *s, void *arg);

typedef struct sim_thread_opts {
    size_t stack_size; /* bytes for each task of the thread; 0 = sim_config.stack_size */
    bool daemon;       /* the run may complete while a daemon thread is still parked */
} sim_thread_opts_t;

/* Creates a thread whose first task runs fn(s, arg); it becomes ready at the current instant.
 * `name` is copied. Returns 0 or SIM_ENOMEM/SIM_EINVAL. */
int sim_thread_create(sim_t *s, const char *name, sim_task_fn fn, void *arg,
                      const sim_thread_opts_t *opts, sim_thread_t **out);
/* Adds a task to `thread` (a local executor spawning a future). It is queued behind the
 * thread's other ready tasks. */
int sim_task_spawn(sim_t *s, sim_thread_t *thread, const char *name, sim_task_fn fn, void *arg,
                   sim_task_t **out);

sim_task_t *sim_task_self(const sim_t *s);     /* NULL outside a task */
sim_thread_t *sim_thread_self(const sim_t *s); /* NULL outside a task */
sim_thread_t *sim_task_thread(const sim_task_t *task);
uint32_t sim_thread_id(const sim_thread_t *thread); /* 1, 2, ... in creation order */
uint32_t sim_task_id(const sim_task_t *task);       /* 1, 2, ... in creation order */
const char *sim_thread_name(const sim_thread_t *thread);
const char *sim_task_name(const sim_task_t *task);
bool sim_thread_is_done(const sim_thread_t *thread);
bool sim_task_is_done(const sim_task_t *task);
/* Per-task slot for the layer above (the kernel keeps its thread object here). */
void sim_task_set_data(sim_task_t *task, void *data);
void *sim_task_data(const sim_task_t *task);
void sim_thread_set_data(sim_thread_t *thread, void *data);
void *sim_thread_data(const sim_thread_t *thread);

/* Asserts that the caller runs in a task, so it may park (the kernel's might_sleep()). */
#define SIM_MAY_BLOCK(s) SIM_ASSERT(sim__may_block(s))
bool sim__may_block(const sim_t *s);

typedef enum sim_park_mode {
    SIM_PARK_THREAD = 0, /* a blocking call: the whole thread waits */
    SIM_PARK_TASK = 1,   /* an await: sibling tasks of the thread may run */
} sim_park_mode_t;

/* Parks the calling task until sim_wake(); returns the result passed to sim_wake. */
intptr_t sim_park(sim_t *s, sim_park_mode_t mode);
/* As sim_park, but wakes by itself with `timeout_result` when `deadline_ns` on `clock`
 * passes (SIM_TIME_INFINITE: never). A deadline already past returns timeout_result at once
 * without parking. */
intptr_t sim_park_until(sim_t *s, sim_park_mode_t mode, sim_clock_t clock, int64_t deadline_ns,
                        intptr_t timeout_result);
/* Makes a parked task runnable; sim_park returns `result` in it. Cancels its deadline. */
void sim_wake(sim_t *s, sim_task_t *task, intptr_t result);
bool sim_task_is_parked(const sim_task_t *task);

/* Blocks the calling thread for `duration_ns` of virtual time on `clock` (a CPU burst or a
 * sleep). May block. */
void sim_sleep(sim_t *s, sim_clock_t clock, int64_t duration_ns);
/* Puts the calling thread at the back of the ready threads of this instant. May block. */
void sim_yield(sim_t *s);

/* ---- Wait queues and semaphores (built on park/wake) --------------------------------------- */

typedef struct sim_waiter {
    /* private */
    struct sim_waiter *next;
    sim_task_t *task;
} sim_waiter_t;

/* FIFO of parked tasks; each waiter lives on its task's stack while it waits. */
typedef struct sim_waitq {
    /* private */
    sim_waiter_t *head;
    sim_waiter_t **tail;
} sim_waitq_t;

void sim_waitq_init(sim_waitq_t *q);
bool sim_waitq_is_empty(const sim_waitq_t *q);
/* Parks the caller on `q` until woken or until the deadline (then returns timeout_result
 * after removing itself). May block. */
intptr_t sim_waitq_wait(sim_t *s, sim_waitq_t *q, sim_park_mode_t mode, sim_clock_t clock,
                        int64_t deadline_ns, intptr_t timeout_result);
/* Wakes the oldest waiter with `result`; returns whether there was one. */
bool sim_waitq_wake_one(sim_t *s, sim_waitq_t *q, intptr_t result);
/* Wakes every waiter, oldest first; returns how many. */
size_t sim_waitq_wake_all(sim_t *s, sim_waitq_t *q, intptr_t result);

/* Counting semaphore with memory: a post with no waiter is kept for the next wait. */
typedef struct sim_sem {
    /* private */
    int64_t count;
    sim_waitq_t waiters;
} sim_sem_t;

void sim_sem_init(sim_sem_t *sem, int64_t count);
void sim_sem_post(sim_t *s, sim_sem_t *sem);
/* Takes one unit, blocking the calling thread while there is none. May block. */
void sim_sem_wait(sim_t *s, sim_sem_t *sem);

/* ---- Randomness ---------------------------------------------------------------------------- */

/* Independent streams derived from the run's seed: drawing from one never shifts another. */
typedef enum sim_rng_stream {
    SIM_RNG_SCHEDULE = 0,
    SIM_RNG_JITTER = 1,
    SIM_RNG_WORKLOAD = 2,
    SIM_RNG_STREAMS
} sim_rng_stream_t;

/* A standalone generator (xoshiro256**), seeded through splitmix64. */
typedef struct sim_rng {
    uint64_t s[4];
} sim_rng_t;

void sim_rng_seed(sim_rng_t *rng, uint64_t seed);
uint64_t sim_rng_next(sim_rng_t *rng);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t sim_rng_next_below(sim_rng_t *rng, uint64_t n);
/* The seed of stream `stream` for master seed `seed` (what sim_create uses). */
uint64_t sim_rng_stream_seed(uint64_t seed, sim_rng_stream_t stream);

uint64_t sim_rng_u64(sim_t *s, sim_rng_stream_t stream);
uint64_t sim_rng_below(sim_t *s, sim_rng_stream_t stream, uint64_t n);
/* Uniform double in [0, 1). */
double sim_rng_double(sim_t *s, sim_rng_stream_t stream);
/* Exponentially distributed duration with mean `mean_ns` (>= 0), rounded to whole ns. */
int64_t sim_rng_exp_ns(sim_t *s, sim_rng_stream_t stream, int64_t mean_ns);

/* splitmix64 step (Vigna), exactly as in the peer benchmarks' common/splitmix64.h. */
static inline uint64_t sim_splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ---- Scheduling choices -------------------------------------------------------------------- */

/* Asks the run's strategy to pick one of `n` alternatives (n >= 1). The scheduler uses it when
 * several threads are ready at one instant; the model uses it where upstream order is
 * unspecified (HashMap iteration). Every choice with n > 1 is recorded, so that strategy
 * `replay` reproduces the run exactly. Returns an index in [0, n). */
uint32_t sim_choose(sim_t *s, uint32_t n);

/* The recorded choices: one LEB128 varint per choice with n > 1, in order. Borrowed; valid
 * until the next choice or sim_destroy. */
const uint8_t *sim_choices(const sim_t *s, size_t *size);
/* Number of recorded choices. */
uint64_t sim_choices_count(const sim_t *s);

/* Encodes recorded choices as text (hex of the varint bytes) into a malloc'd string, and back.
 * Return 0 or SIM_ENOMEM / SIM_EINVAL. */
int sim_choices_to_hex(const uint8_t *choices, size_t size, char **out);
int sim_choices_from_hex(const char *hex, uint8_t **out, size_t *size);

/* ---- Trace --------------------------------------------------------------------------------- */

/* Engine event kinds. Upper layers define their own kinds from SIM_TRACE_KIND_USER on, each in
 * one X-macro table so the trace, the reports and the CLI never disagree on spelling. */
#define SIM_TRACE_KINDS(X)                                                                     \
    X(SIM_EV_THREAD_CREATE, 1, "sim.thread_create")                                            \
    X(SIM_EV_THREAD_EXIT, 2, "sim.thread_exit")                                                \
    X(SIM_EV_TASK_SPAWN, 3, "sim.task_spawn")                                                  \
    X(SIM_EV_MONO_PAUSE, 4, "sim.mono_pause")                                                  \
    X(SIM_EV_MONO_RESUME, 5, "sim.mono_resume")                                                \
    X(SIM_EV_VIOLATION, 6, "sim.violation")                                                    \
    X(SIM_EV_RUN_END, 7, "sim.run_end")                                                        \
    X(SIM_EV_OBJECT_CREATE, 8, "sim.object_create")                                            \
    X(SIM_EV_OBJECT_NAME, 9, "sim.object_name")                                                \
    X(SIM_EV_OBJECT_DESTROY, 10, "sim.object_destroy")

/* Object lifecycle, for layers that own objects (the kernel model's object ids), so sinks build
 * an objects table without knowing the layer:
 *   SIM_EV_OBJECT_CREATE  object = id, arg[0] = owner id (0 if none), arg[1] = layer's type
 *                         number, arg[2] = engine thread id if the object is a thread, else 0,
 *                         text = type name ("channel")
 *   SIM_EV_OBJECT_NAME    object = id, text = the object's name
 *   SIM_EV_OBJECT_DESTROY object = id
 * Engine events: THREAD_CREATE/EXIT object = thread id, arg[0] = daemon, text = name;
 * TASK_SPAWN object = thread id, arg[0] = task id, text = task name; MONO_PAUSE arg[0] = mono
 * time at pause; MONO_RESUME arg[0] = new offset (boot - mono); VIOLATION arg[0] = index of
 * the breaking event, text = invariant name; RUN_END arg[0] = sim_end_t, arg[1] = events,
 * text = verdict name. */
enum {
#define X(name, value, text) name = value,
    SIM_TRACE_KINDS(X)
#undef X
    SIM_TRACE_KIND_USER = 100
};

typedef struct sim_trace_event {
    uint64_t index;       /* position in the run's stream, from 0 (set by the engine) */
    int64_t time_boot_ns; /* set by the engine */
    int64_t time_mono_ns; /* set by the engine */
    uint32_t thread_id;   /* current thread, 0 outside tasks (set by the engine) */
    uint32_t kind;        /* SIM_EV_* or a layer's kind */
    const char *kind_name;/* static spelling of `kind`; borrowed */
    uint64_t object;      /* object id (a layer's object id) or 0 */
    int64_t arg[4];       /* kind-specific arguments */
    int32_t status;       /* kind-specific status, 0 if none */
    const char *text;     /* optional string (a name), NULL if none; borrowed for the call */
} sim_trace_event_t;

/* A trace sink receives every event in order. Sinks copy what they keep. */
typedef struct sim_trace_sink_ops {
    const char *name;
    /* Receives one event; a non-zero return stops the run with SIM_END_SINK_ERROR. */
    int (*event)(void *ctx, const sim_trace_event_t *ev);
    /* Optional: called once when the run ends, after the last event. */
    int (*end)(void *ctx, sim_t *s);
} sim_trace_sink_ops_t;

/* Attaches a sink (at most SIM_TRACE_SINKS_MAX); borrows ops and ctx for the run's life. */
#define SIM_TRACE_SINKS_MAX 4
int sim_trace_attach(sim_t *s, const sim_trace_sink_ops_t *ops, void *ctx);

/* Emits one event: the engine fills index, times and thread, folds it into the fingerprint,
 * hands it to every sink and then to every invariant. `ev` is borrowed. */
void sim_trace_emit(sim_t *s, sim_trace_event_t *ev);
/* Shorthand for the common shape. */
void sim_trace(sim_t *s, uint32_t kind, const char *kind_name, uint64_t object, int64_t a0,
               int64_t a1, int32_t status, const char *text);

/* 64-bit hash over every event emitted so far (fields hashed as integers, text by bytes), so
 * it is the same on any machine for the same scenario, seed and strategy. */
uint64_t sim_fingerprint(const sim_t *s);
uint64_t sim_trace_count(const sim_t *s);

/* In-memory sink: keeps every event (text copied). */
typedef struct sim_trace_mem sim_trace_mem_t;
extern const sim_trace_sink_ops_t sim_trace_mem_ops;
int sim_trace_mem_create(sim_trace_mem_t **out);
void sim_trace_mem_destroy(sim_trace_mem_t *mem);
size_t sim_trace_mem_count(const sim_trace_mem_t *mem);
/* The i-th event; its text pointer is owned by the sink. */
const sim_trace_event_t *sim_trace_mem_get(const sim_trace_mem_t *mem, size_t i);
/* Fingerprint recomputed from the stored events: equals sim_fingerprint of the run. */
uint64_t sim_trace_mem_fingerprint(const sim_trace_mem_t *mem);

/* The fingerprint fold, exposed so that sinks and tests can recompute it. */
uint64_t sim_fingerprint_fold(uint64_t h, const sim_trace_event_t *ev);
#define SIM_FINGERPRINT_SEED 0x77616b6573696d31ULL /* "wakesim1" */

/* ---- SHA-256 (sha256.c) -------------------------------------------------------------------- */

/* Names the exact bytes of a scenario in the trace's `runs` table. Caller-allocated state. */
#define SIM_SHA256_SIZE 32
#define SIM_SHA256_HEX_SIZE (2 * SIM_SHA256_SIZE + 1) /* 64 lowercase hex digits and a NUL */

typedef struct sim_sha256 {
    /* private */
    uint32_t state[8];
    uint64_t size;     /* bytes hashed so far */
    uint8_t block[64]; /* the partial block */
    size_t used;       /* bytes in `block` */
} sim_sha256_t;

void sim_sha256_init(sim_sha256_t *h);
void sim_sha256_update(sim_sha256_t *h, const void *data, size_t size);
/* Writes the digest; `h` must be initialised again before reuse. */
void sim_sha256_final(sim_sha256_t *h, uint8_t digest[SIM_SHA256_SIZE]);
/* One-shot: the digest of `data` as lowercase hex. */
void sim_sha256_hex(const void *data, size_t size, char hex[SIM_SHA256_HEX_SIZE]);

/* ---- SQLite trace sink (trace_sqlite*.c) --------------------------------------------------- */

/* Writes runs into a SQLite file that holds many runs; the schema is reports/schema.sql,
 * documented in reports/SCHEMA.md. During a run only raw `events` rows are written, in
 * batched transactions; at the run's end the derived tables (threads, objects, violations,
 * and a deriver's) are built in the run's last transaction, each of them from what `events`
 * holds, so every table can be rebuilt from `events` alone.
 *
 * A run's `runs` row is committed with verdict "running" when the run begins, and completed
 * (verdict, fingerprint, events, end times, choices) when it ends. A process that is killed
 * leaves its run "running" with the events of its committed batches; a run stopped through
 * sim_trace_sqlite_interrupt() ends normally with verdict "interrupted". Earlier runs are
 * never touched by a later one.
 *
 * Errors: functions return 0 or a negative SIM_E*; every SQLite failure is SIM_EIO with a
 * one-line message "<path>: <what>: <SQLite's message>" (in the caller's buffer for open and
 * close, from sim_trace_sqlite_errmsg otherwise). A handle is used by one host thread at a
 * time; during a run a writer thread of its own does the SQLite work (trace_sqlite.c). */
typedef struct sim_trace_sqlite sim_trace_sqlite_t;

/* The version in the file's PRAGMA user_version. A file with a newer version is refused; an
 * older one is migrated when it is opened (reports/migrate_<n>.sql, reports/SCHEMA.md). */
#define SIM_TRACE_SQLITE_SCHEMA_VERSION 2
/* Rows per committed batch during a run (about 3 MB of pages): what a killed process loses at
 * most, and, since a checkpoint recycles the WAL only between transactions, what keeps the
 * WAL from growing with the run. trace_sqlite.c says why this size. */
#define SIM_TRACE_SQLITE_BATCH_ROWS 65536u
#define SIM_TRACE_SQLITE_ERR_SIZE 512

/* What the engine does not know about a run; every field may be NULL. Strings are copied. */
typedef struct sim_trace_sqlite_run_info {
    const char *scenario;       /* the scenario's name */
    const char *scenario_path;  /* the path it was read from, as given */
    const void *scenario_bytes; /* the file's bytes, hashed into runs.scenario_sha256 */
    size_t scenario_size;
    const char *manager;        /* the manager variant */
} sim_trace_sqlite_run_info_t;

/* A deriver builds the derived tables of the layers above the engine (the engine's own,
 * threads, objects and violations, come from reports/derive_sim.sql). The sink hands it every
 * event of a run as the event is traced, on the engine's thread, so that its work overlaps
 * the writer's, and has it write its rows inside the run's last transaction; to rebuild a
 * run from the file alone (sim_trace_sqlite_derive, the migration of an older file) it reads
 * the run's rows back itself. Each op returns 0, or nonzero with a one-line message in
 * err[err_size] (the sink reports "<path>: <message>", SIM_EIO). */
struct sqlite3;
typedef struct sim_trace_sqlite_deriver {
    void *ctx;
    /* A run begins; its events follow. */
    int (*begin)(void *ctx, char *err, size_t err_size);
    /* One event of the run, in order. Must be cheap: it runs for every event. */
    int (*event)(void *ctx, const sim_trace_event_t *ev, char *err, size_t err_size);
    /* Writes the run's derived rows (deleting any it had) with `db`, after the run's last
     * event, inside the transaction that commits it. */
    int (*write)(void *ctx, struct sqlite3 *db, int64_t run_id, char *err, size_t err_size);
    /* Rebuilds run `run_id` from its rows in the file: what begin, event and write do. */
    int (*rebuild)(void *ctx, struct sqlite3 *db, int64_t run_id, char *err, size_t err_size);
} sim_trace_sqlite_deriver_t;

/* Opens or creates the trace file `path`: creates the schema in a new file, and migrates a
 * file of an older schema version in one transaction (its finished runs get the new derived
 * tables). `deriver` (may be NULL; copied) adds the derived tables of the layers above the
 * engine to every run; without one, a migration whose new tables are the deriver's is refused
 * when the file holds finished runs (it would leave them empty). Returns 0 and a handle, or
 * SIM_EIO (not a database, not a wakesim trace, a newer schema, cannot open, write or
 * migrate) with a one-line message in err[err_size], or SIM_ENOMEM. */
int sim_trace_sqlite_open(const char *path, const sim_trace_sqlite_deriver_t *deriver,
                          sim_trace_sqlite_t **out, char *err, size_t err_size);
/* Closes the file and frees the handle, in every case (NULL is allowed). A run still open
 * (sim_run never ended it) is committed as "interrupted", without fingerprint. Returns 0, or
 * SIM_EIO with a one-line message in err[err_size] (err may be NULL). */
int sim_trace_sqlite_close(sim_trace_sqlite_t *db, char *err, size_t err_size);

/* Begins a run of `s` in the file: commits its `runs` row (verdict "running", seed and
 * strategy from `s`, the wakesim version) and attaches the sink to `s`, which ends the run
 * in the file when sim_run ends. Call it right after sim_create, before anything is traced
 * (SIM_ESTATE otherwise, or when a run is already open in this handle). `run_id` receives
 * the run's key. SIM_EINTR after sim_trace_sqlite_interrupt, SIM_ERANGE if `s` has no sink
 * slot left, SIM_EIO on a SQLite error. After SIM_EIO the sink stays attached to `s`: running
 * it ends at once with SIM_END_SINK_ERROR, and sim_trace_sqlite_close cleans up either way. */
int sim_trace_sqlite_run_begin(sim_trace_sqlite_t *db, sim_t *s,
                               const sim_trace_sqlite_run_info_t *info, int64_t *run_id);
/* Async-signal-safe (a SIGINT handler calls it): at the next event, the sink stops its run
 * with sim_stop(s, SIM_END_STOPPED) and the run ends in the file with verdict "interrupted".
 * Sticky: later sim_trace_sqlite_run_begin calls return SIM_EINTR. */
void sim_trace_sqlite_interrupt(sim_trace_sqlite_t *db);

/* Records expectation `index` of run `run_id` (the scenario runner calls it after sim_run):
 * whether it held and what it says. Own transaction. Returns 0, SIM_ESTATE while a run is
 * open in this handle, or SIM_EIO. */
int sim_trace_sqlite_expectation_add(sim_trace_sqlite_t *db, int64_t run_id, uint32_t index,
                                     bool ok, const char *description);
/* Rebuilds the derived tables of run `run_id` from its `events` rows (what the sink does at
 * each run's end), in one transaction: e.g. for a run whose process was killed. The engine's
 * tables, and the deriver's if the handle has one. Returns 0, SIM_ESTATE while a run is open
 * in this handle, or SIM_EIO. */
int sim_trace_sqlite_derive(sim_trace_sqlite_t *db, int64_t run_id);

/* The last error's one-line message ("" if none); valid until the next call on `db`. The
 * errors of a run (its sink failed: SIM_END_SINK_ERROR) are here once sim_run has returned. */
const char *sim_trace_sqlite_errmsg(const sim_trace_sqlite_t *db);

/* ---- Invariants ---------------------------------------------------------------------------- */

/* An invariant is a check that runs after every traced event (on_event) and once at the end
 * of the run (on_end); either may be NULL. It reports a broken property with sim_violation. */
typedef void (*sim_invariant_event_fn)(sim_t *s, const sim_trace_event_t *ev, void *arg);
typedef void (*sim_invariant_end_fn)(sim_t *s, void *arg);

int sim_invariant_add(sim_t *s, const char *name, sim_invariant_event_fn on_event,
                      sim_invariant_end_fn on_end, void *arg);

typedef struct sim_violation {
    const char *name;     /* the invariant's name (owned by the engine) */
    char *message;        /* owned by the engine */
    uint64_t event_index; /* the event that broke it (the last one emitted) */
    int64_t time_boot_ns;
    int64_t time_mono_ns;
} sim_violation_t;

/* Records a violation of invariant `name` at the current event; also traced as
 * SIM_EV_VIOLATION. Never aborts: a broken modelled property is data, not a bug. */
void sim_violation(sim_t *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t sim_violation_count(const sim_t *s);
const sim_violation_t *sim_violation_get(const sim_t *s, size_t i);

/* ---- Runs ---------------------------------------------------------------------------------- */

#define SIM_END_MAP(X)                                                                         \
    X(NONE, "none", "the run has not ended")                                                   \
    X(COMPLETE, "complete", "every non-daemon thread finished")                                \
    X(QUIESCENT, "quiescent", "nothing left to run and no non-daemon thread waiting")          \
    X(STALLED, "stalled", "threads are parked and nothing is scheduled to wake them")          \
    X(TIME_LIMIT, "time_limit", "the virtual-time limit was reached")                          \
    X(EVENT_BUDGET, "event_budget", "the event budget was spent")                              \
    X(STOPPED, "stopped", "the run was stopped")                                               \
    X(DIVERGED, "diverged", "the replayed schedule does not fit this run")                     \
    X(SINK_ERROR, "sink_error", "a trace sink failed")

typedef enum sim_end {
#define X(name, text, desc) SIM_END_##name,
    SIM_END_MAP(X)
#undef X
} sim_end_t;

const char *sim_end_name(sim_end_t end);        /* "time_limit" */
const char *sim_end_description(sim_end_t end); /* one sentence */

typedef struct sim_config {
    uint64_t seed;
    const char *strategy;          /* "fifo" (NULL = fifo), "random", "replay" */
    const uint8_t *replay_choices; /* for "replay": bytes from sim_choices(); borrowed */
    size_t replay_choices_size;
    int64_t time_limit_ns;         /* on the boot clock; 0 = no limit */
    uint64_t events_max;           /* 0 = no budget */
    size_t stack_size;             /* default task stack in bytes; 0 = SIM_STACK_SIZE_DEFAULT */
} sim_config_t;

#define SIM_STACK_SIZE_DEFAULT (256u * 1024u)

/* Creates a run. Returns 0, SIM_ENOMEM, or SIM_EINVAL (unknown strategy, replay without
 * choices). */
int sim_create(const sim_config_t *config, sim_t **out);
/* Frees the run and everything it allocated, including stacks of tasks still parked. */
void sim_destroy(sim_t *s);

/* Runs until the run ends; returns the verdict. Must be called outside any task, once. */
sim_end_t sim_run(sim_t *s);
/* Ends the run at the next scheduling point with `end` (from a task or a callback). */
void sim_stop(sim_t *s, sim_end_t end);
sim_end_t sim_end_reason(const sim_t *s);

typedef struct sim_stats {
    uint64_t events;       /* timer callbacks fired + task dispatches: what events_max bounds */
    uint64_t timers_fired;
    uint64_t dispatches;   /* a task resumed (or started) */
    uint64_t switches;     /* actual stack switches */
    uint64_t choices;      /* recorded choices (n > 1) */
    uint64_t threads_created;
    uint64_t stacks_mapped;  /* stacks mapped so far (finished tasks' stacks are reused) */
    uint64_t allocations;  /* engine allocations since sim_create (tests check the hot path) */
} sim_stats_t;

void sim_get_stats(const sim_t *s, sim_stats_t *out);
uint64_t sim_seed(const sim_t *s);
const char *sim_strategy_name(const sim_t *s);

/* Names of the strategies this build offers, NULL-terminated. */
const char *const *sim_strategy_names(void);

#ifdef __cplusplus
}
#endif

#endif /* WAKESIM_SIM_SIM_H */
