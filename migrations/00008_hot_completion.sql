-- +goose Up

-- Recording a successful attempt rewrote every index of deliveries. The
-- completion changes status (pending -> succeeded), and status was in
-- deliveries_endpoint_status_idx and in the predicates of three partial
-- indexes; PostgreSQL updates a row in place (HOT: no new index entry)
-- only when no indexed column changes, so each success added seven index
-- entries (pg_waldump over a 20,000-delivery drain: 11 B-tree inserts per
-- delivery, 53 % of the WAL).
--
-- Those indexes now key on problem instead: status when the delivery is
-- retrying or failed, else NULL. A first-try success leaves problem NULL,
-- so no indexed column changes and the update is HOT; publishes and
-- successes never touch these indexes, and the failed and retrying lists
-- keep theirs. fillfactor leaves room on each page for the new row
-- version (a HOT update must fit on the same page).
ALTER TABLE deliveries
    ADD COLUMN problem text GENERATED ALWAYS AS (CASE WHEN status IN ('retrying', 'failed') THEN status END) STORED;
ALTER TABLE deliveries SET (fillfactor = 50);

DROP INDEX deliveries_endpoint_status_idx;
DROP INDEX deliveries_failed_idx;
DROP INDEX deliveries_retrying_idx;
DROP INDEX deliveries_user_failed_idx;
CREATE INDEX deliveries_endpoint_problem_idx ON deliveries (endpoint_id, problem, created_at DESC, id DESC) WHERE problem IS NOT NULL;
CREATE INDEX deliveries_failed_idx ON deliveries (created_at DESC, id DESC) WHERE problem = 'failed';
CREATE INDEX deliveries_retrying_idx ON deliveries (created_at DESC, id DESC) WHERE problem = 'retrying';
CREATE INDEX deliveries_user_failed_idx ON deliveries (user_id, created_at DESC, id DESC) WHERE problem = 'failed';
ANALYZE deliveries;

-- +goose Down
DROP INDEX deliveries_user_failed_idx;
DROP INDEX deliveries_retrying_idx;
DROP INDEX deliveries_failed_idx;
DROP INDEX deliveries_endpoint_problem_idx;
ALTER TABLE deliveries DROP COLUMN problem;
ALTER TABLE deliveries RESET (fillfactor);
CREATE INDEX deliveries_endpoint_status_idx ON deliveries (endpoint_id, status, created_at DESC, id DESC);
CREATE INDEX deliveries_failed_idx ON deliveries (created_at DESC, id DESC) WHERE status = 'failed';
CREATE INDEX deliveries_retrying_idx ON deliveries (created_at DESC, id DESC) WHERE status = 'retrying';
CREATE INDEX deliveries_user_failed_idx ON deliveries (user_id, created_at DESC, id DESC) WHERE status = 'failed';
