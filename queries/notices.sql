-- Owner notifications (migrations/00011_notices.sql). A notice is raised
-- in the transaction of the change that caused it, after that transaction
-- locked the endpoint rows (EndpointMarkFailing, EndpointClearFailing,
-- EndpointLockEnabled, or EndpointUpdate's lock), so two processes cannot
-- both pass the 24-hour rule for one endpoint.

-- name: NoticeRaise :many
-- Raises one notice per (endpoint, kind) given, unless the endpoint had a
-- notice of that kind since quiet_since (24 hours ago; 10 minutes for an
-- admin's reminder), or (for recovered) its newest
-- notice is not failing, disabling or disabled. The facts are copied in
-- now: the URL, the last failed attempt's outcome, code and error, and the
-- failed deliveries created since the trouble began (since: given, else
-- endpoints.failing_since; 'epoch' means not given). Its email is queued in
-- mail_outbox when mail is on and the owner did not turn the kind off.
WITH c AS (
    SELECT unnest(sqlc.arg(endpoint_ids)::text[]) AS endpoint_id, unnest(sqlc.arg(kinds)::text[]) AS kind,
           unnest(sqlc.arg(reasons)::text[]) AS reason, unnest(sqlc.arg(since)::timestamptz[]) AS since
), f AS (
    SELECT c.kind, c.reason, e.id AS endpoint_id, e.user_id, e.url,
           coalesce(NULLIF(c.since, 'epoch'::timestamptz), e.failing_since) AS since
    FROM c
    JOIN endpoints e ON e.id = c.endpoint_id
    WHERE NOT EXISTS (SELECT 1 FROM notices n
                      WHERE n.endpoint_id = e.id AND n.kind = c.kind
                        AND n.created_at > sqlc.arg(quiet_since)::timestamptz)
      AND (c.kind <> 'recovered'
           OR coalesce((SELECT n.kind FROM notices n WHERE n.endpoint_id = e.id
                        ORDER BY n.created_at DESC, n.id DESC LIMIT 1), '') IN ('failing', 'disabling', 'disabled'))
), ins AS (
    INSERT INTO notices (user_id, endpoint_id, kind, endpoint_url, reason, last_outcome, last_status_code,
                         last_error, failed_count, failing_since, email, created_at)
    SELECT f.user_id, f.endpoint_id, f.kind, f.url, f.reason, la.outcome, la.status_code, la.error,
           (SELECT count(*) FROM deliveries d
            WHERE d.endpoint_id = f.endpoint_id AND d.problem = 'failed' AND d.created_at >= f.since)::integer,
           f.since,
           CASE WHEN NOT sqlc.arg(mail)::boolean THEN 'no_smtp'
                WHEN EXISTS (SELECT 1 FROM notice_optouts o WHERE o.user_id = f.user_id AND o.kind = f.kind) THEN 'off'
                ELSE 'queued' END,
           sqlc.arg(now)::timestamptz
    FROM f
    LEFT JOIN LATERAL (
        SELECT d.id FROM deliveries d
        WHERE d.endpoint_id = f.endpoint_id AND d.problem IS NOT NULL
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT 1
    ) ld ON true
    LEFT JOIN LATERAL (
        SELECT a.outcome, a.status_code, a.error FROM attempts a
        WHERE a.delivery_id = ld.id AND a.outcome <> 'success'
        ORDER BY a.number DESC
        LIMIT 1
    ) la ON true
    RETURNING id, user_id, endpoint_id, kind, email
), queued AS (
    INSERT INTO mail_outbox (notice_id, to_addr, due_at, created_at)
    SELECT ins.id, u.email, sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz
    FROM ins JOIN users u ON u.id = ins.user_id
    WHERE ins.email = 'queued'
)
SELECT id, user_id, endpoint_id, kind, email FROM ins;

-- name: NoticePageByUser :many
-- A user's notices, newest first, keyset paged on (created_at, id).
SELECT * FROM notices
WHERE user_id = sqlc.arg(user_id)::text
  AND (sqlc.narg(before_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(before_at)::timestamptz, sqlc.arg(before_id)::bigint))
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows)::integer;

-- name: NoticeUnreadCount :one
SELECT count(*) FROM notices WHERE user_id = $1 AND read_at IS NULL;

-- name: NoticeMarkRead :execrows
-- Marks the user's notices up to a shown id read: one raised after the
-- page was rendered stays unread.
UPDATE notices SET read_at = sqlc.arg(now)::timestamptz
WHERE user_id = sqlc.arg(user_id)::text AND read_at IS NULL AND id <= sqlc.arg(up_to)::bigint;

-- name: NoticeAdminPage :many
-- Every user's notices for the admin, newest first, with the owner and
-- the email's state; optionally one state: queued, retrying, sent, failed
-- (the outbox's), or no_smtp and off (no email was queued).
SELECT n.id, n.user_id, n.endpoint_id, n.kind, n.endpoint_url, n.reason, n.last_outcome,
       n.last_status_code, n.last_error, n.failed_count, n.failing_since, n.email, n.read_at, n.created_at,
       coalesce(u.email, '')::text AS owner_email,
       coalesce(m.state, n.email)::text AS mail_state,
       coalesce(m.attempts, 0)::integer AS mail_attempts,
       m.last_error AS mail_error, m.sent_at AS mail_sent_at, m.due_at AS mail_due_at, m.id AS outbox_id
FROM notices n
LEFT JOIN users u ON u.id = n.user_id
LEFT JOIN mail_outbox m ON m.notice_id = n.id
WHERE (sqlc.arg(state)::text = '' OR coalesce(m.state, n.email) = sqlc.arg(state)::text)
  AND (sqlc.narg(before_at)::timestamptz IS NULL
       OR (n.created_at, n.id) < (sqlc.narg(before_at)::timestamptz, sqlc.arg(before_id)::bigint))
ORDER BY n.created_at DESC, n.id DESC
LIMIT sqlc.arg(max_rows)::integer;
