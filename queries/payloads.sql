-- name: PayloadGet :one
-- A delivery's body, given the delivery and its event (the caller has read
-- the delivery): the event's head and tail around the delivery id, or, for
-- an event published before 00015_event_bodies.sql, the delivery's own
-- payload row. Null once retention pruned it.
SELECT coalesce((SELECT e.body_head || convert_to(sqlc.arg(delivery_id)::text, 'UTF8') || e.body_tail
                 FROM events e WHERE e.id = sqlc.arg(event_id)::text),
                (SELECT p.body FROM payloads p WHERE p.delivery_id = sqlc.arg(delivery_id)::text))::bytea AS body;

-- name: PayloadPrune :execrows
-- Clears the bodies of finished deliveries created before the cutoff, one
-- small batch per statement so the dispatcher is never blocked for long:
-- the payload rows of events published before 00015_event_bodies.sql (see
-- EventBodyPrune for the others).
WITH old AS (
    SELECT p2.delivery_id
    FROM payloads p2
    JOIN deliveries d ON d.id = p2.delivery_id
    WHERE p2.created_at < sqlc.arg(cutoff)::timestamptz AND p2.body IS NOT NULL
      AND d.status IN ('succeeded', 'failed')
      AND NOT EXISTS (SELECT 1 FROM delivery_queue q WHERE q.delivery_id = d.id)
    ORDER BY p2.created_at
    LIMIT sqlc.arg(batch_size)::integer
    FOR UPDATE OF p2 SKIP LOCKED
)
UPDATE payloads p SET body = NULL FROM old WHERE p.delivery_id = old.delivery_id;

-- name: EventBodyPrune :execrows
-- Clears the body of events created before the cutoff whose deliveries are
-- all finished (none waiting for an attempt or in one), one small batch
-- per statement, oldest first.
WITH old AS (
    SELECT e2.id
    FROM events e2
    WHERE e2.created_at < sqlc.arg(cutoff)::timestamptz AND e2.body_head IS NOT NULL
      AND NOT EXISTS (
          SELECT 1 FROM deliveries d
          WHERE d.event_id = e2.id
            AND (d.status NOT IN ('succeeded', 'failed')
                 OR EXISTS (SELECT 1 FROM delivery_queue q WHERE q.delivery_id = d.id)))
    ORDER BY e2.created_at
    LIMIT sqlc.arg(batch_size)::integer
    FOR UPDATE OF e2 SKIP LOCKED
)
UPDATE events e SET body_head = NULL, body_tail = NULL FROM old WHERE e.id = old.id;
