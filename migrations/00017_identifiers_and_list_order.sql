-- +goose Up

-- Identifiers compare bytewise (issue 10). Ids, keys and kinds are ASCII
-- we generate or a small fixed vocabulary; they are only ever compared
-- for equality and ordered as a tie-break, so the database's collation
-- (C.UTF-8, en_US.UTF-8, ...) buys nothing and costs every B-tree
-- descent a locale comparison (strcoll on copies of both strings) instead
-- of a memcmp. Every delivery is found by its id several times over its
-- life (publish, claim, completion), so this is a few per cent of
-- PostgreSQL's time per delivery: in psql, from a backlog of 100,000, a
-- completion of 800 results 85.0-85.2 against 91.2-103.4 µs a result and
-- a claim of 128 4.39-4.72 against 4.87-5.35 ms (the same databases, one
-- altered, alternating).
--
-- Only the collation changes, so no table is rewritten; the indexes on
-- these columns are rebuilt, under this migration's lock (2.7 s per
-- 100,000 deliveries with their attempts on the development machine).
-- Keyset cursors compare (created_at, id) with the column's collation, as
-- the indexes are now ordered, so a cursor given out before the upgrade
-- still pages on; ids are ASCII letters, digits and "_", ordered alike
-- under C and C.UTF-8 (under a locale such as en_US, rows created in the
-- same microsecond as a cursor's may change order once).
--
-- The deliveries' list indexes, rebuilt here anyway, become ascending;
-- the lists read them backwards (newest first), as fast. A descending
-- index takes each new delivery at the left end of its range, where
-- B-tree pages split half and half: after a fan-out of 60,000 the live
-- list indexes were 1.53-1.76 times their size rebuilt. Ascending, a new
-- row goes to the right end, where pages split full (the index of all
-- deliveries takes it on its rightmost page without a descent). In psql a
-- publish-shaped insert of 300 deliveries: 8.10 against 7.48 ms, alternating.
DROP INDEX deliveries_endpoint_idx, deliveries_endpoint_event_idx, deliveries_user_idx,
    deliveries_all_idx, deliveries_endpoint_problem_idx, deliveries_failed_idx,
    deliveries_retrying_idx, deliveries_user_failed_idx;
ALTER TABLE users ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE sessions ALTER COLUMN token TYPE text COLLATE "C";
ALTER TABLE endpoints
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE events
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN type TYPE text COLLATE "C",
    ALTER COLUMN recording_id TYPE text COLLATE "C";
ALTER TABLE deliveries
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN event_id TYPE text COLLATE "C",
    ALTER COLUMN endpoint_id TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN event_type TYPE text COLLATE "C";
ALTER TABLE delivery_queue
    ALTER COLUMN delivery_id TYPE text COLLATE "C",
    ALTER COLUMN endpoint_id TYPE text COLLATE "C",
    ALTER COLUMN event_id TYPE text COLLATE "C";
ALTER TABLE attempts ALTER COLUMN delivery_id TYPE text COLLATE "C";
ALTER TABLE payloads ALTER COLUMN delivery_id TYPE text COLLATE "C";
ALTER TABLE endpoint_health
    ALTER COLUMN endpoint_id TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C";
ALTER TABLE idempotency_keys ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE audit_log
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN target_id TYPE text COLLATE "C";
ALTER TABLE recoveries
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN endpoint_id TYPE text COLLATE "C";
ALTER TABLE recovery_deliveries
    ALTER COLUMN recovery_id TYPE text COLLATE "C",
    ALTER COLUMN delivery_id TYPE text COLLATE "C";
ALTER TABLE notices
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN endpoint_id TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C";
ALTER TABLE notice_optouts
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN kind TYPE text COLLATE "C";
CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at, id);
CREATE INDEX deliveries_endpoint_event_idx ON deliveries (endpoint_id, event_type, created_at, id);
CREATE INDEX deliveries_user_idx ON deliveries (user_id, created_at, id);
CREATE INDEX deliveries_all_idx ON deliveries (created_at, id);
CREATE INDEX deliveries_endpoint_problem_idx ON deliveries (endpoint_id, problem, created_at, id) WHERE problem IS NOT NULL;
CREATE INDEX deliveries_failed_idx ON deliveries (created_at, id) WHERE problem = 'failed';
CREATE INDEX deliveries_retrying_idx ON deliveries (created_at, id) WHERE problem = 'retrying';
CREATE INDEX deliveries_user_failed_idx ON deliveries (user_id, created_at, id) WHERE problem = 'failed';

-- +goose Down
DROP INDEX deliveries_endpoint_idx, deliveries_endpoint_event_idx, deliveries_user_idx,
    deliveries_all_idx, deliveries_endpoint_problem_idx, deliveries_failed_idx,
    deliveries_retrying_idx, deliveries_user_failed_idx;
ALTER TABLE notice_optouts
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN kind TYPE text COLLATE "default";
ALTER TABLE notices
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN endpoint_id TYPE text COLLATE "default",
    ALTER COLUMN kind TYPE text COLLATE "default";
ALTER TABLE recovery_deliveries
    ALTER COLUMN recovery_id TYPE text COLLATE "default",
    ALTER COLUMN delivery_id TYPE text COLLATE "default";
ALTER TABLE recoveries
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN endpoint_id TYPE text COLLATE "default";
ALTER TABLE audit_log
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN target_id TYPE text COLLATE "default";
ALTER TABLE idempotency_keys ALTER COLUMN key TYPE text COLLATE "default";
ALTER TABLE endpoint_health
    ALTER COLUMN endpoint_id TYPE text COLLATE "default",
    ALTER COLUMN kind TYPE text COLLATE "default";
ALTER TABLE payloads ALTER COLUMN delivery_id TYPE text COLLATE "default";
ALTER TABLE attempts ALTER COLUMN delivery_id TYPE text COLLATE "default";
ALTER TABLE delivery_queue
    ALTER COLUMN delivery_id TYPE text COLLATE "default",
    ALTER COLUMN endpoint_id TYPE text COLLATE "default",
    ALTER COLUMN event_id TYPE text COLLATE "default";
ALTER TABLE deliveries
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN event_id TYPE text COLLATE "default",
    ALTER COLUMN endpoint_id TYPE text COLLATE "default",
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN event_type TYPE text COLLATE "default";
ALTER TABLE events
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN user_id TYPE text COLLATE "default",
    ALTER COLUMN type TYPE text COLLATE "default",
    ALTER COLUMN recording_id TYPE text COLLATE "default";
ALTER TABLE endpoints
    ALTER COLUMN id TYPE text COLLATE "default",
    ALTER COLUMN user_id TYPE text COLLATE "default";
ALTER TABLE sessions ALTER COLUMN token TYPE text COLLATE "default";
ALTER TABLE users ALTER COLUMN id TYPE text COLLATE "default";
CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX deliveries_endpoint_event_idx ON deliveries (endpoint_id, event_type, created_at DESC, id DESC);
CREATE INDEX deliveries_user_idx ON deliveries (user_id, created_at DESC, id DESC);
CREATE INDEX deliveries_all_idx ON deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_endpoint_problem_idx ON deliveries (endpoint_id, problem, created_at DESC, id DESC) WHERE problem IS NOT NULL;
CREATE INDEX deliveries_failed_idx ON deliveries (created_at DESC, id DESC) WHERE problem = 'failed';
CREATE INDEX deliveries_retrying_idx ON deliveries (created_at DESC, id DESC) WHERE problem = 'retrying';
CREATE INDEX deliveries_user_failed_idx ON deliveries (user_id, created_at DESC, id DESC) WHERE problem = 'failed';
