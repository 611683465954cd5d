import { Injectable } from '@nestjs/common';
import { SqlConnection, StorageService } from '@modules/storage';
import { ModelState } from './lifecycle';
import { ModelVersion, PromotionDecisionRecord } from './model-version';

type Row = Record<string, unknown>;

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

function toModel(row: Row): ModelVersion {
  return {
    id: String(row.id),
    slot: String(row.slot),
    modelType: String(row.model_type),
    params: json(row.params),
    seed: Number(row.seed),
    snapshotId: String(row.snapshot_id),
    snapshotHash: String(row.snapshot_hash),
    codeVersion: { commit: String(row.code_commit), dirty: Boolean(row.code_dirty) },
    artifactDir: String(row.artifact_dir),
    artifactSha256: String(row.artifact_sha256),
    trainingRunId: row.training_run_id == null ? null : String(row.training_run_id),
    metrics: json(row.metrics),
    gates: json(row.gates),
    state: String(row.state) as ModelState,
    trainedBy: String(row.trained_by),
    trainedAt: date(row.trained_at),
    registeredBy: String(row.registered_by),
    registeredAt: date(row.registered_at),
    stateChangedAt: date(row.state_changed_at),
    promotedAt: row.promoted_at == null ? null : date(row.promoted_at),
  };
}

function toDecision(row: Row): PromotionDecisionRecord {
  return {
    id: String(row.id),
    modelId: String(row.model_id),
    slot: String(row.slot),
    fromState: String(row.from_state),
    toState: String(row.to_state),
    actor: String(row.actor),
    role: String(row.role),
    allowed: Boolean(row.allowed),
    overridden: Boolean(row.overridden),
    justification: row.justification == null ? null : String(row.justification),
    reasons: json(row.reasons),
    policyVersion: String(row.policy_version),
    input: json(row.input),
    decidedAt: date(row.decided_at),
  };
}

export type NewModelVersion = Omit<ModelVersion, 'state' | 'registeredAt' | 'stateChangedAt' | 'promotedAt'>;
export type NewPromotionDecision = Omit<PromotionDecisionRecord, 'id' | 'decidedAt'>;

/**
 * model_version and promotion_decision. Written with raw SQL on the shared
 * connection so that a lifecycle change, its decision and its audit records
 * commit in one transaction (pass `tx`).
 */
@Injectable()
export class ModelVersionRepository {
  constructor(private readonly storage: StorageService) {}

  private db(tx?: SqlConnection): SqlConnection {
    return tx ?? this.storage.sql;
  }

  transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    return this.storage.sql.transaction(work);
  }

  /** Serialises lifecycle changes within a serving slot until the transaction ends. */
  async lockSlot(slot: string, tx: SqlConnection): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('marquee.model-slot:' || $1))`, [slot]);
  }

  async insert(model: NewModelVersion, tx?: SqlConnection): Promise<ModelVersion> {
    const [row] = await this.db(tx).query(
      `INSERT INTO model_version (id, slot, model_type, params, seed, snapshot_id, snapshot_hash, code_commit,
         code_dirty, artifact_dir, artifact_sha256, training_run_id, metrics, gates, trained_by, trained_at, registered_by)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15, $16, $17)
       RETURNING *`,
      [
        model.id,
        model.slot,
        model.modelType,
        JSON.stringify(model.params),
        model.seed,
        model.snapshotId,
        model.snapshotHash,
        model.codeVersion.commit,
        model.codeVersion.dirty,
        model.artifactDir,
        model.artifactSha256,
        model.trainingRunId,
        JSON.stringify(model.metrics),
        JSON.stringify(model.gates),
        model.trainedBy,
        model.trainedAt.toISOString(),
        model.registeredBy,
      ],
    );
    return toModel(row);
  }

  async findById(id: string, tx?: SqlConnection, forUpdate = false): Promise<ModelVersion | null> {
    const [row] = await this.db(tx).query(
      `SELECT * FROM model_version WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? toModel(row) : null;
  }

  async findByArtifactSha(sha: string): Promise<ModelVersion | null> {
    const [row] = await this.db().query('SELECT * FROM model_version WHERE artifact_sha256 = $1', [sha]);
    return row ? toModel(row) : null;
  }

  async list(filter: { slot?: string; state?: string; snapshotId?: string } = {}): Promise<ModelVersion[]> {
    const rows = await this.db().query(
      `SELECT * FROM model_version
        WHERE ($1::text IS NULL OR slot = $1) AND ($2::text IS NULL OR state = $2)
          AND ($3::text IS NULL OR snapshot_id = $3)
        ORDER BY registered_at, id`,
      [filter.slot ?? null, filter.state ?? null, filter.snapshotId ?? null],
    );
    return rows.map(toModel);
  }

  async findInState(slot: string, state: ModelState, tx?: SqlConnection): Promise<ModelVersion[]> {
    const rows = await this.db(tx).query(
      'SELECT * FROM model_version WHERE slot = $1 AND state = $2 ORDER BY state_changed_at DESC, id',
      [slot, state],
    );
    return rows.map(toModel);
  }

  /** The retired model that was in production most recently before `before`. */
  async findPreviousProduction(slot: string, before: Date, tx?: SqlConnection): Promise<ModelVersion | null> {
    const [row] = await this.db(tx).query(
      `SELECT * FROM model_version
        WHERE slot = $1 AND state = 'retired' AND promoted_at IS NOT NULL AND promoted_at < $2
        ORDER BY promoted_at DESC LIMIT 1`,
      [slot, before.toISOString()],
    );
    return row ? toModel(row) : null;
  }

  async setState(id: string, state: ModelState, opts: { promoted: boolean }, tx?: SqlConnection): Promise<void> {
    await this.db(tx).query(
      `UPDATE model_version SET state = $2, state_changed_at = now()${opts.promoted ? ', promoted_at = now()' : ''}
        WHERE id = $1`,
      [id, state],
    );
  }

  async mergeGates(id: string, gates: Record<string, unknown>, tx?: SqlConnection): Promise<void> {
    await this.db(tx).query('UPDATE model_version SET gates = gates || $2::jsonb WHERE id = $1', [
      id,
      JSON.stringify(gates),
    ]);
  }

  async mergeMetrics(id: string, metrics: Record<string, unknown>, tx?: SqlConnection): Promise<void> {
    await this.db(tx).query('UPDATE model_version SET metrics = metrics || $2::jsonb WHERE id = $1', [
      id,
      JSON.stringify(metrics),
    ]);
  }

  async insertDecision(decision: NewPromotionDecision, tx?: SqlConnection): Promise<PromotionDecisionRecord> {
    const [row] = await this.db(tx).query(
      `INSERT INTO promotion_decision (model_id, slot, from_state, to_state, actor, role, allowed, overridden,
         justification, reasons, policy_version, input)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb)
       RETURNING *`,
      [
        decision.modelId,
        decision.slot,
        decision.fromState,
        decision.toState,
        decision.actor,
        decision.role,
        decision.allowed,
        decision.overridden,
        decision.justification,
        JSON.stringify(decision.reasons),
        decision.policyVersion,
        JSON.stringify(decision.input),
      ],
    );
    return toDecision(row);
  }

  async decisionsFor(modelId: string): Promise<PromotionDecisionRecord[]> {
    const rows = await this.db().query('SELECT * FROM promotion_decision WHERE model_id = $1 ORDER BY id', [modelId]);
    return rows.map(toDecision);
  }
}
