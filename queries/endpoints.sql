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
