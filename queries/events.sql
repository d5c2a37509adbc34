-- name: EventPublishBatch :many
-- Publishes a batch of events in one statement and one round trip, so each
-- is atomic without a transaction and the batch commits once: per event it
-- picks the target endpoints (the owner's enabled ones subscribed to the
-- type, or the one endpoint_id given: the test button) and writes the
-- event with its deliveries' fixed body, one delivery per target and its
-- queue row. Bodies differ only in the delivery id: each is body_head || id
-- || body_tail, and the event keeps the two (00015_event_bodies.sql).
-- Event i (from 1) may use id_counts[i] delivery ids, from
-- delivery_ids[id_bases[i]+1]; an event with more targets than that is not
-- written, and the caller publishes it again with enough ids. Nor is an
-- event of an unknown user, or for an endpoint_id that takes no
-- deliveries. One row per delivery made, else one row for the event with
-- an empty delivery_id; written tells whether the event was. Deliveries to
-- the one endpoint_id given are test deliveries (deliveries.test).
WITH r AS (
    SELECT x.i, (@id_bases::integer[])[x.i] AS base, (@id_counts::integer[])[x.i] AS id_count, (@event_ids::text[])[x.i] AS event_id, (@user_ids::text[])[x.i] AS user_id,
           (@types::text[])[x.i] AS type, (@recording_ids::text[])[x.i] AS recording_id,
           (@occurred_at::timestamptz[])[x.i] AS occurred_at, (@endpoint_ids::text[])[x.i] AS endpoint_id,
           (@body_heads::bytea[])[x.i] AS body_head, (@body_tails::bytea[])[x.i] AS body_tail
    FROM generate_subscripts(@event_ids::text[], 1) AS x (i)
), tg AS (
    SELECT r.i, r.base, e.id AS endpoint_id, row_number() OVER (PARTITION BY r.i ORDER BY e.created_at, e.id)::integer AS n
    FROM r
    JOIN endpoints e ON e.user_id = r.user_id AND e.deleted_at IS NULL AND e.enabled
     AND CASE WHEN r.endpoint_id = '' THEN r.type = ANY (e.events) ELSE e.id = r.endpoint_id END
), cnt AS (
    SELECT tg.i, count(*)::integer AS n FROM tg GROUP BY tg.i
), gate AS (
    SELECT r.*, EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id) AS user_found,
           coalesce(cnt.n, 0)::integer AS targets
    FROM r LEFT JOIN cnt ON cnt.i = r.i
), ok AS (
    SELECT * FROM gate
    WHERE user_found AND targets <= id_count AND (endpoint_id = '' OR targets > 0)
), ids AS (
    SELECT tg.i, tg.n, tg.endpoint_id, d.id
    FROM tg
    JOIN ok ON ok.i = tg.i
    JOIN (SELECT unnest(@delivery_ids::text[]) AS id, generate_subscripts(@delivery_ids::text[], 1) AS k) d
      ON d.k = tg.base + tg.n
), ev AS (
    INSERT INTO events (id, user_id, type, recording_id, occurred_at, created_at, body_head, body_tail)
    SELECT ok.event_id, ok.user_id, ok.type, NULLIF(ok.recording_id, ''), ok.occurred_at, @now,
           ok.body_head, ok.body_tail
    FROM ok
), dl AS (
    INSERT INTO deliveries (id, event_id, endpoint_id, user_id, event_type, next_attempt_at, created_at, test)
    SELECT ids.id, ok.event_id, ids.endpoint_id, ok.user_id, ok.type, @now, @now, ok.endpoint_id <> ''
    FROM ids JOIN ok ON ok.i = ids.i
), q AS (
    INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, event_id, status, attempt_count, auto_attempts, next_attempt_at)
    SELECT ids.id, ids.endpoint_id, @now, ok.event_id, 'pending', 0, 0, @now
    FROM ids JOIN ok ON ok.i = ids.i
)
SELECT gate.i::integer AS i, gate.user_found, gate.targets,
       (ok.i IS NOT NULL)::boolean AS written,
       coalesce(ids.id, '')::text AS delivery_id, coalesce(ids.endpoint_id, '')::text AS endpoint_id
FROM gate
LEFT JOIN ok ON ok.i = gate.i
LEFT JOIN ids ON ids.i = gate.i
ORDER BY gate.i, ids.n;
