import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { countValues } from './drift-math';
import { compareProfiles, DriftProfile, ReferenceProfile } from './drift-profile';
import { distributionSvg, writeDriftReport } from './drift-report';

function profile(ratings: number[], genres: string[]): DriftProfile {
  return {
    windowStart: 0,
    windowEnd: 86_400_000,
    activity: countValues(ratings.map((_, i) => 1 + (i % 5))),
    genres: countValues(genres),
    ratings: countValues(ratings),
    activeUsers: ratings.length,
    newUsers: 0,
    watchedPairs: genres.length,
    newMoviePairs: 0,
    popularity: new Map(),
  };
}

describe('drift report', () => {
  const reference: ReferenceProfile = {
    ...profile(
      Array.from({ length: 200 }, (_, i) => 1 + (i % 5)),
      Array.from({ length: 200 }, (_, i) => (i % 2 ? 'Drama' : 'Comedy')),
    ),
    snapshotId: 'snap-x',
    dataEnd: 86_400_000,
    knownUsers: new Set(),
    moviePopularity: new Map(),
  };
  const recent = profile(
    Array.from({ length: 200 }, () => 1),
    Array.from({ length: 200 }, (_, i) => (i % 4 ? 'Horror' : 'Comedy')),
  );
  const comparison = compareProfiles(reference, recent);

  it('draws the binned distributions side by side, one pair of bars per bin', () => {
    const rating = comparison.features.find((f) => f.feature === 'rating');
    const svg = distributionSvg(rating!, 'rating <&>') as string;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('rating &lt;&amp;&gt;');
    // 2 bars × 5 rating values (the other rects are the background and the two legend swatches)
    expect(svg.match(/<rect [^>]*data-value=/g)).toHaveLength(10);
    expect(svg.match(/<rect /g)).toHaveLength(1 + 2 + 10);
  });

  it('writes report.md, drift.json and the plots', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drift-report-'));
    try {
      const files = await writeDriftReport(dir, [{ title: 'Test', comparison, facts: { model: 'm-1' } }], 'T');
      expect(files.map((f) => path.basename(f))).toEqual(
        expect.arrayContaining(['report.md', 'drift.json', 's1-genre_mix.svg', 's1-rating.svg']),
      );
      const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
      expect(md).toMatch(/## Test: DRIFT/);
      expect(md).toMatch(/\| genre_mix \| data \| \d+\.\d{4} \|/);
      expect(md).toContain('![rating](s1-rating.svg)');
      expect(JSON.parse(readFileSync(path.join(dir, 'drift.json'), 'utf8')).sections[0].comparison.passed).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
