import { randomUUID } from 'node:crypto';
import { closeSync, mkdir, open, readSync, unlink } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ArtifactContents, ArtifactIntegrityError, ArtifactManifest, tensor } from '../artifact-format';
import { writeAll } from '../write-all';

/** Where a model's large per-user table may live instead of the heap (serving's SERVING_USER_VECTORS). */
export interface UserVectorPaging {
  /** Directory for the private page file (created, mode 0700). */
  readonly dir: string;
  /** Tables of more bytes than this are paged; smaller ones stay in memory. */
  readonly aboveBytes: number;
  /** Paging failed (disk full, directory not writable): the table stays in memory, and this is told why. */
  readonly onFailure?: (error: Error) => void;
}

/** The per-user table each model type keeps in UserVectors (its ofArtifact name), for spillPlan. */
const PAGED_TABLES: Readonly<Record<string, string>> = { als: 'userFactors', svd: 'userFactors', hybrid: 'userRepr' };

const openFile = promisify(open);
const unlinkFile = promisify(unlink);
const mkdirs = promisify(mkdir);

/** Page files a UserVectors holds open (taken over, not yet closed). */
const heldPageFiles = new Set<number>();

/** Closes a page file when the table that read it has been garbage collected (a swapped-out model). */
const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  heldPageFiles.delete(fd);
  try {
    closeSync(fd);
    // eslint-disable-next-line no-restricted-syntax -- EBADF only: close() unregisters, so the fd is not ours to report
  } catch {
    // Nothing to do: the descriptor is gone either way.
  }
});

/**
 * A model's per-user vectors (factor rows), one row per request.
 *
 * In memory, a row is a view of the table. Paged, the table's verified bytes
 * are copied once into a private file (created exclusively, unlinked at once,
 * so nothing else can open or alter it by name; its bytes are exactly those
 * whose sha256 the artifact's manifest pinned) and each request reads its one
 * row back (a `pread` of f × 4 bytes, ~1–3 µs from the page cache).
 *
 * Why: at full scale the user factors are 1M × 64 float32 = 256 MB, a third
 * of a replica's resident memory, while a request needs 256 bytes of them.
 * Paged, those bytes sit in the kernel's page cache instead: reclaimable under
 * memory pressure (a row then costs a disk read), not part of the process's
 * resident set, and exact (no quantization, so the exact-top-k guarantee of
 * the ranking kernel is unchanged). Node has no mmap, and the npm mmap
 * bindings are native modules that need install scripts; `readSync` at an
 * offset does the same job for one small row.
 */
export class UserVectors {
  private readonly scratch: Float32Array;
  private readonly scratchBytes: Uint8Array;
  private closed = false;

  private constructor(
    /** Floats per row. */
    readonly width: number,
    readonly rows: number,
    private readonly table: Float32Array | null,
    private readonly fd: number | null,
  ) {
    this.scratch = new Float32Array(width);
    this.scratchBytes = new Uint8Array(this.scratch.buffer);
  }

  static inMemory(table: Float32Array, width: number): UserVectors {
    return new UserVectors(width, width === 0 ? 0 : table.length / width, table, null);
  }

  /**
   * An artifact's per-user table `name` (one row per user id, as wide as the
   * item table `itemTensor`), checked for shape, then as `of`.
   */
  static ofArtifact(
    contents: ArtifactContents,
    name: string,
    itemTensor: string,
    paging?: UserVectorPaging | null,
  ): Promise<UserVectors> {
    const width = contents.manifest.tensors.find((t) => t.name === itemTensor)?.shape[1] ?? 0;
    const spilled = contents.spilled?.get(name);
    if (spilled) {
      // Read into its page file by readArtifact (spillPlan): verified with the rest, never in memory.
      const { entry, fd } = spilled;
      const users = contents.ids.users.length;
      if (entry.dtype !== 'float32' || entry.shape.length !== 2 || entry.shape[0] !== users || entry.shape[1] !== width)
        throw new ArtifactIntegrityError(
          contents.manifest.modelType,
          `tensor ${name} is ${entry.dtype} [${entry.shape}], expected float32 [${users},${width}]`,
        );
      return Promise.resolve(UserVectors.onPageFile(fd, width, users));
    }
    return UserVectors.of(tensor(contents, name, Float32Array, [contents.ids.users.length, width]), width, paging);
  }

  /**
   * For readArtifact's `spill`: the per-user table a model type pages (when
   * larger than `paging.aboveBytes`), with a new private page file for it.
   * Reading the artifact then streams that table into the file a chunk at a
   * time: without this, a swap held the whole model.bin (263 MB at full scale)
   * in memory until the table was copied out, and the buffer until the next
   * full GC, so RSS went from ~500 MB to ~1 GB during bench:serve's swaps.
   * Null when nothing is paged; a page file that cannot be created is told to
   * `onFailure` and the table stays in memory.
   */
  static async spillPlan(
    manifest: ArtifactManifest,
    paging: UserVectorPaging | null | undefined,
  ): Promise<{ readonly tensor: string; readonly fd: number } | null> {
    const name = PAGED_TABLES[manifest.modelType];
    const entry = name ? manifest.tensors.find((t) => t.name === name) : undefined;
    if (!paging || !entry || entry.byteLength <= paging.aboveBytes) return null;
    try {
      return { tensor: entry.name, fd: await UserVectors.newPageFile(paging.dir) };
    } catch (error) {
      paging.onFailure?.(error as Error);
      return null;
    }
  }

  /** In memory, or paged to `paging.dir` when the table is larger than `paging.aboveBytes`. */
  static async of(table: Float32Array, width: number, paging?: UserVectorPaging | null): Promise<UserVectors> {
    if (!paging || table.byteLength <= paging.aboveBytes) return UserVectors.inMemory(table, width);
    try {
      return await UserVectors.paged(table, width, paging.dir);
    } catch (error) {
      paging.onFailure?.(error as Error);
      return UserVectors.inMemory(table, width);
    }
  }

  private static async paged(table: Float32Array, width: number, dir: string): Promise<UserVectors> {
    const fd = await UserVectors.newPageFile(dir);
    try {
      await writeAll(fd, new Uint8Array(table.buffer, table.byteOffset, table.byteLength), 0);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return UserVectors.onPageFile(fd, width, width === 0 ? 0 : table.length / width);
  }

  /** A private, already unlinked page file in `dir`, open for reading and writing. */
  private static async newPageFile(dir: string): Promise<number> {
    await mkdirs(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `user-vectors-${process.pid}-${randomUUID()}.bin`);
    // 'wx+': created here or not at all (never an existing file someone prepared); unlinked before a byte is written.
    const fd = await openFile(file, 'wx+', 0o600);
    try {
      await unlinkFile(file);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return fd;
  }

  /** Takes over `fd` (closed by close() or when collected). */
  private static onPageFile(fd: number, width: number, rows: number): UserVectors {
    const vectors = new UserVectors(width, rows, null, fd);
    closeWhenCollected.register(vectors, fd, vectors);
    heldPageFiles.add(fd);
    return vectors;
  }

  /** Whether a UserVectors has taken `fd` over (and will close it). */
  static holds(fd: number): boolean {
    return heldPageFiles.has(fd);
  }

  /** True when the rows are read from a page file rather than held in memory. */
  get paged(): boolean {
    return this.fd !== null;
  }

  /**
   * Row `u`. Paged, the returned array is a scratch buffer overwritten by the
   * next call: use or copy it before asking for another row.
   */
  row(u: number): Float32Array {
    const f = this.width;
    if (this.table) return this.table.subarray(u * f, (u + 1) * f);
    if (this.closed) throw new Error('user vectors used after close()');
    const length = this.scratchBytes.byteLength;
    const read = readSync(this.fd!, this.scratchBytes, 0, length, u * length);
    if (read !== length) throw new Error(`user vector ${u}: read ${read} of ${length} bytes`);
    return this.scratch;
  }

  /** Releases the page file now (otherwise it is closed when this object is garbage collected). */
  close(): void {
    if (this.fd === null || this.closed) return;
    this.closed = true;
    closeWhenCollected.unregister(this);
    heldPageFiles.delete(this.fd);
    closeSync(this.fd);
  }
}
