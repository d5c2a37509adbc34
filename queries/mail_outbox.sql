-- The email outbox (migrations/00011_notices.sql), sent by internal/mail.

-- name: MailClaim :many
-- Takes up to max_rows due emails for one sending process: a fresh claim
-- token, due_at moved to the end of the lease, the attempt counted. Rows
-- another process holds are skipped. Returns what the email says.
WITH due AS (
    SELECT id FROM mail_outbox
    WHERE state IN ('queued', 'retrying') AND due_at <= @now::timestamptz
    ORDER BY due_at
    LIMIT @max_rows::integer
    FOR UPDATE SKIP LOCKED
)
UPDATE mail_outbox m
SET claim_token = @token::bigint, due_at = @lease_until::timestamptz, attempts = m.attempts + 1
FROM due, notices n
WHERE m.id = due.id AND n.id = m.notice_id
RETURNING m.id, m.to_addr, m.attempts, n.user_id, n.endpoint_id, n.kind, n.endpoint_url, n.reason,
          n.last_outcome, n.last_status_code, n.last_error, n.failed_count, n.failing_since, n.created_at;

-- name: MailSent :execrows
-- The server accepted the email. Fenced by the claim token.
UPDATE mail_outbox SET state = 'sent', sent_at = @now::timestamptz, claim_token = NULL
WHERE id = @id AND claim_token = @token::bigint;

-- name: MailFailed :execrows
-- Sending failed: try again at due_at, or give up (failed). Fenced by the
-- claim token.
UPDATE mail_outbox
SET state = CASE WHEN @give_up::boolean THEN 'failed' ELSE 'retrying' END,
    due_at = @due_at::timestamptz, claim_token = NULL, last_error = @error::text
WHERE id = @id AND claim_token = @token::bigint;

-- name: MailNextDue :one
-- When the earliest unsent email comes due (a claimed one: its lease's end).
SELECT due_at FROM mail_outbox WHERE state IN ('queued', 'retrying') ORDER BY due_at LIMIT 1;
