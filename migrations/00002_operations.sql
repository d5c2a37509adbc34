-- +goose Up

-- Retention: find the bodies still held, oldest first, without scanning the
-- pruned ones (a pruned row leaves these partial indexes).
CREATE INDEX payloads_prune_idx ON payloads (created_at) WHERE body IS NOT NULL;
CREATE INDEX attempts_prune_idx ON attempts (started_at) WHERE response_body IS NOT NULL;

-- +goose Down
DROP INDEX attempts_prune_idx;
DROP INDEX payloads_prune_idx;
