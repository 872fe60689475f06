-- Venom Core schema, version 1: the tasks table and the indexes its queries use.
CREATE TABLE venom_tasks (
    seq              bigserial   NOT NULL,
    id               uuid        PRIMARY KEY,
    content          text        NOT NULL,
    created_at       timestamptz NOT NULL,
    status           text        NOT NULL,
    result           text,
    logs             text[]      NOT NULL,
    priority         smallint    NOT NULL,
    attempts         integer     NOT NULL,
    max_attempts     integer     NOT NULL,
    run_at           timestamptz,
    due_at           timestamptz NOT NULL,   -- run_at, or created_at: the claim order's time
    timeout_ms       bigint,
    idempotency_key  text,
    updated_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    version          bigint      NOT NULL,   -- bumped by every write: the compare-and-set fence
    lease_owner      text,                   -- the node holding the claim while PROCESSING
    lease_expires_at timestamptz             -- on the database clock
);

-- Claims: WHERE status = 'PENDING' AND due_at <= now ORDER BY priority DESC, due_at, seq.
CREATE INDEX venom_tasks_ready ON venom_tasks (priority DESC, due_at, seq) WHERE status = 'PENDING';
-- Rescue of expired leases.
CREATE INDEX venom_tasks_leases ON venom_tasks (lease_expires_at) WHERE status = 'PROCESSING';
-- Keyset listing, oldest first (a status filter reads it too), and retention (oldest first).
-- Every status change writes a new row version into each index, so there is no index per status.
CREATE INDEX venom_tasks_by_creation ON venom_tasks (created_at, id);
-- A key names at most one task.
CREATE UNIQUE INDEX venom_tasks_idempotency_key ON venom_tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
