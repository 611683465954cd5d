import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { hashingThreadRunning, readHashed } from './hashed-read';

describe('readHashed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-hashed-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['small (pooled by Buffer)', 100],
    ['large', 5_000_000],
  ])('returns the bytes and their sha256 for a %s file', async (_, size) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
    const file = path.join(dir, `f${size}`);
    writeFileSync(file, bytes);
    const [a, b] = await Promise.all([readHashed(file), readHashed(file)]);
    expect(a.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(Buffer.from(a.buffer!).equals(bytes)).toBe(true);
    expect(b.sha256).toBe(a.sha256);
  });

  it.each([
    ['in the middle, over several chunks', 1_000_003, 17_000_001],
    ['at the start', 0, 4_096],
    ['at the end', 20_000_000 - 999, 20_000_000],
    ['empty', 5, 5],
  ])('writes a spilled range (%s) to its file, keeps the rest, and hashes every byte', async (_, from, to) => {
    const size = 20_000_000;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >>> 12)) & 0xff;
    const file = path.join(dir, `spill-${from}`);
    writeFileSync(file, bytes);
    const pages = path.join(dir, `spill-${from}.pages`);
    const fd = openSync(pages, 'w+');
    try {
      const read = await readHashed(file, { spill: { from, to, fd } });
      expect(read.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(readFileSync(pages).equals(bytes.subarray(from, to))).toBe(true);
      const kept = Buffer.from(read.buffer!);
      expect(kept.length).toBe(size);
      expect(kept.subarray(0, from).equals(bytes.subarray(0, from))).toBe(true);
      expect(kept.subarray(to).equals(bytes.subarray(to))).toBe(true);
      // Never written there: zeros, whose pages the kernel does not make resident.
      expect(kept.subarray(from, to).every((b) => b === 0)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  it('rejects a spilled range past the end of the file', async () => {
    const file = path.join(dir, 'short');
    writeFileSync(file, Buffer.alloc(100, 1));
    const fd = openSync(path.join(dir, 'short.pages'), 'w+');
    try {
      await expect(readHashed(file, { spill: { from: 50, to: 101, fd } })).rejects.toThrow(/100 bytes/);
    } finally {
      closeSync(fd);
    }
  });

  it('rejects a missing file and keeps working afterwards', async () => {
    await expect(readHashed(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    writeFileSync(path.join(dir, 'after'), 'ok');
    expect((await readHashed(path.join(dir, 'after'))).sha256).toBe(createHash('sha256').update('ok').digest('hex'));
  });

  it('parses ids.json off the thread: user ids as an Int32Array, the bytes hashed as written', async () => {
    const json = JSON.stringify({ users: [3, 1, 2_000_000_000], items: ['a', 'b+1990'] });
    const file = path.join(dir, 'ids.json');
    writeFileSync(file, json);
    const read = await readHashed(file, { parseIds: true });
    expect(read.sha256).toBe(createHash('sha256').update(json).digest('hex'));
    expect(read.ids?.users).toEqual(Int32Array.from([3, 1, 2_000_000_000]));
    expect(read.ids?.items).toEqual(['a', 'b+1990']);
    expect(read.buffer).toBeUndefined();
  });

  it.each([
    ['a user id beyond int32', JSON.stringify({ users: [1, 2 ** 40], items: [] })],
    ['not JSON', '{"users": ['],
    ['no items list', JSON.stringify({ users: [1] })],
  ])('hands back the bytes for the caller to judge when ids.json has %s', async (_, text) => {
    const file = path.join(dir, 'odd-ids.json');
    writeFileSync(file, text);
    const read = await readHashed(file, { parseIds: true });
    expect(read.ids).toBeUndefined();
    expect(Buffer.from(read.buffer!).toString('utf8')).toBe(text);
  });

  it('ends the idle helper thread, and the next read starts a new one', async () => {
    const file = path.join(dir, 'idle');
    writeFileSync(file, 'idle');
    await readHashed(file);
    expect(hashingThreadRunning()).toBe(true);
    // Ended 5 s after its last read; waited on as a condition, bounded at 30 s.
    const deadline = Date.now() + 30_000;
    while (hashingThreadRunning() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(hashingThreadRunning()).toBe(false);
    expect((await readHashed(file)).sha256).toBe(createHash('sha256').update('idle').digest('hex'));
    expect(hashingThreadRunning()).toBe(true);
  }, 40_000);
});
