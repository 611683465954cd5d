import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InteractionDataset, MovieProfile, UserProfile } from './interaction-dataset';

/**
 * On-disk form of a dataset snapshot, `<DATA_DIR>/snapshots/<id>/`:
 *
 *   manifest.json        SnapshotManifest (below)
 *   users.json           UserProfile[]  (internal user index → profile), ascending id
 *   movies.json          MovieProfile[] (internal item index → profile), ascending id (code-unit order)
 *   user_index.i32       Int32 little-endian, one per interaction row
 *   item_index.i32       Int32
 *   watch_minutes.f32    Float32 (highest minute + 1; 0 when only rated)
 *   rating.f32           Float32 (latest rating ≤ cutoff; 0 when never rated)
 *   timestamp.f64        Float64 epoch ms of the pair's last interaction (≤ cutoff)
 *
 * Rows are ordered by (user id, movie id). Loading is a read of each column
 * file straight into a typed array (no parsing), so 30M rows load in seconds.
 *
 * contentHash = sha256 over, in this order: the text `marquee-snapshot/v<schemaVersion>`,
 * the rating scale, then for each file in FILES order its name, its byte length
 * (decimal) and its bytes, each part followed by a newline. Neither the id, the
 * creation time nor the cutoff is hashed: the same rows give the same hash.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1;

const COLUMNS = [
  ['user_index.i32', 'userIndex'],
  ['item_index.i32', 'itemIndex'],
  ['watch_minutes.f32', 'watchMinutes'],
  ['rating.f32', 'rating'],
  ['timestamp.f64', 'timestamp'],
] as const;
const FILES = ['users.json', 'movies.json', ...COLUMNS.map(([file]) => file)] as const;

export interface SnapshotManifest {
  readonly id: string;
  readonly schemaVersion: number;
  /** ISO instant: interactions after it are not in the snapshot. */
  readonly cutoff: string;
  /** ISO instant or null: interactions before it are not in the snapshot. */
  readonly rangeStart: string | null;
  readonly contentHash: string;
  readonly ratingScaleMax: number;
  readonly rowCounts: SnapshotRowCounts;
  /** How the rows were selected (what a reader must know to interpret them). */
  readonly semantics: {
    readonly watchMinutes: string;
    readonly quarantineApplied: boolean;
  };
  readonly createdAt: string;
}

export interface SnapshotRowCounts {
  readonly interactions: number;
  readonly users: number;
  readonly movies: number;
  readonly watched: number;
  readonly rated: number;
}

/** The content of a snapshot, before it has an id. */
export interface SnapshotContent {
  readonly users: readonly UserProfile[];
  readonly movies: readonly MovieProfile[];
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  readonly watchMinutes: Float32Array;
  readonly rating: Float32Array;
  readonly timestamp: Float64Array;
  readonly ratingScaleMax: number;
}

function fileBytes(content: SnapshotContent): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  files.set('users.json', Buffer.from(JSON.stringify(content.users)));
  files.set('movies.json', Buffer.from(JSON.stringify(content.movies)));
  for (const [file, key] of COLUMNS) {
    const array = content[key];
    // Typed arrays are little-endian on every platform Node runs on (x64, arm64).
    files.set(file, Buffer.from(array.buffer, array.byteOffset, array.byteLength));
  }
  return files;
}

export function contentHashOf(content: SnapshotContent): string {
  return hashFiles(fileBytes(content), content.ratingScaleMax);
}

function hashFiles(files: Map<string, Buffer>, ratingScaleMax: number): string {
  const hash = createHash('sha256');
  hash.update(`marquee-snapshot/v${SNAPSHOT_SCHEMA_VERSION}\n${ratingScaleMax}\n`);
  for (const name of FILES) {
    const bytes = files.get(name)!;
    hash.update(`${name}\n${bytes.length}\n`);
    hash.update(bytes);
    hash.update('\n');
  }
  return hash.digest('hex');
}

export function rowCountsOf(content: SnapshotContent): SnapshotRowCounts {
  let watched = 0;
  let rated = 0;
  for (let i = 0; i < content.userIndex.length; i++) {
    if (content.watchMinutes[i] > 0) watched++;
    if (content.rating[i] > 0) rated++;
  }
  return {
    interactions: content.userIndex.length,
    users: content.users.length,
    movies: content.movies.length,
    watched,
    rated,
  };
}

/** Writes the files (to a temporary directory renamed into place, so a reader never sees half a snapshot). */
export async function writeSnapshotFiles(
  dir: string,
  content: SnapshotContent,
  manifest: Omit<SnapshotManifest, 'contentHash' | 'rowCounts'>,
): Promise<SnapshotManifest> {
  const files = fileBytes(content);
  const full: SnapshotManifest = {
    ...manifest,
    contentHash: hashFiles(files, content.ratingScaleMax),
    rowCounts: rowCountsOf(content),
  };
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  for (const [name, bytes] of files) await fs.writeFile(path.join(tmp, name), bytes);
  await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(full, null, 2)}\n`);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(tmp, dir);
  return full;
}

export async function readSnapshotManifest(dir: string): Promise<SnapshotManifest> {
  return JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as SnapshotManifest;
}

/**
 * Loads a snapshot directory as the InteractionDataset training consumes.
 * With `verify` (default), the content hash is recomputed and must match the
 * manifest: a model is never trained on data other than the one it names.
 */
export async function loadSnapshotDir(dir: string, options: { verify?: boolean } = {}): Promise<InteractionDataset> {
  const manifest = await readSnapshotManifest(dir);
  if (manifest.schemaVersion !== SNAPSHOT_SCHEMA_VERSION)
    throw new Error(
      `snapshot ${manifest.id}: schema version ${manifest.schemaVersion}, expected ${SNAPSHOT_SCHEMA_VERSION}`,
    );
  const files = new Map<string, Buffer>();
  for (const name of FILES) files.set(name, await fs.readFile(path.join(dir, name)));
  if (options.verify !== false) {
    const actual = hashFiles(files, manifest.ratingScaleMax);
    if (actual !== manifest.contentHash)
      throw new Error(`snapshot ${manifest.id} is corrupt: content hash ${actual} ≠ manifest ${manifest.contentHash}`);
  }
  const view = <T>(
    name: string,
    Type: { new (b: ArrayBuffer, o: number, l: number): T; BYTES_PER_ELEMENT: number },
  ): T => {
    let bytes = files.get(name)!;
    // A view needs an aligned offset; small files may share Node's buffer pool at any offset.
    if (bytes.byteOffset % Type.BYTES_PER_ELEMENT !== 0) bytes = Buffer.from(bytes);
    return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length / Type.BYTES_PER_ELEMENT);
  };
  return {
    snapshotId: manifest.id,
    contentHash: manifest.contentHash,
    users: JSON.parse(files.get('users.json')!.toString('utf8')) as UserProfile[],
    movies: JSON.parse(files.get('movies.json')!.toString('utf8')) as MovieProfile[],
    userIndex: view('user_index.i32', Int32Array),
    itemIndex: view('item_index.i32', Int32Array),
    watchMinutes: view('watch_minutes.f32', Float32Array),
    rating: view('rating.f32', Float32Array),
    timestamp: view('timestamp.f64', Float64Array),
    ratingScaleMax: manifest.ratingScaleMax,
  };
}
