-- +goose Up

-- Secret rotation with a changeover time (api.md, "Additions in this
-- release"). A rotation stores the new secret beside the active one,
-- sealed the same way (AES-256-GCM, endpoint id as associated data), with
-- the time it takes over. The dispatcher compares that time with the
-- moment it sends, so the changeover needs no job to run at that time and
-- holds across restarts and between processes: it is data in the row.
-- A pending secret whose time has passed is the active one; writes fold it
-- into secret_encrypted when they next touch the row.
ALTER TABLE endpoints
    ADD COLUMN pending_secret_encrypted bytea,
    ADD COLUMN secret_activates_at timestamptz,
    -- Standard Webhooks headers beside the ClipCabinet ones, opt-in.
    ADD COLUMN standard_webhooks boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT endpoints_pending_secret_check
        CHECK ((pending_secret_encrypted IS NULL) = (secret_activates_at IS NULL));

-- +goose Down
ALTER TABLE endpoints
    DROP CONSTRAINT endpoints_pending_secret_check,
    DROP COLUMN standard_webhooks,
    DROP COLUMN secret_activates_at,
    DROP COLUMN pending_secret_encrypted;
