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
-- A new active secret at once; a pending one is dropped with it, and the
-- one it replaces is kept as the previous one.
UPDATE endpoints SET secret_encrypted = $2, pending_secret_encrypted = NULL,
    secret_activates_at = NULL, updated_at = now(),
    previous_secret_encrypted = secret_encrypted, previous_secret_replaced_at = now()
WHERE id = $1 AND deleted_at IS NULL;

-- name: EndpointGetForUpdate :one
-- The endpoint locked for a change of its secrets, with a pending secret
-- whose changeover time has passed made the active one first.
UPDATE endpoints
SET secret_encrypted = CASE WHEN secret_activates_at <= @now::timestamptz THEN pending_secret_encrypted ELSE secret_encrypted END,
    pending_secret_encrypted = CASE WHEN secret_activates_at <= @now::timestamptz THEN NULL ELSE pending_secret_encrypted END,
    secret_activates_at = CASE WHEN secret_activates_at <= @now::timestamptz THEN NULL ELSE secret_activates_at END,
    previous_secret_encrypted = CASE WHEN secret_activates_at <= @now::timestamptz THEN secret_encrypted ELSE previous_secret_encrypted END,
    previous_secret_replaced_at = CASE WHEN secret_activates_at <= @now::timestamptz THEN secret_activates_at ELSE previous_secret_replaced_at END
WHERE id = @id AND deleted_at IS NULL
RETURNING *;

-- name: EndpointSetPendingSecret :execrows
-- A new secret that takes over at activates_at; the active one is kept.
UPDATE endpoints SET pending_secret_encrypted = @sealed, secret_activates_at = @activates_at::timestamptz, updated_at = now()
WHERE id = @id AND deleted_at IS NULL;

-- name: EndpointActivatePendingSecret :execrows
-- The pending secret takes over now; the active one becomes the previous.
UPDATE endpoints SET secret_encrypted = pending_secret_encrypted, pending_secret_encrypted = NULL,
    secret_activates_at = NULL, updated_at = now(),
    previous_secret_encrypted = secret_encrypted, previous_secret_replaced_at = now()
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
SELECT id, secret_encrypted, pending_secret_encrypted, previous_secret_encrypted FROM endpoints ORDER BY id FOR UPDATE;

-- name: EndpointSecretReseal :exec
-- Secrets sealed again under another key; the secrets themselves and
-- updated_at do not change.
UPDATE endpoints SET secret_encrypted = $2, pending_secret_encrypted = $3, previous_secret_encrypted = $4 WHERE id = $1;

-- name: EndpointListWithStats :many
-- A user's endpoints for the list screen, each with its newest delivery and
-- the outcome counts of its last 100 deliveries (two bounded index scans per
-- endpoint on deliveries_endpoint_idx: no count over the whole history).
SELECT e.id, e.url, e.description, e.events, e.enabled, e.disabled_reason, e.disabled_at, e.disabled_by, e.created_at,
       -- No delivery yet: last_id is '' (the other last_ fields are then meaningless).
       coalesce(last.id, '')::text AS last_id, coalesce(last.status, '')::text AS last_status,
       coalesce(last.event_type, '')::text AS last_event, last.last_status_code AS last_code,
       coalesce(last.last_outcome, '')::text AS last_outcome,
       coalesce(last.created_at, e.created_at)::timestamptz AS last_created_at,
       coalesce(recent.succeeded, 0)::integer AS recent_succeeded,
       coalesce(recent.unsuccessful, 0)::integer AS recent_unsuccessful
FROM endpoints e
LEFT JOIN LATERAL (
    SELECT d.id, d.status, d.event_type, d.last_status_code, d.last_outcome, d.created_at
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

-- name: EndpointAttention :many
-- The admin's "Needs attention" (store.Attention): endpoints, not deleted,
-- that are failing, and endpoints the service disabled. An endpoint is
-- failing when its newest delivery that is not pending failed or is
-- retrying: then no delivery newer than it succeeded, so it failed (or is
-- retrying) since the endpoint's newest success. For each: that delivery
-- and its last attempt (the last error), when it started failing (the
-- oldest failed or retrying delivery after the newest success before it),
-- and its failed or retrying deliveries of the last 24 hours by hour of
-- creation (hourly[0] the hour up to now).
--
-- Per endpoint, the first step reads deliveries_endpoint_idx newest first
-- to the first delivery that is not pending (one row, or the few in
-- flight). Only the failing ones (MATERIALIZED: few) go on: a walk back
-- over their failures to their newest success (one heap visit per
-- delivery since then: the one cost that grows, with the length of the
-- outage), then probes of deliveries_endpoint_problem_idx (failed and
-- retrying rows only) for the start and the counts of the last 24 hours.
-- An index on successes would end the HOT completion of 00008.
WITH newest AS MATERIALIZED (
    SELECT e.id, e.user_id, e.url, e.enabled, e.disabled_at, e.disabled_by, e.disabled_reason,
           nd.id AS delivery_id, nd.created_at AS delivery_at, nd.attempt_count, nd.failure_reason, nd.problem
    FROM endpoints e
    LEFT JOIN LATERAL (
        SELECT d.id, d.created_at, d.attempt_count, d.failure_reason, d.problem FROM deliveries d
        WHERE d.endpoint_id = e.id AND d.status <> 'pending'
        ORDER BY d.created_at DESC, d.id DESC LIMIT 1
    ) nd ON true
    WHERE e.deleted_at IS NULL
), failing AS MATERIALIZED (
    SELECT n.id, n.user_id, n.url, n.enabled, n.disabled_at, n.disabled_by, n.disabled_reason,
           CASE WHEN n.problem IS NOT NULL THEN n.delivery_id END AS failure_id,
           CASE WHEN n.problem IS NOT NULL THEN n.delivery_at END AS failure_at,
           CASE WHEN n.problem IS NOT NULL THEN n.attempt_count END AS failure_attempts,
           n.failure_reason -- of the newest delivery that is not pending: read only when failing
    FROM newest n
    WHERE n.problem IS NOT NULL OR (NOT n.enabled AND n.disabled_by = 'system')
)
SELECT f.id, f.user_id, u.email, f.url, f.enabled, f.disabled_at, f.disabled_by, f.disabled_reason,
       -- The receiving host, read as the admin list's host filter reads it (store/admin.go).
       lower(coalesce(substring(f.url from '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)'), ''))::text AS host,
       coalesce(f.failure_id, '')::text AS failure_id, f.failure_reason,
       -- No failure since (an endpoint the service disabled): when it was disabled.
       coalesce(since.at, f.disabled_at, sqlc.arg(now)::timestamptz)::timestamptz AS failing_since,
       hist.hourly::int[] AS hourly, hist.retrying::int AS retrying,
       a.started_at AS last_started_at, a.outcome AS last_outcome, a.status_code AS last_status_code, a.error AS last_error,
       a.remote_addr AS last_remote_addr, a.duration_ms AS last_duration_ms,
       a.connect_ms AS last_connect_ms, a.first_byte_ms AS last_first_byte_ms
FROM failing f
JOIN users u ON u.id = f.user_id
LEFT JOIN attempts a ON a.delivery_id = f.failure_id AND a.number = f.failure_attempts
-- The newest success before the newest failure: a walk back from it.
LEFT JOIN LATERAL (
    SELECT s.created_at AS at FROM deliveries s
    WHERE s.endpoint_id = f.id AND s.created_at < f.failure_at AND s.status = 'succeeded'
    ORDER BY s.created_at DESC, s.id DESC LIMIT 1
) ls ON true
-- The oldest failure after that success.
LEFT JOIN LATERAL (
    SELECT min(y.created_at) AS at FROM (
        (SELECT d.created_at FROM deliveries d
         WHERE d.endpoint_id = f.id AND d.problem = 'failed' AND d.created_at > coalesce(ls.at, '-infinity'::timestamptz)
         ORDER BY d.created_at, d.id LIMIT 1)
        UNION ALL
        (SELECT d.created_at FROM deliveries d
         WHERE d.endpoint_id = f.id AND d.problem = 'retrying' AND d.created_at > coalesce(ls.at, '-infinity'::timestamptz)
         ORDER BY d.created_at, d.id LIMIT 1)
    ) y
    WHERE f.failure_id IS NOT NULL
) since ON true
-- Failed or retrying deliveries created in each of the last 24 hours.
LEFT JOIN LATERAL (
    SELECT array_agg(coalesce(b.n, 0) ORDER BY g.h) AS hourly, coalesce(sum(b.r), 0) AS retrying
    FROM generate_series(0, 23) AS g(h)
    LEFT JOIN (
        SELECT floor(date_part('epoch', sqlc.arg(now)::timestamptz - d.created_at) / 3600)::int AS h,
               count(*) AS n, count(*) FILTER (WHERE d.problem = 'retrying') AS r
        FROM deliveries d
        WHERE d.endpoint_id = f.id AND d.problem IN ('failed', 'retrying')
          AND d.created_at > sqlc.arg(now)::timestamptz - interval '24 hours'
          AND d.created_at <= sqlc.arg(now)::timestamptz
        GROUP BY 1
    ) b ON b.h = g.h
) hist ON true;

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
-- exhausted its schedule), its trouble began at since (store.markFailing:
-- EndpointFailingSince's answer, else now).
UPDATE endpoints e SET failing_since = coalesce(e.failing_since, @since::timestamptz)
WHERE e.id = @id;

-- name: EndpointLockForNotice :many
-- Locks the endpoints, not deleted, that a notice is about (an admin's
-- reminder; the "disabling" warning, which skips the disabled ones).
SELECT id, user_id, enabled, disabled_reason FROM endpoints
WHERE id = ANY (@ids::text[]) AND deleted_at IS NULL
ORDER BY id
FOR UPDATE;
