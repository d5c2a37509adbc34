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
