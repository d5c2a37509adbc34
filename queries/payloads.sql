-- name: PayloadGet :one
SELECT body FROM payloads WHERE delivery_id = $1;
