-- Venom Core schema, version 3: named queues, and the operators' pause of a queue.
-- A constant default: no table rewrite; every task stored before is in the default queue.
ALTER TABLE venom_tasks ADD COLUMN queue text NOT NULL DEFAULT 'default';

-- Claims ask per queue: WHERE status = 'PENDING' AND queue = ? AND due_at <= now
-- ORDER BY priority DESC, due_at, seq. The queue leads, so each queue's claim reads only its own entries.
DROP INDEX venom_tasks_ready;
CREATE INDEX venom_tasks_ready ON venom_tasks (queue, priority DESC, due_at, seq) WHERE status = 'PENDING';

-- One row per queue an operator paused ('*' pauses every queue); no row: running. Read by every claim.
CREATE TABLE venom_queues (
    name       text        PRIMARY KEY,
    paused     boolean     NOT NULL,
    updated_at timestamptz NOT NULL
);
