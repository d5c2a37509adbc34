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
--
-- Hand-off: with a lease_token, deliveries are written already claimed by
-- it (as DeliveryClaimDue would claim them, the lease ending at
-- lease_until) within what this process's dispatcher has room for: at
-- most room_counts[k] of room_endpoints[k], default_room of any other
-- endpoint, lease_max in all, in event and endpoint order. Those rows come
-- back with leased and what an attempt needs of their endpoint, and the
-- publisher hands them to the dispatcher when the statement has committed:
-- a fresh delivery is sent without a claim (store.Handoff). The others are
-- due now, for a claim here or in another process.
WITH r AS (
    SELECT x.i, (@id_bases::integer[])[x.i] AS base, (@id_counts::integer[])[x.i] AS id_count, (@event_ids::text[])[x.i] AS event_id, (@user_ids::text[])[x.i] AS user_id,
           (@types::text[])[x.i] AS type, (@recording_ids::text[])[x.i] AS recording_id,
           (@occurred_at::timestamptz[])[x.i] AS occurred_at, (@endpoint_ids::text[])[x.i] AS endpoint_id,
           (@body_heads::bytea[])[x.i] AS body_head, (@body_tails::bytea[])[x.i] AS body_tail
    FROM generate_subscripts(@event_ids::text[], 1) AS x (i)
), tg AS (
    SELECT r.i, r.base, e.id AS endpoint_id, row_number() OVER (PARTITION BY r.i ORDER BY e.created_at, e.id)::integer AS n,
           e.url, e.secret_encrypted, e.pending_secret_encrypted, e.secret_activates_at, e.standard_webhooks,
           e.failing_since IS NOT NULL AS endpoint_failing
    FROM r
    -- Each event's own user's endpoints, looked up by its key: a lateral
    -- subquery kept apart (OFFSET 0) is run per event, so PostgreSQL cannot
    -- join the batch to the whole table instead. It did, by hashing every
    -- endpoint of every user, once the tables were analyzed with thousands
    -- of users: r comes from arrays, estimated at 1,000 rows whatever they
    -- hold (TestPublishAndCompletionReadOnlyTheirOwnUsersAndEndpoints).
    CROSS JOIN LATERAL (
        SELECT * FROM endpoints e
        WHERE e.user_id = r.user_id AND e.deleted_at IS NULL AND e.enabled
          AND CASE WHEN r.endpoint_id = '' THEN r.type = ANY (e.events) ELSE e.id = r.endpoint_id END
        OFFSET 0
    ) e
), cnt AS (
    SELECT tg.i, count(*)::integer AS n FROM tg GROUP BY tg.i
), gate AS (
    -- A scalar subquery, run per event by the key: an EXISTS here was
    -- hashed over the whole users table (as tg's join, above).
    SELECT r.*, coalesce((SELECT true FROM users u WHERE u.id = r.user_id), false)::boolean AS user_found,
           coalesce(cnt.n, 0)::integer AS targets
    FROM r LEFT JOIN cnt ON cnt.i = r.i
), ok AS (
    SELECT * FROM gate
    WHERE user_found AND targets <= id_count AND (endpoint_id = '' OR targets > 0)
), made AS (
    SELECT tg.*, d.id,
           row_number() OVER (PARTITION BY tg.endpoint_id ORDER BY tg.i, tg.n) <= coalesce(room.n, @default_room::integer) AS has_room
    FROM tg
    JOIN ok ON ok.i = tg.i
    JOIN (SELECT unnest(@delivery_ids::text[]) AS id, generate_subscripts(@delivery_ids::text[], 1) AS k) d
      ON d.k = tg.base + tg.n
    LEFT JOIN (SELECT unnest(@room_endpoints::text[]) AS endpoint_id,
                      unnest(@room_counts::integer[]) AS n) room ON room.endpoint_id = tg.endpoint_id
), ids AS (
    SELECT made.*,
           has_room AND @lease_token::bigint <> 0
           AND row_number() OVER (PARTITION BY has_room ORDER BY made.i, made.n) <= @lease_max::integer AS leased
    FROM made
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
    INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, event_id, status, attempt_count, auto_attempts, next_attempt_at,
                                claim_token, claimed_at)
    SELECT ids.id, ids.endpoint_id, CASE WHEN ids.leased THEN @lease_until::timestamptz ELSE @now END,
           ok.event_id, 'pending', 0, 0, @now,
           CASE WHEN ids.leased THEN @lease_token::bigint END, CASE WHEN ids.leased THEN @now END
    FROM ids JOIN ok ON ok.i = ids.i
)
SELECT gate.i::integer AS i, gate.user_found, gate.targets,
       (ok.i IS NOT NULL)::boolean AS written,
       coalesce(ids.id, '')::text AS delivery_id, coalesce(ids.endpoint_id, '')::text AS endpoint_id,
       coalesce(ids.leased, false)::boolean AS leased,
       -- What an attempt needs of the endpoint, as the claim returns it.
       coalesce(ids.url, '')::text AS url,
       coalesce(ids.secret_encrypted, ''::bytea)::bytea AS secret_encrypted,
       ids.pending_secret_encrypted, ids.secret_activates_at,
       coalesce(ids.standard_webhooks, false)::boolean AS standard_webhooks,
       coalesce(ids.endpoint_failing, false)::boolean AS endpoint_failing
FROM gate
LEFT JOIN ok ON ok.i = gate.i
LEFT JOIN ids ON ids.i = gate.i
ORDER BY gate.i, ids.n;
