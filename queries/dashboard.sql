-- name: EndpointListWithStats :many
-- A user's endpoints for the list screen, each with its newest delivery and
-- the outcome counts of its last 100 deliveries (two bounded index scans per
-- endpoint on deliveries_endpoint_idx: no count over the whole history).
SELECT e.id, e.url, e.description, e.events, e.enabled, e.disabled_reason, e.disabled_at, e.disabled_by, e.created_at,
       -- No delivery yet: last_id is '' (the other last_ fields are then meaningless).
       coalesce(last.id, '')::text AS last_id, coalesce(last.status, '')::text AS last_status,
       coalesce(last.event_type, '')::text AS last_event, last.last_status_code AS last_code,
       coalesce(last.created_at, e.created_at)::timestamptz AS last_created_at,
       coalesce(recent.succeeded, 0)::integer AS recent_succeeded,
       coalesce(recent.unsuccessful, 0)::integer AS recent_unsuccessful
FROM endpoints e
LEFT JOIN LATERAL (
    SELECT d.id, d.status, d.event_type, d.last_status_code, d.created_at
    FROM deliveries d
    WHERE d.endpoint_id = e.id
    ORDER BY d.created_at DESC, d.id DESC
    LIMIT 1
) last ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE r.status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE r.status IN ('failed', 'retrying')) AS unsuccessful
    FROM (SELECT d.status FROM deliveries d
          WHERE d.endpoint_id = e.id
          ORDER BY d.created_at DESC, d.id DESC
          LIMIT 100) r
) recent ON true
WHERE e.user_id = $1 AND e.deleted_at IS NULL
ORDER BY e.created_at, e.id;

-- name: EndpointGetIncludingDeleted :one
-- The admin's view of a delivery names its endpoint even once deleted.
SELECT * FROM endpoints WHERE id = $1;
