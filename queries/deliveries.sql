-- name: DeliveryGet :one
-- A delivery with its place in the queue (see store.Delivery).
SELECT sqlc.embed(d), (q.claim_token IS NOT NULL)::boolean AS in_flight, q.manual_requested_at
FROM deliveries d LEFT JOIN delivery_queue q ON q.delivery_id = d.id
WHERE d.id = $1;

-- name: DeliveryStopForEndpoint :execrows
-- The endpoint was disabled or deleted: its unfinished deliveries end failed
-- with the reason, and nothing of it waits in the queue any more (requested
-- manual attempts included). One in flight keeps its lease; its result is
-- recorded and then it ends failed too (see DeliveryCompleteBatch).
-- delivery_queue has no index by endpoint (it would be written by every
-- claim): this reads the whole queue, which is fine for a rare action.
WITH waiting AS (
    DELETE FROM delivery_queue wq
    WHERE wq.endpoint_id = @endpoint_id AND wq.claim_token IS NULL
), held AS (
    -- Its facts end as the delivery's below (00016_queue_facts.sql).
    UPDATE delivery_queue hq
    SET manual_requested_at = NULL,
        status = CASE WHEN hq.status IN ('pending', 'retrying') THEN 'failed' ELSE hq.status END,
        next_attempt_at = NULL
    WHERE hq.endpoint_id = @endpoint_id AND hq.claim_token IS NOT NULL
)
UPDATE deliveries d
SET status = 'failed',
    failure_reason = @reason::text,
    completed_at = coalesce(d.completed_at, @now::timestamptz),
    next_attempt_at = NULL
WHERE d.endpoint_id = @endpoint_id AND d.status IN ('pending', 'retrying');
