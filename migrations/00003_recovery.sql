-- +goose Up

-- Endpoint health, for the dashboard and the recovery offer:
-- disabled_at/disabled_by say when and by whom ('system' is the maintainer's
-- auto-disable, 'api', or a user id) an endpoint was disabled; both are
-- cleared when it is enabled again. enabled_at is when it was last
-- re-enabled: the health check judges an endpoint only on what happened
-- since (null: since it was created), so re-enabling one after an outage
-- gives it a whole window before it can be disabled again.
ALTER TABLE endpoints
    ADD COLUMN disabled_at timestamptz,
    ADD COLUMN disabled_by text,
    ADD COLUMN enabled_at  timestamptz;
UPDATE endpoints
SET disabled_at = updated_at,
    disabled_by = CASE WHEN disabled_reason LIKE 'automatically disabled%' THEN 'system' END
WHERE NOT enabled AND deleted_at IS NULL;

-- A recovery retries every failed delivery of a scope in a time range: one
-- user's endpoint (endpoint_id and user_id set), or an admin's filter of the
-- failed list across users (filter set, both ids null). Creating one marks
-- the deliveries as manually requested, a batch per statement; the
-- dispatcher then sends them through the ordinary queue, under the
-- per-endpoint cap. finished_at, retried and succeeded are written once, by
-- the first progress read that finds nothing left to send.
CREATE TABLE recoveries (
    id           text PRIMARY KEY,
    user_id      text REFERENCES users (id) ON DELETE CASCADE,
    endpoint_id  text REFERENCES endpoints (id) ON DELETE CASCADE,
    filter       jsonb NOT NULL DEFAULT '{}',
    actor        text NOT NULL,
    remote_addr  text,
    range_from   timestamptz,           -- null: from the first delivery
    range_to     timestamptz NOT NULL,
    requested_at timestamptz NOT NULL,
    total        integer NOT NULL DEFAULT 0,
    marked_at    timestamptz,           -- every batch marked; null while marking
    finished_at  timestamptz,
    retried      integer NOT NULL DEFAULT 0,
    succeeded    integer NOT NULL DEFAULT 0
);
CREATE INDEX recoveries_endpoint_idx ON recoveries (endpoint_id, requested_at DESC) WHERE endpoint_id IS NOT NULL;

-- The deliveries a recovery marked, for its progress. No foreign key to
-- deliveries: it would put a check on every delete of the queue's rows for a
-- table that only reads them; a delivery that is gone just drops out.
CREATE TABLE recovery_deliveries (
    recovery_id text NOT NULL REFERENCES recoveries (id) ON DELETE CASCADE,
    delivery_id text NOT NULL,
    PRIMARY KEY (recovery_id, delivery_id)
);

-- The admin's audit page: every user's entries, newest first.
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);

-- +goose Down
DROP INDEX audit_log_created_idx;
DROP TABLE recovery_deliveries;
DROP TABLE recoveries;
ALTER TABLE endpoints DROP COLUMN enabled_at, DROP COLUMN disabled_by, DROP COLUMN disabled_at;
