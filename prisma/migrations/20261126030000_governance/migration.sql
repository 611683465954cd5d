-- Governance: model registry, promotion decisions, API keys and the hash-chained audit trail.

CREATE TABLE "model_version" (
    "id" TEXT NOT NULL,
    "slot" TEXT NOT NULL DEFAULT 'default',
    "model_type" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "seed" INTEGER NOT NULL,
    "snapshot_id" TEXT NOT NULL,
    "snapshot_hash" TEXT NOT NULL,
    "code_commit" TEXT NOT NULL,
    "code_dirty" BOOLEAN NOT NULL,
    "artifact_dir" TEXT NOT NULL,
    "artifact_sha256" TEXT NOT NULL,
    "training_run_id" TEXT,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "gates" JSONB NOT NULL DEFAULT '{}',
    "state" TEXT NOT NULL DEFAULT 'candidate',
    "trained_by" TEXT NOT NULL,
    "trained_at" TIMESTAMPTZ(3) NOT NULL,
    "registered_by" TEXT NOT NULL,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "state_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "promoted_at" TIMESTAMPTZ(3),
    CONSTRAINT "model_version_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "model_version_state_check"
        CHECK ("state" IN ('candidate', 'canary', 'production', 'retired', 'rejected'))
);
CREATE UNIQUE INDEX "model_version_artifact_sha256_key" ON "model_version"("artifact_sha256");
CREATE INDEX "model_version_snapshot_id_idx" ON "model_version"("snapshot_id");
CREATE INDEX "model_version_slot_state_idx" ON "model_version"("slot", "state");
-- At most one production model per serving slot (not expressible in schema.prisma).
CREATE UNIQUE INDEX "model_version_one_production_per_slot"
    ON "model_version"("slot") WHERE "state" = 'production';

CREATE TABLE "promotion_decision" (
    "id" BIGSERIAL NOT NULL,
    "model_id" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "from_state" TEXT NOT NULL,
    "to_state" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "allowed" BOOLEAN NOT NULL,
    "overridden" BOOLEAN NOT NULL DEFAULT false,
    "justification" TEXT,
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "policy_version" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "promotion_decision_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "promotion_decision_model_id_fkey"
        FOREIGN KEY ("model_id") REFERENCES "model_version"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "promotion_decision_model_id_idx" ON "promotion_decision"("model_id");

CREATE TABLE "api_key" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "api_key_name_key" ON "api_key"("name");
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key"("key_hash");

-- Append-only, hash-chained: hash = sha256(canonical JSON of seq, at, actor,
-- kind, subject, payload and prev_hash), computed by the application.
CREATE TABLE "audit_record" (
    "seq" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    CONSTRAINT "audit_record_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "audit_record_hash_key" ON "audit_record"("hash");
CREATE INDEX "audit_record_subject_idx" ON "audit_record"("subject");
CREATE INDEX "audit_record_kind_idx" ON "audit_record"("kind");

CREATE FUNCTION "audit_record_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_record is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_record_no_update_delete"
    BEFORE UPDATE OR DELETE ON "audit_record"
    FOR EACH ROW EXECUTE FUNCTION "audit_record_refuse_change"();

CREATE TRIGGER "audit_record_no_truncate"
    BEFORE TRUNCATE ON "audit_record"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_record_refuse_change"();
