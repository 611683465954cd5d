import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARMS, runFeedbackStudy } from '@app/cli/feedback-study-harness';
import { writeFeedbackStudyReport } from '@modules/fairness';

/** A tiny world, two cycles: structure and determinism, not the study's findings. */
const tiny = { cycles: 2, users: 250, movies: 120, seed: 3, cycleDays: 1, warmupDays: 2, activity: 1 } as const;

describe('feedback study (smoke)', () => {
  jest.setTimeout(300_000);

  it('writes the report for three arms per cycle, and the same seed gives the same JSON', async () => {
    const first = await runFeedbackStudy(tiny);
    const second = await runFeedbackStudy(tiny);
    expect(JSON.stringify(second)).toEqual(JSON.stringify(first));

    expect(Object.keys(first.arms).sort()).toEqual([...ARMS].sort());
    for (const arm of ARMS) {
      expect(first.arms[arm].map((c) => c.cycle)).toEqual([0, 1, 2]);
      for (const c of first.arms[arm].slice(1)) {
        expect(c.watchGini).toBeGreaterThanOrEqual(0);
        expect(c.watchGini).toBeLessThanOrEqual(1);
        if (arm === 'control') {
          expect(c.conversion).toBeNull();
          expect(c.exposureGini).toBeNull();
        } else {
          expect(c.recommendationRequests).toBeGreaterThan(0);
          expect(c.conversion).toBeGreaterThanOrEqual(0);
          expect(c.exposureGini).toBeGreaterThan(0);
          if (arm !== 'frozen' || c.cycle === 1) expect(c.trainingRows).toBeGreaterThan(0);
          else expect(c.trainingRows).toBe(0); // served the cycle-1 model again
        }
      }
    }
    // The warm-up is shared.
    expect(first.arms.loop[0]).toEqual(first.arms.control[0]);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'marquee-feedback-'));
    try {
      const report = await writeFeedbackStudyReport({ ...first, command: 'test' }, dir);
      const markdown = await fs.readFile(report.markdownPath, 'utf8');
      expect(markdown).toContain('| metric | control | loop | mitigated | frozen |');
      expect(markdown).toContain('Gini of recommendation exposure');
      expect(report.plots).toContain('exposureGini.svg');
      expect(report.plots).toContain('watchGini.svg');
      const svg = await fs.readFile(path.join(dir, 'exposureGini.svg'), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      const json = JSON.parse(await fs.readFile(report.jsonPath, 'utf8'));
      expect(json.arms.mitigated).toHaveLength(3);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
