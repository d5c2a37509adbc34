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

-- name: EndpointUnhealthy :many
-- Enabled endpoints, enabled for the whole window (since they were created,
-- or re-enabled after being disabled), that had no successful automatic
-- attempt in it while at least min_failures of their deliveries exhausted
-- the automatic schedule in it. Manual attempts count neither way. Without
-- the re-enable rule, an endpoint enabled again after an outage would be
-- disabled at the next round, for the failures that disabled it before.
SELECT e.id
FROM endpoints e
WHERE e.enabled AND e.deleted_at IS NULL AND coalesce(e.enabled_at, e.created_at) < @since::timestamptz
  AND (SELECT count(*) FROM deliveries d
       WHERE d.endpoint_id = e.id AND d.problem = 'failed' AND d.failure_reason IS NULL
         AND d.completed_at >= @since::timestamptz) >= @min_failures::bigint
  AND NOT EXISTS (
       SELECT 1 FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
       WHERE d.endpoint_id = e.id AND d.created_at >= @created_since::timestamptz
         AND a.trigger = 'automatic' AND a.outcome = 'success' AND a.started_at >= @since::timestamptz);

-- name: QueueStats :one
-- For metrics: deliveries waiting for a worker (due now, not held), those
-- due for over a minute, and how long the oldest has been due (0: none).
SELECT count(*) AS due,
       count(*) FILTER (WHERE due_at <= sqlc.arg(overdue_before)::timestamptz) AS overdue,
       coalesce(extract(epoch FROM sqlc.arg(now)::timestamptz - min(due_at)), 0)::float8 AS oldest_age_seconds
FROM delivery_queue
WHERE due_at <= sqlc.arg(now)::timestamptz AND claim_token IS NULL;

-- name: EndpointCountDisabled :one
SELECT count(*) FROM endpoints WHERE NOT enabled AND deleted_at IS NULL;
