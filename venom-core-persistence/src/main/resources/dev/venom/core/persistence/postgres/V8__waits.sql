-- Venom Core schema, version 8: who waits on whom, one row per edge, kept by the database itself.
-- The write that ends a task asks which tasks wait on it. Asked of venom_tasks (waiting_on && ARRAY[id]), a
-- plan cached while the table was small kept answering it by walking every PENDING task, once per commit.
-- Asked here, by primary key, it reads nothing when nothing waits, whatever plan is cached.
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
-- task enqueued in an application's transaction. The function keeps this schema's search_path: the sessions
-- that write tasks may have any.
CREATE FUNCTION venom_follow_waiting_on() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM venom_waits WHERE dependent = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.waiting_on IS NOT NULL THEN
        INSERT INTO venom_waits (dependency, dependent) SELECT DISTINCT unnest(NEW.waiting_on), NEW.id;
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
