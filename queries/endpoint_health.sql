-- endpoint_health (migrations/00013_endpoint_health.sql): attempts per
-- endpoint, UTC hour and kind, written by the completion statement.

-- name: EndpointHealthBounds :one
SELECT endpoint_health_bounds()::integer[];

-- name: EndpointHealthSince :many
-- One endpoint's rollup rows from since on (one primary-key range scan: a
-- row per hour, kind of outcome and duration bucket that hour had).
SELECT h.hour, h.kind, h.bucket, h.n
FROM endpoint_health h
WHERE h.endpoint_id = @endpoint_id AND h.hour >= @since::timestamptz;

-- name: EndpointHealthHourly :many
-- Attempts and successes per endpoint and hour from since on, for the
-- endpoints list's sparklines: one statement for all of them.
SELECT h.endpoint_id, h.hour, sum(h.n)::integer AS attempts,
       coalesce(sum(h.n) FILTER (WHERE h.kind = 'success'), 0)::integer AS succeeded
FROM endpoint_health h
WHERE h.endpoint_id = ANY (@endpoint_ids::text[]) AND h.hour >= @since::timestamptz
GROUP BY h.endpoint_id, h.hour
ORDER BY h.endpoint_id, h.hour;

-- name: EndpointHealthPrune :execrows
-- Forgets up to batch_size rows of hours before cutoff.
DELETE FROM endpoint_health
WHERE ctid = ANY (ARRAY(SELECT h.ctid FROM endpoint_health h
                        WHERE h.hour < @cutoff::timestamptz
                        LIMIT @batch_size::integer));

-- name: EndpointHealthRebuild :one
-- Adds the attempts started at or after since to the rollup, read from
-- attempts: for stores whose attempts were written directly (loadgen's
-- seeding), never alongside the dispatcher for the same hours.
SELECT endpoint_health_rebuild(@since::timestamptz)::bigint;
