-- name: EndpointInsert :one
INSERT INTO endpoints (id, user_id, url, description, events, enabled, secret_encrypted)
VALUES ($1, $2, $3, $4, $5, $6, $7)
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
    disabled_at = $7, disabled_by = $8, enabled_at = $9, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL
RETURNING *;

-- name: EndpointSetSecret :execrows
UPDATE endpoints SET secret_encrypted = $2, updated_at = now()
WHERE id = $1 AND deleted_at IS NULL;

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
-- Every sealed secret, deleted endpoints included, locked for re-sealing.
SELECT id, secret_encrypted FROM endpoints ORDER BY id FOR UPDATE;

-- name: EndpointSecretReseal :exec
-- A secret sealed again under another key; the secret itself and
-- updated_at do not change.
UPDATE endpoints SET secret_encrypted = $2 WHERE id = $1;
