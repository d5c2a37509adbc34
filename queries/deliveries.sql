-- name: DeliveryGet :one
SELECT * FROM deliveries WHERE id = $1;

-- name: DeliveryClaimDue :many
-- Takes up to max_rows due deliveries for one worker process. A row whose
-- lease expired (its process died mid-attempt) is due again: its lost attempt
-- is recorded as interrupted here, and the new attempt takes the next number.
-- Endpoints already at their in-flight cap in this process are skipped, and
-- no endpoint gets more rows than it has room for (room_endpoints and
-- room_counts; default_room for the others), so no claimed row has to be
-- given back. The candidates are read without locks, ranked per endpoint,
-- then locked; the due and skip conditions are repeated on the locked row
-- so a row another process claimed meanwhile is re-checked, not taken.
-- Commits without waiting for the WAL flush (async, below): see store.QueueClaim.
WITH async AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS v
), cand AS (
    SELECT d.id, d.endpoint_id, d.due_at
    FROM deliveries d
    WHERE d.due_at <= @now::timestamptz
      AND d.endpoint_id <> ALL (@skip_endpoints::text[])
    ORDER BY d.due_at
    LIMIT @scan_rows
), ranked AS (
    SELECT c.id, c.due_at,
           row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.due_at) AS rank,
           coalesce(room.n, @default_room::integer) AS room
    FROM cand c
    LEFT JOIN (SELECT unnest(@room_endpoints::text[]) AS endpoint_id,
                      unnest(@room_counts::integer[]) AS n) room ON room.endpoint_id = c.endpoint_id
), due AS (
    SELECT d.id, d.claim_token AS old_token, d.claimed_at AS old_claimed_at,
           d.claim_manual AS old_manual, d.attempt_count AS old_count
    FROM deliveries d
    JOIN ranked r ON r.id = d.id
    WHERE r.rank <= r.room
      AND d.due_at <= @now::timestamptz
      AND d.endpoint_id <> ALL (@skip_endpoints::text[])
    ORDER BY r.due_at
    LIMIT @max_rows
    FOR UPDATE OF d SKIP LOCKED
), lost AS (
    INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, outcome, error)
    SELECT due.id, due.old_count + 1,
           CASE WHEN due.old_manual THEN 'manual' ELSE 'automatic' END,
           due.old_claimed_at,
           (extract(epoch FROM sqlc.arg(lost_now)::timestamptz) * 1000 - extract(epoch FROM due.old_claimed_at) * 1000)::integer,
           'interrupted',
           'the process making this attempt stopped before it recorded a result'
    FROM due
    WHERE due.old_token IS NOT NULL
)
UPDATE deliveries d
SET claim_token = @token::bigint,
    claimed_at = @now::timestamptz,
    due_at = @lease_until::timestamptz,
    attempt_count = due.old_count + (due.old_token IS NOT NULL)::integer,
    claim_manual = (due.old_token IS NOT NULL AND due.old_manual)
                   OR coalesce(d.manual_requested_at <= @now::timestamptz, false),
    manual_requested_at = CASE WHEN d.manual_requested_at <= @now::timestamptz THEN NULL ELSE d.manual_requested_at END
FROM due, endpoints e, async
WHERE d.id = due.id AND e.id = d.endpoint_id
RETURNING d.id, d.endpoint_id, d.event_type, d.status, d.attempt_count, d.auto_attempts,
          d.next_attempt_at, d.claim_manual, (due.old_token IS NOT NULL)::boolean AS interrupted,
          e.url, e.secret_encrypted,
          (SELECT p.body FROM payloads p WHERE p.delivery_id = d.id)::bytea AS body;

-- name: DeliveryCompleteBatch :many
-- Records finished attempts and the deliveries' next states in one
-- statement, fenced by the claim token: a worker whose lease expired and was
-- reclaimed matches no row, so it cannot overwrite the new owner. A failed
-- attempt of an endpoint disabled or deleted meanwhile ends the delivery.
-- Times given as the Unix epoch mean "none".
-- Commits without waiting for the WAL flush (async, below): see store.QueueClaim.
WITH async AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS v
), r AS (
    SELECT unnest(@ids::text[]) AS id, unnest(@tokens::bigint[]) AS token,
           unnest(@numbers::integer[]) AS number, unnest(@manual::boolean[]) AS manual,
           unnest(@started_at::timestamptz[]) AS started_at, unnest(@duration_ms::integer[]) AS duration_ms,
           unnest(@status_codes::integer[]) AS status_code, unnest(@outcomes::text[]) AS outcome,
           unnest(@errors::text[]) AS error, unnest(@response_bodies::bytea[]) AS response_body,
           unnest(@truncated::boolean[]) AS truncated, unnest(@statuses::text[]) AS status,
           unnest(@auto_attempts::integer[]) AS auto_attempts,
           unnest(@next_attempt_at::timestamptz[]) AS next_attempt_at,
           unnest(@completed_at::timestamptz[]) AS completed_at
), s AS (
    SELECT r.*,
           r.status IN ('pending', 'retrying') AND (e.deleted_at IS NOT NULL OR NOT e.enabled) AS stopped,
           NULLIF(r.next_attempt_at, 'epoch'::timestamptz) AS next_at,
           NULLIF(r.completed_at, 'epoch'::timestamptz) AS done_at,
           -- The same reason DeliveryStopForEndpoint gave the others.
           CASE WHEN e.deleted_at IS NOT NULL THEN 'endpoint deleted'
                ELSE 'endpoint disabled' || coalesce(': ' || e.disabled_reason, '') END AS stop_reason
    FROM r
    JOIN deliveries d0 ON d0.id = r.id
    JOIN endpoints e ON e.id = d0.endpoint_id
), upd AS (
    UPDATE deliveries d
    SET claim_token = NULL,
        claimed_at = NULL,
        claim_manual = false,
        attempt_count = s.number,
        auto_attempts = s.auto_attempts,
        last_status_code = NULLIF(s.status_code, 0),
        status = CASE WHEN s.stopped THEN 'failed' ELSE s.status END,
        next_attempt_at = CASE WHEN s.stopped THEN NULL ELSE s.next_at END,
        due_at = CASE WHEN s.stopped THEN NULL ELSE least(s.next_at, d.manual_requested_at) END,
        manual_requested_at = CASE WHEN s.stopped THEN NULL ELSE d.manual_requested_at END,
        -- A success (the attempt in flight when the endpoint was stopped, or
        -- a manual one later) leaves no failure reason behind.
        failure_reason = CASE WHEN s.stopped THEN s.stop_reason
                              WHEN s.status = 'succeeded' THEN NULL
                              ELSE d.failure_reason END,
        -- A stopped delivery completed when DeliveryStopForEndpoint ran, not
        -- when its last attempt started.
        completed_at = CASE WHEN s.stopped THEN coalesce(d.completed_at, s.started_at)
                            ELSE coalesce(s.done_at, d.completed_at) END
    FROM s
    WHERE d.id = s.id AND d.claim_token = s.token
    RETURNING d.id
)
INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome,
                      error, response_body, response_truncated)
SELECT s.id, s.number, CASE WHEN s.manual THEN 'manual' ELSE 'automatic' END, s.started_at,
       s.duration_ms, NULLIF(s.status_code, 0), s.outcome, NULLIF(s.error, ''), s.response_body,
       s.truncated
FROM s
JOIN upd ON upd.id = s.id
CROSS JOIN async
RETURNING delivery_id;

-- name: DeliveryRelease :exec
-- Gives claimed rows back without an attempt (graceful stop, or nothing left
-- to do). A manual attempt that was claimed stays requested.
-- Commits without waiting for the WAL flush (async, below): see store.QueueClaim.
WITH async AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS v
)
UPDATE deliveries d
SET claim_token = NULL,
    claimed_at = NULL,
    claim_manual = false,
    manual_requested_at = CASE WHEN d.claim_manual THEN coalesce(d.manual_requested_at, d.claimed_at)
                               ELSE d.manual_requested_at END,
    due_at = least(d.next_attempt_at,
                   CASE WHEN d.claim_manual THEN coalesce(d.manual_requested_at, d.claimed_at)
                        ELSE d.manual_requested_at END)
FROM (SELECT unnest(@ids::text[]) AS id, unnest(@tokens::bigint[]) AS token) AS r, async
WHERE d.id = r.id AND d.claim_token = r.token;

-- name: DeliveryNextDue :one
SELECT due_at FROM deliveries WHERE due_at IS NOT NULL ORDER BY due_at LIMIT 1;

-- name: DeliveryRequestManual :execrows
-- Queues one manual attempt unless one is in flight or already requested.
UPDATE deliveries
SET manual_requested_at = @now::timestamptz, due_at = least(due_at, @now::timestamptz)
WHERE id = @id AND claim_token IS NULL AND manual_requested_at IS NULL;

-- name: DeliveryStopForEndpoint :execrows
-- The endpoint was disabled or deleted: its unfinished deliveries end failed
-- with the reason. One in flight keeps its lease; its result is recorded
-- and then it ends failed too (see DeliveryCompleteBatch).
UPDATE deliveries
SET status = CASE WHEN status IN ('pending', 'retrying') THEN 'failed' ELSE status END,
    failure_reason = CASE WHEN status IN ('pending', 'retrying') THEN @reason::text ELSE failure_reason END,
    completed_at = coalesce(completed_at, @now::timestamptz),
    next_attempt_at = NULL,
    manual_requested_at = NULL,
    due_at = CASE WHEN claim_token IS NOT NULL THEN due_at END
WHERE endpoint_id = @endpoint_id
  AND (status IN ('pending', 'retrying') OR manual_requested_at IS NOT NULL);
