import { MemoryLineSink } from '@world/output/line-sink';
import { Simulation } from '@world/simulator/engine';
import { createWorld } from '@world/world';
import { parseLine } from './stream-format';

const DAY = 86_400_000;

describe('world dynamics', () => {
  it('tastes drift slowly when drift > 0 and stay put when it is 0', () => {
    const drifting = createWorld({ seed: 6, users: 200, movies: 300, drift: 0.5 });
    const stable = createWorld({ seed: 6, users: 200, movies: 300, drift: 0 });
    const t0 = drifting.options.start;
    let change = 0;
    let stableChange = 0;
    for (let u = 0; u < 200; u++)
      for (let m = 0; m < 300; m += 7) {
        change += Math.abs(drifting.taste.utility(u, m, t0 + 30 * DAY) - drifting.taste.utility(u, m, t0));
        stableChange += Math.abs(stable.taste.utility(u, m, t0 + 30 * DAY) - stable.taste.utility(u, m, t0));
      }
    expect(stableChange).toBe(0);
    expect(change).toBeGreaterThan(0);
    // After one day the change is small compared with thirty days.
    let dayChange = 0;
    for (let u = 0; u < 200; u++)
      for (let m = 0; m < 300; m += 7)
        dayChange += Math.abs(drifting.taste.utility(u, m, t0 + DAY) - drifting.taste.utility(u, m, t0));
    expect(dayChange).toBeLessThan(change / 10);
  });

  it('new movies appear over simulated time and are never watched before their release', async () => {
    const world = createWorld({ seed: 13, users: 700, movies: 300, newReleaseShare: 0.25, activity: 1 });
    // Keep only the first minute of each viewing.
    const sink = new MemoryLineSink();
    const firstMinutes = {
      write: (lines: readonly string[]) => sink.write(lines.filter((l) => l.endsWith('/0.mpg'))),
      close: async () => {},
    };
    await new Simulation(world, firstMinutes, { durationMs: 5 * DAY }).run();
    const { indexById, traits } = world.catalog;
    const early: string[] = [];
    const newTitlesWatched = new Set<string>();
    for (const line of sink.lines) {
      const p = parseLine(line);
      if (p?.kind !== 'watch' || p.minute !== 0) continue;
      const released = traits.availableFrom[indexById.get(p.movie)!];
      if (released > world.options.start) newTitlesWatched.add(p.movie);
      if (p.time < released) early.push(line);
    }
    expect(early).toEqual([]);
    expect(newTitlesWatched.size).toBeGreaterThan(5);
  });
});
