-- Venom Core schema, version 8: who waits on whom, one row per edge, kept by the database itself.
-- The write that ends a task asks which tasks wait on it. Asked of venom_tasks (waiting_on && ARRAY[id]), a
-- plan cached while the table was small kept answering it by walking every PENDING task, once per commit.
-- Asked here, by primary key, it reads nothing when nothing waits, whatever plan is cached.
-- Writes wait until this migration commits: a server of version 7 still running must not store a waiting
-- task between the copy of the edges below and the triggers that keep them from then on.
LOCK TABLE venom_tasks IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE venom_waits (
    dependency uuid NOT NULL,
    dependent  uuid NOT NULL,
    PRIMARY KEY (dependency, dependent)
);
-- A dependent's edges are replaced when its waiting_on changes.
CREATE INDEX venom_waits_dependent ON venom_waits (dependent);

INSERT INTO venom_waits (dependency, dependent)
SELECT DISTINCT unnest(waiting_on), id FROM venom_tasks WHERE waiting_on IS NOT NULL;

-- The edges mirror waiting_on for every writer, including a server of schema version 7 still running, and a
-- task enqueued in an application's transaction. The table is named by the schema of the row's own table, so
-- the session's search_path does not matter and the schema may be renamed. A role that writes tasks needs
-- INSERT and DELETE on venom_waits too.
CREATE FUNCTION venom_follow_waiting_on() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        EXECUTE format('DELETE FROM %I.venom_waits WHERE dependent = $1', TG_TABLE_SCHEMA) USING OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.waiting_on IS NOT NULL THEN
        EXECUTE format('INSERT INTO %I.venom_waits (dependency, dependent) SELECT DISTINCT unnest($1), $2',
                TG_TABLE_SCHEMA) USING NEW.waiting_on, NEW.id;
    END IF;
    RETURN NULL;
END
$$;
-- Only rows with dependencies call it: the others pay for the WHEN test alone.
CREATE TRIGGER venom_waits_on_insert AFTER INSERT ON venom_tasks FOR EACH ROW
    WHEN (NEW.waiting_on IS NOT NULL) EXECUTE FUNCTION venom_follow_waiting_on();
CREATE TRIGGER venom_waits_on_update AFTER UPDATE OF waiting_on ON venom_tasks FOR EACH ROW
    WHEN (OLD.waiting_on IS DISTINCT FROM NEW.waiting_on) EXECUTE FUNCTION venom_follow_waiting_on();
CREATE TRIGGER venom_waits_on_delete AFTER DELETE ON venom_tasks FOR EACH ROW
    WHEN (OLD.waiting_on IS NOT NULL) EXECUTE FUNCTION venom_follow_waiting_on();
-- venom_tasks_waiting_on (V6) stays while servers of version 7 may still ask it.
