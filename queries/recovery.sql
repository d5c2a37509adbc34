-- name: RecoveryInsert :one
-- A recovery: a bulk retry of failed deliveries (see migrations/00003).
-- Marking its deliveries is built in internal/store/recovery.go, since its
-- scope can be the admin's dynamic filter.
INSERT INTO recoveries (id, user_id, endpoint_id, filter, actor, remote_addr, range_from, range_to, requested_at)
VALUES (sqlc.arg(id), sqlc.narg(user_id), sqlc.narg(endpoint_id), sqlc.arg(filter), sqlc.arg(actor),
        sqlc.narg(remote_addr), sqlc.narg(range_from), sqlc.arg(range_to), sqlc.arg(requested_at))
RETURNING *;

-- name: RecoveryGet :one
SELECT * FROM recoveries WHERE id = $1;

-- name: RecoveryLatestForEndpoint :one
SELECT * FROM recoveries WHERE endpoint_id = $1 ORDER BY requested_at DESC LIMIT 1;

-- name: RecoveryMarked :one
-- Every batch is marked: the total is final.
UPDATE recoveries SET total = sqlc.arg(total), marked_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: RecoveryDelete :exec
DELETE FROM recoveries WHERE id = $1;

-- name: RecoveryProgress :one
-- A delivery of the recovery is still to be sent while a manual attempt is
-- requested or one is in flight (a claimed row that the dispatcher gives
-- back, its endpoint at its cap, is requested again). Every delivery was
-- failed when marked, so a succeeded one is the retry's success.
SELECT count(*)::integer AS total,
       (count(*) FILTER (WHERE q.manual_requested_at IS NOT NULL OR q.claim_token IS NOT NULL))::integer AS waiting,
       (count(*) FILTER (WHERE d.status = 'succeeded'))::integer AS succeeded
FROM recovery_deliveries rd
JOIN deliveries d ON d.id = rd.delivery_id
LEFT JOIN delivery_queue q ON q.delivery_id = rd.delivery_id
WHERE rd.recovery_id = $1;

-- name: RecoveryFinish :one
-- The first progress read that finds nothing left to send freezes the counts.
UPDATE recoveries
SET finished_at = sqlc.arg(now)::timestamptz, retried = sqlc.arg(retried), succeeded = sqlc.arg(succeeded)
WHERE id = sqlc.arg(id) AND finished_at IS NULL
RETURNING *;
