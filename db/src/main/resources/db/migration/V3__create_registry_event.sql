-- Append-only audit log of every registry change: who did what, to which model, and when.
-- model is the name, not a key, so the history reads on its own.

CREATE TABLE registry_event (
    id      bigserial   PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor   text        NOT NULL CHECK (actor <> ''),
    action  text        NOT NULL,
    model   text,
    version integer,
    details jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
);
CREATE INDEX registry_event_model ON registry_event (model, id);

-- A grant can be widened by mistake; a trigger keeps the history intact for every role.
CREATE FUNCTION registry_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'registry_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER registry_event_no_update_or_delete
    BEFORE UPDATE OR DELETE ON registry_event
    FOR EACH ROW EXECUTE FUNCTION registry_event_refuse_change();

CREATE TRIGGER registry_event_no_truncate
    BEFORE TRUNCATE ON registry_event
    FOR EACH STATEMENT EXECUTE FUNCTION registry_event_refuse_change();
