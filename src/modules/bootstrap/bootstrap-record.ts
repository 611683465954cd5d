import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';

/**
 * Where the start-up bootstrap got to, in DATA_DIR/bootstrap.json beside the
 * embedded store. The world is deterministic (its size, seed and end), so an
 * interrupted stream is resumed by replaying it from the start: ingestion
 * merges idempotently, so lines already stored are not counted twice.
 *
 *   streaming  the world is being published; a restart replays it
 *   ingested   every line is stored; a restart trains on it
 *   complete   a model is in production; a restart does nothing
 */
const worldSchema = z.object({
  users: z.number().int().positive(),
  movies: z.number().int().positive(),
  days: z.number().positive(),
  seed: z.number().int(),
  /** End of the simulated history (epoch ms), fixed at the first start so a replay the next day is the same world. */
  end: z.number().int(),
});
const recordSchema = z.object({
  phase: z.enum(['streaming', 'ingested', 'complete']),
  world: worldSchema,
  updatedAt: z.string(),
  modelId: z.string().optional(),
  attempts: z.number().int().nonnegative().default(1),
});

export type BootstrapWorld = z.infer<typeof worldSchema>;
export type BootstrapRecord = z.infer<typeof recordSchema>;

export class BootstrapRecordFile {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'bootstrap.json');
  }

  /** The record, or null when there is none; a malformed one is an error naming the file (never ignored). */
  async read(): Promise<BootstrapRecord | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const parsed = recordSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.file} is not a bootstrap record: ${parsed.error.message}`);
    return parsed.data;
  }

  /** Written to a temporary file and renamed over the old one, so a kill leaves the old or the new record, never half. */
  async write(record: Omit<BootstrapRecord, 'updatedAt'>): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2)}\n`, {
      flush: true,
    });
    await rename(tmp, this.file);
  }
}
