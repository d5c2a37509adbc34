-- name: EventPublish :exec
-- One statement, so atomic without a transaction: the event, one delivery
-- per endpoint and each delivery's fixed body. Foreign keys are checked at
-- the end of the statement, after every part is inserted.
WITH ev AS (
    INSERT INTO events (id, user_id, type, recording_id, occurred_at, created_at)
    VALUES (@id, @user_id, @type, @recording_id, @occurred_at, @now)
), dl AS (
    INSERT INTO deliveries (id, event_id, endpoint_id, user_id, event_type, next_attempt_at, created_at)
    SELECT unnest(@delivery_ids::text[]), @id, unnest(@endpoint_ids::text[]), @user_id, @type, @now, @now
), q AS (
    INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at)
    SELECT unnest(@delivery_ids::text[]), unnest(@endpoint_ids::text[]), @now
)
INSERT INTO payloads (delivery_id, body, created_at)
SELECT unnest(@delivery_ids::text[]), unnest(@bodies::bytea[]), @now;

-- name: EventGet :one
SELECT * FROM events WHERE id = $1;
