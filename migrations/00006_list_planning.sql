-- +goose Up

-- The drawer filters by endpoint and by its owner. The planner took the two
-- as independent, expected 1/5,000 of an endpoint's deliveries, and sorted
-- all of them instead of reading deliveries_endpoint_idx in order
-- (1,000,000 stored: 9-20 ms per page). An endpoint has one owner: say so.
CREATE STATISTICS deliveries_endpoint_user_stats (dependencies) ON endpoint_id, user_id FROM deliveries;
ANALYZE deliveries;

-- The admin's "retrying" filter across users walked deliveries_all_idx,
-- skipping every newer delivery in another state (16-21 ms idle, over 100
-- ms while publishing). Retrying deliveries are few, and a row enters this
-- partial index only when its delivery starts retrying, so publishes and
-- first-try successes never write to it.
CREATE INDEX deliveries_retrying_idx ON deliveries (created_at DESC, id DESC) WHERE status = 'retrying';

-- The admin's search by recording id found the event's deliveries by
-- walking the list's index and testing each delivery's event: with every
-- status, a walk over every delivery (200,000 stored, failed only: 54 ms).
-- An event has a handful of deliveries; this index finds them at once. It
-- costs one more entry per delivery written (about 1 % of a drain).
CREATE INDEX deliveries_event_idx ON deliveries (event_id);

-- +goose Down
DROP INDEX deliveries_event_idx;
DROP INDEX deliveries_retrying_idx;
DROP STATISTICS deliveries_endpoint_user_stats;
