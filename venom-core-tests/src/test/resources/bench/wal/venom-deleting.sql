-- venom.sql with the one change that makes db-scheduler's lifecycle: the completion deletes the task's row
-- instead of keeping it with its result and log.
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
    DELETE FROM venom_tasks WHERE id = ANY(claimed);
    COMMIT;
  END LOOP;
END $$;
