-- Venom Core schema, version 7: recurring schedules. One row each: the schedule as JSON (its definition and
-- what it has handled), and its version, which every write compares and bumps.
CREATE TABLE venom_schedules (
    name     text   PRIMARY KEY,
    schedule jsonb  NOT NULL,
    version  bigint NOT NULL
);
