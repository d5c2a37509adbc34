-- name: AttemptListByDelivery :many
SELECT * FROM attempts WHERE delivery_id = $1 ORDER BY number;

-- name: AttemptPruneResponses :execrows
WITH old AS (
    SELECT a2.delivery_id, a2.number
    FROM attempts a2
    WHERE a2.started_at < sqlc.arg(cutoff)::timestamptz AND a2.response_body IS NOT NULL
    ORDER BY a2.started_at
    LIMIT sqlc.arg(batch_size)::integer
    FOR UPDATE SKIP LOCKED
)
UPDATE attempts a SET response_body = NULL FROM old
WHERE a.delivery_id = old.delivery_id AND a.number = old.number;
