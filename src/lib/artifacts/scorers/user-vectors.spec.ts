import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UserVectors } from './user-vectors';

describe('UserVectors', () => {
  let dir: string;
  // 5 users × 3 floats, each value distinct.
  const table = Float32Array.from({ length: 15 }, (_, i) => i * 1.5 - 4);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'marquee-user-vectors-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps a table at or under the threshold in memory, as views of it', async () => {
    const vectors = await UserVectors.of(table, 3, { dir: path.join(dir, 'small'), aboveBytes: table.byteLength });
    expect(vectors.paged).toBe(false);
    expect(vectors.rows).toBe(5);
    expect(vectors.row(2).buffer).toBe(table.buffer);
    expect(Array.from(vectors.row(2))).toEqual([5, 6.5, 8]);
  });

  it('pages a larger table to an unlinked private file and reads every row back exactly', async () => {
    const pages = path.join(dir, 'pages');
    const vectors = await UserVectors.of(table, 3, { dir: pages, aboveBytes: table.byteLength - 1 });
    expect(vectors.paged).toBe(true);
    expect(await readdir(pages)).toEqual([]);
    for (let u = 4; u >= 0; u--)
      expect(Array.from(vectors.row(u))).toEqual(Array.from(table.subarray(u * 3, u * 3 + 3)));
    // A row past the end is an error, never zeros.
    expect(() => vectors.row(5)).toThrow(/read 0 of 12 bytes/);
    vectors.close();
    expect(() => vectors.row(0)).toThrow(/after close/);
  });

  it('keeps the table in memory and says why when the directory cannot be used', async () => {
    const blocker = path.join(dir, 'not-a-directory');
    await writeFile(blocker, 'x');
    const failures: Error[] = [];
    const vectors = await UserVectors.of(table, 3, {
      dir: blocker,
      aboveBytes: 0,
      onFailure: (error) => failures.push(error),
    });
    expect(vectors.paged).toBe(false);
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/EEXIST|ENOTDIR/);
    expect(Array.from(vectors.row(1))).toEqual([0.5, 2, 3.5]);
  });
});
