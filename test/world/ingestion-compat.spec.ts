import { DEFAULT_MAX_LINE_BYTES, parseLogLine } from '@lib/movielog';
import { MemoryLineSink } from '@world/output/line-sink';
import { planAttack } from '@world/simulator/attack';
import { Simulation } from '@world/simulator/engine';
import { createWorld } from '@world/world';

/** The acceptance contract between the world and the service: every simulated line is accepted by ingestion's parser. */
describe('simulated stream vs. the service parser', () => {
  it.each([5, 10])('every line parses (rating scale 1–%i), including failed recommendation requests', async (scale) => {
    const world = createWorld({ seed: 8, users: 1500, movies: 500, attackSize: 0.02, newUserShare: 0.2 });
    const attack = planAttack(world, {
      model: 'bandwagon',
      start: world.options.start + 3_600_000,
      burstMs: 1_800_000,
    });
    let calls = 0;
    const ids = world.catalog.movies.slice(0, 20).map((m) => m.id);
    const sink = new MemoryLineSink();
    await new Simulation(world, sink, {
      durationMs: 3 * 3_600_000,
      ratingScaleMax: scale,
      attack,
      recommender: {
        address: 'team05.example.edu:8082',
        recommend: async () =>
          ++calls % 10 === 0 ? { status: 504, items: [], latencyMs: 800 } : { status: 200, items: ids, latencyMs: 12 },
      },
    }).run();
    const options = {
      ratingScaleMax: scale,
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      now: world.options.start + 86_400_000,
      maxFutureSkewMs: 0,
    };
    const counts: Record<string, number> = {};
    const rejected: string[] = [];
    for (const line of sink.lines) {
      const result = parseLogLine(line, options);
      if (result.type === 'rejected') rejected.push(`${result.reason}: ${line}`);
      else counts[result.type] = (counts[result.type] ?? 0) + 1;
    }
    expect(rejected.slice(0, 5)).toEqual([]);
    expect(Object.keys(counts).sort()).toEqual(['account', 'rating', 'recommendation', 'watch']);
  });
});
