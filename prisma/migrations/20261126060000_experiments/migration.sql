-- Experiments (A/B tests) and canary releases: definition, assignments on first
-- exposure, and online outcome aggregates per minute. At most one experiment or
-- canary runs per slot at a time (partial unique index), across every replica.
CREATE TABLE "experiment" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "arms" JSONB NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "canary_step" INTEGER,
    "canary_share" DOUBLE PRECISION,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "stopped_at" TIMESTAMP(3),
    "concluded_at" TIMESTAMP(3),
    "conclusion" JSONB,
    -- Every interim analysis (for the always-valid running minimum of the sequential p-value).
    "looks" JSONB NOT NULL DEFAULT '[]',
    CONSTRAINT "experiment_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "experiment_one_running_per_slot" ON "experiment"("slot") WHERE "status" = 'running';
CREATE INDEX "experiment_created_at_idx" ON "experiment"("created_at");

-- One row per (experiment, user), written on the user's first exposure; the
-- counters are the user's outcomes (users are the randomisation unit).
CREATE TABLE "experiment_assignment" (
    "experiment_id" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "arm" TEXT NOT NULL,
    "first_exposed_at" TIMESTAMP(3) NOT NULL,
    "recommendations" INTEGER NOT NULL DEFAULT 0,
    "conversions" INTEGER NOT NULL DEFAULT 0,
    "watch_minutes" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "experiment_assignment_pkey" PRIMARY KEY ("experiment_id", "user_id"),
    CONSTRAINT "experiment_assignment_experiment_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE
);
CREATE INDEX "experiment_assignment_arm_idx" ON "experiment_assignment"("experiment_id", "arm");

-- Online outcomes of the responses served in each minute (by response time), per arm and model version.
CREATE TABLE "experiment_metric_bucket" (
    "experiment_id" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "model_version" TEXT NOT NULL,
    "bucket_start" TIMESTAMP(3) NOT NULL,
    "recommendations" INTEGER NOT NULL DEFAULT 0,
    "conversions" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "watch_minutes" INTEGER NOT NULL DEFAULT 0,
    "watch_minutes_squares" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "rating_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "rating_count" INTEGER NOT NULL DEFAULT 0,
    "latency_sum_ms" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latency_histogram" INTEGER[] NOT NULL,
    CONSTRAINT "experiment_metric_bucket_pkey" PRIMARY KEY ("experiment_id", "arm", "model_version", "bucket_start"),
    CONSTRAINT "experiment_metric_bucket_experiment_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE
);
