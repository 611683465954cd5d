import { MemoryLineSink } from '@world/output/line-sink';
import { runParallelSimulation } from '@world/simulator/parallel-simulation';
import { resolveWorldOptions } from '@world/world';
import { parseLine } from './stream-format';

describe('parallel simulation (worker threads)', () => {
  it('merges shards in time order, deterministically, with every kind of line', async () => {
    const world = resolveWorldOptions({ seed: 31, users: 800, movies: 300, attackSize: 0.02, newUserShare: 0.2 });
    const job = {
      world,
      durationMs: 3 * 3_600_000,
      ratingScaleMax: 5,
      attack: { model: 'random' as const, start: world.start + 3_600_000, burstMs: 1_800_000 },
    };
    const runs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const sink = new MemoryLineSink();
      const stats = await runParallelSimulation(job, 2, sink);
      expect(stats.lines).toBe(sink.lines.length);
      runs.push(sink.lines);
    }
    expect(runs[0].length).toBeGreaterThan(1_000);
    expect(runs[1]).toEqual(runs[0]);
    let last = 0;
    const kinds = new Set<string>();
    const problems: string[] = [];
    for (const line of runs[0]) {
      const p = parseLine(line);
      if (!p) problems.push(`unparseable: ${line}`);
      else {
        if (Math.floor(p.time / 1000) < Math.floor(last / 1000)) problems.push(`out of order: ${line}`);
        last = p.time;
        kinds.add(p.kind);
      }
    }
    expect(problems.slice(0, 3)).toEqual([]);
    expect([...kinds].sort()).toEqual(['account', 'rate', 'watch']);
  });
});
