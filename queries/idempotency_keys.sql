-- name: IdempotencyKeyGet :one
SELECT * FROM idempotency_keys WHERE key = $1 AND created_at > sqlc.arg(since);

-- name: IdempotencyKeyDeleteExpired :exec
DELETE FROM idempotency_keys WHERE key = $1 AND created_at <= sqlc.arg(since);

-- name: IdempotencyKeyInsert :exec
INSERT INTO idempotency_keys (key, request_hash, response) VALUES ($1, $2, $3);

-- name: IdempotencyKeyPrune :execrows
DELETE FROM idempotency_keys WHERE created_at <= sqlc.arg(since);
