-- endpoint_health (migrations/00012_endpoint_health.sql): attempts per
-- endpoint, UTC hour and kind, written by the completion statement.

-- name: EndpointHealthBounds :one
SELECT endpoint_health_bounds()::integer[];

-- name: EndpointHealthSeries :many
-- One endpoint's rollup rows from hours_since on, each an hour, and from
-- days_since on summed per UTC day (daily): one primary-key range scan,
-- and a few rows per day rather than per hour to decode.
SELECT false AS daily, h.hour AS start, h.kind, h.bucket, h.n
FROM endpoint_health h
WHERE h.endpoint_id = @endpoint_id AND h.hour >= @hours_since::timestamptz
UNION ALL
SELECT true AS daily, date_trunc('day', h.hour, 'UTC') AS start, h.kind, h.bucket, sum(h.n)::integer AS n
FROM endpoint_health h
WHERE h.endpoint_id = @endpoint_id AND h.hour >= @days_since::timestamptz
GROUP BY 2, 3, 4;

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
