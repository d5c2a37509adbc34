-- +goose Up

-- Attempts record the facts (issue 14; api.md, "Attempts: where the time
-- went and what came back"): how long each phase of the request took, the
-- response headers as received and the address actually dialled.
--
-- Timings are milliseconds, NULL where the phase did not happen (a reused
-- connection has no DNS, connect or TLS phase). response_headers is the
-- JSON object the API returns ({"Name": "value"}), encoded once by the
-- dispatcher and kept as bytes, at most 8 KiB: the completion statement
-- writes it without parsing it.
ALTER TABLE attempts
    ADD COLUMN dns_ms integer,
    ADD COLUMN connect_ms integer,
    ADD COLUMN tls_ms integer,
    ADD COLUMN first_byte_ms integer,
    ADD COLUMN response_headers bytea,
    ADD COLUMN remote_addr text;

-- The last attempt's outcome, so every list can say why without reading
-- attempts, and the API can filter on it. Written by the completion
-- statement with the other per-delivery facts. It is deliberately NOT
-- indexed: an index on a column the completion writes would end the HOT
-- updates of 00008_hot_completion.sql. The outcome filter filters the rows
-- of another index's scan instead.
ALTER TABLE deliveries ADD COLUMN last_outcome text;

-- Deliveries attempted before this release: their last attempt's outcome.
UPDATE deliveries d
SET last_outcome = a.outcome
FROM attempts a
WHERE a.delivery_id = d.id AND a.number = d.attempt_count AND d.attempt_count > 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN last_outcome;
ALTER TABLE attempts
    DROP COLUMN remote_addr,
    DROP COLUMN response_headers,
    DROP COLUMN first_byte_ms,
    DROP COLUMN tls_ms,
    DROP COLUMN connect_ms,
    DROP COLUMN dns_ms;
