-- name: EndpointInsert :one
INSERT INTO endpoints (id, user_id, url, description, events, enabled, secret_encrypted, standard_webhooks)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING *;

-- name: EndpointGet :one
SELECT * FROM endpoints WHERE id = $1 AND deleted_at IS NULL;

-- name: EndpointListByUser :many
SELECT * FROM endpoints
WHERE user_id = $1 AND deleted_at IS NULL
ORDER BY created_at, id;

-- name: EndpointUpdate :one
UPDATE endpoints
SET url = $2, description = $3, events = $4, enabled = $5, disabled_reason = $6,
    disabled_at = $7, disabled_by = $8, enabled_at = $9, standard_webhooks = $10, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL
RETURNING *;

-- name: EndpointSetSecret :execrows
-- A new active secret at once; a pending one is dropped with it.
UPDATE endpoints SET secret_encrypted = $2, pending_secret_encrypted = NULL,
    secret_activates_at = NULL, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL;

-- name: EndpointGetForUpdate :one
-- The endpoint locked for a change of its secrets, with a pending secret
-- whose changeover time has passed made the active one first.
UPDATE endpoints
SET secret_encrypted = CASE WHEN secret_activates_at <= @now::timestamptz THEN pending_secret_encrypted ELSE secret_encrypted END,
    pending_secret_encrypted = CASE WHEN secret_activates_at <= @now::timestamptz THEN NULL ELSE pending_secret_encrypted END,
    secret_activates_at = CASE WHEN secret_activates_at <= @now::timestamptz THEN NULL ELSE secret_activates_at END
WHERE id = @id AND deleted_at IS NULL
RETURNING *;

-- name: EndpointSetPendingSecret :execrows
-- A new secret that takes over at activates_at; the active one is kept.
UPDATE endpoints SET pending_secret_encrypted = @sealed, secret_activates_at = @activates_at::timestamptz, updated_at = now()
WHERE id = @id AND deleted_at IS NULL;

-- name: EndpointActivatePendingSecret :execrows
-- The pending secret takes over now.
UPDATE endpoints SET secret_encrypted = pending_secret_encrypted, pending_secret_encrypted = NULL,
    secret_activates_at = NULL, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL AND pending_secret_encrypted IS NOT NULL;

-- name: EndpointDropPendingSecret :execrows
UPDATE endpoints SET pending_secret_encrypted = NULL, secret_activates_at = NULL, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL AND pending_secret_encrypted IS NOT NULL;

-- name: EndpointDelete :execrows
UPDATE endpoints SET deleted_at = now(), enabled = false, disabled_reason = 'endpoint deleted', updated_at = now()
WHERE id = $1 AND deleted_at IS NULL;

-- name: EndpointCountByUser :one
-- The user's endpoints that are not deleted.
SELECT count(*) FROM endpoints WHERE user_id = $1 AND deleted_at IS NULL;

-- name: EndpointSealedSecretsSample :many
-- The newest and the oldest sealed secrets, deleted endpoints included:
-- enough to tell whether a key is the one they were sealed with.
(SELECT id, secret_encrypted FROM endpoints ORDER BY created_at DESC, id DESC LIMIT sqlc.arg(n)::int)
UNION
(SELECT id, secret_encrypted FROM endpoints ORDER BY created_at, id LIMIT sqlc.arg(n)::int);

-- name: EndpointSealedSecretsForUpdate :many
-- Every sealed secret, pending ones and deleted endpoints' included,
-- locked for re-sealing.
SELECT id, secret_encrypted, pending_secret_encrypted FROM endpoints ORDER BY id FOR UPDATE;

-- name: EndpointSecretReseal :exec
-- Secrets sealed again under another key; the secrets themselves and
-- updated_at do not change.
UPDATE endpoints SET secret_encrypted = $2, pending_secret_encrypted = $3 WHERE id = $1;

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

-- name: EndpointCountDisabled :one
SELECT count(*) FROM endpoints WHERE NOT enabled AND deleted_at IS NULL;

-- name: EndpointFailingSince :one
-- When the endpoint started failing: its oldest failed delivery created
-- after its newest successful one. No row: none failed since.
SELECT d.created_at
FROM deliveries d
WHERE d.endpoint_id = sqlc.arg(endpoint_id) AND d.problem = 'failed'
  AND d.created_at > coalesce((SELECT max(s.created_at) FROM deliveries s
                               WHERE s.endpoint_id = sqlc.arg(endpoint_id) AND s.status = 'succeeded'),
                              '-infinity'::timestamptz)
ORDER BY d.created_at
LIMIT 1;

-- name: EndpointMarkFailing :many
-- Deliveries that just exhausted their schedule make their enabled
-- endpoints failing, unless they already are: failing_since becomes the
-- creation time of the earliest of them. Returns the endpoints that
-- started failing now (the row lock also serialises their notices).
UPDATE endpoints e
SET failing_since = f.created_at
FROM (SELECT d.endpoint_id, min(d.created_at) AS created_at
      FROM deliveries d
      WHERE d.id = ANY (@delivery_ids::text[])
      GROUP BY d.endpoint_id) f
WHERE e.id = f.endpoint_id AND e.failing_since IS NULL AND e.enabled AND e.deleted_at IS NULL
RETURNING e.id;

-- name: EndpointClearFailing :many
-- A success ends the endpoints' trouble. Returns those that were failing
-- (or disabled) and since when.
WITH old AS (
    SELECT id, failing_since FROM endpoints
    WHERE id = ANY (@ids::text[]) AND failing_since IS NOT NULL
    FOR UPDATE
)
UPDATE endpoints e SET failing_since = NULL
FROM old
WHERE e.id = old.id
RETURNING e.id, old.failing_since::timestamptz AS failing_since;

-- name: EndpointSetFailing :exec
-- An endpoint being disabled, or warned that it will be, is failing until
-- a success (so the first success after it is enabled again raises
-- "recovered"). When it was not failing yet (a 410 before any delivery
-- exhausted its schedule), its trouble began with the oldest failed
-- delivery after its newest successful one, else now.
UPDATE endpoints e
SET failing_since = coalesce(e.failing_since,
    (SELECT min(d.created_at) FROM deliveries d
     WHERE d.endpoint_id = e.id AND d.problem = 'failed'
       AND d.created_at > coalesce((SELECT max(s.created_at) FROM deliveries s
                                    WHERE s.endpoint_id = e.id AND s.status = 'succeeded'),
                                   '-infinity'::timestamptz)),
    @now::timestamptz)
WHERE e.id = @id;

-- name: EndpointLockEnabled :many
-- Locks the endpoints that are still enabled, for a notice about them.
SELECT id FROM endpoints
WHERE id = ANY (@ids::text[]) AND enabled AND deleted_at IS NULL
ORDER BY id
FOR UPDATE;
