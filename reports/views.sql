-- views.sql - Views over the raw tables of schema.sql that need no manager-level data.
--
-- Executed once with schema.sql when a trace file is created; part of schema version 1.
-- Every view that returns rows has an explicit ORDER BY. Documented in SCHEMA.md.

-- Every event with the spelling of its kind.
CREATE VIEW events_named AS
SELECT e.run_id, e.idx, e.time_mono_ns, e.time_boot_ns, e.thread_id, e.kind,
       k.name AS kind_name, e.object, e.arg0, e.arg1, e.arg2, e.arg3, e.status, e.text
FROM events AS e
LEFT JOIN kinds AS k ON k.run_id = e.run_id AND k.kind = e.kind
ORDER BY e.run_id, e.idx;

-- How many events of each kind each run emitted, with the first and last boot time.
CREATE VIEW event_counts AS
SELECT e.run_id, e.kind, k.name AS kind_name, count(*) AS events,
       min(e.time_boot_ns) AS first_boot_ns, max(e.time_boot_ns) AS last_boot_ns
FROM events AS e
LEFT JOIN kinds AS k ON k.run_id = e.run_id AND k.kind = e.kind
GROUP BY e.run_id, e.kind
ORDER BY e.run_id, e.kind;

-- One line per run: what ran, how it ended, and how much it left in the other tables.
CREATE VIEW run_summary AS
SELECT r.run_id, r.scenario, r.seed, r.strategy, r.manager, r.verdict, r.fingerprint,
       r.trace_events, r.end_time_boot_ns,
       (SELECT count(*) FROM threads AS t WHERE t.run_id = r.run_id) AS threads,
       (SELECT count(*) FROM objects AS o WHERE o.run_id = r.run_id) AS objects,
       (SELECT count(*) FROM violations AS v WHERE v.run_id = r.run_id) AS violations,
       (SELECT count(*) FROM expectations AS x WHERE x.run_id = r.run_id) AS expectations,
       (SELECT count(*) FROM expectations AS x
        WHERE x.run_id = r.run_id AND NOT x.ok) AS expectations_failed,
       lower(hex(r.choices)) AS choices_hex
FROM runs AS r
ORDER BY r.run_id;
