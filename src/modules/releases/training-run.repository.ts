import { hostname } from 'node:os';
import { ConflictException, Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';

/** How often a running run's owner refreshes heartbeat_at. */
export const TRAINING_RUN_HEARTBEAT_MS = 10_000;
/**
 * A run whose heartbeat is older than this is abandoned (its process died):
 * twelve missed beats, so a long event-loop stall in training is not mistaken
 * for a death.
 */
export const TRAINING_RUN_STALE_MS = 120_000;
/** Runs from before the heartbeat column (heartbeat_at null) are abandoned after this long. */
const LEGACY_ABANDONED_AFTER_MS = 6 * 3_600_000;

/** This process, as recorded in training_run.owner. */
export const TRAINING_RUN_OWNER = `${hostname()}:${process.pid}`;

export interface TrainingRunRow {
  readonly id: string;
  readonly slot: string;
  readonly trigger: string;
  readonly modelType: string;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly snapshotId: string | null;
  readonly modelId: string | null;
  readonly outcome: unknown;
  readonly error: string | null;
  readonly owner?: string | null;
  readonly heartbeatAt?: Date | null;
}

/** A run found abandoned and marked failed, for the caller's audit. */
export interface AbandonedRun {
  readonly id: string;
  readonly slot: string;
  readonly owner: string | null;
  readonly startedAt: Date;
  readonly heartbeatAt: Date | null;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class TrainingRunRepository {
  constructor(private readonly storage: StorageService) {}

  /**
   * Claims the slot: throws Conflict when another run (any replica) is still
   * running there. A run whose owner stopped heartbeating is failed first
   * (returned, for the caller to audit), so a killed process never blocks
   * the slot for longer than TRAINING_RUN_STALE_MS.
   */
  async start(run: { id: string; slot: string; trigger: string; modelType: string }): Promise<AbandonedRun[]> {
    const abandoned = await this.failAbandoned({ slot: run.slot });
    await this.claim(run);
    return abandoned;
  }

  /** Refreshes the run's heartbeat (its owner is alive). */
  async heartbeat(id: string): Promise<void> {
    await this.storage.prisma.trainingRun.updateMany({
      where: { id, status: 'running' },
      data: { heartbeatAt: new Date() },
    });
  }

  private async claim(run: { id: string; slot: string; trigger: string; modelType: string }): Promise<void> {
    try {
      await this.storage.prisma.trainingRun.create({
        data: { ...run, status: 'running', owner: TRAINING_RUN_OWNER, heartbeatAt: new Date() },
      });
    } catch (error) {
      const code = (error as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } })
        .code;
      const original = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } }).meta
        ?.driverAdapterError?.cause?.originalCode;
      if (code === 'P2002' || original === UNIQUE_VIOLATION) {
        throw new ConflictException(`a training run is already in progress for slot ${run.slot}`);
      }
      throw error;
    }
  }

  async finish(id: string, fields: { snapshotId?: string; modelId?: string; outcome?: unknown }): Promise<void> {
    await this.storage.prisma.trainingRun.update({
      where: { id },
      data: { status: 'succeeded', finishedAt: new Date(), ...fields, outcome: fields.outcome as object },
    });
  }

  async fail(id: string, error: string): Promise<void> {
    await this.storage.prisma.trainingRun.update({
      where: { id },
      data: { status: 'failed', finishedAt: new Date(), error: error.slice(0, 4000) },
    });
  }

  async list(limit = 50): Promise<TrainingRunRow[]> {
    const rows = await this.storage.prisma.trainingRun.findMany({ orderBy: { startedAt: 'desc' }, take: limit });
    return rows as TrainingRunRow[];
  }

  /**
   * Runs left 'running' by a process that died, marked failed so the slot is
   * free again: no heartbeat for TRAINING_RUN_STALE_MS (or, before heartbeats
   * were recorded, started more than 6 h ago). `everyRunning` fails every
   * running run whoever owns it — right only when no other process can share
   * the store (the embedded PGlite database belongs to one process, so at
   * start-up anything 'running' in it was left by a dead one).
   */
  async failAbandoned(options: { slot?: string; everyRunning?: boolean } = {}): Promise<AbandonedRun[]> {
    const now = Date.now();
    const stale = new Date(now - TRAINING_RUN_STALE_MS);
    const legacy = new Date(now - LEGACY_ABANDONED_AFTER_MS);
    const where = {
      status: 'running',
      ...(options.slot ? { slot: options.slot } : {}),
      ...(options.everyRunning
        ? {}
        : {
            OR: [{ heartbeatAt: { lt: stale } }, { heartbeatAt: null, startedAt: { lt: legacy } }],
          }),
    };
    const candidates = await this.storage.prisma.trainingRun.findMany({ where });
    const failed: AbandonedRun[] = [];
    for (const c of candidates) {
      // Conditional on the state read: a run that finished or beat meanwhile is left alone.
      const result = await this.storage.prisma.trainingRun.updateMany({
        where: { id: c.id, status: 'running', heartbeatAt: c.heartbeatAt },
        data: {
          status: 'failed',
          finishedAt: new Date(),
          error: `abandoned: its process (${c.owner ?? 'unknown'}) stopped; last heartbeat ${
            c.heartbeatAt?.toISOString() ?? 'never'
          }`,
        },
      });
      if (result.count === 1) {
        failed.push({ id: c.id, slot: c.slot, owner: c.owner, startedAt: c.startedAt, heartbeatAt: c.heartbeatAt });
      }
    }
    return failed;
  }
}
