-- +goose Up

-- The queue moves out of deliveries into a narrow table of its own. A
-- deliveries row is wide and carries seven indexes (the drawer's filters,
-- the per-user and admin lists); while due_at, the lease and the claim
-- token lived on it, every claim rewrote the whole row and added an entry
-- to each of those indexes, and so did every completion: three full writes
-- per delivery. Now the claim writes only this row (two small indexes), and
-- deliveries is written at publish and when an attempt is recorded.
--
-- A row is here while the delivery has something to do: an automatic
-- attempt is scheduled, a manual one is requested, or a worker holds it.
-- due_at is the earliest of the next automatic attempt and the requested
-- manual one, or, while a worker holds the row, the end of its lease (so an
-- expired lease is simply due again, and the claimer records the lost
-- attempt as interrupted). The row is deleted when nothing is left to do.
CREATE TABLE delivery_queue (
    delivery_id         text PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
    endpoint_id         text NOT NULL,  -- copied from deliveries: the claim ranks per endpoint
    due_at              timestamptz NOT NULL,
    manual_requested_at timestamptz,    -- a manual attempt is waiting
    claim_token         bigint,         -- set while a worker holds the row
    claimed_at          timestamptz,
    claim_manual        boolean NOT NULL DEFAULT false
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);
CREATE INDEX delivery_queue_due_idx ON delivery_queue (due_at);

INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, manual_requested_at, claim_token, claimed_at, claim_manual)
SELECT id, endpoint_id, due_at, manual_requested_at, claim_token, claimed_at, claim_manual
FROM deliveries WHERE due_at IS NOT NULL;

DROP INDEX deliveries_due_idx;
ALTER TABLE deliveries
    DROP COLUMN due_at,
    DROP COLUMN claim_token,
    DROP COLUMN claimed_at,
    DROP COLUMN claim_manual,
    DROP COLUMN manual_requested_at;

-- +goose Down
ALTER TABLE deliveries
    ADD COLUMN manual_requested_at timestamptz,
    ADD COLUMN due_at              timestamptz,
    ADD COLUMN claim_token         bigint,
    ADD COLUMN claimed_at          timestamptz,
    ADD COLUMN claim_manual        boolean NOT NULL DEFAULT false;
UPDATE deliveries d
SET due_at = q.due_at, manual_requested_at = q.manual_requested_at, claim_token = q.claim_token,
    claimed_at = q.claimed_at, claim_manual = q.claim_manual
FROM delivery_queue q WHERE q.delivery_id = d.id;
CREATE INDEX deliveries_due_idx ON deliveries (due_at) WHERE due_at IS NOT NULL;
DROP TABLE delivery_queue;
