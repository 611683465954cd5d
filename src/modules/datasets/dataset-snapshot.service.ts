import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { CatalogRepository, InteractionPairsRepository } from '@modules/interactions';
import {
  InteractionDataset,
  MovieProfile,
  UserProfile,
  contentHashOf,
  loadSnapshotDir,
  SNAPSHOT_SCHEMA_VERSION,
  SnapshotContent,
  SnapshotManifest,
  writeSnapshotFiles,
} from '@lib/dataset';
import { SNAPSHOT_EXCLUSIONS, SnapshotExclusions, withoutUsers } from './snapshot-exclusions';
import { SnapshotRecord, SnapshotRepository } from './snapshot.repository';

export interface CreateSnapshotRequest {
  /** Interactions after this instant are left out. */
  readonly cutoff: Date;
  /** Interactions before this instant are left out (default: from the beginning). */
  readonly rangeStart?: Date | null;
}

/** What training, releases and audits refer to. */
export interface DatasetSnapshotRef {
  readonly id: string;
  readonly contentHash: string;
  readonly cutoff: Date;
  readonly rangeStart: Date | null;
  readonly rowCounts: Record<string, number>;
  readonly schemaVersion: number;
  readonly location: string;
}

/** Users per read page (by whole users); bounds memory per query, not the snapshot. */
const PAGE_ROWS = 200_000;

/**
 * Freezes interactions up to a cutoff into a versioned, content-hashed
 * snapshot directory plus a dataset_snapshot row, and loads snapshots back as
 * InteractionDataset. The id is `snap-<cutoff yyyymmddhhmmss>-<hash[0..8]>`:
 * taking the same cutoff over the same data again yields the same id (the
 * row and directory are reused), so a snapshot is reproducible by name.
 */
@Injectable()
export class DatasetSnapshotService {
  private readonly logger = new Logger(DatasetSnapshotService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SnapshotRepository,
    private readonly pairs: InteractionPairsRepository,
    private readonly catalog: CatalogRepository,
    private readonly modules: ModuleRef,
  ) {}

  /**
   * The security module's quarantine (SNAPSHOT_EXCLUSIONS), looked up in the
   * whole application rather than imported, so datasets does not depend on
   * security; absent (e.g. the snapshot CLI, or tests) it excludes no one and
   * the manifest says `quarantineApplied: false`.
   */
  private exclusions(): SnapshotExclusions | null {
    try {
      return this.modules.get<SnapshotExclusions>(SNAPSHOT_EXCLUSIONS, { strict: false });
      // eslint-disable-next-line no-restricted-syntax -- ModuleRef throws when no module provides it: no quarantine
    } catch {
      return null;
    }
  }

  get snapshotsDir(): string {
    return path.join(this.config.dataDir, 'snapshots');
  }

  async createSnapshot(request: CreateSnapshotRequest): Promise<DatasetSnapshotRef> {
    const started = Date.now();
    const cutoff = new Date(request.cutoff.getTime());
    const rangeStart = request.rangeStart ? new Date(request.rangeStart.getTime()) : null;
    if (Number.isNaN(cutoff.getTime())) throw new Error('snapshot cutoff is not a valid time');
    if (rangeStart && rangeStart > cutoff) throw new Error('snapshot rangeStart is after its cutoff');
    const exclusions = this.exclusions();
    const quarantineApplied = exclusions !== null;
    const collected = await this.collect(cutoff, rangeStart);
    const content = exclusions ? withoutUsers(collected, await exclusions.excludedUserIds()) : collected;
    const hash = contentHashOf(content);
    const id = `snap-${compactTime(cutoff)}-${hash.slice(0, 8)}`;
    const dir = path.join(this.snapshotsDir, id);

    const existing = await this.repository.find(id);
    if (existing && existing.contentHash === hash && (await exists(path.join(existing.location, 'manifest.json'))))
      return toRef(existing);

    const manifest = await writeSnapshotFiles(dir, content, {
      id,
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      cutoff: cutoff.toISOString(),
      rangeStart: rangeStart?.toISOString() ?? null,
      ratingScaleMax: this.config.ratingScaleMax,
      semantics: {
        watchMinutes:
          'pairs whose first watch is at or before the cutoff; minutes as aggregated when the snapshot was taken; ' +
          'ratings recomputed from history as of the cutoff; timestamps capped at the cutoff',
        quarantineApplied,
      },
      createdAt: new Date().toISOString(),
    });
    await this.repository.record(manifest, dir);
    this.logger.log(
      `snapshot ${id}: ${manifest.rowCounts.interactions} interactions, ${manifest.rowCounts.users} users, ` +
        `${manifest.rowCounts.movies} movies in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return fromManifest(manifest, dir);
  }

  /** SnapshotSource-shaped alias: freezes everything up to `cutoff`. */
  async create(cutoff: Date): Promise<DatasetSnapshotRef> {
    return this.createSnapshot({ cutoff });
  }

  async find(id: string): Promise<DatasetSnapshotRef | null> {
    const record = await this.repository.find(id);
    return record ? toRef(record) : null;
  }

  /** Loads by snapshot id (looked up in dataset_snapshot) or by directory path; verifies the content hash. */
  async load(idOrDir: string): Promise<InteractionDataset> {
    return loadSnapshot(idOrDir, this.snapshotsDir, (id) => this.repository.find(id));
  }

  private async collect(cutoff: Date, rangeStart: Date | null): Promise<SnapshotContent> {
    const userIds: number[] = [];
    const movieSlot = new Map<string, number>();
    const movieIds: string[] = [];
    let n = 0;
    let capacity = 1 << 16;
    let users = new Int32Array(capacity);
    let items = new Int32Array(capacity);
    let minutes = new Float32Array(capacity);
    let ratings = new Float32Array(capacity);
    let times = new Float64Array(capacity);
    const grow = (): void => {
      capacity *= 2;
      const g = <T extends Int32Array | Float32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(capacity);
        b.set(a);
        return b;
      };
      users = g(users);
      items = g(items);
      minutes = g(minutes);
      ratings = g(ratings);
      times = g(times);
    };

    let after = -1;
    for (;;) {
      const upTo = await this.pairs.nextUserBound(after, PAGE_ROWS, cutoff);
      if (upTo === null) break;
      const rows = await this.pairs.pairs(after, upTo, cutoff, rangeStart);
      // Deterministic order: user id, then movie id by UTF-16 code units (the
      // same on every database, unlike ORDER BY under a locale collation).
      rows.sort((a, b) => a.userId - b.userId || (a.movieId < b.movieId ? -1 : a.movieId > b.movieId ? 1 : 0));
      for (const row of rows) {
        if (n === capacity) grow();
        if (userIds.length === 0 || userIds[userIds.length - 1] !== row.userId) userIds.push(row.userId);
        let slot = movieSlot.get(row.movieId);
        if (slot === undefined) {
          slot = movieIds.length;
          movieSlot.set(row.movieId, slot);
          movieIds.push(row.movieId);
        }
        users[n] = userIds.length - 1;
        items[n] = slot;
        minutes[n] = row.minutes;
        ratings[n] = row.rating;
        times[n] = row.ts;
        n++;
      }
      after = upTo;
    }

    // Movies indexed in id order, so the index does not depend on which user saw a movie first.
    const sortedMovies = [...movieIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const remap = new Int32Array(movieIds.length);
    sortedMovies.forEach((id, index) => (remap[movieSlot.get(id)!] = index));
    const itemIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) itemIndex[i] = remap[items[i]];

    const userProfiles = await this.catalog.userProfiles(userIds);
    const movieProfiles = await this.catalog.movieProfiles(sortedMovies);
    return {
      users: userIds.map((id): UserProfile => {
        const p = userProfiles.get(id);
        return { id, age: p?.age ?? null, gender: p?.gender ?? null, occupation: p?.occupation ?? null };
      }),
      // A movie without a catalog row (none is expected: ingestion registers every movie it sees) has no profile.
      movies: sortedMovies.map(
        (id): MovieProfile =>
          movieProfiles.get(id) ?? { id, genres: [], year: null, language: null, adult: false, runtime: null },
      ),
      userIndex: users.slice(0, n),
      itemIndex,
      watchMinutes: minutes.slice(0, n),
      rating: ratings.slice(0, n),
      timestamp: times.slice(0, n),
      ratingScaleMax: this.config.ratingScaleMax,
    };
  }
}

/**
 * Loads a snapshot by directory or id. `snapshotsDir/<id>` is tried first, then
 * the location recorded in dataset_snapshot (when a lookup is given).
 */
export async function loadSnapshot(
  idOrDir: string,
  snapshotsDir: string,
  lookup?: (id: string) => Promise<SnapshotRecord | null>,
): Promise<InteractionDataset> {
  if (await exists(path.join(idOrDir, 'manifest.json'))) return loadSnapshotDir(idOrDir);
  if (/^[A-Za-z0-9_.-]+$/.test(idOrDir)) {
    const local = path.join(snapshotsDir, idOrDir);
    if (await exists(path.join(local, 'manifest.json'))) return loadSnapshotDir(local);
    const record = lookup ? await lookup(idOrDir) : null;
    if (record && (await exists(path.join(record.location, 'manifest.json')))) return loadSnapshotDir(record.location);
  }
  throw new Error(`unknown dataset snapshot ${idOrDir} (looked in ${snapshotsDir} and dataset_snapshot)`);
}

function compactTime(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function exists(file: string): Promise<boolean> {
  return fs
    .access(file)
    .then(() => true)
    .catch(() => false); // eslint-disable-line no-restricted-syntax -- an existence check: the error is the answer
}

function toRef(record: SnapshotRecord): DatasetSnapshotRef {
  return {
    id: record.id,
    contentHash: record.contentHash,
    cutoff: record.cutoff,
    rangeStart: record.rangeStart,
    rowCounts: record.rowCounts,
    schemaVersion: record.schemaVersion,
    location: record.location,
  };
}

function fromManifest(manifest: SnapshotManifest, location: string): DatasetSnapshotRef {
  return {
    id: manifest.id,
    contentHash: manifest.contentHash,
    cutoff: new Date(manifest.cutoff),
    rangeStart: manifest.rangeStart ? new Date(manifest.rangeStart) : null,
    rowCounts: { ...manifest.rowCounts },
    schemaVersion: manifest.schemaVersion,
    location,
  };
}
