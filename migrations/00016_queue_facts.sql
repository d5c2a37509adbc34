-- +goose Up

-- What an attempt needs to know of its delivery, on the queue row (issue
-- 10): the event (for the body and the event type), the status, the
-- attempt counts and the next automatic attempt's time. The claim reads
-- the queue row, its endpoint and its event, and no longer deliveries, so
-- it can be planned once per connection instead of before every claim
-- (planning was ~1.1 ms of a claim's ~2.4 ms on a quiet machine, 1.7 ms
-- on a busy one: a fifth of PostgreSQL's time at 1,000 events/s). A
-- plan made once must be right at any size, and every table the claim
-- now reads is found by its primary key or the queue's due index, which
-- no other index competes with; deliveries, with seven indexes ending in
-- its id, could be read through any of them in a plan made while it was
-- empty (the stall after idle).
--
-- The queue row's copies are written by every statement that changes the
-- delivery while its row exists: the publish inserts them, a completion
-- that leaves work to do and an interrupted attempt's record update them,
-- a manual request or a recovery copies them from deliveries, and an
-- endpoint's stop ends them as failed (queries/queue.sql, deliveries.sql).
ALTER TABLE delivery_queue
    ADD COLUMN event_id text,
    ADD COLUMN status text,
    ADD COLUMN attempt_count integer,
    ADD COLUMN auto_attempts integer,
    ADD COLUMN next_attempt_at timestamptz;
UPDATE delivery_queue q
SET event_id = d.event_id, status = d.status, attempt_count = d.attempt_count,
    auto_attempts = d.auto_attempts, next_attempt_at = d.next_attempt_at
FROM deliveries d
WHERE d.id = q.delivery_id;
ALTER TABLE delivery_queue
    ALTER COLUMN event_id SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ALTER COLUMN attempt_count SET NOT NULL,
    ALTER COLUMN auto_attempts SET NOT NULL;

-- +goose Down
ALTER TABLE delivery_queue
    DROP COLUMN event_id,
    DROP COLUMN status,
    DROP COLUMN attempt_count,
    DROP COLUMN auto_attempts,
    DROP COLUMN next_attempt_at;
