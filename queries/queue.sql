-- The queue: delivery_queue (migrations/00004_queue.sql), the narrow table
-- the dispatcher claims from, completes into and releases; a delivery is in
-- it while it waits for an attempt or one is in flight.

-- name: DeliveryClaimDue :many
-- Takes up to max_rows due deliveries for one worker process. A row whose
-- lease expired (its process died mid-attempt) is due again and is taken
-- like any other, flagged interrupted with its lost attempt's start: the
-- caller records that attempt (DeliveryRecordInterrupted) before it makes
-- the next one. Endpoints already at their in-flight cap in this process
-- are skipped, and no endpoint gets more rows than it has room for
-- (room_endpoints and room_counts; default_room for the others), so no
-- claimed row has to be given back. The candidates are read without locks,
-- ranked per endpoint, then locked; the due and skip conditions are
-- repeated on the locked row so a row another process claimed meanwhile is
-- re-checked, not taken.
--
-- Only the narrow queue row is written, and only it, the endpoint and the
-- event are read (each by its key): the delivery's facts are on the queue
-- row (00016_queue_facts.sql), so this statement is planned once per
-- connection (store.genericPlans), not before every claim.
-- Commits without waiting for the WAL flush (async, below): see store.QueueClaim.
WITH async AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS v
), cand AS (
    SELECT q.delivery_id AS id, q.endpoint_id, q.due_at
    FROM delivery_queue q
    WHERE q.due_at <= @now::timestamptz
      AND q.endpoint_id <> ALL (@skip_endpoints::text[])
    ORDER BY q.due_at
    LIMIT @scan_rows
), ranked AS (
    SELECT c.id, c.due_at,
           row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.due_at) AS rank,
           coalesce(room.n, @default_room::integer) AS room
    FROM cand c
    LEFT JOIN (SELECT unnest(@room_endpoints::text[]) AS endpoint_id,
                      unnest(@room_counts::integer[]) AS n) room ON room.endpoint_id = c.endpoint_id
), due AS (
    SELECT q.delivery_id AS id, q.claim_token AS old_token, q.claimed_at AS old_claimed_at,
           q.claim_manual AS old_manual
    FROM delivery_queue q
    JOIN ranked r ON r.id = q.delivery_id
    -- Rechecked on the locked row: unchanged since the candidates were
    -- read. Every write that ends or moves an attempt (a completion, a
    -- claim elsewhere, a stop) moves or deletes this row in the same
    -- transaction, so an unchanged row also means its facts are current.
    WHERE r.rank <= r.room
      AND q.due_at = r.due_at
    ORDER BY r.due_at
    LIMIT @max_rows
    FOR UPDATE OF q SKIP LOCKED
), claimed AS (
    UPDATE delivery_queue q
    SET claim_token = @token::bigint,
        claimed_at = @now::timestamptz,
        due_at = @lease_until::timestamptz,
        claim_manual = (due.old_token IS NOT NULL AND due.old_manual)
                       OR coalesce(q.manual_requested_at <= @now::timestamptz, false),
        manual_requested_at = CASE WHEN q.manual_requested_at <= @now::timestamptz THEN NULL ELSE q.manual_requested_at END
    FROM due, async
    WHERE q.delivery_id = due.id
    RETURNING q.delivery_id, q.endpoint_id, q.event_id, q.status, q.attempt_count, q.auto_attempts,
              q.next_attempt_at, q.claim_manual, due.old_token IS NOT NULL AS interrupted,
              due.old_claimed_at, due.old_manual
)
SELECT c.delivery_id AS id, c.endpoint_id, ev.type AS event_type, c.status,
       c.attempt_count, c.auto_attempts, c.next_attempt_at, c.claim_manual,
       c.interrupted::boolean AS interrupted,
       coalesce(c.old_claimed_at, 'epoch'::timestamptz)::timestamptz AS interrupted_started_at,
       coalesce(c.interrupted AND c.old_manual, false)::boolean AS interrupted_manual,
       e.url, e.secret_encrypted, e.pending_secret_encrypted, e.secret_activates_at, e.standard_webhooks,
       (e.failing_since IS NOT NULL)::boolean AS endpoint_failing,
       -- As PayloadGet: the event's body around the id, else (an event
       -- from before 00015_event_bodies.sql) the delivery's payload row.
       coalesce(ev.body_head || convert_to(c.delivery_id, 'UTF8') || ev.body_tail,
                (SELECT p.body FROM payloads p WHERE p.delivery_id = c.delivery_id))::bytea AS body
FROM claimed c
JOIN endpoints e ON e.id = c.endpoint_id
JOIN events ev ON ev.id = c.event_id;

-- name: DeliveryRecordInterrupted :exec
-- Records the attempts a claim found interrupted (their process died with
-- the lease): each takes the next number, on the delivery and its queue
-- row, with the outcome "interrupted", and the endpoint's health rollup
-- counts it (see DeliveryCompleteBatch). Fenced by the claim token, as a
-- completion. Run right after the claim that took them, before their next
-- attempt; a process that dies between the two leaves that one lost
-- attempt unrecorded (the next claim records its own).
WITH lost AS (
    SELECT unnest(@ids::text[]) AS id, unnest(@started_at::timestamptz[]) AS started_at,
           unnest(@manual::boolean[]) AS manual
), counted AS (
    UPDATE delivery_queue q
    SET attempt_count = q.attempt_count + 1
    FROM lost
    WHERE q.delivery_id = lost.id AND q.claim_token = @token::bigint
    RETURNING q.delivery_id AS id, q.attempt_count, q.endpoint_id, lost.started_at, lost.manual,
              (extract(epoch FROM @now::timestamptz) * 1000 - extract(epoch FROM lost.started_at) * 1000)::integer AS duration_ms
), upd AS (
    UPDATE deliveries d
    SET attempt_count = counted.attempt_count,
        last_outcome = 'interrupted'
    FROM counted
    WHERE d.id = counted.id
), health AS (
    INSERT INTO endpoint_health AS h (endpoint_id, hour, kind, bucket, n)
    SELECT endpoint_id, date_trunc('hour', started_at, 'UTC'), 'interrupted',
           width_bucket(duration_ms, endpoint_health_bounds()), count(*)
    FROM counted
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (endpoint_id, hour, kind, bucket) DO UPDATE SET n = h.n + excluded.n
)
INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, outcome, error)
SELECT id, attempt_count, CASE WHEN manual THEN 'manual' ELSE 'automatic' END,
       started_at, duration_ms, 'interrupted',
       'the process making this attempt stopped before it recorded a result'
FROM counted;

-- name: DeliveryCompleteBatch :many
-- Records finished attempts and the deliveries' next states in one
-- statement, fenced by the claim token on the queue row: a worker whose
-- lease expired and was reclaimed matches no row, so it cannot overwrite
-- the new owner, and nothing else of its result is written. The queue row
-- is deleted when nothing is left to do, else made due at the next
-- automatic or requested manual attempt. A failed attempt of an endpoint
-- disabled or deleted meanwhile ends the delivery. Times given as the Unix
-- epoch mean "none".
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
           unnest(@completed_at::timestamptz[]) AS completed_at,
           -- Phase timings in ms, -1 for a phase that did not happen.
           unnest(@dns_ms::integer[]) AS dns_ms, unnest(@connect_ms::integer[]) AS connect_ms,
           unnest(@tls_ms::integer[]) AS tls_ms, unnest(@first_byte_ms::integer[]) AS first_byte_ms,
           unnest(@response_headers::bytea[]) AS response_headers,
           unnest(@remote_addrs::text[]) AS remote_addr,
           -- The claimed row's endpoint, as the claim returned it: the queue
           -- row is not read for it (joined to a batch, PostgreSQL hashed
           -- the whole queue for it, a sequential scan per completion).
           unnest(@endpoint_ids::text[]) AS endpoint_id
), s AS (
    SELECT r.*,
           r.status IN ('pending', 'retrying') AND (e.deleted_at IS NOT NULL OR NOT e.enabled) AS stopped,
           NULLIF(r.next_attempt_at, 'epoch'::timestamptz) AS next_at,
           NULLIF(r.completed_at, 'epoch'::timestamptz) AS done_at,
           -- The same reason DeliveryStopForEndpoint gave the others.
           CASE WHEN e.deleted_at IS NOT NULL THEN 'endpoint deleted'
                ELSE 'endpoint disabled' || coalesce(': ' || e.disabled_reason, '') END AS stop_reason
    FROM r
    JOIN endpoints e ON e.id = r.endpoint_id
), done AS (
    -- Nothing left to do: no automatic attempt ahead, no manual one requested.
    DELETE FROM delivery_queue q
    USING s
    WHERE q.delivery_id = s.id AND q.claim_token = s.token
      AND (s.stopped OR (s.next_at IS NULL AND q.manual_requested_at IS NULL))
    RETURNING q.delivery_id
), again AS (
    -- The rows done did not delete (read from its result, not the queue:
    -- a drain of first-try successes looks nothing up here).
    UPDATE delivery_queue q
    SET claim_token = NULL,
        claimed_at = NULL,
        claim_manual = false,
        due_at = least(s.next_at, q.manual_requested_at),
        -- The delivery's facts, as upd writes them (00016_queue_facts.sql).
        attempt_count = s.number,
        auto_attempts = s.auto_attempts,
        status = s.status,
        next_attempt_at = s.next_at
    FROM s
    WHERE s.id NOT IN (SELECT delivery_id FROM done)
      AND q.delivery_id = s.id AND q.claim_token = s.token
      AND NOT (s.stopped OR (s.next_at IS NULL AND q.manual_requested_at IS NULL))
    RETURNING q.delivery_id
), fenced AS (
    -- The results whose queue row done or again wrote, each with all it
    -- carries: what follows reads these and nothing else of the batch.
    -- Filtered through the two CTEs' ids as hashed subplans (an IN under
    -- OR is not made a join), never joined to them: PostgreSQL estimates
    -- a CTE at a few rows whatever it holds, and once the tables were
    -- analyzed with the queue empty (autovacuum, after a drain) it joined
    -- the batch to the fenced ids in a nested loop that compared every
    -- result with every fenced row: 1,000,000 comparisons for a batch of
    -- 1,000, 140 of a 175 ms completion
    -- (TestCompletionWorkIsLinearWhateverTheStatistics).
    SELECT s.* FROM s
    WHERE s.id IN (SELECT delivery_id FROM done) OR s.id IN (SELECT delivery_id FROM again)
), upd AS (
    UPDATE deliveries d
    SET attempt_count = f.number,
        auto_attempts = f.auto_attempts,
        last_status_code = NULLIF(f.status_code, 0),
        last_outcome = f.outcome,
        status = CASE WHEN f.stopped THEN 'failed' ELSE f.status END,
        next_attempt_at = CASE WHEN f.stopped THEN NULL ELSE f.next_at END,
        -- A success (the attempt in flight when the endpoint was stopped, or
        -- a manual one later) leaves no failure reason behind.
        failure_reason = CASE WHEN f.stopped THEN f.stop_reason
                              WHEN f.status = 'succeeded' THEN NULL
                              ELSE d.failure_reason END,
        -- A stopped delivery completed when DeliveryStopForEndpoint ran, not
        -- when its last attempt started.
        completed_at = CASE WHEN f.stopped THEN coalesce(d.completed_at, f.started_at)
                            ELSE coalesce(f.done_at, d.completed_at) END
    FROM fenced f
    WHERE d.id = f.id
), health AS (
    -- The endpoint's health rollup (00012_endpoint_health.sql): one row
    -- per endpoint, hour, kind and duration bucket in the batch. Rows are
    -- locked in key order, so two processes completing for the same
    -- endpoints wait for each other rather than deadlock.
    INSERT INTO endpoint_health AS h (endpoint_id, hour, kind, bucket, n)
    SELECT f.endpoint_id, date_trunc('hour', f.started_at, 'UTC'),
           endpoint_health_kind(f.outcome, NULLIF(f.status_code, 0), f.error),
           width_bucket(f.duration_ms, endpoint_health_bounds()), count(*)
    FROM fenced f
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (endpoint_id, hour, kind, bucket) DO UPDATE SET n = h.n + excluded.n
)
INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome,
                      error, response_body, response_truncated,
                      dns_ms, connect_ms, tls_ms, first_byte_ms, response_headers, remote_addr)
SELECT f.id, f.number, CASE WHEN f.manual THEN 'manual' ELSE 'automatic' END, f.started_at,
       f.duration_ms, NULLIF(f.status_code, 0), f.outcome, NULLIF(f.error, ''), f.response_body,
       f.truncated,
       NULLIF(f.dns_ms, -1), NULLIF(f.connect_ms, -1), NULLIF(f.tls_ms, -1), NULLIF(f.first_byte_ms, -1),
       f.response_headers, NULLIF(f.remote_addr, '')
FROM fenced f
CROSS JOIN async
RETURNING delivery_id;

-- name: DeliveryRelease :exec
-- Gives claimed rows back without an attempt (graceful stop, or nothing left
-- to do). A manual attempt that was claimed stays requested; a row with
-- nothing left to do leaves the queue.
-- Commits without waiting for the WAL flush (async, below): see store.QueueClaim.
WITH async AS MATERIALIZED (
    SELECT set_config('synchronous_commit', 'off', true) AS v
), rel AS (
    SELECT unnest(@ids::text[]) AS id, unnest(@tokens::bigint[]) AS token
), gone AS (
    DELETE FROM delivery_queue q
    USING rel
    WHERE q.delivery_id = rel.id AND q.claim_token = rel.token
      AND q.next_attempt_at IS NULL AND NOT q.claim_manual AND q.manual_requested_at IS NULL
)
UPDATE delivery_queue q
SET claim_token = NULL,
    claimed_at = NULL,
    claim_manual = false,
    manual_requested_at = CASE WHEN q.claim_manual THEN coalesce(q.manual_requested_at, q.claimed_at)
                               ELSE q.manual_requested_at END,
    due_at = least(q.next_attempt_at,
                   CASE WHEN q.claim_manual THEN coalesce(q.manual_requested_at, q.claimed_at)
                        ELSE q.manual_requested_at END)
FROM rel, async
WHERE q.delivery_id = rel.id AND q.claim_token = rel.token
  AND NOT (q.next_attempt_at IS NULL AND NOT q.claim_manual AND q.manual_requested_at IS NULL);

-- name: DeliveryNextDue :one
SELECT due_at FROM delivery_queue ORDER BY due_at LIMIT 1;

-- name: DeliveryRequestManual :execrows
-- Queues one manual attempt unless one is in flight or already requested.
-- The upsert waits for a claim or completion holding the row, then decides
-- on what it left.
INSERT INTO delivery_queue AS q (delivery_id, endpoint_id, due_at, manual_requested_at,
                                  event_id, status, attempt_count, auto_attempts, next_attempt_at)
SELECT d.id, d.endpoint_id, @now::timestamptz, @now::timestamptz,
       d.event_id, d.status, d.attempt_count, d.auto_attempts, d.next_attempt_at
FROM deliveries d WHERE d.id = @id
ON CONFLICT (delivery_id) DO UPDATE
SET manual_requested_at = excluded.manual_requested_at, due_at = least(q.due_at, excluded.due_at)
WHERE q.claim_token IS NULL AND q.manual_requested_at IS NULL;

-- name: QueueStats :one
-- For metrics: deliveries waiting for a worker (due now, not held), those
-- due for over a minute, and how long the oldest has been due (0: none).
SELECT count(*) AS due,
       count(*) FILTER (WHERE due_at <= sqlc.arg(overdue_before)::timestamptz) AS overdue,
       coalesce(extract(epoch FROM sqlc.arg(now)::timestamptz - min(due_at)), 0)::float8 AS oldest_age_seconds
FROM delivery_queue
WHERE due_at <= sqlc.arg(now)::timestamptz AND claim_token IS NULL;

-- name: QueuePlannerRows :one
-- The queue's size as the planner's statistics have it (reltuples; -1:
-- never counted) and the rows it holds, counted up to probe: see
-- store.QueueKeepStats.
SELECT c.reltuples::float8 AS planned_rows,
       (SELECT count(*) FROM (SELECT 1 FROM delivery_queue LIMIT sqlc.arg(probe)::integer) p)::bigint AS queued
FROM pg_catalog.pg_class c
WHERE c.oid = 'delivery_queue'::regclass;

-- name: QueueAnalyze :exec
ANALYZE delivery_queue;

-- name: QueueVacuum :exec
VACUUM (SKIP_LOCKED) delivery_queue;
