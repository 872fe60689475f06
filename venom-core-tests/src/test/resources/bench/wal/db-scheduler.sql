-- db-scheduler's lifecycle of a one-time task: scheduled, picked (lock-and-fetch), deleted once it ran.
-- It keeps no result, no log and no record that the task ran.
DO $$
DECLARE b int;
BEGIN
  FOR b IN 1..400 LOOP
    INSERT INTO scheduled_tasks (task_name, task_instance, task_data, execution_time, picked, version, priority)
      SELECT 'bench', gen_random_uuid()::text, '\x0000000e62656e63686d61726b207461736b31'::bytea, clock_timestamp(),
             false, 1, 0
      FROM generate_series(1, 50);
    COMMIT;
  END LOOP;
  FOR b IN 1..400 LOOP
    UPDATE scheduled_tasks st SET picked = true, picked_by = 'node-1a2b3c', last_heartbeat = clock_timestamp(),
           version = st.version + 1
    WHERE (st.task_name, st.task_instance) IN (SELECT task_name, task_instance FROM scheduled_tasks
           WHERE picked = false AND execution_time <= now() ORDER BY priority DESC, execution_time ASC LIMIT 50
           FOR UPDATE SKIP LOCKED);
    COMMIT;
    DELETE FROM scheduled_tasks WHERE picked;
    COMMIT;
  END LOOP;
END $$;
