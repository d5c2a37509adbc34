-- name: PayloadGet :one
SELECT body FROM payloads WHERE delivery_id = $1;

-- name: PayloadPrune :execrows
-- Clears the bodies of finished deliveries created before the cutoff, one
-- small batch per statement so the dispatcher is never blocked for long.
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
