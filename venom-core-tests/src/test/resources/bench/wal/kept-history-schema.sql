-- A design that keeps each task's row, result and log, shaped for little WAL: no index covers a column that
-- a claim or a completion changes, so both are HOT updates while the page has room (fill factor 60); the
-- claim order and the leases (owner and expiry) live in narrow tables of their own.
CREATE TABLE tasks (
  seq bigserial, id uuid PRIMARY KEY, content text NOT NULL, created_at timestamptz NOT NULL,
  status text NOT NULL, result text, logs text[] NOT NULL, priority smallint NOT NULL, attempts int NOT NULL,
  max_attempts int NOT NULL, due_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
  finished_at timestamptz, version bigint NOT NULL, queue text NOT NULL) WITH (fillfactor = 60);
CREATE INDEX tasks_by_creation ON tasks (created_at, id);
CREATE TABLE ready (id uuid PRIMARY KEY, queue text NOT NULL, priority smallint NOT NULL,
                    due_at timestamptz NOT NULL, seq bigint NOT NULL);
CREATE INDEX ready_order ON ready (queue, priority DESC, due_at, seq);
CREATE TABLE leases (id uuid PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL);
CREATE INDEX leases_expiry ON leases (expires_at);
