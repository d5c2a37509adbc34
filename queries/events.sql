-- name: EventPublish :many
-- A publish in one statement and one round trip, so atomic without a
-- transaction: it picks the target endpoints (the owner's enabled ones
-- subscribed to the type, or the one endpoint_id given: the test button),
-- and writes the event, one delivery per target, its queue row and its
-- fixed body. Bodies differ only in the delivery id: each is body_head ||
-- id || body_tail. The caller offers delivery_ids; with more targets than
-- ids it writes nothing, and the caller asks again with enough. One row
-- per delivery made, in target order, or one row with an empty delivery_id
-- when there is none; user_found false: no such user, nothing written.
WITH u AS (
    SELECT us.id FROM users us WHERE us.id = @user_id
), t AS (
    SELECT e.id AS endpoint_id, row_number() OVER (ORDER BY e.created_at, e.id)::integer AS n
    FROM endpoints e
    WHERE e.user_id = @user_id AND e.deleted_at IS NULL AND e.enabled
      AND CASE WHEN @endpoint_id::text = '' THEN @type::text = ANY (e.events)
               ELSE e.id = @endpoint_id::text END
), gate AS (
    SELECT EXISTS (SELECT 1 FROM u) AND (SELECT count(*) FROM t) <= cardinality(@delivery_ids::text[]) AS ok
), ids AS (
    SELECT t.n, t.endpoint_id, (@delivery_ids::text[])[t.n] AS id FROM t, gate WHERE gate.ok
), ev AS (
    INSERT INTO events (id, user_id, type, recording_id, occurred_at, created_at)
    SELECT @id, @user_id, @type, @recording_id, @occurred_at, @now FROM gate
    WHERE gate.ok AND (@endpoint_id::text = '' OR EXISTS (SELECT 1 FROM t))
), dl AS (
    INSERT INTO deliveries (id, event_id, endpoint_id, user_id, event_type, next_attempt_at, created_at)
    SELECT ids.id, @id, ids.endpoint_id, @user_id, @type, @now, @now FROM ids
), q AS (
    INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at)
    SELECT ids.id, ids.endpoint_id, @now FROM ids
), p AS (
    INSERT INTO payloads (delivery_id, body, created_at)
    SELECT ids.id, @body_head::bytea || convert_to(ids.id, 'UTF8') || @body_tail::bytea, @now FROM ids
)
SELECT EXISTS (SELECT 1 FROM u) AS user_found, (SELECT count(*) FROM t)::integer AS targets,
       coalesce(ids.id, '')::text AS delivery_id, coalesce(ids.endpoint_id, '')::text AS endpoint_id
FROM (SELECT 1) one
LEFT JOIN ids ON true
ORDER BY ids.n;

-- name: EventGet :one
SELECT * FROM events WHERE id = $1;
