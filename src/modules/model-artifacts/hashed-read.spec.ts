import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readHashed } from './hashed-read';

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
    expect(Buffer.from(a.buffer).equals(bytes)).toBe(true);
    expect(b.sha256).toBe(a.sha256);
  });

  it('rejects a missing file and keeps working afterwards', async () => {
    await expect(readHashed(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    writeFileSync(path.join(dir, 'after'), 'ok');
    expect((await readHashed(path.join(dir, 'after'))).sha256).toBe(createHash('sha256').update('ok').digest('hex'));
  });
});
