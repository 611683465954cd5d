import { ConflictException, Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';

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
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class TrainingRunRepository {
  constructor(private readonly storage: StorageService) {}

  /** Claims the slot: throws Conflict when another run (any replica) is still running there. */
  async start(run: { id: string; slot: string; trigger: string; modelType: string }): Promise<void> {
    try {
      await this.storage.prisma.trainingRun.create({ data: { ...run, status: 'running' } });
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

  /** Runs left 'running' by a process that died: failed, so the slot is free again. */
  async failAbandoned(olderThan: Date): Promise<number> {
    const result = await this.storage.prisma.trainingRun.updateMany({
      where: { status: 'running', startedAt: { lt: olderThan } },
      data: { status: 'failed', finishedAt: new Date(), error: 'abandoned: the process running it stopped' },
    });
    return result.count;
  }
}
