-- Venom's lifecycle on its own schema (created by its migrations), the statements shaped as its PostgreSQL
-- store writes them (the completion by id, as its compare-and-set write): 20,000 tasks enqueued PENDING,
-- then claimed and completed, 50 to a transaction.
DO $$
DECLARE b int; claimed uuid[];
BEGIN
  FOR b IN 1..400 LOOP
    INSERT INTO venom_tasks (id, content, created_at, status, logs, priority, attempts, max_attempts, due_at,
                             updated_at, version, queue)
      SELECT gen_random_uuid(), 'benchmark task 1', clock_timestamp(), 'PENDING',
             ARRAY['Task created: 2026-12-07T10:00:00.123456Z'], 0, 0, 3, clock_timestamp(), clock_timestamp(), 1,
             'default'
      FROM generate_series(1, 50);
    COMMIT;
  END LOOP;
  FOR b IN 1..400 LOOP
    WITH picked AS (SELECT id FROM venom_tasks WHERE status = 'PENDING' AND waiting_on IS NULL AND queue = 'default'
                    AND due_at <= now() ORDER BY priority DESC, due_at, seq LIMIT 50 FOR UPDATE SKIP LOCKED),
         started AS (UPDATE venom_tasks t SET status = 'PROCESSING', attempts = t.attempts + 1,
           logs = array_append(t.logs, 'Processing started: 2026-12-07T10:00:00.223456Z'),
           updated_at = clock_timestamp(), version = t.version + 1, lease_owner = 'node-1a2b3c',
           lease_expires_at = clock_timestamp() + interval '30 s'
    FROM picked WHERE t.id = picked.id RETURNING t.id)
    SELECT array_agg(id) INTO claimed FROM started;
    COMMIT;
    -- completion (WalFloorBench also runs this script with a DELETE of the claimed rows in its place)
    UPDATE venom_tasks t SET status = 'COMPLETED', result = 'Processed: benchmark task 1',
           logs = t.logs || ARRAY['Task completed: 2026-12-07T10:00:00.323456Z'], updated_at = clock_timestamp(),
           finished_at = clock_timestamp(), version = t.version + 1, lease_owner = NULL, lease_expires_at = NULL
    WHERE t.id = ANY(claimed);
    -- end of completion
    COMMIT;
  END LOOP;
END $$;
