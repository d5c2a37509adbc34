-- name: AuditInsert :exec
INSERT INTO audit_log (user_id, actor, action, target_id, remote_addr, details)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: AuditListByUser :many
SELECT * FROM audit_log WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2;
