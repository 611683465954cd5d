-- The canary controller's state per canary: the per-step and whole-canary statistics
-- (users with their responses and conversions, errors, latency histogram), the
-- step's sequential looks and the last finished step's comparison. Written on
-- every tick and at shutdown, so a restarted controller resumes the current
-- step with its counts instead of measuring it again from zero.
CREATE TABLE "canary_state" (
    "experiment_id" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "state" JSONB NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "canary_state_pkey" PRIMARY KEY ("experiment_id")
);
ALTER TABLE "canary_state" ADD CONSTRAINT "canary_state_experiment_id_fkey"
    FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Whether each pod could load each running experiment arm's model: a test is stopped for an
-- arm that cannot load only when the failure is tampering (the registry's checksum differs) or
-- a majority of the pods that reported recently could not load it, not for one pod's missing volume.
CREATE TABLE "experiment_arm_load" (
    "experiment_id" TEXT NOT NULL,
    "model_version" TEXT NOT NULL,
    "pod" TEXT NOT NULL,
    "loaded" BOOLEAN NOT NULL,
    "kind" TEXT,
    "reason" TEXT,
    "reported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "experiment_arm_load_pkey" PRIMARY KEY ("experiment_id", "model_version", "pod")
);
ALTER TABLE "experiment_arm_load" ADD CONSTRAINT "experiment_arm_load_experiment_id_fkey"
    FOREIGN KEY ("experiment_id") REFERENCES "experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
