-- Venom Core schema, version 6: dependencies between tasks. NULL for none, so existing rows need no backfill
-- and the table is not rewritten.
ALTER TABLE venom_tasks ADD COLUMN depends_on uuid[];
-- Those of depends_on not yet COMPLETED while the task waits; NULL once it may run. Claims skip the rows that
-- have one: the ready index stays PENDING-only, as it also counts the PENDING tasks.
ALTER TABLE venom_tasks ADD COLUMN waiting_on uuid[];

-- The write that ends a task finds the tasks waiting on it: waiting_on && ARRAY[its id].
CREATE INDEX venom_tasks_waiting_on ON venom_tasks USING gin (waiting_on) WHERE waiting_on IS NOT NULL;
-- A task's dependents, for reading (GET /api/v1/tasks/{id}/dependents): depends_on @> ARRAY[its id].
CREATE INDEX venom_tasks_depends_on ON venom_tasks USING gin (depends_on) WHERE depends_on IS NOT NULL;
