-- Ingestion bookkeeping. A dead letter is stored in the same transaction as
-- the rest of its batch, then published to the dead-letter topic; the time of
-- that publication is recorded so a batch redelivered after a crash publishes
-- only the dead letters that never reached the topic (looked up through the
-- existing unique index on (topic, partition, offset)).
ALTER TABLE "dead_letter" ADD COLUMN "published_at" TIMESTAMP(3);
