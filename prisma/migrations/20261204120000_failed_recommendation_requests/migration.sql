-- Failed recommendation requests (issue 24): the platform's lines with status 0
-- (no response, e.g. a timeout) or a non-2xx status carry an error text where
-- the ids would be. They stay one recommendation_log row per line hash, with why
-- the request failed (movielog's FAILURE_REASONS) and the text, so the store
-- holds the evidence of unavailability the availability SLO counts.
ALTER TABLE "recommendation_log" ADD COLUMN "failure_reason" TEXT;
ALTER TABLE "recommendation_log" ADD COLUMN "error_text" TEXT;

CREATE INDEX "recommendation_log_failed_idx" ON "recommendation_log" ("requested_at")
    WHERE "failure_reason" IS NOT NULL;
