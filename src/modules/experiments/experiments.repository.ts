import { Injectable } from '@nestjs/common';
import { SqlConnection, StorageService } from '@modules/storage';
import { ArmTotals, emptyArmTotals } from './analysis';
import { Experiment, ExperimentArm, ExperimentLook, ExperimentSettings, ExperimentStatus } from './experiment';
import { OutcomeBucket, UserOutcome } from './outcome-buckets';

interface ExperimentRow extends Record<string, unknown> {
  id: string;
  kind: string;
  slot: string;
  status: string;
  salt: string;
  arms: ExperimentArm[];
  settings: ExperimentSettings;
  canary_step: number | null;
  canary_share: number | null;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  stopped_at: Date | null;
  concluded_at: Date | null;
  conclusion: Record<string, unknown> | null;
  looks: ExperimentLook[];
}

function toExperiment(row: ExperimentRow): Experiment {
  return {
    id: row.id,
    kind: row.kind as Experiment['kind'],
    slot: row.slot,
    status: row.status as ExperimentStatus,
    salt: row.salt,
    arms: row.arms,
    settings: row.settings,
    canaryStep: row.canary_step,
    canaryShare: row.canary_share,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    concludedAt: row.concluded_at,
    conclusion: row.conclusion,
    looks: row.looks ?? [],
  };
}

export interface MetricSeriesPoint {
  readonly arm: string;
  readonly modelVersion: string;
  readonly bucketStart: Date;
  readonly recommendations: number;
  readonly conversions: number;
  readonly errors: number;
  readonly watchMinutes: number;
}

/** The experiments module's only SQL. */
@Injectable()
export class ExperimentsRepository {
  constructor(private readonly storage: StorageService) {}

  transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    return this.storage.sql.transaction(work);
  }

  async insert(
    e: Omit<Experiment, 'createdAt' | 'startedAt' | 'stoppedAt' | 'concludedAt' | 'conclusion' | 'looks'>,
    tx?: SqlConnection,
  ): Promise<Experiment> {
    const [row] = await (tx ?? this.storage.sql).query<ExperimentRow>(
      `INSERT INTO experiment (id, kind, slot, status, salt, arms, settings, canary_step, canary_share, created_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10) RETURNING *`,
      [
        e.id,
        e.kind,
        e.slot,
        e.status,
        e.salt,
        JSON.stringify(e.arms),
        JSON.stringify(e.settings),
        e.canaryStep,
        e.canaryShare,
        e.createdBy,
      ],
    );
    return toExperiment(row);
  }

  async find(id: string, tx?: SqlConnection): Promise<Experiment | null> {
    const [row] = await (tx ?? this.storage.sql).query<ExperimentRow>('SELECT * FROM experiment WHERE id = $1', [id]);
    return row ? toExperiment(row) : null;
  }

  async list(filter: { kind?: string; status?: string } = {}): Promise<Experiment[]> {
    const rows = await this.storage.sql.query<ExperimentRow>(
      `SELECT * FROM experiment WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at DESC LIMIT 200`,
      [filter.kind ?? null, filter.status ?? null],
    );
    return rows.map(toExperiment);
  }

  async running(): Promise<Experiment[]> {
    const rows = await this.storage.sql.query<ExperimentRow>(`SELECT * FROM experiment WHERE status = 'running'`);
    return rows.map(toExperiment);
  }

  async update(
    id: string,
    change: {
      status?: ExperimentStatus;
      startedAt?: Date;
      stoppedAt?: Date;
      concludedAt?: Date;
      conclusion?: Record<string, unknown>;
      canaryStep?: number;
      canaryShare?: number;
    },
    tx?: SqlConnection,
  ): Promise<Experiment> {
    const [row] = await (tx ?? this.storage.sql).query<ExperimentRow>(
      `UPDATE experiment SET
          status = COALESCE($2, status),
          started_at = COALESCE($3, started_at),
          stopped_at = COALESCE($4, stopped_at),
          concluded_at = COALESCE($5, concluded_at),
          conclusion = COALESCE($6::jsonb, conclusion),
          canary_step = COALESCE($7, canary_step),
          canary_share = COALESCE($8, canary_share)
        WHERE id = $1 RETURNING *`,
      [
        id,
        change.status ?? null,
        change.startedAt ?? null,
        change.stoppedAt ?? null,
        change.concludedAt ?? null,
        change.conclusion ? JSON.stringify(change.conclusion) : null,
        change.canaryStep ?? null,
        change.canaryShare ?? null,
      ],
    );
    return toExperiment(row);
  }

  async appendLook(id: string, look: ExperimentLook): Promise<void> {
    await this.storage.sql.query(`UPDATE experiment SET looks = looks || $2::jsonb WHERE id = $1`, [
      id,
      JSON.stringify([look]),
    ]);
  }

  /** First exposures (ON CONFLICT: the first one wins, so a user's arm never changes in the record). */
  async recordAssignments(
    rows: readonly { experimentId: string; userId: number; arm: string; at: Date }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.storage.sql.query(
      `INSERT INTO experiment_assignment (experiment_id, user_id, arm, first_exposed_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamp(3)[])
       ON CONFLICT (experiment_id, user_id) DO NOTHING`,
      [rows.map((r) => r.experimentId), rows.map((r) => r.userId), rows.map((r) => r.arm), rows.map((r) => r.at)],
    );
  }

  /** Adds outcome increments (one transaction; idempotence is not needed: the join emits each outcome once). */
  async addOutcomes(buckets: readonly OutcomeBucket[], users: readonly UserOutcome[]): Promise<void> {
    if (buckets.length === 0 && users.length === 0) return;
    await this.storage.sql.transaction(async (tx) => {
      for (const b of buckets) {
        await tx.query(
          `INSERT INTO experiment_metric_bucket AS t (experiment_id, arm, model_version, bucket_start, recommendations,
              conversions, errors, watch_minutes, watch_minutes_squares, rating_sum, rating_count, latency_sum_ms, latency_histogram)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::int[]
            WHERE EXISTS (SELECT 1 FROM experiment WHERE id = $1)
           ON CONFLICT (experiment_id, arm, model_version, bucket_start) DO UPDATE SET
              recommendations = t.recommendations + EXCLUDED.recommendations,
              conversions = t.conversions + EXCLUDED.conversions,
              errors = t.errors + EXCLUDED.errors,
              watch_minutes = t.watch_minutes + EXCLUDED.watch_minutes,
              watch_minutes_squares = t.watch_minutes_squares + EXCLUDED.watch_minutes_squares,
              rating_sum = t.rating_sum + EXCLUDED.rating_sum,
              rating_count = t.rating_count + EXCLUDED.rating_count,
              latency_sum_ms = t.latency_sum_ms + EXCLUDED.latency_sum_ms,
              latency_histogram = ARRAY(SELECT x + y FROM unnest(t.latency_histogram, EXCLUDED.latency_histogram) AS u(x, y))`,
          [
            b.experimentId,
            b.arm,
            b.modelVersion,
            b.bucketStart,
            b.recommendations,
            b.conversions,
            b.errors,
            b.watchMinutes,
            b.watchMinutesSquares,
            b.ratingSum,
            b.ratingCount,
            b.latencySumMs,
            b.latencyHistogram,
          ],
        );
      }
      if (users.length > 0) {
        await tx.query(
          `INSERT INTO experiment_assignment AS t (experiment_id, user_id, arm, first_exposed_at, recommendations, conversions, watch_minutes)
           SELECT u.e, u.uid, u.arm, now(), u.r, u.c, u.m
             FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::int[], $6::int[]) AS u(e, uid, arm, r, c, m)
            WHERE EXISTS (SELECT 1 FROM experiment WHERE id = u.e)
           ON CONFLICT (experiment_id, user_id) DO UPDATE SET
              recommendations = t.recommendations + EXCLUDED.recommendations,
              conversions = t.conversions + EXCLUDED.conversions,
              watch_minutes = t.watch_minutes + EXCLUDED.watch_minutes`,
          [
            users.map((u) => u.experimentId),
            users.map((u) => u.userId),
            users.map((u) => u.arm),
            users.map((u) => u.recommendations),
            users.map((u) => u.conversions),
            users.map((u) => u.watchMinutes),
          ],
        );
      }
    });
  }

  /** Per-arm totals for the analysis: user level from assignments, response level from buckets. */
  async armTotals(experimentId: string, since?: Date): Promise<ArmTotals[]> {
    const users = await this.storage.sql.query<{
      arm: string;
      users: number;
      converted_users: number;
      minutes_sum: number;
      minutes_sq: number;
      rate_sum: number;
      rate_sq: number;
    }>(
      `SELECT arm, count(*)::int AS users,
              count(*) FILTER (WHERE conversions > 0)::int AS converted_users,
              COALESCE(sum(watch_minutes), 0)::float8 AS minutes_sum,
              COALESCE(sum(watch_minutes::float8 * watch_minutes), 0)::float8 AS minutes_sq,
              COALESCE(sum(CASE WHEN recommendations > 0 THEN conversions::float8 / recommendations ELSE 0 END), 0)::float8 AS rate_sum,
              COALESCE(sum(CASE WHEN recommendations > 0 THEN (conversions::float8 / recommendations) ^ 2 ELSE 0 END), 0)::float8 AS rate_sq
         FROM experiment_assignment
        WHERE experiment_id = $1 AND ($2::timestamp(3) IS NULL OR first_exposed_at >= $2)
        GROUP BY arm`,
      [experimentId, since ?? null],
    );
    const buckets = await this.storage.sql.query<{
      arm: string;
      model_version: string;
      recommendations: number;
      conversions: number;
      errors: number;
      watch_minutes: number;
      rating_sum: number;
      rating_count: number;
      latency_histogram: number[];
    }>(
      `SELECT arm, model_version, recommendations, conversions, errors, watch_minutes, rating_sum, rating_count, latency_histogram
         FROM experiment_metric_bucket WHERE experiment_id = $1`,
      [experimentId],
    );
    const out = new Map<string, ArmTotals & { latencyHistogram: number[] }>();
    const get = (arm: string, modelVersion = '') => {
      let t = out.get(arm);
      if (!t) {
        t = emptyArmTotals(arm, modelVersion);
        out.set(arm, t);
      }
      return t as { -readonly [K in keyof ArmTotals]: ArmTotals[K] } & { latencyHistogram: number[] };
    };
    for (const u of users) {
      const t = get(u.arm);
      t.users = u.users;
      t.convertedUsers = u.converted_users;
      t.userMinutesSum = Number(u.minutes_sum);
      t.userMinutesSquares = Number(u.minutes_sq);
      t.userRateSum = Number(u.rate_sum);
      t.userRateSquares = Number(u.rate_sq);
    }
    for (const b of buckets) {
      const t = get(b.arm, b.model_version);
      if (!t.modelVersion) t.modelVersion = b.model_version;
      t.recommendations += b.recommendations;
      t.conversions += b.conversions;
      t.errors += b.errors;
      t.watchMinutes += b.watch_minutes;
      t.ratingSum += Number(b.rating_sum);
      t.ratingCount += b.rating_count;
      b.latency_histogram.forEach((c, i) => (t.latencyHistogram[i] = (t.latencyHistogram[i] ?? 0) + c));
    }
    return [...out.values()];
  }

  /** Response-level outcomes per arm and minute, oldest first (for plots). */
  async series(experimentId: string): Promise<MetricSeriesPoint[]> {
    const rows = await this.storage.sql.query<{
      arm: string;
      model_version: string;
      bucket_start: Date;
      recommendations: number;
      conversions: number;
      errors: number;
      watch_minutes: number;
    }>(
      `SELECT arm, model_version, bucket_start, recommendations, conversions, errors, watch_minutes
         FROM experiment_metric_bucket WHERE experiment_id = $1 ORDER BY bucket_start, arm`,
      [experimentId],
    );
    return rows.map((r) => ({
      arm: r.arm,
      modelVersion: r.model_version,
      bucketStart: r.bucket_start,
      recommendations: r.recommendations,
      conversions: r.conversions,
      errors: r.errors,
      watchMinutes: r.watch_minutes,
    }));
  }

  /** Saves a canary's controller state (per-step statistics, looks, last comparison) for its current step. */
  async saveCanaryState(experimentId: string, step: number, state: unknown): Promise<void> {
    await this.storage.sql.query(
      `INSERT INTO canary_state (experiment_id, step, state, updated_at) VALUES ($1, $2, $3::jsonb, now())
       ON CONFLICT (experiment_id) DO UPDATE SET step = EXCLUDED.step, state = EXCLUDED.state, updated_at = now()`,
      [experimentId, step, JSON.stringify(state)],
    );
  }

  /** The saved controller state of each running canary, with the step it was saved at. */
  async runningCanaryStates(): Promise<{ experimentId: string; step: number; state: unknown }[]> {
    const rows = await this.storage.sql.query<{ experiment_id: string; step: number; state: unknown }>(
      `SELECT s.experiment_id, s.step, s.state FROM canary_state s
         JOIN experiment e ON e.id = s.experiment_id
        WHERE e.status = 'running' AND e.kind = 'canary'`,
    );
    return rows.map((r) => ({
      experimentId: r.experiment_id,
      step: r.step,
      state: typeof r.state === 'string' ? (JSON.parse(r.state) as unknown) : r.state,
    }));
  }

  /** This pod's view of an arm's model: loaded, or why not (`kind`: tampered | unavailable). */
  async reportArmLoad(
    experimentId: string,
    modelVersion: string,
    pod: string,
    failure: { kind: string; reason: string } | null,
  ): Promise<void> {
    await this.storage.sql.query(
      `INSERT INTO experiment_arm_load (experiment_id, model_version, pod, loaded, kind, reason, reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (experiment_id, model_version, pod)
       DO UPDATE SET loaded = EXCLUDED.loaded, kind = EXCLUDED.kind, reason = EXCLUDED.reason, reported_at = now()`,
      [experimentId, modelVersion, pod, failure === null, failure?.kind ?? null, failure?.reason ?? null],
    );
  }

  /** Pods that reported on an arm's model since `since`, and how many of them could not load it. */
  async armLoadReports(
    experimentId: string,
    modelVersion: string,
    since: Date,
  ): Promise<{ pods: number; failing: number }> {
    const [row] = await this.storage.sql.query<{ pods: number; failing: number }>(
      `SELECT count(*)::int AS pods, count(*) FILTER (WHERE NOT loaded)::int AS failing
         FROM experiment_arm_load WHERE experiment_id = $1 AND model_version = $2 AND reported_at >= $3`,
      [experimentId, modelVersion, since.toISOString()],
    );
    return { pods: row?.pods ?? 0, failing: row?.failing ?? 0 };
  }
}
