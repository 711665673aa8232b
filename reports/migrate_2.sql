-- migrate_2.sql - Schema version 2: the manager-level tables (suspends, messages), the
-- Perfetto-shaped tables (track, slice, counter) and the views that answer suspend-latency
-- and race questions.
--
-- One file serves both ways, so that a migrated file and a new file cannot differ:
-- sim/trace_sqlite_schema.c runs schema.sql, views.sql and every migrate_<n>.sql in order when
-- it creates a file, and runs the migrate_<n>.sql a version-(n-1) file lacks when it opens one
-- (then has the deriver rebuild each finished run already in the file). The tables are filled
-- at each run's end by the deriver (reports/derive.c), from the run's `events` only, exactly
-- as derive_manager.sql specifies. Documented in SCHEMA.md;
-- change this file, SCHEMA.md, SIM_TRACE_SQLITE_SCHEMA_VERSION and tests/reports together.
--
-- Every view has an explicit ORDER BY. Percentiles are computed in exactly one place, the view
-- latency_percentiles (nearest rank with window functions: SQLite 3.40 has no percentile
-- function), over the generic (run_id, metric, value) rows of latency_values.

-- One row per SuspendContainer: the client's request and its reply (world.suspend_request /
-- _reply), and the runner's phases (manager.suspend_phase) of the same attempt. Each phase has
-- its boot and monotonic time; NULL when it did not happen. A phase traced twice keeps its
-- last time.
CREATE TABLE suspends (
    run_id                  INTEGER NOT NULL REFERENCES runs,
    attempt                 INTEGER NOT NULL,
    result                  TEXT NOT NULL,
    resume_reason           TEXT,
    suspend_time_ns         INTEGER,
    channel_closed          INTEGER NOT NULL,
    wake_locks_held         INTEGER,
    wait_status             INTEGER,
    reply_status            INTEGER,
    request_idx             INTEGER,
    sent_boot_ns            INTEGER,
    sent_mono_ns            INTEGER,
    received_boot_ns        INTEGER,
    received_mono_ns        INTEGER,
    worker_picked_boot_ns   INTEGER,
    worker_picked_mono_ns   INTEGER,
    job_frozen_boot_ns      INTEGER,
    job_frozen_mono_ns      INTEGER,
    wake_lock_check_boot_ns INTEGER,
    wake_lock_check_mono_ns INTEGER,
    watchers_asleep_boot_ns INTEGER,
    watchers_asleep_mono_ns INTEGER,
    lease_dropped_boot_ns   INTEGER,
    lease_dropped_mono_ns   INTEGER,
    wait_begun_boot_ns      INTEGER,
    wait_begun_mono_ns      INTEGER,
    woken_boot_ns           INTEGER,
    woken_mono_ns           INTEGER,
    lease_acquired_boot_ns  INTEGER,
    lease_acquired_mono_ns  INTEGER,
    watchers_awake_boot_ns  INTEGER,
    watchers_awake_mono_ns  INTEGER,
    reply_boot_ns           INTEGER,
    reply_mono_ns           INTEGER,
    reply_received_boot_ns  INTEGER,
    reply_received_mono_ns  INTEGER,
    thawed_boot_ns          INTEGER,
    thawed_mono_ns          INTEGER,
    PRIMARY KEY (run_id, attempt)
) WITHOUT ROWID;

-- One row per message a remote peer wrote into a proxied channel, through its life: the
-- world's steps (world.message), the runner's read, counter increment and write into the
-- container (kernel.channel_read/_write and starnix_runner:forward_message...), and when the
-- container first ran after the send (its suspend tokens). Times are boot ns, NULL when the
-- step did not happen.
CREATE TABLE messages (
    run_id                      INTEGER NOT NULL REFERENCES runs,
    message_index               INTEGER NOT NULL,
    proxy                       INTEGER NOT NULL,
    proxy_name                  TEXT,
    sent_idx                    INTEGER NOT NULL,
    sent_boot_ns                INTEGER NOT NULL,
    proxy_read_boot_ns          INTEGER,
    counter_incremented_boot_ns INTEGER,
    forwarded_boot_ns           INTEGER,
    container_read_boot_ns      INTEGER,
    handled_boot_ns             INTEGER,
    decremented_boot_ns         INTEGER,
    container_resumed_boot_ns   INTEGER,
    PRIMARY KEY (run_id, message_index)
) WITHOUT ROWID;

-- Perfetto's track: what a slice or a counter sample belongs to. `id` is unique in the file
-- (run_id * 1000000 + n), so that Perfetto's joins on track_id alone work with many runs.
CREATE TABLE track (
    run_id    INTEGER NOT NULL REFERENCES runs,
    id        INTEGER NOT NULL,
    name      TEXT NOT NULL,
    type      TEXT NOT NULL,
    thread_id INTEGER,
    object_id INTEGER,
    PRIMARY KEY (run_id, id)
) WITHOUT ROWID;

-- Perfetto's slice: an interval on a track, ts and dur in boot ns (dur -1: it had not ended
-- when the run ended). Ids are 0, 1, ... in (ts, track_id, depth) order within the run.
CREATE TABLE slice (
    run_id    INTEGER NOT NULL REFERENCES runs,
    id        INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    dur       INTEGER NOT NULL,
    track_id  INTEGER NOT NULL,
    category  TEXT NOT NULL,
    name      TEXT NOT NULL,
    depth     INTEGER NOT NULL,
    begin_idx INTEGER,
    end_idx   INTEGER,
    PRIMARY KEY (run_id, id)
) WITHOUT ROWID;

-- Perfetto's counter: the value of a counter track from ts (boot ns) on. Ids are 0, 1, ... in
-- (track_id, ts) order within the run, so a track's samples are one contiguous range.
CREATE TABLE counter (
    run_id    INTEGER NOT NULL REFERENCES runs,
    id        INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    track_id  INTEGER NOT NULL,
    value     INTEGER NOT NULL,
    event_idx INTEGER,
    PRIMARY KEY (run_id, id)
) WITHOUT ROWID;

-- The consecutive phases of each attempt in time order: each row is the interval from the
-- previous phase that happened (the request being sent, for the first) to `phase`, whose name
-- it takes. These are the "suspend" slices; suspend_latency pivots them.
CREATE VIEW suspend_phases AS
WITH phases (seq, phase) AS (
    VALUES (0, 'sent'), (1, 'received'), (2, 'worker_picked'), (3, 'job_frozen'),
           (4, 'wake_lock_check'), (5, 'watchers_asleep'), (6, 'lease_dropped'),
           (7, 'wait_begun'), (8, 'woken'), (9, 'lease_acquired'), (10, 'watchers_awake'),
           (11, 'thawed'), (12, 'reply'), (13, 'reply_received')
),
points (run_id, attempt, seq, phase, at_boot_ns, at_mono_ns) AS (
    SELECT s.run_id, s.attempt, p.seq, p.phase,
           CASE p.seq
               WHEN 0 THEN s.sent_boot_ns WHEN 1 THEN s.received_boot_ns
               WHEN 2 THEN s.worker_picked_boot_ns WHEN 3 THEN s.job_frozen_boot_ns
               WHEN 4 THEN s.wake_lock_check_boot_ns WHEN 5 THEN s.watchers_asleep_boot_ns
               WHEN 6 THEN s.lease_dropped_boot_ns WHEN 7 THEN s.wait_begun_boot_ns
               WHEN 8 THEN s.woken_boot_ns WHEN 9 THEN s.lease_acquired_boot_ns
               WHEN 10 THEN s.watchers_awake_boot_ns WHEN 11 THEN s.thawed_boot_ns
               WHEN 12 THEN s.reply_boot_ns WHEN 13 THEN s.reply_received_boot_ns
           END,
           CASE p.seq
               WHEN 0 THEN s.sent_mono_ns WHEN 1 THEN s.received_mono_ns
               WHEN 2 THEN s.worker_picked_mono_ns WHEN 3 THEN s.job_frozen_mono_ns
               WHEN 4 THEN s.wake_lock_check_mono_ns WHEN 5 THEN s.watchers_asleep_mono_ns
               WHEN 6 THEN s.lease_dropped_mono_ns WHEN 7 THEN s.wait_begun_mono_ns
               WHEN 8 THEN s.woken_mono_ns WHEN 9 THEN s.lease_acquired_mono_ns
               WHEN 10 THEN s.watchers_awake_mono_ns WHEN 11 THEN s.thawed_mono_ns
               WHEN 12 THEN s.reply_mono_ns WHEN 13 THEN s.reply_received_mono_ns
           END
    FROM suspends AS s
    CROSS JOIN phases AS p
),
chained AS (
    SELECT run_id, attempt, seq, phase, at_boot_ns, at_mono_ns,
           lag(at_boot_ns) OVER w AS from_boot_ns,
           lag(at_mono_ns) OVER w AS from_mono_ns,
           row_number() OVER w AS position
    FROM points
    WHERE at_boot_ns IS NOT NULL
    WINDOW w AS (PARTITION BY run_id, attempt ORDER BY at_boot_ns, seq)
)
SELECT run_id, attempt, position - 1 AS position, phase, from_boot_ns AS start_boot_ns,
       at_boot_ns AS end_boot_ns, at_boot_ns - from_boot_ns AS dur_ns,
       at_mono_ns - from_mono_ns AS dur_mono_ns
FROM chained
WHERE position > 1
ORDER BY run_id, attempt, position;

-- Per attempt, how long each phase took (the suspend_phases intervals, by the phase they end
-- at: woken_ns is the wait, during which the system may sleep), and three spans across phases:
-- entry (sent to wait_begun), resume (woken to thawed) and total (sent to reply_received).
-- Boot time; NULL where a phase did not happen.
CREATE VIEW suspend_latency AS
SELECT s.run_id, s.attempt, s.result, s.resume_reason,
       max(CASE p.phase WHEN 'received' THEN p.dur_ns END) AS received_ns,
       max(CASE p.phase WHEN 'worker_picked' THEN p.dur_ns END) AS worker_picked_ns,
       max(CASE p.phase WHEN 'job_frozen' THEN p.dur_ns END) AS job_frozen_ns,
       max(CASE p.phase WHEN 'wake_lock_check' THEN p.dur_ns END) AS wake_lock_check_ns,
       max(CASE p.phase WHEN 'watchers_asleep' THEN p.dur_ns END) AS watchers_asleep_ns,
       max(CASE p.phase WHEN 'lease_dropped' THEN p.dur_ns END) AS lease_dropped_ns,
       max(CASE p.phase WHEN 'wait_begun' THEN p.dur_ns END) AS wait_begun_ns,
       max(CASE p.phase WHEN 'woken' THEN p.dur_ns END) AS woken_ns,
       max(CASE p.phase WHEN 'lease_acquired' THEN p.dur_ns END) AS lease_acquired_ns,
       max(CASE p.phase WHEN 'watchers_awake' THEN p.dur_ns END) AS watchers_awake_ns,
       max(CASE p.phase WHEN 'thawed' THEN p.dur_ns END) AS thawed_ns,
       max(CASE p.phase WHEN 'reply' THEN p.dur_ns END) AS reply_ns,
       max(CASE p.phase WHEN 'reply_received' THEN p.dur_ns END) AS reply_received_ns,
       s.wait_begun_boot_ns - s.sent_boot_ns AS entry_ns,
       s.thawed_boot_ns - s.woken_boot_ns AS resume_ns,
       s.reply_received_boot_ns - s.sent_boot_ns AS total_ns
FROM suspends AS s
LEFT JOIN suspend_phases AS p ON p.run_id = s.run_id AND p.attempt = s.attempt
GROUP BY s.run_id, s.attempt
ORDER BY s.run_id, s.attempt;

-- Per message, the latencies `wakesim run` reports (the same names and the same rule: a
-- latency exists when both of its times do and the later is not before the earlier). The
-- wake latencies are sent_to_resumed (the container ran again: at once if it was not frozen)
-- and sent_to_handled.
CREATE VIEW wake_latency AS
SELECT run_id, message_index, proxy, proxy_name, sent_boot_ns,
       container_resumed_boot_ns > sent_boot_ns AS woke_container,
       CASE WHEN counter_incremented_boot_ns >= sent_boot_ns
            THEN counter_incremented_boot_ns - sent_boot_ns END AS sent_to_counted_ns,
       CASE WHEN forwarded_boot_ns >= sent_boot_ns
            THEN forwarded_boot_ns - sent_boot_ns END AS sent_to_forwarded_ns,
       CASE WHEN container_resumed_boot_ns >= sent_boot_ns
            THEN container_resumed_boot_ns - sent_boot_ns END AS sent_to_resumed_ns,
       CASE WHEN container_read_boot_ns >= sent_boot_ns
            THEN container_read_boot_ns - sent_boot_ns END AS sent_to_read_ns,
       CASE WHEN handled_boot_ns >= sent_boot_ns
            THEN handled_boot_ns - sent_boot_ns END AS sent_to_handled_ns,
       CASE WHEN decremented_boot_ns >= sent_boot_ns
            THEN decremented_boot_ns - sent_boot_ns END AS sent_to_decremented_ns,
       CASE WHEN handled_boot_ns >= container_read_boot_ns
            THEN handled_boot_ns - container_read_boot_ns END AS read_to_handled_ns
FROM messages
ORDER BY run_id, message_index;

-- How often each resume reason was given: a reply names its reasons joined with ",", and an
-- attempt counts once for each distinct reason it names.
CREATE VIEW resume_reasons AS
WITH RECURSIVE split (run_id, attempt, reason, rest) AS (
    SELECT run_id, attempt, NULL, resume_reason || ','
    FROM suspends
    WHERE resume_reason IS NOT NULL
    UNION ALL
    SELECT run_id, attempt, trim(substr(rest, 1, instr(rest, ',') - 1)),
           substr(rest, instr(rest, ',') + 1)
    FROM split
    WHERE rest <> ''
)
SELECT run_id, reason, count(DISTINCT attempt) AS attempts, min(attempt) AS first_attempt,
       max(attempt) AS last_attempt
FROM split
WHERE reason IS NOT NULL AND reason <> ''
GROUP BY run_id, reason
ORDER BY run_id, attempts DESC, reason;

-- Attempts that did not end in "ok", by result.
CREATE VIEW suspend_failures AS
SELECT run_id, result, count(*) AS attempts, min(attempt) AS first_attempt,
       max(attempt) AS last_attempt, sum(channel_closed) AS channel_closed
FROM suspends
WHERE result <> 'ok'
GROUP BY run_id, result
ORDER BY run_id, result;

-- The intervals during which the system (counter track system_suspended) and the container
-- (container_frozen) were awake or suspended; the last one ends with the run (NULL while the
-- run is being written).
CREATE VIEW awake_suspended AS
SELECT c.run_id,
       CASE t.name WHEN 'system_suspended' THEN 'system' ELSE 'container' END AS subject,
       CASE WHEN c.value <> 0 THEN 'suspended' ELSE 'awake' END AS state,
       c.ts AS start_boot_ns,
       coalesce(lead(c.ts) OVER w, r.end_time_boot_ns) AS end_boot_ns,
       coalesce(lead(c.ts) OVER w, r.end_time_boot_ns) - c.ts AS dur_ns
FROM counter AS c
JOIN track AS t ON t.run_id = c.run_id AND t.id = c.track_id
JOIN runs AS r ON r.run_id = c.run_id
WHERE t.name IN ('system_suspended', 'container_frozen')
WINDOW w AS (PARTITION BY c.run_id, c.track_id ORDER BY c.id)
ORDER BY c.run_id, subject, start_boot_ns, state;

-- Every latency as a (run_id, metric, value) row, the input of latency_percentiles: the
-- message latencies of wake_latency under their own names, the suspend phases as
-- "suspend.<phase>" and the spans of suspend_latency as "suspend.entry", "suspend.resume" and
-- "suspend.total".
CREATE VIEW latency_values AS
WITH message_metrics (metric) AS (
    VALUES ('sent_to_counted'), ('sent_to_forwarded'), ('sent_to_resumed'), ('sent_to_read'),
           ('sent_to_handled'), ('sent_to_decremented'), ('read_to_handled')
),
span_metrics (metric) AS (
    VALUES ('entry'), ('resume'), ('total')
)
SELECT run_id, metric, value
FROM (
    SELECT w.run_id, m.metric,
           CASE m.metric
               WHEN 'sent_to_counted' THEN w.sent_to_counted_ns
               WHEN 'sent_to_forwarded' THEN w.sent_to_forwarded_ns
               WHEN 'sent_to_resumed' THEN w.sent_to_resumed_ns
               WHEN 'sent_to_read' THEN w.sent_to_read_ns
               WHEN 'sent_to_handled' THEN w.sent_to_handled_ns
               WHEN 'sent_to_decremented' THEN w.sent_to_decremented_ns
               WHEN 'read_to_handled' THEN w.read_to_handled_ns
           END AS value
    FROM wake_latency AS w
    CROSS JOIN message_metrics AS m
    UNION ALL
    SELECT run_id, 'suspend.' || phase, dur_ns FROM suspend_phases
    UNION ALL
    SELECT l.run_id, 'suspend.' || m.metric,
           CASE m.metric
               WHEN 'entry' THEN l.entry_ns WHEN 'resume' THEN l.resume_ns
               WHEN 'total' THEN l.total_ns
           END
    FROM suspend_latency AS l
    CROSS JOIN span_metrics AS m
)
WHERE value IS NOT NULL
ORDER BY run_id, metric, value;

-- The one place percentiles are computed: count, min, nearest-rank p50, p90 and p99 (the value
-- at rank ceil(p/100 * count)), and max of every metric of latency_values, per run. The same
-- rule as `wakesim run` (tools/expect_judge.c expect_percentile), so the figures agree.
CREATE VIEW latency_percentiles AS
WITH ranked AS (
    SELECT run_id, metric, value,
           row_number() OVER (PARTITION BY run_id, metric ORDER BY value) AS rank,
           count(*) OVER (PARTITION BY run_id, metric) AS n
    FROM latency_values
)
SELECT run_id, metric, n AS count, min(value) AS min,
       max(CASE WHEN rank = max(1, (50 * n + 99) / 100) THEN value END) AS p50,
       max(CASE WHEN rank = max(1, (90 * n + 99) / 100) THEN value END) AS p90,
       max(CASE WHEN rank = max(1, (99 * n + 99) / 100) THEN value END) AS p99,
       max(value) AS max
FROM ranked
GROUP BY run_id, metric
ORDER BY run_id, metric;

PRAGMA user_version = 2;
