-- +goose Up

-- The admin's failed list filtered by a user, and the API's list of a
-- user's failed deliveries, read either every failed delivery of every
-- user or every delivery of the user to find a page (1,000,000 stored,
-- while publishing 1,000/s: p99 54 ms). Only failed deliveries enter this
-- partial index, so publishes and successes never write to it.
CREATE INDEX deliveries_user_failed_idx ON deliveries (user_id, created_at DESC, id DESC) WHERE status = 'failed';

-- +goose Down
DROP INDEX deliveries_user_failed_idx;
