-- +goose Up

-- Endpoint health over time (issue 14): attempts per endpoint, UTC hour,
-- kind of outcome and duration bucket. The endpoint page draws the last 24
-- hours and 30 days from it, the endpoints list a 24-hour sparkline per
-- endpoint; neither reads attempts.
--
-- Why a rollup and not attempts read at render time: attempts have no
-- endpoint column (an attempt reaches its endpoint through deliveries), so
-- 30 days of a busy endpoint is a join over every one of its deliveries
-- (measured in README, Performance: 0.6 to 0.9 s for an endpoint with
-- 200,000 deliveries in 30 days, against under 1 ms here), and an index to
-- avoid that would add a column and an index entry to every attempt
-- written. Here the completion statement adds its batch to one row per
-- (endpoint, hour, kind, bucket) it touches: a few row updates per batch,
-- in place (HOT: no indexed column changes), whatever the traffic.
--
-- kind is the attempt's outcome (internal/webhook/vocab.go), told apart a
-- little further where the words differ: http_error by status class
-- (http_4xx, http_5xx; http_error for any other code) and connection_error
-- into refused and connection_error. bucket is the duration's bucket as
-- width_bucket numbers it against endpoint_health_bounds(): 0 below the
-- first bound, cardinality(bounds) at or above the last. Plain counts, so
-- that the completion only ever adds n (arrays would need a function per
-- row to add them, which the completion would pay for every batch).
CREATE TABLE endpoint_health (
    endpoint_id text        NOT NULL,
    hour        timestamptz NOT NULL, -- the start of the UTC hour the attempts started in
    kind        text        NOT NULL,
    bucket      smallint    NOT NULL,
    n           integer     NOT NULL,
    PRIMARY KEY (endpoint_id, hour, kind, bucket)
) WITH (fillfactor = 70);
-- Retention deletes by hour.
CREATE INDEX endpoint_health_hour_idx ON endpoint_health (hour);

-- Bucket bounds in ms: 1-1.2-1.5-2-2.5-3-4-5-7 in every decade (one
-- bucket is at most 43 % wider than the one below), from 1 ms to 100 s.
-- +goose StatementBegin
CREATE FUNCTION endpoint_health_bounds() RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY[1, 2, 3, 4, 5, 7,
             10, 12, 15, 20, 25, 30, 40, 50, 70,
             100, 120, 150, 200, 250, 300, 400, 500, 700,
             1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000, 7000,
             10000, 12000, 15000, 20000, 25000, 30000, 40000, 50000, 70000,
             100000]::integer[]
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION endpoint_health_kind(outcome text, status_code integer, error text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN outcome = 'http_error' AND status_code BETWEEN 400 AND 499 THEN 'http_4xx'
    WHEN outcome = 'http_error' AND status_code BETWEEN 500 AND 599 THEN 'http_5xx'
    WHEN outcome = 'connection_error' AND error ILIKE '%refused%' THEN 'refused'
    ELSE outcome
END
$$;
-- +goose StatementEnd

-- Adds the attempts started at or after since, read from attempts (the
-- deliveries they belong to name the endpoint). The backfill below, and
-- loadgen's seeded stores, which write attempts directly.
-- +goose StatementBegin
CREATE FUNCTION endpoint_health_rebuild(since timestamptz) RETURNS bigint
LANGUAGE sql AS $$
WITH ins AS (
    INSERT INTO endpoint_health AS h (endpoint_id, hour, kind, bucket, n)
    SELECT d.endpoint_id, date_trunc('hour', a.started_at, 'UTC'),
           endpoint_health_kind(a.outcome, a.status_code, a.error),
           width_bucket(a.duration_ms, endpoint_health_bounds()), count(*)
    FROM attempts a
    JOIN deliveries d ON d.id = a.delivery_id
    WHERE a.started_at >= since
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (endpoint_id, hour, kind, bucket) DO UPDATE SET n = h.n + excluded.n
    RETURNING 1
)
SELECT count(*) FROM ins
$$;
-- +goose StatementEnd

-- The charts go back 30 days; the day before that too, for the partial
-- first day of the daily series.
SELECT endpoint_health_rebuild(date_trunc('day', now(), 'UTC') - interval '31 days');
ANALYZE endpoint_health;

-- +goose Down
DROP FUNCTION endpoint_health_rebuild(timestamptz);
DROP FUNCTION endpoint_health_kind(text, integer, text);
DROP FUNCTION endpoint_health_bounds();
DROP TABLE endpoint_health;
