import { createHash } from 'node:crypto';
import { close, open, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readHashed } from './hashed-read';
import { writeAll } from './write-all';

const openFile = promisify(open);
const closeFile = promisify(close);

/**
 * On-disk model artifact: a directory holding
 *   manifest.json  – what the model is and how it was made (provenance)
 *   model.bin      – named typed arrays, each 64-byte aligned
 *   ids.json       – external user ids and movie ids, by internal index
 * The manifest records the sha256 of model.bin and ids.json; loading
 * re-hashes both and checks every tensor's shape against its byte length,
 * so a truncated, swapped or edited artifact fails loudly.
 */
export type TensorDType = 'float32' | 'int32' | 'uint32' | 'float64';
export type TypedTensor = Float32Array | Int32Array | Uint32Array | Float64Array;

export interface TensorEntry {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface ArtifactManifest {
  readonly formatVersion: 1;
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly snapshotId: string;
  readonly snapshotHash: string;
  readonly codeVersion: { readonly commit: string; readonly dirty: boolean };
  readonly createdAt: string;
  readonly trainingSeconds?: number;
  readonly tensors: readonly TensorEntry[];
  readonly files: { readonly 'model.bin': string; readonly 'ids.json': string };
  /** Free-form, model-specific facts the scorer needs (e.g. global mean). */
  readonly extra?: Record<string, unknown>;
}

export interface ArtifactIds {
  readonly users: readonly number[];
  readonly items: readonly string[];
}

export interface ArtifactContents {
  readonly manifest: ArtifactManifest;
  /** As written, except that user ids usually arrive as an Int32Array (parsed off the calling thread). */
  readonly ids: { readonly users: Int32Array | readonly number[]; readonly items: readonly string[] };
  readonly tensors: ReadonlyMap<string, TypedTensor>;
  /**
   * Tensors written to a file instead of memory (ReadArtifactOptions.spill), by
   * name: their bytes are verified like the rest but absent from `tensors`.
   */
  readonly spilled?: ReadonlyMap<string, { readonly fd: number; readonly entry: TensorEntry }>;
}

export interface ReadArtifactOptions {
  /**
   * Asked once the manifest is read: a tensor to stream into `fd` (its bytes
   * at offset 0) instead of keeping it in memory, or null. Its bytes are still
   * hashed with the rest of model.bin, and a mismatch fails the read as usual;
   * the descriptor stays the caller's to close, also when the read fails.
   */
  readonly spill?: (manifest: ArtifactManifest) => Promise<{ readonly tensor: string; readonly fd: number } | null>;
}

export interface NewArtifact {
  readonly modelType: string;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly snapshotId: string;
  readonly snapshotHash: string;
  readonly codeVersion: { readonly commit: string; readonly dirty: boolean };
  readonly trainingSeconds?: number;
  readonly ids: ArtifactIds;
  readonly tensors: Readonly<Record<string, { readonly data: TypedTensor; readonly shape: readonly number[] }>>;
  readonly extra?: Record<string, unknown>;
}

export class ArtifactIntegrityError extends Error {
  constructor(
    readonly artifactDir: string,
    detail: string,
  ) {
    super(`Model artifact ${artifactDir} failed verification: ${detail}`);
    this.name = 'ArtifactIntegrityError';
  }
}

const ALIGN = 64;
const DTYPES: Record<
  TensorDType,
  { bytes: number; make: (buf: ArrayBuffer, offset: number, length: number) => TypedTensor }
> = {
  float32: { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  int32: { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  uint32: { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  float64: { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
};

function dtypeOf(data: TypedTensor): TensorDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  return 'float64';
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Writes an artifact atomically (temp dir, then rename) and returns its manifest.
 * model.bin is streamed tensor by tensor (zero padding between them) and hashed
 * on the way, so no second copy of the tensors is made: a full-scale factor
 * model's 256 MB of user factors is not duplicated in memory to be written.
 */
export async function writeArtifact(dir: string, artifact: NewArtifact): Promise<ArtifactManifest> {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, { data, shape }] of Object.entries(artifact.tensors)) {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (expected !== data.length)
      throw new Error(`tensor ${name}: shape [${shape}] does not match length ${data.length}`);
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    entries.push({ name, dtype: dtypeOf(data), shape: [...shape], byteOffset: offset, byteLength: data.byteLength });
    offset += data.byteLength;
  }
  const idsJson = JSON.stringify(artifact.ids);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    const binSha256 = await writeTensors(path.join(tmp, 'model.bin'), entries, artifact.tensors);
    const manifest: ArtifactManifest = {
      formatVersion: 1,
      modelType: artifact.modelType,
      params: artifact.params,
      seed: artifact.seed,
      snapshotId: artifact.snapshotId,
      snapshotHash: artifact.snapshotHash,
      codeVersion: artifact.codeVersion,
      createdAt: new Date().toISOString(),
      trainingSeconds: artifact.trainingSeconds,
      tensors: entries,
      files: { 'model.bin': binSha256, 'ids.json': sha256(idsJson) },
      extra: artifact.extra,
    };
    await fs.writeFile(path.join(tmp, 'ids.json'), idsJson);
    await fs.writeFile(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
    return manifest;
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Writes model.bin: each tensor's bytes at its entry's offset, zeros between; returns the file's sha256. */
async function writeTensors(
  file: string,
  entries: readonly TensorEntry[],
  tensors: NewArtifact['tensors'],
): Promise<string> {
  const hash = createHash('sha256');
  const fd = await openFile(file, 'w');
  try {
    let at = 0;
    const put = async (bytes: Uint8Array) => {
      hash.update(bytes);
      await writeAll(fd, bytes, at);
      at += bytes.byteLength;
    };
    for (const entry of entries) {
      if (entry.byteOffset > at) await put(new Uint8Array(entry.byteOffset - at));
      const { data } = tensors[entry.name];
      if (data.byteLength > 0) await put(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  } finally {
    await closeFile(fd);
  }
  return hash.digest('hex');
}

export async function readManifest(dir: string): Promise<ArtifactManifest> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as ArtifactManifest;
  } catch (error) {
    throw new ArtifactIntegrityError(dir, `manifest.json unreadable (${(error as Error).message})`);
  }
}

/** Reads and verifies an artifact: hashes, tensor bounds and shapes. */
export async function readArtifact(dir: string, options: ReadArtifactOptions = {}): Promise<ArtifactContents> {
  const manifest = await readManifest(dir);
  if (manifest.formatVersion !== 1)
    throw new ArtifactIntegrityError(dir, `unknown format version ${manifest.formatVersion}`);
  const spill = (await options.spill?.(manifest)) ?? null;
  const spilledEntry = spill ? manifest.tensors.find((t) => t.name === spill.tensor) : undefined;
  if (spill && !spilledEntry) throw new ArtifactIntegrityError(dir, `no tensor ${spill.tensor} to spill`);
  const spilledRange =
    spill && spilledEntry
      ? { from: spilledEntry.byteOffset, to: spilledEntry.byteOffset + spilledEntry.byteLength, fd: spill.fd }
      : undefined;
  // Read and hashed on a helper thread: serving verifies every artifact it swaps in.
  const [bin, idsJson] = await Promise.all([
    readHashed(path.join(dir, 'model.bin'), { spill: spilledRange }),
    readHashed(path.join(dir, 'ids.json'), { parseIds: true }),
  ]).catch((error: Error) => {
    throw new ArtifactIntegrityError(dir, error.message);
  });
  if (bin.sha256 !== manifest.files['model.bin']) throw new ArtifactIntegrityError(dir, 'model.bin sha256 mismatch');
  if (idsJson.sha256 !== manifest.files['ids.json']) throw new ArtifactIntegrityError(dir, 'ids.json sha256 mismatch');
  const buffer = bin.buffer ?? new ArrayBuffer(0);
  const tensors = new Map<string, TypedTensor>();
  for (const entry of manifest.tensors) {
    const dtype = DTYPES[entry.dtype];
    if (!dtype) throw new ArtifactIntegrityError(dir, `tensor ${entry.name} has unknown dtype ${entry.dtype}`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (count * dtype.bytes !== entry.byteLength || entry.byteOffset + entry.byteLength > buffer.byteLength) {
      throw new ArtifactIntegrityError(dir, `tensor ${entry.name} shape [${entry.shape}] does not fit its bytes`);
    }
    // A spilled tensor's bytes are in its file; the buffer holds zeros there.
    if (entry !== spilledEntry) tensors.set(entry.name, dtype.make(buffer, entry.byteOffset, count));
  }
  const ids =
    idsJson.ids ?? (JSON.parse(Buffer.from(idsJson.buffer ?? new ArrayBuffer(0)).toString('utf8')) as ArtifactIds);
  if (!ids || !Array.isArray(ids.items) || !(ArrayBuffer.isView(ids.users) || Array.isArray(ids.users)))
    throw new ArtifactIntegrityError(dir, 'ids.json does not list users and items');
  const spilled = spill && spilledEntry ? new Map([[spill.tensor, { fd: spill.fd, entry: spilledEntry }]]) : undefined;
  return { manifest, ids, tensors, ...(spilled ? { spilled } : {}) };
}

/** Fetches a tensor and checks its shape; scorers use this to fail loudly on a malformed artifact. */
export function tensor<T extends TypedTensor>(
  contents: ArtifactContents,
  name: string,
  kind: new (...args: never[]) => T,
  shape: readonly (number | null)[],
): T {
  const data = contents.tensors.get(name);
  const entry = contents.manifest.tensors.find((t) => t.name === name);
  if (contents.spilled?.has(name))
    throw new ArtifactIntegrityError(contents.manifest.modelType, `tensor ${name} was read into a file, not memory`);
  if (!data || !entry) throw new ArtifactIntegrityError(contents.manifest.modelType, `missing tensor ${name}`);
  if (!(data instanceof kind))
    throw new ArtifactIntegrityError(contents.manifest.modelType, `tensor ${name} has dtype ${entry.dtype}`);
  const ok = entry.shape.length === shape.length && shape.every((dim, i) => dim === null || dim === entry.shape[i]);
  if (!ok) {
    throw new ArtifactIntegrityError(
      contents.manifest.modelType,
      `tensor ${name} has shape [${entry.shape}], expected [${shape.map((d) => d ?? '*')}]`,
    );
  }
  return data;
}
