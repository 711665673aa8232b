/* expect.h - A scenario's expectations and their verdicts on the results of a run.
 *
 * Each expectation checks one thing about a run (format and examples in scenarios/README.md):
 * a suspend attempt's result, resume reasons (as a set of names), suspend_time and phase
 * times; what a watcher saw; a proxy counter's value at a time; what a proxy's remote end
 * observed; a file read's status and bytes; message latency percentiles; the number of suspend
 * attempts; the kernel's suspend stats; and invariants: none violated, or one violated by name
 * (scenarios that demonstrate a bug). The loader (expect.c, called from scenario.c) builds
 * them; expect_judge decides each one on a run_outcome_t, a plain view of what world_run left,
 * so that judging is tested without running a world.
 */
#ifndef WAKESIM_TOOLS_EXPECT_H
#define WAKESIM_TOOLS_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wakesim/world.h>

#include "sim.h"

/* X(name, the key that selects the kind) */
#define EXPECT_KINDS(X)                                                                        \
    X(SUSPEND, "suspend")                                                                      \
    X(WATCHER, "watcher")                                                                      \
    X(COUNTER, "counter")                                                                      \
    X(CHANNEL, "channel")                                                                      \
    X(FILE_READ, "file_read")                                                                  \
    X(LATENCY, "latency")                                                                      \
    X(SUSPEND_COUNT, "suspend_count")                                                          \
    X(STATS, "stats")                                                                          \
    X(NO_VIOLATIONS, "no_violations")                                                          \
    X(VIOLATION, "violation")

typedef enum expect_kind {
#define X(name, key) EXPECT_##name,
    EXPECT_KINDS(X)
#undef X
    EXPECT_KIND_COUNT
} expect_kind_t;

extern const char *const expect_kind_names[]; /* the keys, NULL-terminated */

/* Inclusive bounds; a side without has_* is open. Durations in ns, counts as they are. */
typedef struct expect_bounds {
    bool has_min, has_max;
    int64_t min, max;
} expect_bounds_t;

/* Message latencies: intervals between two times of world_message_record_t. */
#define EXPECT_LATENCY_METRICS(X)                                                              \
    X(SENT_TO_COUNTED, "sent_to_counted")       /* sent -> the proxy incremented the counter */\
    X(SENT_TO_FORWARDED, "sent_to_forwarded")   /* sent -> written into the container's end */ \
    X(SENT_TO_RESUMED, "sent_to_resumed")       /* sent -> the container ran again */          \
    X(SENT_TO_READ, "sent_to_read")             /* sent -> read by the container's handler */  \
    X(SENT_TO_HANDLED, "sent_to_handled")       /* sent -> handled: wake-to-handled latency */ \
    X(SENT_TO_DECREMENTED, "sent_to_decremented") /* sent -> counter decremented */            \
    X(READ_TO_HANDLED, "read_to_handled")       /* read -> handled */

typedef enum expect_metric {
#define X(name, text) EXPECT_METRIC_##name,
    EXPECT_LATENCY_METRICS(X)
#undef X
    EXPECT_METRIC_COUNT
} expect_metric_t;

extern const char *const expect_metric_names[];

/* Statistics a latency expectation can bound; percentiles are nearest-rank. */
#define EXPECT_LATENCY_STATS(X)                                                                \
    X(MIN, "min", 0)                                                                           \
    X(P50, "p50", 50)                                                                          \
    X(P90, "p90", 90)                                                                          \
    X(P99, "p99", 99)                                                                          \
    X(MAX, "max", 100)

typedef enum expect_stat {
#define X(name, text, pct) EXPECT_STAT_##name,
    EXPECT_LATENCY_STATS(X)
#undef X
    EXPECT_STAT_COUNT
} expect_stat_t;

extern const char *const expect_stat_names[];

/* Suspend phases an expectation can bound: MANAGER_PHASE_* (1..12) and the client's reply.
 * Slot 0 is the request (sent_ns), the origin of every phase time. */
#define EXPECT_PHASE_REPLY_RECEIVED 13
#define EXPECT_PHASE_SLOTS          14

extern const char *const expect_phase_names[EXPECT_PHASE_SLOTS]; /* [0] = "sent" */

#define EXPECT_SUSPEND_ALL  (-1)
#define EXPECT_SUSPEND_LAST (-2)

typedef struct expect_suspend {
    int index;                  /* 0-based attempt, EXPECT_SUSPEND_ALL or EXPECT_SUSPEND_LAST */
    bool has_result;
    world_suspend_result_t result;
    bool has_reason;
    const char *const *reasons; /* distinct names, compared as a set; 0 of them = null */
    size_t reason_count;
    expect_bounds_t suspend_time;                /* the reply's suspend_time */
    expect_bounds_t phases[EXPECT_PHASE_SLOTS];  /* phase time minus sent_ns */
    bool phase_absent[EXPECT_PHASE_SLOTS];       /* null: the phase must not happen */
} expect_suspend_t;

typedef struct expect_watcher {
    int watcher;
    char saw[256];              /* 'A' (AWAKE), 'S' (ASLEEP), as world_watcher_record_t */
    size_t saw_count;
    bool prefix;                /* the observations start with saw (else: exactly saw) */
    const expect_bounds_t *saw_at; /* "saw_at": bounds on the boot time of observation i,
                                      i < saw_at_count <= saw_count; neither side = unchecked */
    size_t saw_at_count;
} expect_watcher_t;

typedef struct expect_counter {
    int proxy;
    bool at_end;                /* the value when the run ended (world_results_t.counter_end) */
    size_t sample;              /* else: index into scenario->samples */
    int64_t at_ns;
    expect_bounds_t value;
} expect_counter_t;

typedef struct expect_channel {
    int proxy;
    bool has_received;
    expect_bounds_t received;   /* messages the remote end read */
    bool has_peer_closed;
    bool peer_closed;           /* the remote end saw PEER_CLOSED */
} expect_channel_t;

typedef struct expect_file_read {
    int file;
    size_t read;                /* the n-th read of that file, in record order */
    bool has_status;
    int32_t status;             /* zx_status_t */
    const uint8_t *head;        /* the read's first bytes (at most 32) */
    size_t head_size;
    bool has_checksum;
    uint64_t checksum;          /* FNV-1a 64 of the bytes read */
} expect_file_read_t;

typedef struct expect_latency {
    expect_metric_t metric;
    int proxy;                  /* -1 = every proxy */
    expect_bounds_t stat[EXPECT_STAT_COUNT];
    expect_bounds_t count;      /* messages with both times */
} expect_latency_t;

typedef struct expect_suspend_count {
    expect_bounds_t count;
    bool has_result;            /* count only attempts with this result */
    world_suspend_result_t result;
} expect_suspend_count_t;

typedef struct expect_stats {
    expect_bounds_t success, fail, wakeup;
    expect_bounds_t sleep_ns, operations_ns; /* last_time_in_sleep, ..._in_suspend_operations */
    bool has_last_reason;
    const char *last_reason;    /* NULL = none expected */
} expect_stats_t;

struct expect;

typedef struct expect_violations {
    const char *name;           /* VIOLATION: the invariant that must be violated */
    /* NO_VIOLATIONS added by the loader: the scenario's VIOLATION expectations; a violation
     * they name is tolerated when that expectation applies to the run's manager. */
    const struct expect *const *tolerated;
    size_t tolerated_count;
} expect_violations_t;

typedef struct expect {
    expect_kind_t kind;
    const char *description;        /* the file's, or one generated from the expectation */
    bool implicit;                  /* added by the loader: "no invariant violated" */
    const char *const *managers;    /* applies only to runs of these variants; 0 = any */
    size_t manager_count;
    union {
        expect_suspend_t suspend;
        expect_watcher_t watcher;
        expect_counter_t counter;
        expect_channel_t channel;
        expect_file_read_t file_read;
        expect_latency_t latency;
        expect_suspend_count_t suspend_count;
        expect_stats_t stats;
        expect_violations_t violations;   /* NO_VIOLATIONS and VIOLATION */
    } u;
} expect_t;

/* What a run left, as expectations see it. Everything is borrowed. */
typedef struct run_outcome {
    const world_results_t *results;
    const sim_violation_t *violations;
    size_t violation_count;
    const int64_t *samples;         /* one per scenario sample; INT64_MIN = not sampled */
    const char *manager;            /* the variant that ran */
} run_outcome_t;

typedef struct expect_verdict {
    bool applies;                   /* false: written for other manager variants; skipped */
    bool ok;                        /* meaningful when applies */
    char detail[400];               /* what was found, one line ("" when it simply holds) */
} expect_verdict_t;

/* Whether `e` applies to a run of manager variant `manager` ("managers" of the expectation). */
bool expect_applies(const expect_t *e, const char *manager);
/* Decides `e` on `o`. Pure: reads only its arguments. */
void expect_judge(const expect_t *e, const run_outcome_t *o, expect_verdict_t *v);

/* The values of `metric` over the messages of `proxy` (-1 = all) that have both times, sorted
 * ascending, into `out` (room for results->message_count values); returns how many. */
size_t expect_latency_values(const world_results_t *r, expect_metric_t metric, int proxy,
                             int64_t *out);
/* The nearest-rank percentile `pct` (0..100) of n >= 1 sorted values: the value at rank
 * ceil(pct/100 * n), rank 1 for pct 0. */
int64_t expect_percentile(const int64_t *sorted, size_t n, unsigned pct);
/* The percentile of each EXPECT_STAT_*. */
extern const unsigned expect_stat_pct[EXPECT_STAT_COUNT];

/* A measured time, exactly and briefly: "850ns", "12.345us", "1.5ms", "9.000012s"; negative
 * values get a "-". Spelled as the format's durations, so it can be pasted into a scenario. */
void expect_format_ns(int64_t ns, char *buf, size_t size);
/* "AWAKE ASLEEP AWAKE" for 'A'/'S' observations (cut with "..." to fit). */
void expect_format_watcher(const char *obs, size_t count, char *buf, size_t size);
/* "ZX_ERR_IO" for a zx_status_t, "(UNKNOWN)" if not in ZX_STATUS_MAP. */
const char *expect_status_name(int32_t status);

#endif /* WAKESIM_TOOLS_EXPECT_H */
