-- indexes.sql - Secondary indexes, created at the end of every run (IF NOT EXISTS), after
-- the load, so that no index is maintained while the first run's events stream in.
--
-- Only small tables get one here: an index on `events` is maintained on every insert of
-- every later run, and a full one on (run_id, kind) triples the cost of an insert
-- (SCHEMA.md). The one index of `events`, partial and nearly free, is in schema.sql.

CREATE INDEX IF NOT EXISTS runs_by_scenario ON runs (scenario, seed);
CREATE INDEX IF NOT EXISTS threads_by_name ON threads (run_id, name);
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (run_id, type_name, object_id);
