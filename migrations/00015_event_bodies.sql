-- +goose Up

-- One body per event instead of one payload row per delivery (issue 10,
-- the fan-out). An event's deliveries' bodies differ only in the delivery
-- id (webhooks.md: the body carries its deliveryId), so the event keeps the
-- bytes before and after it, fixed at publish, and a delivery's body is
-- body_head || its id || body_tail: byte for byte what the payload row
-- held. A fan-out to 20 endpoints wrote 20 rows of ~1 KiB and 40 index
-- entries for it; now one event row carries it. Both are null once
-- retention pruned them (every delivery of the event finished, and the
-- event older than the retention).
--
-- Events published before this release keep their payload rows, which are
-- read where an event has no body (see PayloadGet) and pruned as before;
-- nothing writes new ones.
ALTER TABLE events
    ADD COLUMN body_head bytea,
    ADD COLUMN body_tail bytea;
-- Retention: the bodies still held, oldest first (as payloads_prune_idx).
-- Every existing row has none, so the index is empty when built.
CREATE INDEX events_prune_idx ON events (created_at) WHERE body_head IS NOT NULL;

-- +goose Down
-- Bodies held by events go back into payload rows first.
INSERT INTO payloads (delivery_id, body, created_at)
SELECT d.id, e.body_head || convert_to(d.id, 'UTF8') || e.body_tail, e.created_at
FROM events e
JOIN deliveries d ON d.event_id = e.id
WHERE e.body_head IS NOT NULL
ON CONFLICT (delivery_id) DO NOTHING;
DROP INDEX events_prune_idx;
ALTER TABLE events
    DROP COLUMN body_head,
    DROP COLUMN body_tail;
