-- Who runs a training run and when it last said so. A run whose owner stopped
-- heartbeating (the process was killed) is abandoned: the next claim of the
-- slot fails it (audited) instead of refusing with "already in progress"
-- until the 6 h sweep.
ALTER TABLE "training_run" ADD COLUMN "owner" TEXT;
ALTER TABLE "training_run" ADD COLUMN "heartbeat_at" TIMESTAMP(3);
