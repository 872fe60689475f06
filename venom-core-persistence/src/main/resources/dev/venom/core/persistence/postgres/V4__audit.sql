-- Venom Core schema, version 4: the audit trail every server of the database writes to: who changed what,
-- and who was refused. Append-only: nothing updates or deletes a row.
CREATE TABLE venom_audit (
    seq      bigserial   PRIMARY KEY,
    at       timestamptz NOT NULL,
    key_name text,
    role     text,
    remote   text,
    method   text        NOT NULL,
    path     text        NOT NULL,
    action   text        NOT NULL,
    target   text,
    status   integer     NOT NULL,
    node     text
);
-- The filters a page may use, newest first.
CREATE INDEX venom_audit_by_key ON venom_audit (key_name, seq);
CREATE INDEX venom_audit_by_action ON venom_audit (action, seq);
CREATE INDEX venom_audit_by_target ON venom_audit (target, seq);
