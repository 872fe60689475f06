-- The lifecycle of the design in kept-history-schema.sql: a task's row is inserted once and only ever
-- HOT-updated (by id); a claim deletes its entry from the claim order and records its lease, a completion
-- ends the lease. 20,000 tasks, 50 to a transaction, as venom.sql.
DO $$
DECLARE b int; claimed uuid[];
BEGIN
  FOR b IN 1..400 LOOP
    WITH added AS (
      INSERT INTO tasks (id, content, created_at, status, logs, priority, attempts, max_attempts, due_at, updated_at,
                         version, queue)
      SELECT gen_random_uuid(), 'benchmark task 1', clock_timestamp(), 'PENDING',
             ARRAY['Task created: 2026-12-07T10:00:00.123456Z'], 0, 0, 3, clock_timestamp(), clock_timestamp(), 1,
             'default'
      FROM generate_series(1, 50) RETURNING id, queue, priority, due_at, seq)
    INSERT INTO ready SELECT id, queue, priority, due_at, seq FROM added;
    COMMIT;
  END LOOP;
  FOR b IN 1..400 LOOP
    WITH picked AS (DELETE FROM ready WHERE id IN (SELECT id FROM ready WHERE queue = 'default' AND due_at <= now()
                    ORDER BY priority DESC, due_at, seq LIMIT 50 FOR UPDATE SKIP LOCKED) RETURNING id),
         leased AS (INSERT INTO leases SELECT id, 'node-1a2b3c', clock_timestamp() + interval '30 s' FROM picked),
         started AS (UPDATE tasks t SET status = 'PROCESSING', attempts = t.attempts + 1,
                     logs = array_append(t.logs, 'Processing started: 2026-12-07T10:00:00.223456Z'),
                     updated_at = clock_timestamp(), version = t.version + 1
                     FROM picked WHERE t.id = picked.id RETURNING t.id)
    SELECT array_agg(id) INTO claimed FROM started;
    COMMIT;
    DELETE FROM leases WHERE id = ANY(claimed);
    UPDATE tasks t SET status = 'COMPLETED', result = 'Processed: benchmark task 1',
           logs = t.logs || ARRAY['Task completed: 2026-12-07T10:00:00.323456Z'], updated_at = clock_timestamp(),
           finished_at = clock_timestamp(), version = t.version + 1
    WHERE t.id = ANY(claimed);
    COMMIT;
  END LOOP;
END $$;
