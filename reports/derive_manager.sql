-- derive_manager.sql - Builds a run's suspends, messages, track, slice and counter rows from
-- its `events` (schema version 2, migrate_2.sql), after derive_sim.sql (it reads `objects`
-- and `threads`).
--
-- The specification of these tables: reports/derive.c builds them in C, during each run and
-- when a run is rebuilt or a version-1 file migrated, and must give exactly this script's rows
-- (tests/reports/test_derive.c runs both on every shipped scenario and compares them cell by
-- cell). Run it by hand with :run_id bound, e.g. in the sqlite3 shell (reports/SCHEMA.md).
-- Idempotent: it first deletes what it builds. The layers' kinds are numbered in
-- their X-macro tables (kernel.h KERNEL_TRACE_KINDS, manager.h MANAGER_TRACE_KINDS, world.h
-- WORLD_TRACE_KINDS), whose argument docs each statement below cites; a kind is used only if
-- the run spelled it as expected (temp.wanted), so a run of another layer that reuses a number
-- derives nothing from it.
--
-- Cost. One pass over the run's range of `events` (the clustered key) copies the few kinds
-- used here into temp.ev, clustered on (kind, idx); every later statement reads temp.ev or a
-- smaller temporary table through a key, and pairs events with window functions (sorts), never
-- with a search per row over the run. So the step is O(n log n) in the run's events, with
-- small constants: see SCHEMA.md "How the file is written" for the measured cost.

-- ---- The kinds this script reads, as this run spelled them -----------------------------------

DROP TABLE IF EXISTS temp.wanted;
CREATE TEMP TABLE wanted (kind INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL);
-- role: 'duration' = an upstream fuchsia_trace::duration! (arg[3] = 1 begin, 0 end, the same
-- kind), 'instant' = an upstream instant event, 'event' = anything else.
INSERT INTO temp.wanted (kind, name, role)
WITH expected (kind, name, role) AS (
    VALUES (100, 'kernel.syscall', 'event'), (102, 'kernel.block', 'event'),
           (103, 'kernel.wake', 'event'), (104, 'kernel.suspend_token_create', 'event'),
           (105, 'kernel.suspend_token_close', 'event'), (112, 'kernel.burn', 'event'),
           (200, 'kernel.channel_write', 'event'), (201, 'kernel.channel_read', 'event'),
           (252, 'kernel.page_wait', 'event'), (253, 'kernel.page_wake', 'event'),
           (302, 'kernel.mutex_acquire', 'event'), (303, 'kernel.mutex_unlock', 'event'),
           (400, 'starnix-runner:suspending-container', 'duration'),
           (401, 'starnix-runner:suspend-failed-actual', 'instant'),
           (402, 'starnix-runner:suspend-failed-with-wake-locks', 'instant'),
           (403, 'starnix-runner:waiting-on-container-wake', 'duration'),
           (404, 'starnix-runner:suspend_kernel', 'duration'),
           (405, 'starnix-runner:drop-application-activity-lease', 'instant'),
           (406, 'starnix-runner:acquire-application-activity-lease', 'duration'),
           (410, 'starnix_runner:start_proxy:loop:enter', 'instant'),
           (411, 'starnix_runner:start_proxy:wait_for_messages', 'duration'),
           (412, 'starnix_runner:start_proxy:container_readable', 'instant'),
           (413, 'starnix_runner:start_proxy:remote_readable', 'instant'),
           (414, 'starnix_runner:start_proxy:result:error', 'instant'),
           (415, 'starnix_runner:start_proxy:loop:exit', 'instant'),
           (416, 'starnix_runner:forward_message', 'duration'),
           (417, 'starnix_runner:forward_message:counter_incremented', 'instant'),
           (420, 'starnix:pager:file_register', 'instant'),
           (421, 'starnix:pager:vmo_read', 'duration'),
           (422, 'starnix:pager:vmo_complete', 'duration'),
           (423, 'starnix:pager:signal_zero_children', 'duration'),
           (432, 'manager.suspend_phase', 'event'), (500, 'world.system_suspend', 'event'),
           (502, 'world.system_resume', 'event'), (503, 'world.lease', 'event'),
           (505, 'world.suspend_request', 'event'), (506, 'world.suspend_reply', 'event'),
           (507, 'world.message', 'event'), (508, 'world.watcher', 'event'),
           (509, 'world.wake_lock', 'event'), (513, 'world.peer', 'event')
)
SELECT x.kind, x.name, x.role
FROM expected AS x
JOIN kinds AS k ON k.run_id = :run_id AND k.kind = x.kind AND k.name = x.name
ORDER BY x.kind;

-- ---- The run's events of those kinds: the only scan of `events` --------------------------------

DROP TABLE IF EXISTS temp.ev;
CREATE TEMP TABLE ev (
    kind      INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    tb        INTEGER NOT NULL, -- time_boot_ns
    tm        INTEGER NOT NULL, -- time_mono_ns
    thread_id INTEGER NOT NULL,
    object    INTEGER NOT NULL,
    a0        INTEGER NOT NULL,
    a1        INTEGER NOT NULL,
    a2        INTEGER NOT NULL,
    a3        INTEGER NOT NULL,
    status    INTEGER NOT NULL,
    text      TEXT,
    PRIMARY KEY (kind, idx)
) WITHOUT ROWID;
-- Of kernel.syscall only the counter syscalls (the proxies' message counters) are kept, of
-- kernel.burn only the bursts of user code (a syscall's own cost is most of the run's events
-- and would more than double the slices; it stays in `events`).
INSERT INTO temp.ev
SELECT kind, idx, time_boot_ns, time_mono_ns, thread_id, object, arg0, arg1, arg2, arg3,
       status, text
FROM events
WHERE run_id = :run_id AND kind >= 100 AND kind IN (SELECT kind FROM temp.wanted)
  AND (kind <> 100 OR text IN ('zx_counter_add', 'zx_counter_write'))
  AND (kind <> 112 OR arg1 = 1)
ORDER BY idx;

-- ---- suspends ----------------------------------------------------------------------------------

-- Points of an attempt: manager.suspend_phase (432) arg0 = phase 1..12, arg1 = attempt,
-- arg2/status/text per phase (manager.h MANAGER_SUSPEND_PHASES); the client's
-- world.suspend_request (505) as phase 0 and world.suspend_reply (506) as phase 13, arg0 = the
-- record index (attempt - 1: the world sends one request at a time, so the runner numbers them
-- in the same order), reply status = world_suspend_result_t, arg1 = suspend_time or -1, text =
-- reason. A point traced twice keeps its last event, as the world's records do.
DELETE FROM suspends WHERE run_id = :run_id;
INSERT INTO suspends (
    run_id, attempt, result, resume_reason, suspend_time_ns, channel_closed, wake_locks_held,
    wait_status, reply_status, request_idx, sent_boot_ns, sent_mono_ns, received_boot_ns,
    received_mono_ns, worker_picked_boot_ns, worker_picked_mono_ns, job_frozen_boot_ns,
    job_frozen_mono_ns, wake_lock_check_boot_ns, wake_lock_check_mono_ns,
    watchers_asleep_boot_ns, watchers_asleep_mono_ns, lease_dropped_boot_ns,
    lease_dropped_mono_ns, wait_begun_boot_ns, wait_begun_mono_ns, woken_boot_ns, woken_mono_ns,
    lease_acquired_boot_ns, lease_acquired_mono_ns, watchers_awake_boot_ns,
    watchers_awake_mono_ns, reply_boot_ns, reply_mono_ns, reply_received_boot_ns,
    reply_received_mono_ns, thawed_boot_ns, thawed_mono_ns)
WITH points AS (
    SELECT a1 AS attempt, a0 AS phase, idx, tb, tm, a1 AS value, a2 AS detail, status, text
    FROM temp.ev
    WHERE kind = 432 AND a1 > 0 AND a0 BETWEEN 1 AND 12
    UNION ALL
    SELECT a0 + 1, CASE kind WHEN 505 THEN 0 ELSE 13 END, idx, tb, tm, a1, a2, status, text
    FROM temp.ev
    WHERE kind IN (505, 506) AND a0 >= 0
),
last AS (
    SELECT attempt, phase, idx, tb, tm, value, detail, status, text,
           row_number() OVER (PARTITION BY attempt, phase ORDER BY idx DESC) AS newest
    FROM points
),
pivot AS (
    SELECT attempt,
           max(phase = 0) AS has_request,
           max(CASE phase WHEN 13 THEN status END) AS client_result,
           max(CASE phase WHEN 13 THEN value END) AS client_suspend_time,
           max(CASE phase WHEN 13 THEN text END) AS client_reason,
           max(CASE phase WHEN 11 THEN status END) AS reply_status,
           max(CASE phase WHEN 11 THEN text END) AS reply_reason,
           max(CASE phase WHEN 4 THEN detail END) AS wake_locks_held,
           max(CASE phase WHEN 8 THEN status END) AS wait_status,
           max(CASE phase WHEN 0 THEN idx END) AS request_idx,
           max(CASE phase WHEN 0 THEN tb END) AS t0b, max(CASE phase WHEN 0 THEN tm END) AS t0m,
           max(CASE phase WHEN 1 THEN tb END) AS t1b, max(CASE phase WHEN 1 THEN tm END) AS t1m,
           max(CASE phase WHEN 2 THEN tb END) AS t2b, max(CASE phase WHEN 2 THEN tm END) AS t2m,
           max(CASE phase WHEN 3 THEN tb END) AS t3b, max(CASE phase WHEN 3 THEN tm END) AS t3m,
           max(CASE phase WHEN 4 THEN tb END) AS t4b, max(CASE phase WHEN 4 THEN tm END) AS t4m,
           max(CASE phase WHEN 5 THEN tb END) AS t5b, max(CASE phase WHEN 5 THEN tm END) AS t5m,
           max(CASE phase WHEN 6 THEN tb END) AS t6b, max(CASE phase WHEN 6 THEN tm END) AS t6m,
           max(CASE phase WHEN 7 THEN tb END) AS t7b, max(CASE phase WHEN 7 THEN tm END) AS t7m,
           max(CASE phase WHEN 8 THEN tb END) AS t8b, max(CASE phase WHEN 8 THEN tm END) AS t8m,
           max(CASE phase WHEN 9 THEN tb END) AS t9b, max(CASE phase WHEN 9 THEN tm END) AS t9m,
           max(CASE phase WHEN 10 THEN tb END) AS t10b,
           max(CASE phase WHEN 10 THEN tm END) AS t10m,
           max(CASE phase WHEN 11 THEN tb END) AS t11b,
           max(CASE phase WHEN 11 THEN tm END) AS t11m,
           max(CASE phase WHEN 12 THEN tb END) AS t12b,
           max(CASE phase WHEN 12 THEN tm END) AS t12m,
           max(CASE phase WHEN 13 THEN tb END) AS t13b,
           max(CASE phase WHEN 13 THEN tm END) AS t13m
    FROM last
    WHERE newest = 1
    GROUP BY attempt
)
-- The result is the client's when the world sent the request (no reply: 'no_reply'), else
-- the runner's reply status (0 ok, 1 and 2 SuspendError, ZX_ERR_CANCELED: no reply).
SELECT :run_id, attempt,
       CASE CASE WHEN has_request THEN client_result ELSE reply_status END
           WHEN 0 THEN 'ok' WHEN 1 THEN 'wake_locks_exist' WHEN 2 THEN 'suspend_failure'
           ELSE 'no_reply'
       END,
       CASE WHEN has_request THEN client_reason ELSE reply_reason END,
       CASE WHEN has_request AND client_suspend_time >= 0 THEN client_suspend_time END,
       coalesce(client_result = 3, 0), wake_locks_held, wait_status, reply_status, request_idx,
       t0b, t0m, t1b, t1m, t2b, t2m, t3b, t3m, t4b, t4m, t5b, t5m, t6b, t6m, t7b, t7m, t8b, t8m,
       t9b, t9m, t10b, t10m, t11b, t11m, t13b, t13m, t12b, t12m
FROM pivot
ORDER BY attempt;

-- ---- messages ----------------------------------------------------------------------------------

-- world.peer (513): arg0 = proxy index, text = the proxy's name.
DROP TABLE IF EXISTS temp.proxies;
CREATE TEMP TABLE proxies (proxy INTEGER PRIMARY KEY, name TEXT);
INSERT INTO temp.proxies (proxy, name)
SELECT a0, max(text) FROM temp.ev WHERE kind = 513 GROUP BY a0 ORDER BY a0;

-- world.message (507) step SENT (arg2 = 0): arg0 = message index, arg1 = proxy. The world
-- traces it right after its zx_channel_write returned, so the kernel.channel_write (200) just
-- before it on the same thread is the message's: its object is the queue the runner's proxy
-- reads (the endpoint that holds the message, kernel.h CHANNEL_WRITE).
DROP TABLE IF EXISTS temp.sent;
CREATE TEMP TABLE sent (
    message_index INTEGER PRIMARY KEY,
    proxy         INTEGER NOT NULL,
    idx           INTEGER NOT NULL,
    tb            INTEGER NOT NULL,
    queue         INTEGER
);
INSERT INTO temp.sent (message_index, proxy, idx, tb, queue)
SELECT s.a0, s.a1, s.idx, s.tb,
       (SELECT w.object FROM temp.ev AS w
        WHERE w.kind = 200 AND w.idx < s.idx AND w.thread_id = s.thread_id
        ORDER BY w.idx DESC LIMIT 1)
FROM (SELECT a0, a1, min(idx) AS idx, tb, thread_id
      FROM temp.ev WHERE kind = 507 AND a2 = 0 GROUP BY a0) AS s
ORDER BY s.a0;

DROP TABLE IF EXISTS temp.queues;
CREATE TEMP TABLE queues (object INTEGER PRIMARY KEY, proxy INTEGER NOT NULL);
INSERT INTO temp.queues (object, proxy)
SELECT queue, min(proxy) FROM temp.sent WHERE queue IS NOT NULL GROUP BY queue ORDER BY queue;

-- The runner's forward_message (416, a duration on the proxy thread, which never awaits inside
-- it) moves one message: kernel.channel_read (201) from a queue, for a message entering the
-- container the counter increment (417), then kernel.channel_write (200) into the container's
-- channel. Spans are numbered per thread; `open` > 0 inside a span.
DROP TABLE IF EXISTS temp.forwards;
CREATE TEMP TABLE forwards (
    proxy    INTEGER NOT NULL,
    k        INTEGER NOT NULL, -- 1, 2, ...: the k-th message of the proxy
    read_tb  INTEGER,
    count_tb INTEGER,
    write_tb INTEGER,
    PRIMARY KEY (proxy, k)
) WITHOUT ROWID;
INSERT INTO temp.forwards (proxy, k, read_tb, count_tb, write_tb)
WITH marked AS (
    SELECT thread_id, idx, kind, tb, object,
           sum(kind = 416 AND a3 = 1) OVER t AS span,
           sum(CASE WHEN kind <> 416 THEN 0 WHEN a3 = 1 THEN 1 ELSE -1 END) OVER t AS open
    FROM temp.ev
    WHERE kind IN (200, 201, 416, 417)
    WINDOW t AS (PARTITION BY thread_id ORDER BY idx ROWS UNBOUNDED PRECEDING)
),
spans AS (
    SELECT thread_id, span,
           min(CASE kind WHEN 201 THEN idx END) AS read_idx,
           min(CASE kind WHEN 201 THEN object END) AS read_object,
           min(CASE kind WHEN 201 THEN tb END) AS read_tb,
           max(CASE kind WHEN 417 THEN tb END) AS count_tb,
           min(CASE kind WHEN 200 THEN tb END) AS write_tb
    FROM marked
    WHERE open > 0 AND span > 0 AND kind <> 416
    GROUP BY thread_id, span
)
SELECT q.proxy, row_number() OVER (PARTITION BY q.proxy ORDER BY s.read_idx), s.read_tb,
       s.count_tb, s.write_tb
FROM spans AS s
JOIN temp.queues AS q ON q.object = s.read_object
ORDER BY 1, 2;

-- The container is frozen while a suspend token of one of its processes is open
-- (kernel.suspend_token_create/_close 104/105, arg0 = task koid; only the runner suspends
-- processes, those of the container's job). Changes of that state, numbered 1, 2, ...
DROP TABLE IF EXISTS temp.frozen;
CREATE TEMP TABLE frozen (
    n      INTEGER PRIMARY KEY,
    idx    INTEGER NOT NULL,
    tb     INTEGER NOT NULL,
    frozen INTEGER NOT NULL
);
INSERT INTO temp.frozen (n, idx, tb, frozen)
WITH tokens AS (
    SELECT t.idx, t.tb, CASE t.kind WHEN 104 THEN 1 ELSE -1 END AS delta
    FROM temp.ev AS t
    JOIN objects AS o ON o.run_id = :run_id AND o.object_id = t.a0 AND o.type_name = 'process'
    WHERE t.kind IN (104, 105)
),
counted AS (
    SELECT idx, tb, sum(delta) OVER (ORDER BY idx ROWS UNBOUNDED PRECEDING) > 0 AS frozen
    FROM tokens
),
changes AS (
    SELECT idx, tb, frozen, coalesce(lag(frozen) OVER (ORDER BY idx), 0) AS before
    FROM counted
)
SELECT row_number() OVER (ORDER BY idx), idx, tb, frozen
FROM changes
WHERE frozen <> before
ORDER BY idx;

-- The container runs again for a message at its sending if it was not frozen then, else at
-- the next thaw: each sent message is placed among the changes by a running count.
DROP TABLE IF EXISTS temp.resumed;
CREATE TEMP TABLE resumed (message_index INTEGER PRIMARY KEY, tb INTEGER);
INSERT INTO temp.resumed (message_index, tb)
WITH merged AS (
    SELECT idx, NULL AS message_index FROM temp.frozen
    UNION ALL
    SELECT idx, message_index FROM temp.sent
),
placed AS (
    SELECT message_index,
           count(*) FILTER (WHERE message_index IS NULL)
               OVER (ORDER BY idx ROWS UNBOUNDED PRECEDING) AS n
    FROM merged
)
SELECT p.message_index, CASE WHEN f.frozen THEN next.tb ELSE s.tb END
FROM placed AS p
JOIN temp.sent AS s ON s.message_index = p.message_index
LEFT JOIN temp.frozen AS f ON f.n = p.n
LEFT JOIN temp.frozen AS next ON next.n = p.n + 1
WHERE p.message_index IS NOT NULL
ORDER BY p.message_index;

-- The world's steps of each message (507: arg2 = 1 read by the container, 2 handled, 3 counter
-- decremented), and the k-th forward of its proxy for its k-th message (channels are FIFO and
-- the proxy moves one message per forward_message).
DELETE FROM messages WHERE run_id = :run_id;
INSERT INTO messages (
    run_id, message_index, proxy, proxy_name, sent_idx, sent_boot_ns, proxy_read_boot_ns,
    counter_incremented_boot_ns, forwarded_boot_ns, container_read_boot_ns, handled_boot_ns,
    decremented_boot_ns, container_resumed_boot_ns)
WITH numbered AS (
    SELECT message_index, proxy, idx, tb,
           row_number() OVER (PARTITION BY proxy ORDER BY message_index) AS k
    FROM temp.sent
),
steps AS (
    SELECT a0 AS message_index,
           max(CASE a2 WHEN 1 THEN tb END) AS read_tb,
           max(CASE a2 WHEN 2 THEN tb END) AS handled_tb,
           max(CASE a2 WHEN 3 THEN tb END) AS decremented_tb
    FROM temp.ev
    WHERE kind = 507 AND a2 > 0
    GROUP BY a0
)
SELECT :run_id, n.message_index, n.proxy, p.name, n.idx, n.tb, f.read_tb, f.count_tb,
       f.write_tb, st.read_tb, st.handled_tb, st.decremented_tb, r.tb
FROM numbered AS n
LEFT JOIN temp.proxies AS p ON p.proxy = n.proxy
LEFT JOIN temp.forwards AS f ON f.proxy = n.proxy AND f.k = n.k
LEFT JOIN steps AS st ON st.message_index = n.message_index
LEFT JOIN temp.resumed AS r ON r.message_index = n.message_index
ORDER BY n.message_index;

-- ---- slice: intervals, each with the key of its track ('thread:<id>', 'process:<koid>',
-- 'global:<name>') --------------------------------------------------------------------------------

DROP TABLE IF EXISTS temp.sl;
CREATE TEMP TABLE sl (
    n         INTEGER PRIMARY KEY, -- insertion order, a tie-break for the depth
    tk        TEXT NOT NULL,
    ts        INTEGER NOT NULL,
    dur       INTEGER NOT NULL,    -- -1: not ended
    category  TEXT NOT NULL,
    name      TEXT NOT NULL,
    begin_idx INTEGER,
    end_idx   INTEGER
);

-- Begin/end pairs traced as two kinds or a flag: an upstream duration (arg3 = 1 begin, 0 end,
-- keyed by thread, object and name), kernel.block/kernel.wake (102/103: keyed by thread, object
-- waited on, reason, deadline and park mode, kernel.h BLOCK) and kernel.page_wait/_wake
-- (252/253: thread, VMO, command, offset). A begin pairs with the next event of its key when
-- that is an end; else it stays open (dur -1). (Two tasks of one thread waiting on the same key
-- at once would pair out of order; no shipped scenario does, and pairing by rank instead costs
-- a join of every edge.)
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
WITH edge AS (
    SELECT e.kind AS pair, e.a3 AS is_begin, e.thread_id, e.object AS k1, 0 AS k2, 0 AS k3,
           0 AS k4, e.text AS ktext, e.idx, e.tb, e.a0, e.a2
    FROM temp.ev AS e
    JOIN temp.wanted AS w ON w.kind = e.kind AND w.role = 'duration'
    WHERE e.a3 IN (0, 1)
    UNION ALL
    SELECT 102, kind = 102, thread_id, object, a0, a1, a2, NULL, idx, tb, a0, a2
    FROM temp.ev WHERE kind IN (102, 103)
    UNION ALL
    SELECT 252, kind = 252, thread_id, object, a0, a1, 0, NULL, idx, tb, a0, a2
    FROM temp.ev WHERE kind IN (252, 253)
),
paired AS (
    SELECT pair, is_begin, thread_id, idx, tb, a0, a2,
           lead(is_begin) OVER k AS next_is_begin, lead(idx) OVER k AS next_idx,
           lead(tb) OVER k AS next_tb
    FROM edge
    WINDOW k AS (PARTITION BY pair, thread_id, k1, k2, k3, k4, ktext ORDER BY idx)
)
SELECT 'thread:' || thread_id, tb, CASE next_is_begin WHEN 0 THEN next_tb - tb ELSE -1 END,
       CASE pair WHEN 102 THEN 'wait' WHEN 252 THEN 'pager' ELSE 'manager' END,
       CASE pair
           WHEN 252 THEN CASE a0 WHEN 0 THEN 'page_in' ELSE 'page_dirty' END
           WHEN 102 THEN
               CASE WHEN a0 = 0 THEN 'suspended'
               ELSE CASE a2 WHEN 1 THEN 'await:' ELSE 'blocked:' END ||
                    CASE a0
                        WHEN 259 THEN 'exception' WHEN 515 THEN 'sleeping'
                        WHEN 771 THEN 'futex' WHEN 1027 THEN 'port'
                        WHEN 1283 THEN 'channel' WHEN 1539 THEN 'wait_one'
                        WHEN 1795 THEN 'wait_many' WHEN 2051 THEN 'interrupt'
                        WHEN 2307 THEN 'pager' ELSE 'other'
                    END
               END
           ELSE (SELECT w.name FROM temp.wanted AS w WHERE w.kind = pair)
       END,
       idx, CASE next_is_begin WHEN 0 THEN next_idx END
FROM paired
WHERE is_begin = 1
ORDER BY idx;

-- Upstream instant events: slices of no duration, as Perfetto shows instants.
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
SELECT 'thread:' || e.thread_id, e.tb, 0, 'manager', w.name, e.idx, e.idx
FROM temp.ev AS e
JOIN temp.wanted AS w ON w.kind = e.kind AND w.role = 'instant'
ORDER BY e.idx;

-- kernel.burn (112) with arg1 = 1: a CPU burst of user code, arg0 ns of monotonic time from
-- the event on.
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
SELECT 'thread:' || thread_id, tb, a0, 'cpu', 'cpu', idx, NULL
FROM temp.ev
WHERE kind = 112
ORDER BY idx;

-- Mutex holds: kernel.mutex_acquire (302) to the next kernel.mutex_unlock (303) of the same
-- mutex (text), on the acquiring thread (mutex.c: the hold interval).
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
SELECT 'thread:' || thread_id, tb, CASE WHEN next_kind = 303 THEN next_tb - tb ELSE -1 END,
       'mutex', 'mutex:' || coalesce(text, ''), idx, CASE WHEN next_kind = 303 THEN next_idx END
FROM (SELECT kind, idx, tb, thread_id, text,
             lead(kind) OVER m AS next_kind, lead(tb) OVER m AS next_tb,
             lead(idx) OVER m AS next_idx
      FROM temp.ev
      WHERE kind IN (302, 303)
      WINDOW m AS (PARTITION BY text ORDER BY idx))
WHERE kind = 302
ORDER BY idx;

-- Suspend tokens (104/105, object = token koid, arg0 = task koid): from zx_task_suspend to
-- the token's close, on the task's process track (or its thread's track).
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
SELECT CASE WHEN o.thread_id IS NOT NULL THEN 'thread:' || o.thread_id
            ELSE 'process:' || t.task END,
       t.created_tb, coalesce(t.closed_tb - t.created_tb, -1), 'task', 'suspend_token',
       t.created_idx, t.closed_idx
FROM (SELECT object, max(CASE kind WHEN 104 THEN a0 END) AS task,
             min(CASE kind WHEN 104 THEN idx END) AS created_idx,
             min(CASE kind WHEN 104 THEN tb END) AS created_tb,
             max(CASE kind WHEN 105 THEN idx END) AS closed_idx,
             max(CASE kind WHEN 105 THEN tb END) AS closed_tb
      FROM temp.ev
      WHERE kind IN (104, 105)
      GROUP BY object) AS t
LEFT JOIN objects AS o ON o.run_id = :run_id AND o.object_id = t.task
WHERE t.created_idx IS NOT NULL
ORDER BY t.created_idx;

-- Each SuspendContainer from its request to its reply's reception (or the runner's reply),
-- and its phases (the suspend_phases view), on the global track "SuspendContainer".
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
SELECT 'global:SuspendContainer', coalesce(sent_boot_ns, received_boot_ns),
       coalesce(coalesce(reply_received_boot_ns, reply_boot_ns)
                - coalesce(sent_boot_ns, received_boot_ns), -1),
       'suspend', 'SuspendContainer', request_idx, NULL
FROM suspends
WHERE run_id = :run_id AND coalesce(sent_boot_ns, received_boot_ns) IS NOT NULL
ORDER BY attempt;
INSERT INTO temp.sl (tk, ts, dur, category, name, begin_idx, end_idx)
SELECT 'global:SuspendContainer', start_boot_ns, dur_ns, 'suspend', phase, NULL, NULL
FROM suspend_phases
WHERE run_id = :run_id
ORDER BY attempt, position;

-- ---- counter samples, each with the name of its track ------------------------------------------

DROP TABLE IF EXISTS temp.cs;
CREATE TEMP TABLE cs (
    name   TEXT NOT NULL,
    object INTEGER,
    ts     INTEGER NOT NULL,
    value  INTEGER NOT NULL,
    idx    INTEGER -- NULL for the initial value
);

-- The world's state counters start at 0 at boot time 0 when the world ran (any world kind).
INSERT INTO temp.cs (name, object, ts, value, idx)
WITH state (name) AS (
    VALUES ('system_suspended'), ('container_frozen'), ('wake_locks'), ('leases')
)
SELECT name, NULL, 0, 0, NULL
FROM state
WHERE EXISTS (SELECT 1 FROM temp.ev WHERE kind >= 500)
ORDER BY name;

-- world.system_suspend (500) and world.system_resume (502): 1 while the system is suspended.
INSERT INTO temp.cs (name, object, ts, value, idx)
SELECT 'system_suspended', NULL, tb, kind = 500, idx
FROM temp.ev
WHERE kind IN (500, 502)
ORDER BY idx;

-- The container's frozen state (temp.frozen above): 1 while frozen.
INSERT INTO temp.cs (name, object, ts, value, idx)
SELECT 'container_frozen', NULL, tb, frozen, idx FROM temp.frozen ORDER BY n;

-- world.wake_lock (509) and world.lease (503): arg1 = how many are held after the event.
INSERT INTO temp.cs (name, object, ts, value, idx)
SELECT CASE kind WHEN 509 THEN 'wake_locks' ELSE 'leases' END, NULL, tb, a1, idx
FROM temp.ev
WHERE kind IN (503, 509)
ORDER BY idx;

-- world.watcher (508): arg1 = 'A' (65, AWAKE: 1) or 'S' (83, ASLEEP: 0), text = its name.
INSERT INTO temp.cs (name, object, ts, value, idx)
SELECT 'watcher:' || coalesce(text, a0), NULL, tb, a1 = 65, idx
FROM temp.ev
WHERE kind = 508 AND a1 IN (65, 83)
ORDER BY idx;

-- A proxy's message counter, from the successful counter syscalls on its koid (kernel.syscall
-- zx_counter_add: arg1 = the new value; zx_counter_write: arg0 = the value), whoever made them.
-- The counter is named by the proxy whose forward_message:counter_incremented (417, text =
-- the proxy's name) directly follows an add on it, on the same thread; else by its koid.
DROP TABLE IF EXISTS temp.counters;
CREATE TEMP TABLE counters (object INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO temp.counters (object, name)
SELECT c.object, 'message_counter:' || coalesce(min(n.proxy_name), c.object)
FROM (SELECT DISTINCT object FROM temp.ev WHERE kind = 100 AND status = 0) AS c
LEFT JOIN (SELECT i.text AS proxy_name,
                  (SELECT a.object FROM temp.ev AS a
                   WHERE a.kind = 100 AND a.idx < i.idx AND a.thread_id = i.thread_id
                   ORDER BY a.idx DESC LIMIT 1) AS object
           FROM (SELECT text, min(idx) AS idx, thread_id
                 FROM temp.ev WHERE kind = 417 GROUP BY text) AS i) AS n
       ON n.object = c.object
GROUP BY c.object
ORDER BY c.object;

INSERT INTO temp.cs (name, object, ts, value, idx)
SELECT c.name, o.object_id, o.created_boot_ns, 0, NULL
FROM temp.counters AS c
JOIN objects AS o ON o.run_id = :run_id AND o.object_id = c.object
WHERE o.created_boot_ns IS NOT NULL
ORDER BY c.object;
INSERT INTO temp.cs (name, object, ts, value, idx)
SELECT c.name, e.object, e.tb, CASE e.text WHEN 'zx_counter_add' THEN e.a1 ELSE e.a0 END, e.idx
FROM temp.ev AS e
JOIN temp.counters AS c ON c.object = e.object
WHERE e.kind = 100 AND e.status = 0
ORDER BY e.idx;

-- ---- track: global tracks, process tracks, thread tracks, counter tracks, in this order ------

DROP TABLE IF EXISTS temp.trk;
CREATE TEMP TABLE trk (
    tk        TEXT PRIMARY KEY,
    id        INTEGER NOT NULL,
    name      TEXT NOT NULL,
    type      TEXT NOT NULL,
    thread_id INTEGER,
    object_id INTEGER
);
INSERT INTO temp.trk (tk, id, name, type, thread_id, object_id)
WITH keys AS (
    SELECT DISTINCT tk FROM temp.sl
),
tracks (tk, rank, name, type, thread_id, object_id) AS (
    SELECT tk, 0, substr(tk, 8), 'global', NULL, NULL
    FROM keys WHERE tk LIKE 'global:%'
    UNION ALL
    SELECT k.tk, 1, coalesce(o.name, o.type_name, 'process'), 'process', NULL,
           CAST(substr(k.tk, 9) AS INTEGER)
    FROM keys AS k
    LEFT JOIN objects AS o ON o.run_id = :run_id AND o.object_id = CAST(substr(k.tk, 9) AS INTEGER)
    WHERE k.tk LIKE 'process:%'
    UNION ALL
    SELECT 'thread:' || t.thread_id, 2, coalesce(max(t.name), '(no thread)'), 'thread',
           t.thread_id, NULL
    FROM (SELECT thread_id, name FROM threads WHERE run_id = :run_id
          UNION
          SELECT CAST(substr(tk, 8) AS INTEGER), NULL FROM keys WHERE tk LIKE 'thread:%') AS t
    GROUP BY t.thread_id
    UNION ALL
    SELECT 'counter:' || name, 3, name, 'counter', NULL, max(object)
    FROM temp.cs GROUP BY name
)
SELECT tk, :run_id * 1000000 + row_number() OVER (ORDER BY rank, thread_id, object_id, name),
       name, type, thread_id, object_id
FROM tracks
ORDER BY 2;

DELETE FROM track WHERE run_id = :run_id;
INSERT INTO track (run_id, id, name, type, thread_id, object_id)
SELECT :run_id, id, name, type, thread_id, object_id FROM temp.trk ORDER BY id;

-- ---- slice, with its depth -------------------------------------------------------------------

-- The depth of a slice is how many slices of its track are open when it begins (Perfetto's
-- nesting depth where slices nest; for a thread running several tasks, whose awaits overlap,
-- a lane number). One sweep per track over the starts (+1) and ends (-1) in time order: at the
-- same time ends come first, then slices of no duration (each ending right after it starts),
-- then the others, longer first; an unfinished slice (-1) never ends.
DROP TABLE IF EXISTS temp.placed;
CREATE TEMP TABLE placed (
    n        INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL,
    ts       INTEGER NOT NULL,
    dur      INTEGER NOT NULL,
    depth    INTEGER
);
INSERT INTO temp.placed (n, track_id, ts, dur)
SELECT s.n, t.id, s.ts, s.dur
FROM temp.sl AS s
JOIN temp.trk AS t ON t.tk = s.tk
ORDER BY s.n;

DROP TABLE IF EXISTS temp.depths;
CREATE TEMP TABLE depths (n INTEGER PRIMARY KEY, depth INTEGER NOT NULL);
INSERT INTO temp.depths (n, depth)
WITH marks AS (
    -- One sort key: 4 * time, then 0 for an end, 2 for the start (and end) of a slice of no
    -- duration, 3 for another start (times stay far below 2^61 ns); then longer first, then
    -- the slice's order, a no-duration slice ending right after its own start.
    SELECT track_id, n, ts * 4 + 2 + (dur <> 0) AS at,
           CASE WHEN dur < 0 THEN -9223372036854775807 ELSE -dur END AS longest,
           n * 2 AS tie, 1 AS delta
    FROM temp.placed
    UNION ALL
    SELECT track_id, NULL, CASE WHEN dur = 0 THEN ts * 4 + 2 ELSE (ts + dur) * 4 END, 0,
           CASE WHEN dur = 0 THEN n * 2 + 1 ELSE 0 END, -1
    FROM temp.placed
    WHERE dur >= 0
),
swept AS (
    SELECT n, sum(delta) OVER (PARTITION BY track_id ORDER BY at, longest, tie
                               ROWS UNBOUNDED PRECEDING) - 1 AS depth
    FROM marks
)
SELECT n, depth FROM swept WHERE n IS NOT NULL ORDER BY n;

DELETE FROM slice WHERE run_id = :run_id;
INSERT INTO slice (run_id, id, ts, dur, track_id, category, name, depth, begin_idx, end_idx)
SELECT :run_id, p.n - 1, p.ts, p.dur, p.track_id, s.category, s.name, d.depth, s.begin_idx,
       s.end_idx
FROM temp.placed AS p
JOIN temp.depths AS d ON d.n = p.n
JOIN temp.sl AS s ON s.n = p.n
ORDER BY p.n;

-- ---- counter -----------------------------------------------------------------------------------

DELETE FROM counter WHERE run_id = :run_id;
INSERT INTO counter (run_id, id, ts, track_id, value, event_idx)
SELECT :run_id, row_number() OVER (ORDER BY t.id, c.ts, coalesce(c.idx, -1)) - 1, c.ts, t.id,
       c.value, c.idx
FROM temp.cs AS c
JOIN temp.trk AS t ON t.tk = 'counter:' || c.name
ORDER BY 2;

DROP TABLE temp.wanted;
DROP TABLE temp.ev;
DROP TABLE temp.proxies;
DROP TABLE temp.sent;
DROP TABLE temp.queues;
DROP TABLE temp.forwards;
DROP TABLE temp.frozen;
DROP TABLE temp.resumed;
DROP TABLE temp.sl;
DROP TABLE temp.cs;
DROP TABLE temp.counters;
DROP TABLE temp.trk;
DROP TABLE temp.placed;
DROP TABLE temp.depths;
