-- derive_sim.sql - Builds a run's threads, objects and violations from its `events` rows.
--
-- The specification of these tables, which sim/trace_sqlite_engine.c builds in C from the
-- events of each run as they are traced (tests/sim/test_trace_sqlite.c compares both), and
-- the way to rebuild them from the file alone: sim/trace_sqlite_schema.c runs it with :run_id
-- bound for sim_trace_sqlite_derive(). Idempotent: it first deletes what it builds.
-- The engine's kinds (1..99, sim.h SIM_TRACE_KINDS) are rare: the partial index events_sim
-- finds them without scanning the run, one query copies them to a temporary table, and every
-- statement after it reads only that table. (The query's `kind < 100` must stay spelled as
-- the index's WHERE clause for SQLite to use the index.)

DROP TABLE IF EXISTS temp.run_sim_events;
CREATE TEMP TABLE run_sim_events AS
SELECT idx, time_mono_ns, time_boot_ns, kind, object, arg0, arg1, arg2, text
FROM events
WHERE run_id = :run_id AND kind < 100;

-- sim.thread_create (1): object = thread id, arg0 = daemon, text = name;
-- sim.thread_exit (2): object = thread id.
DELETE FROM threads WHERE run_id = :run_id;
INSERT INTO threads (run_id, thread_id, name, daemon, created_idx, created_boot_ns,
                     created_mono_ns, exited_idx, exited_boot_ns, exited_mono_ns)
SELECT :run_id, object,
       max(CASE kind WHEN 1 THEN text END),
       max(CASE kind WHEN 1 THEN arg0 END),
       min(CASE kind WHEN 1 THEN idx END),
       min(CASE kind WHEN 1 THEN time_boot_ns END),
       min(CASE kind WHEN 1 THEN time_mono_ns END),
       max(CASE kind WHEN 2 THEN idx END),
       max(CASE kind WHEN 2 THEN time_boot_ns END),
       max(CASE kind WHEN 2 THEN time_mono_ns END)
FROM temp.run_sim_events
WHERE kind IN (1, 2)
GROUP BY object
ORDER BY object;

-- sim.object_create (8): object = id, arg0 = owner, arg1 = type, arg2 = engine thread id or 0,
-- text = type name; sim.object_name (9): text = the name, the last one wins;
-- sim.object_destroy (10).
DELETE FROM objects WHERE run_id = :run_id;
INSERT INTO objects (run_id, object_id, type, type_name, owner_id, thread_id, name,
                     created_idx, created_boot_ns, created_mono_ns,
                     destroyed_idx, destroyed_boot_ns, destroyed_mono_ns)
SELECT :run_id, o.object, o.type, o.type_name, o.owner_id, o.thread_id, n.name,
       o.created_idx, o.created_boot_ns, o.created_mono_ns,
       o.destroyed_idx, o.destroyed_boot_ns, o.destroyed_mono_ns
FROM (SELECT object,
             max(CASE kind WHEN 8 THEN arg1 END) AS type,
             max(CASE kind WHEN 8 THEN text END) AS type_name,
             max(CASE kind WHEN 8 THEN arg0 END) AS owner_id,
             nullif(max(CASE kind WHEN 8 THEN arg2 END), 0) AS thread_id,
             min(CASE kind WHEN 8 THEN idx END) AS created_idx,
             min(CASE kind WHEN 8 THEN time_boot_ns END) AS created_boot_ns,
             min(CASE kind WHEN 8 THEN time_mono_ns END) AS created_mono_ns,
             max(CASE kind WHEN 10 THEN idx END) AS destroyed_idx,
             max(CASE kind WHEN 10 THEN time_boot_ns END) AS destroyed_boot_ns,
             max(CASE kind WHEN 10 THEN time_mono_ns END) AS destroyed_mono_ns
      FROM temp.run_sim_events
      WHERE kind IN (8, 9, 10)
      GROUP BY object) AS o
-- SQLite takes a bare column (text) from the row that holds the max(idx) of its group.
LEFT JOIN (SELECT object, text AS name, max(idx)
           FROM temp.run_sim_events
           WHERE kind = 9
           GROUP BY object) AS n ON n.object = o.object
ORDER BY o.object;

-- sim.violation (6): arg0 = index of the breaking event, text = invariant name. The i-th
-- violation event is the engine's violation i (sim_violation_get), whose message the writer
-- adds afterwards.
DELETE FROM violations WHERE run_id = :run_id;
INSERT INTO violations (run_id, violation_index, invariant, event_idx, trace_idx,
                        time_boot_ns, time_mono_ns)
SELECT :run_id, row_number() OVER (ORDER BY idx) - 1, text, arg0, idx,
       time_boot_ns, time_mono_ns
FROM temp.run_sim_events
WHERE kind = 6
ORDER BY idx;

DROP TABLE temp.run_sim_events;
