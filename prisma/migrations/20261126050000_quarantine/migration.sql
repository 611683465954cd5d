-- Poisoning defence: accounts flagged by the shilling detectors. Their events
-- stay in the store (nothing is deleted) but are kept out of training
-- snapshots while the flag is pending or confirmed malicious; a reviewer's
-- 'genuine' verdict releases them. One row per account: a rescan refreshes the
-- evidence of a pending flag and never overrides a reviewer's verdict.
CREATE TABLE "quarantine" (
    "id" BIGSERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "detector" TEXT NOT NULL,
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "scores" JSONB NOT NULL DEFAULT '{}',
    "target_movies" JSONB NOT NULL DEFAULT '[]',
    "held_events" INTEGER NOT NULL DEFAULT 0,
    "flagged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reviewed_by" TEXT,
    "reviewed_at" TIMESTAMPTZ(3),
    "review_note" TEXT,
    CONSTRAINT "quarantine_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "quarantine_status_check" CHECK ("status" IN ('pending', 'genuine', 'malicious'))
);
CREATE UNIQUE INDEX "quarantine_user_id_key" ON "quarantine"("user_id");
CREATE INDEX "quarantine_status_idx" ON "quarantine"("status");
