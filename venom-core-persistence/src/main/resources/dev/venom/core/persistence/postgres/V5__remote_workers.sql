-- Venom Core schema, version 5: remote workers. What a task requires of the worker that runs it (labels,
-- NULL for none) and what its running attempt last reported (0..100 and a message). No defaults to
-- backfill: existing rows read as "no requirements, no progress" without a table rewrite.
ALTER TABLE venom_tasks ADD COLUMN requires jsonb;
ALTER TABLE venom_tasks ADD COLUMN progress smallint;
ALTER TABLE venom_tasks ADD COLUMN progress_message text;
