-- schema.sql - The wakesim trace, schema version 1: one SQLite file holds many runs.
--
-- sim/trace_sqlite_schema.c executes this file once, when it creates a trace file, then views.sql.
-- Every table and column is documented in SCHEMA.md. During a run the writer inserts only
-- `events` (and `kinds`); the other per-run tables are derived from `events` at the run's
-- end by derive_sim.sql and the deriver (derive.c, specified by derive_manager.sql), so any of
-- them can be rebuilt from the file alone. Change this file,
-- SCHEMA.md, SIM_TRACE_SQLITE_SCHEMA_VERSION and tests/sim/test_trace_sqlite.c together.
--
-- Times are int64 nanoseconds of virtual time and every time column names its clock
-- (_boot_ns, _mono_ns). 64-bit unsigned values (seed, object ids) are stored as the same
-- 64 bits in a signed INTEGER. Nothing here is host time except runs.host_started_at.
-- REFERENCES clauses document the relations; foreign keys are not enforced (PRAGMA
-- foreign_keys stays off), since checking them would cost on every inserted event.

-- One row per run, inserted with verdict 'running' when the run begins and completed when it
-- ends.
CREATE TABLE runs (
    run_id           INTEGER PRIMARY KEY,
    scenario         TEXT,
    scenario_path    TEXT,
    scenario_sha256  TEXT,
    seed             INTEGER NOT NULL,
    strategy         TEXT NOT NULL,
    manager          TEXT,
    wakesim_version  TEXT NOT NULL,
    verdict          TEXT NOT NULL DEFAULT 'running',
    error            TEXT,
    fingerprint      TEXT,
    trace_events     INTEGER,
    engine_events    INTEGER,
    end_time_boot_ns INTEGER,
    end_time_mono_ns INTEGER,
    choices          BLOB,
    choices_count    INTEGER,
    host_started_at  TEXT
);

-- The spelling of each event kind seen in a run, so that `events` stores only the number.
CREATE TABLE kinds (
    run_id INTEGER NOT NULL REFERENCES runs,
    kind   INTEGER NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (run_id, kind)
) WITHOUT ROWID;

-- One row per trace event, in the run's order. Clustered on (run_id, idx): rows arrive in
-- key order, so each insert appends, and a run's events are one contiguous range. Its only
-- secondary index is partial, over the engine's rare kinds (see SCHEMA.md: a full index on
-- (run_id, kind) triples the cost of every insert); other queries by kind scan the run.
CREATE TABLE events (
    run_id       INTEGER NOT NULL REFERENCES runs,
    idx          INTEGER NOT NULL,
    time_mono_ns INTEGER NOT NULL,
    time_boot_ns INTEGER NOT NULL,
    thread_id    INTEGER NOT NULL,
    kind         INTEGER NOT NULL,
    object       INTEGER NOT NULL,
    arg0         INTEGER NOT NULL,
    arg1         INTEGER NOT NULL,
    arg2         INTEGER NOT NULL,
    arg3         INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    text         TEXT,
    PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

-- The engine's kinds (1..99: threads, objects, violations, clock pauses) are a few rows in a
-- run; this index finds them for derive_sim.sql without a scan of the run. Rows of other
-- kinds cost it one comparison each.
CREATE INDEX events_sim ON events (run_id, kind) WHERE kind < 100;

-- Simulated threads, from sim.thread_create and sim.thread_exit (derive_sim.sql).
CREATE TABLE threads (
    run_id          INTEGER NOT NULL REFERENCES runs,
    thread_id       INTEGER NOT NULL,
    name            TEXT,
    daemon          INTEGER,
    created_idx     INTEGER,
    created_boot_ns INTEGER,
    created_mono_ns INTEGER,
    exited_idx      INTEGER,
    exited_boot_ns  INTEGER,
    exited_mono_ns  INTEGER,
    PRIMARY KEY (run_id, thread_id)
) WITHOUT ROWID;

-- Objects of the layers above the engine (kernel objects by koid), from sim.object_create,
-- sim.object_name and sim.object_destroy (derive_sim.sql).
CREATE TABLE objects (
    run_id            INTEGER NOT NULL REFERENCES runs,
    object_id         INTEGER NOT NULL,
    type              INTEGER,
    type_name         TEXT,
    owner_id          INTEGER,
    thread_id         INTEGER,
    name              TEXT,
    created_idx       INTEGER,
    created_boot_ns   INTEGER,
    created_mono_ns   INTEGER,
    destroyed_idx     INTEGER,
    destroyed_boot_ns INTEGER,
    destroyed_mono_ns INTEGER,
    PRIMARY KEY (run_id, object_id)
) WITHOUT ROWID;

-- Invariant violations, from sim.violation events (derive_sim.sql); the message is added by
-- the writer from the engine (NULL when the table is rebuilt from events alone).
CREATE TABLE violations (
    run_id          INTEGER NOT NULL REFERENCES runs,
    violation_index INTEGER NOT NULL,
    invariant       TEXT NOT NULL,
    message         TEXT,
    event_idx       INTEGER NOT NULL,
    trace_idx       INTEGER NOT NULL,
    time_boot_ns    INTEGER NOT NULL,
    time_mono_ns    INTEGER NOT NULL,
    PRIMARY KEY (run_id, violation_index)
) WITHOUT ROWID;

-- The scenario's expectations and whether each held, written by the scenario runner after the
-- run (sim_trace_sqlite_expectation_add).
CREATE TABLE expectations (
    run_id            INTEGER NOT NULL REFERENCES runs,
    expectation_index INTEGER NOT NULL,
    ok                INTEGER NOT NULL,
    description       TEXT,
    PRIMARY KEY (run_id, expectation_index)
) WITHOUT ROWID;

PRAGMA user_version = 1;
