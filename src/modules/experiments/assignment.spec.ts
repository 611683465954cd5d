import { assignArm, hashUnit, inCanary } from './assignment';
import { sampleRatioMismatch } from '@lib/stats/srm';

describe('assignment', () => {
  const arms = [
    { name: 'A', share: 0.5 },
    { name: 'B', share: 0.5 },
  ];

  it('is sticky: the same user gets the same arm every time, without state', () => {
    for (let u = 0; u < 200; u++) expect(assignArm('exp-1', u, arms)).toBe(assignArm('exp-1', u, arms));
  });

  it('is uniform: 50/50 and 20/30/50 splits pass the SRM check over 100k users', () => {
    const counts = { A: 0, B: 0 };
    for (let u = 0; u < 100_000; u++) counts[assignArm('exp-1', u, arms) as 'A' | 'B']++;
    expect(sampleRatioMismatch([counts.A, counts.B], [0.5, 0.5]).mismatch).toBe(false);
    const three = [
      { name: 'x', share: 20 },
      { name: 'y', share: 30 },
      { name: 'z', share: 50 },
    ];
    const c = new Map<string, number>();
    for (let u = 0; u < 100_000; u++) {
      const a = assignArm('exp-2', u, three);
      c.set(a, (c.get(a) ?? 0) + 1);
    }
    const check = sampleRatioMismatch(
      ['x', 'y', 'z'].map((n) => c.get(n) ?? 0),
      [20, 30, 50],
    );
    expect(check.mismatch).toBe(false);
    // Hash positions are spread over [0, 1): ten equal bins within 3% of 10k each.
    const bins = new Array(10).fill(0);
    for (let u = 0; u < 100_000; u++) bins[Math.floor(hashUnit('s', u) * 10)]++;
    for (const b of bins) expect(Math.abs(b - 10_000)).toBeLessThan(300);
  });

  it('the SRM check flags a broken split', () => {
    // e.g. arm B loses 3% of its users to a logging bug
    expect(sampleRatioMismatch([50_000, 48_500], [0.5, 0.5]).mismatch).toBe(true);
  });

  it('different salts give independent assignments', () => {
    let same = 0;
    for (let u = 0; u < 10_000; u++) if (assignArm('exp-a', u, arms) === assignArm('exp-b', u, arms)) same++;
    expect(Math.abs(same - 5000)).toBeLessThan(250);
  });

  it('canary shares are nested: users in the 5% stay in at 25%, 50%, 100%', () => {
    for (let u = 0; u < 5000; u++) {
      if (inCanary('c', u, 0.05)) {
        expect(inCanary('c', u, 0.25)).toBe(true);
        expect(inCanary('c', u, 0.5)).toBe(true);
      }
      expect(inCanary('c', u, 1)).toBe(true);
      expect(inCanary('c', u, 0)).toBe(false);
    }
  });
});
