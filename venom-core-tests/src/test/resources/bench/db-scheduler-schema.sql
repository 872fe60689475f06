-- db-scheduler 16's table and indexes for PostgreSQL: DbSchedulerBench and WalFloorBench create them.
CREATE TABLE scheduled_tasks (
  task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,
  execution_time timestamptz NOT NULL, picked boolean NOT NULL, picked_by text,
  last_success timestamptz, last_failure timestamptz, consecutive_failures int,
  last_heartbeat timestamptz, version bigint NOT NULL, priority smallint,
  PRIMARY KEY (task_name, task_instance));
CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);
