/* derive_int.h - What the files of the derive core share: its state, the containers it is
 * built from (growable arrays, a value-keyed hash map, a text pool) and the rows it builds.
 * Private to reports/derive*.c. */
#ifndef WAKESIM_REPORTS_DERIVE_INT_H
#define WAKESIM_REPORTS_DERIVE_INT_H

#include "wakesim/derive.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Always compiled in (STYLE.md): a failed assertion is a bug of this code, never of the data. */
#define DERIVE_ASSERT(cond)                                                                    \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* Layer kinds the SQL may read are 100..KIND_END-1 (its temp.wanted list). */
#define KIND_FIRST 100
#define KIND_END 520

/* A nullable integer: SQL NULL when !set. */
typedef struct dnull {
    int64_t v;
    bool set;
} dnull_t;

static inline dnull_t dn(int64_t v)
{
    return (dnull_t){.v = v, .set = true};
}

/* ---- Containers (derive_util.c) -------------------------------------------------------------- */

/* A growable array of `elem`-byte items; growth doubles, so a push is amortised O(1). */
typedef struct vec {
    void *data;
    size_t count;
    size_t capacity;
} vec_t;

/* Appends one zeroed item and returns it, or NULL when out of memory. */
void *vec_push(vec_t *v, size_t elem);
void vec_free(vec_t *v);
#define VEC_AT(v, type, i) (((type *)(v).data)[i])

/* A hash map from a key of KEY_WORDS integers to a uint32 value, hashed by value (never by
 * address), open addressing with linear probing. Iteration order is never used: whatever is
 * listed from a map is first sorted by an explicit key. */
#define KEY_WORDS 7
typedef struct dkey {
    int64_t w[KEY_WORDS];
} dkey_t;

typedef struct keymap {
    dkey_t *keys;
    uint32_t *values; /* MAP_EMPTY: a free slot */
    uint32_t capacity; /* a power of two, or 0 */
    uint32_t count;
} keymap_t;
#define MAP_EMPTY UINT32_MAX

/* The value of `key`, or NULL. */
uint32_t *keymap_get(const keymap_t *m, const dkey_t *key);
/* The value of `key`, inserted as `fresh` (not MAP_EMPTY) if absent; NULL when out of memory.
 * The pointer is valid until the next insertion. */
uint32_t *keymap_put(keymap_t *m, const dkey_t *key, uint32_t fresh);
void keymap_free(keymap_t *m);

/* Interned texts: equal texts get the same id, 1, 2, ... (TEXT_NULL = SQL NULL). */
#define TEXT_NULL 0u
#define TEXT_FAIL UINT32_MAX
typedef struct strpool {
    char *bytes;
    size_t size, capacity;
    vec_t offsets; /* uint32 ... per id, offset into bytes; id 0 unused */
    uint32_t *table; /* ids by hash; 0 = free */
    uint32_t table_capacity;
} strpool_t;

/* The id of `s` (interned on first sight), TEXT_NULL for NULL, TEXT_FAIL when out of memory. */
uint32_t strpool_intern(strpool_t *p, const char *s);
/* The text of an id; NULL for TEXT_NULL. Valid until the next intern. */
const char *strpool_text(const strpool_t *p, uint32_t id);
/* SQLite's BINARY collation on two ids (NULL never compared). */
int strpool_cmp(const strpool_t *p, uint32_t a, uint32_t b);
void strpool_free(strpool_t *p);

/* ---- What the stream keeps (derive.c) -------------------------------------------------------- */

enum { ROLE_NONE, ROLE_EVENT, ROLE_DURATION, ROLE_INSTANT };
enum { TRACK_GLOBAL, TRACK_PROCESS, TRACK_THREAD };
enum { CAT_MANAGER, CAT_WAIT, CAT_PAGER, CAT_CPU, CAT_MUTEX, CAT_TASK, CAT_SUSPEND };

/* One forward_message span of a thread (temp.forwards' `spans`), kept if it read a message. */
typedef struct fspan {
    int64_t read_idx, read_object, read_tb;
    dnull_t count_tb, write_tb;
    bool has_read;
} fspan_t;

/* A thread id seen as an event's thread_id or as the object of sim.thread_create/_exit. */
typedef struct dthread {
    int64_t id;
    bool in_threads;             /* has a `threads` row (a thread_create or thread_exit) */
    uint32_t name;               /* max(text) of its thread_create, TEXT_NULL if none */
    dnull_t last_write_object;   /* its last kernel.channel_write's object */
    dnull_t last_counter_object; /* its last counter kernel.syscall's object */
    int64_t span, open;          /* forward_message begins so far, and begins - ends */
    fspan_t cur;                 /* the aggregate of span number `span` */
} dthread_t;

/* An `objects` row, as derive_sim.sql builds it, reduced to the columns the SQL reads. */
typedef struct dobject {
    int64_t id;
    uint32_t type_name;   /* max(text) of sim.object_create */
    uint32_t name;        /* text of the last sim.object_name */
    dnull_t thread_arg;   /* max(arg2) of sim.object_create; thread_id is it unless 0 */
    dnull_t created_tb;   /* min(time_boot_ns) of sim.object_create */
} dobject_t;

/* The newest event of one point (phase) of an attempt. */
typedef struct dpoint {
    bool set;
    int64_t idx, tb, tm, value, detail, status;
    uint32_t text;
} dpoint_t;

#define POINTS 14 /* 0 the request, 1..12 the runner's phases, 13 the reply received */
typedef struct dattempt {
    int64_t attempt;
    dpoint_t p[POINTS];
} dattempt_t;

typedef struct dsent {
    int64_t index, proxy, idx, tb;
    dnull_t queue;
} dsent_t;

typedef struct dsteps {
    int64_t index;
    dnull_t tb[3]; /* max boot time of steps 1, 2, 3 */
} dsteps_t;

typedef struct dproxy {
    int64_t proxy;
    uint32_t name; /* max(text) */
} dproxy_t;

/* The first counter_incremented of one text: names the counter syscalled just before it. */
typedef struct dnamer {
    uint32_t proxy_name;
    dnull_t object;
} dnamer_t;

typedef struct dtoken {
    int64_t object;
    dnull_t task, created_idx, created_tb, closed_idx, closed_tb;
} dtoken_t;

typedef struct dtoken_event {
    int64_t idx, tb, task;
    int delta;
} dtoken_event_t;

typedef struct dslice {
    int64_t ts, dur;
    dnull_t begin_idx, end_idx;
    int64_t key;       /* thread id, or process koid */
    uint8_t key_type;  /* TRACK_* */
    uint8_t category;  /* CAT_* */
    uint32_t name;     /* text id */
    int64_t track_id;  /* filled when written */
    int64_t depth;
} dslice_t;

/* A counter sample; track is a named-counter slot, or -1 for a message counter (by object). */
typedef struct dsample {
    int32_t track;
    int64_t object;
    int64_t ts, value;
    dnull_t idx;
} dsample_t;

typedef struct dcounter_track {
    uint32_t name;
    dnull_t object; /* max(object) of its samples */
    int64_t track_id;
} dcounter_track_t;

struct derive {
    uint8_t role[KIND_END - KIND_FIRST]; /* ROLE_* of each wanted kind as spelled */
    int64_t idx_last;                    /* the last row's idx: the next must be greater */
    bool has_rows;
    int failed;                          /* sticky: DERIVE_ENOMEM once a copy failed */
    bool world_seen;                     /* a used world kind (500 and above) was fed */
    strpool_t text;
    uint32_t kind_name[KIND_END - KIND_FIRST]; /* text id of each kind's expected name */
    uint32_t block_names[2][10];               /* "blocked:x", "await:x" by reason */
    uint32_t name_suspended, name_page_in, name_page_dirty, name_cpu, name_token,
        name_container, phase_names[POINTS];
    uint32_t counter_system, counter_frozen, counter_wake_locks, counter_leases;
    keymap_t thread_map; vec_t threads;     /* dthread_t */
    keymap_t object_map; vec_t objects;     /* dobject_t */
    keymap_t attempt_map; vec_t attempts;   /* dattempt_t */
    keymap_t sent_map; vec_t sent;          /* dsent_t */
    keymap_t steps_map; vec_t steps;        /* dsteps_t */
    keymap_t proxy_map; vec_t proxies;      /* dproxy_t */
    keymap_t namer_map; vec_t namers;       /* dnamer_t */
    keymap_t counter_obj_map; vec_t counter_objs; /* int64_t koids of message counters */
    keymap_t token_map; vec_t tokens;       /* dtoken_t */
    vec_t token_events;                     /* dtoken_event_t */
    vec_t spans;                            /* fspan_t, finished */
    keymap_t pair_map;                      /* begin/end key -> open slice in `pairs` */
    keymap_t mutex_map;                     /* mutex text -> open slice in `mutexes` */
    vec_t pairs, instants, burns, mutexes;  /* dslice_t, each in begin idx order */
    keymap_t counter_track_map; vec_t counter_tracks; /* name -> dcounter_track_t */
    vec_t samples;                          /* dsample_t */
    char *buf; size_t buf_size;             /* scratch for built names */
};

/* Whether derive_row uses rows of `kind` (the engine's thread and object kinds, and the layer
 * kinds spelled as expected): a reader may skip the others. */
bool derive__wants(const derive_t *d, int64_t kind);

/* The named-counter slot of `name` (a text id), or -1 when out of memory. */
int32_t derive__counter_track(derive_t *d, uint32_t name);
/* Interns "prefix" + "rest" (rest may be NULL: ""), TEXT_FAIL when out of memory. */
uint32_t derive__intern_cat(derive_t *d, const char *prefix, const char *rest);

/* ---- What the write builds (derive_build.c) -------------------------------------------------- */

typedef struct suspend_row {
    int64_t attempt;
    const char *result;
    uint32_t resume_reason;
    dnull_t suspend_time_ns;
    int64_t channel_closed;
    dnull_t wake_locks_held, wait_status, reply_status, request_idx;
    dnull_t at[POINTS][2]; /* boot, mono of each column pair, in the table's column order */
    dnull_t seq_boot[POINTS], seq_mono[POINTS]; /* by suspend_phases' seq */
} suspend_row_t;

typedef struct message_row {
    int64_t index, proxy;
    uint32_t proxy_name;
    int64_t sent_idx, sent_tb;
    dnull_t proxy_read, counted, forwarded, container_read, handled, decremented, resumed;
} message_row_t;

typedef struct track_row {
    int64_t id;
    uint32_t name;
    const char *type;
    dnull_t thread_id, object_id;
    int rank;
    int64_t key; /* thread id or koid, to find it */
} track_row_t;

typedef struct counter_row {
    int64_t ts, track_id, value;
    dnull_t idx;
} counter_row_t;

/* Everything derive_write inserts, in each table's key order. */
typedef struct derive_out {
    vec_t suspends; /* suspend_row_t */
    vec_t messages; /* message_row_t */
    vec_t tracks;   /* track_row_t */
    vec_t slices;   /* dslice_t */
    vec_t counters; /* counter_row_t */
} derive_out_t;

/* Builds the rows of run_id from what `d` was fed; `d` keeps its facts but its name pool may
 * grow. Returns 0 or DERIVE_ENOMEM. */
int derive__build(derive_t *d, int64_t run_id, derive_out_t *out);
void derive__out_free(derive_out_t *out);

/* derive_track.c: adds the stream's counter samples and the initial ones to `samples`, builds
 * out->tracks and out->counters, and gives out->slices their track ids and depths. Returns 0
 * or DERIVE_ENOMEM. */
int derive__tracks(derive_t *d, int64_t run_id, derive_out_t *out, vec_t *samples);

#endif
