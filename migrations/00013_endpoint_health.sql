-- +goose Up

-- Endpoint health over time (issue 14): attempts per endpoint, UTC hour and
-- kind of outcome, with a histogram of their durations. The endpoint page
-- draws the last 24 hours and 30 days from it, the endpoints list a 24-hour
-- sparkline per endpoint; neither reads attempts.
--
-- Why a rollup and not attempts read at render time: attempts have no
-- endpoint column (an attempt reaches its endpoint through deliveries), so
-- 30 days of a busy endpoint is a join over every one of its deliveries
-- (measured in README, Performance: seconds for an endpoint with a million
-- attempts), and an index to avoid that would add a column and an index
-- entry to every attempt written. Here the completion statement adds its
-- batch to one row per (endpoint, hour, kind): a few row updates per
-- batch, in place (HOT: no indexed column changes), whatever the traffic.
--
-- kind is the attempt's outcome (internal/webhook/vocab.go), told apart a
-- little further where the words differ: http_error by status class
-- (http_4xx, http_5xx, http_error for any other code) and connection_error
-- into refused and connection_error. latency counts the attempts per
-- duration bucket of endpoint_health_bounds(): latency[i + 1] is the number
-- whose duration_ms is in bucket i as width_bucket numbers them (0: below
-- the first bound; cardinality(bounds): at or above the last).
CREATE TABLE endpoint_health (
    endpoint_id text        NOT NULL,
    hour        timestamptz NOT NULL, -- the start of the UTC hour the attempts started in
    kind        text        NOT NULL,
    n           integer     NOT NULL,
    latency     integer[]   NOT NULL,
    PRIMARY KEY (endpoint_id, hour, kind)
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

-- The dense histogram of one group: counts ns at bucket numbers bs.
-- +goose StatementBegin
CREATE FUNCTION endpoint_health_histogram(bs integer[], ns integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT array_agg(coalesce((SELECT sum(u.n) FROM unnest(bs, ns) AS u(b, n) WHERE u.b = i), 0)::integer ORDER BY i)
FROM generate_series(0, cardinality(endpoint_health_bounds())) AS i
$$;
-- +goose StatementEnd

-- Two histograms added bucket by bucket.
-- +goose StatementBegin
CREATE FUNCTION endpoint_health_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;
-- +goose StatementEnd

-- Adds the attempts started at or after since, read from attempts (the
-- deliveries they belong to name the endpoint). The backfill below, and
-- loadgen's seeded stores, which write attempts directly.
-- +goose StatementBegin
CREATE FUNCTION endpoint_health_rebuild(since timestamptz) RETURNS bigint
LANGUAGE sql AS $$
WITH hb AS (
    SELECT d.endpoint_id, date_trunc('hour', a.started_at, 'UTC') AS hour,
           endpoint_health_kind(a.outcome, a.status_code, a.error) AS kind,
           width_bucket(a.duration_ms, endpoint_health_bounds()) AS b, count(*)::integer AS n
    FROM attempts a
    JOIN deliveries d ON d.id = a.delivery_id
    WHERE a.started_at >= since
    GROUP BY 1, 2, 3, 4
), ins AS (
    INSERT INTO endpoint_health AS h (endpoint_id, hour, kind, n, latency)
    SELECT endpoint_id, hour, kind, sum(n)::integer, endpoint_health_histogram(array_agg(b), array_agg(n))
    FROM hb
    GROUP BY 1, 2, 3
    ON CONFLICT (endpoint_id, hour, kind) DO UPDATE
    SET n = h.n + excluded.n, latency = endpoint_health_add(h.latency, excluded.latency)
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
DROP FUNCTION endpoint_health_add(integer[], integer[]);
DROP FUNCTION endpoint_health_histogram(integer[], integer[]);
DROP FUNCTION endpoint_health_kind(text, integer, text);
DROP FUNCTION endpoint_health_bounds();
DROP TABLE endpoint_health;
