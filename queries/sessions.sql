-- The dashboard's sessions (scs's table, migrations/00001_init.sql),
-- read and written through store.Sessions.

-- name: SessionFind :one
SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry;

-- name: SessionCommit :exec
INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry;

-- name: SessionDelete :exec
DELETE FROM sessions WHERE token = $1;

-- name: SessionDeleteExpired :execrows
DELETE FROM sessions WHERE expiry < current_timestamp;
