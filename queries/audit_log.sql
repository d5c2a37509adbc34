-- name: AuditInsert :exec
INSERT INTO audit_log (user_id, actor, action, target_id, remote_addr, details)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: AuditListByUser :many
SELECT * FROM audit_log WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2;

-- name: AuditInsertRecoveryPerUser :exec
-- An admin's recovery spans users: each owner gets one entry, with the
-- count of their deliveries it retried.
INSERT INTO audit_log (user_id, actor, action, target_id, remote_addr, details)
SELECT d.user_id, sqlc.arg(actor)::text, 'recovery.started', sqlc.arg(recovery_id)::text,
       sqlc.narg(remote_addr)::text, sqlc.arg(details)::jsonb || jsonb_build_object('count', count(*))
FROM recovery_deliveries rd
JOIN deliveries d ON d.id = rd.delivery_id
WHERE rd.recovery_id = sqlc.arg(recovery_id)::text
GROUP BY d.user_id;

-- name: AuditPageByUser :many
-- A user's audit page: entries about their resources, newest first, keyset
-- paged on (created_at, id), with what the page shows beside each: the
-- actor's email and the target's endpoint (ids have distinct prefixes, so
-- at most one of the target joins matches).
SELECT a.id, a.user_id, a.actor, a.action, a.target_id, a.remote_addr, a.details, a.created_at,
       coalesce(actor_u.email, '')::text AS actor_email,
       coalesce(owner_u.email, '')::text AS owner_email,
       coalesce(te.id, de.id, re.id, '')::text AS endpoint_id,
       coalesce(te.url, de.url, re.url, '')::text AS endpoint_url,
       (coalesce(te.deleted_at, de.deleted_at, re.deleted_at) IS NOT NULL)::boolean AS endpoint_deleted
FROM audit_log a
LEFT JOIN users actor_u ON actor_u.id = a.actor
LEFT JOIN users owner_u ON owner_u.id = a.user_id
LEFT JOIN endpoints te ON te.id = a.target_id
LEFT JOIN deliveries d ON d.id = a.target_id
LEFT JOIN endpoints de ON de.id = d.endpoint_id
LEFT JOIN recoveries r ON r.id = a.target_id
LEFT JOIN endpoints re ON re.id = r.endpoint_id
WHERE a.user_id = sqlc.arg(user_id)::text
  AND (sqlc.narg(before_at)::timestamptz IS NULL
       OR (a.created_at, a.id) < (sqlc.narg(before_at)::timestamptz, sqlc.arg(before_id)::bigint))
ORDER BY a.created_at DESC, a.id DESC
LIMIT sqlc.arg(max_rows)::integer;

-- name: AuditPageAll :many
-- The admin's audit page: every user's entries, newest first, optionally
-- for one user (id, or part of the owner's or the actor's email) and one
-- action. Same columns as AuditPageByUser.
SELECT a.id, a.user_id, a.actor, a.action, a.target_id, a.remote_addr, a.details, a.created_at,
       coalesce(actor_u.email, '')::text AS actor_email,
       coalesce(owner_u.email, '')::text AS owner_email,
       coalesce(te.id, de.id, re.id, '')::text AS endpoint_id,
       coalesce(te.url, de.url, re.url, '')::text AS endpoint_url,
       (coalesce(te.deleted_at, de.deleted_at, re.deleted_at) IS NOT NULL)::boolean AS endpoint_deleted
FROM audit_log a
LEFT JOIN users actor_u ON actor_u.id = a.actor
LEFT JOIN users owner_u ON owner_u.id = a.user_id
LEFT JOIN endpoints te ON te.id = a.target_id
LEFT JOIN deliveries d ON d.id = a.target_id
LEFT JOIN endpoints de ON de.id = d.endpoint_id
LEFT JOIN recoveries r ON r.id = a.target_id
LEFT JOIN endpoints re ON re.id = r.endpoint_id
WHERE (sqlc.arg(who)::text = ''
       OR a.user_id = sqlc.arg(who)::text OR a.actor = sqlc.arg(who)::text
       OR strpos(lower(owner_u.email), lower(sqlc.arg(who)::text)) > 0
       OR strpos(lower(actor_u.email), lower(sqlc.arg(who)::text)) > 0)
  AND (sqlc.arg(action)::text = '' OR a.action = sqlc.arg(action)::text)
  AND (sqlc.narg(before_at)::timestamptz IS NULL
       OR (a.created_at, a.id) < (sqlc.narg(before_at)::timestamptz, sqlc.arg(before_id)::bigint))
ORDER BY a.created_at DESC, a.id DESC
LIMIT sqlc.arg(max_rows)::integer;
