-- name: UserInsert :one
INSERT INTO users (id, email, name, password_hash, admin)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: UserGet :one
SELECT * FROM users WHERE id = $1;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE lower(email) = lower(sqlc.arg(email));

-- name: UserCount :one
SELECT count(*) FROM users;

-- name: UserLock :exec
-- Serialises a user's changes that check a limit (EndpointCreate): taken
-- in its own statement, so the next statement's snapshot sees what the
-- transaction that held the lock committed.
SELECT 1 FROM users WHERE id = $1 FOR UPDATE;

-- name: UserSetPassword :execrows
UPDATE users SET password_hash = sqlc.arg(password_hash) WHERE lower(email) = lower(sqlc.arg(email));
