-- db-scheduler's lifecycle of a one-time task, as DbSchedulerBench drives it: scheduled (instance "task-<n>",
-- a 23-byte serialised payload), picked by lock-and-fetch, deleted by its key once it ran. It keeps no
-- result, no log and no record that the task ran.
DO $$
DECLARE b int; ran text[];
BEGIN
  FOR b IN 1..400 LOOP
    INSERT INTO scheduled_tasks (task_name, task_instance, task_data, execution_time, picked, version, priority)
      SELECT 'bench', 'task-' || ((b - 1) * 50 + n), decode(repeat('ab', 23), 'hex'), clock_timestamp(), false, 1, 0
      FROM generate_series(1, 50) n;
    COMMIT;
  END LOOP;
  FOR b IN 1..400 LOOP
    WITH due AS (SELECT task_name, task_instance FROM scheduled_tasks WHERE picked = false
                 AND execution_time <= now() ORDER BY priority DESC, execution_time ASC LIMIT 50 FOR UPDATE SKIP LOCKED),
         taken AS (UPDATE scheduled_tasks st SET picked = true, picked_by = 'node-1a2b3c',
                   last_heartbeat = clock_timestamp(), version = st.version + 1
                   FROM due WHERE st.task_name = due.task_name AND st.task_instance = due.task_instance
                   RETURNING st.task_instance)
    SELECT array_agg(task_instance) INTO ran FROM taken;
    COMMIT;
    DELETE FROM scheduled_tasks WHERE task_name = 'bench' AND task_instance = ANY(ran);
    COMMIT;
  END LOOP;
END $$;
