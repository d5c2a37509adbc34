-- +goose Up

-- The secret an endpoint signed with before its last change (issue 14,
-- the signature checker's "signed with the previous secret"): kept,
-- sealed like the others, when a rotation takes over (at its time, by
-- "Switch now", or a secret replaced at once), with when it stopped
-- signing. Never used to sign; only compared with a pasted signature.
ALTER TABLE endpoints
    ADD COLUMN previous_secret_encrypted bytea,
    ADD COLUMN previous_secret_replaced_at timestamptz;

-- +goose Down
ALTER TABLE endpoints
    DROP COLUMN previous_secret_encrypted,
    DROP COLUMN previous_secret_replaced_at;
