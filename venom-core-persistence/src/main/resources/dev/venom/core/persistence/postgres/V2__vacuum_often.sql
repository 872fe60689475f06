-- Venom Core schema, version 2: autovacuum the tasks table after 1 % of its rows changed, not 20 %.
-- A claim walks the ready index past the entries of every task claimed since the last vacuum (they stay,
-- marked dead, until one runs). With the defaults a table of ten million tasks would gather two million
-- such entries before a vacuum, and every claim would read them all.
ALTER TABLE venom_tasks SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
