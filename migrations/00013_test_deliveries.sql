-- +goose Up

-- Test deliveries (issue 14): the deliveries of a test event, sent from the
-- endpoint page or POST /api/v1/endpoints/{id}/test, are marked, so the
-- drawer, the delivery and the admin list can say "Test". Neither events
-- nor deliveries recorded where an event came from (attempts have a
-- trigger, deliveries did not).
--
-- The mark is written once, by the publish statement (EventPublishBatch:
-- a publish to one named endpoint is the test button's), and never
-- changed: the dispatcher's claim and completion neither read nor write
-- it, and it is not indexed, so the completion stays a HOT update
-- (00008_hot_completion.sql). A constant default makes this ALTER a
-- catalogue change only; rows from before are real events.
ALTER TABLE deliveries ADD COLUMN test boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN test;
