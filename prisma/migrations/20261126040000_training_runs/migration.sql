-- One row per model-release run (bootstrap, scheduled retraining, admin trigger).
-- The partial unique index lets at most one run per slot be 'running', across
-- every replica: two retraining runs never overlap.
CREATE TABLE "training_run" (
    "id" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "model_type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "snapshot_id" TEXT,
    "model_id" TEXT,
    "outcome" JSONB,
    "error" TEXT,
    CONSTRAINT "training_run_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "training_run_one_running_per_slot" ON "training_run"("slot") WHERE "status" = 'running';
CREATE INDEX "training_run_started_at_idx" ON "training_run"("started_at");
