import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NewArtifact, readArtifact, tensor, writeArtifact } from './artifact-format';

describe('writeArtifact', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'marquee-artifact-format-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const artifact = (tensors: NewArtifact['tensors']): NewArtifact => ({
    modelType: 'popularity',
    params: {},
    seed: 1,
    snapshotId: 's',
    snapshotHash: 'h',
    codeVersion: { commit: 'c', dirty: false },
    ids: { users: [1, 2], items: ['a', 'b', 'c'] },
    tensors,
  });

  it('lays model.bin out as every tensor at a 64-byte aligned offset, zeros between, nothing after the last', async () => {
    // Odd lengths, an empty tensor and one in shared memory (as ALS's factors are).
    const shared = new Float32Array(new SharedArrayBuffer(4 * 40), 4 * 7, 21).map((_, k) => k / 3);
    const tensors = {
      counts: { data: Int32Array.from([3, -1, 7]), shape: [3] },
      empty: { data: new Float32Array(0), shape: [0] },
      weights: { data: Float64Array.from([0.5, -2.25, 1e300]), shape: [3] },
      factors: { data: shared, shape: [7, 3] },
      flags: { data: Uint32Array.from([1, 0, 4294967295]), shape: [3] },
    };
    const at = path.join(dir, 'layout');
    const manifest = await writeArtifact(at, artifact(tensors));

    let end = 0;
    const parts: Buffer[] = [];
    for (const { data } of Object.values(tensors)) {
      const offset = Math.ceil(end / 64) * 64;
      parts.push(Buffer.alloc(offset - end), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      end = offset + data.byteLength;
    }
    const expected = Buffer.concat(parts);
    const bin = await readFile(path.join(at, 'model.bin'));
    expect(bin.equals(expected)).toBe(true);
    expect(manifest.files['model.bin']).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(manifest.tensors.map((t) => [t.name, t.byteOffset, t.byteLength])).toEqual([
      ['counts', 0, 12],
      ['empty', 64, 0],
      ['weights', 64, 24],
      ['factors', 128, 84],
      ['flags', 256, 12],
    ]);

    const read = await readArtifact(at);
    for (const [name, { data }] of Object.entries(tensors))
      expect(Array.from(read.tensors.get(name)!)).toEqual(Array.from(data));
    expect(await readdir(dir)).toEqual(['layout']);
  });

  it('reads a spilled tensor into its file, verified with the rest, and refuses it altered', async () => {
    const at = path.join(dir, 'spill');
    const factors = Float32Array.from({ length: 40 }, (_, k) => k / 7 - 2);
    const bias = Float32Array.from([0.5, -1, 2]);
    await writeArtifact(at, artifact({ bias: { data: bias, shape: [3] }, factors: { data: factors, shape: [2, 20] } }));
    const pages = path.join(dir, 'spill.pages');
    const fd = openSync(pages, 'w+');
    try {
      const read = await readArtifact(at, { spill: async () => ({ tensor: 'factors', fd }) });
      expect(read.tensors.has('factors')).toBe(false);
      expect(Array.from(read.tensors.get('bias')!)).toEqual(Array.from(bias));
      expect(read.spilled?.get('factors')?.fd).toBe(fd);
      expect(new Float32Array(new Uint8Array(readFileSync(pages)).buffer)).toEqual(factors);
      expect(() => tensor(read, 'factors', Float32Array, [2, 20])).toThrow(/read into a file/);

      // One byte changed inside the spilled range: the hash still covers it.
      const bin = await readFile(path.join(at, 'model.bin'));
      const offset = read.manifest.tensors.find((t) => t.name === 'factors')!.byteOffset;
      bin[offset + 5] ^= 1;
      await writeFile(path.join(at, 'model.bin'), bin);
      await expect(readArtifact(at, { spill: async () => ({ tensor: 'factors', fd }) })).rejects.toThrow(
        /model.bin sha256 mismatch/,
      );
    } finally {
      closeSync(fd);
    }
  });

  it('leaves neither a directory nor a temporary one behind when a shape does not match', async () => {
    const at = path.join(dir, 'bad');
    await expect(writeArtifact(at, artifact({ x: { data: new Float32Array(5), shape: [2, 2] } }))).rejects.toThrow(
      /does not match/,
    );
    expect((await readdir(dir)).filter((name) => name.startsWith('bad'))).toEqual([]);
  });
});
