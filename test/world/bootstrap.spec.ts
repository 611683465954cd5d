import type { CatalogService } from '@modules/catalog';
import { InProcessEventBus } from '@modules/events/in-process-event-bus';
import { bootstrapWorld, CatalogImporter } from '@world/bootstrap';
import { parseLine } from './stream-format';

// Compile-time check: the service's CatalogService is what bootstrapWorld expects (the world does not import it).
export type CatalogServiceFitsBootstrap = CatalogService extends CatalogImporter ? true : never;
const fits: CatalogServiceFitsBootstrap = true;

describe('bootstrapWorld', () => {
  it('accepts the service CatalogService', () => expect(fits).toBe(true));

  it('loads catalogue and users through the catalog service and publishes the history to the bus', async () => {
    const imported = { movies: [] as unknown[], users: [] as unknown[] };
    const catalogService: CatalogImporter = {
      importMovies: async (rows) => imported.movies.push(...rows),
      importUsers: async (rows) => imported.users.push(...rows),
    };
    const bus = new InProcessEventBus();
    await bus.connect();
    await bus.ensureTopics(['movielog'], 2);
    const received: string[] = [];
    const keys = new Set<string>();
    const subscription = await bus.subscribe({
      groupId: 'test',
      topics: ['movielog'],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const r of batch.records) {
          received.push(r.value.toString('utf8'));
          keys.add(r.key ?? '');
        }
      },
    });
    const end = Date.parse('2026-11-20T00:00:00Z');
    const { stats, world } = await bootstrapWorld(
      { users: 800, movies: 300, seed: 1, days: 1, end, attack: { model: 'random', size: 0.02 } },
      { catalogService, bus, topic: 'movielog' },
    );
    for (let i = 0; i < 50 && received.length < stats.lines; i++) await new Promise((r) => setTimeout(r, 50));
    await subscription.stop();
    await bus.close();

    expect(imported.movies).toHaveLength(300);
    // Fake accounts are ordinary accounts to the platform: they are in the user directory too.
    expect(imported.users).toHaveLength(800 + 16);
    expect(imported.users[0]).toEqual({
      user_id: 1,
      age: expect.any(Number),
      occupation: expect.any(String),
      gender: expect.any(String),
    });
    expect(stats.lines).toBeGreaterThan(1000);
    expect(received).toHaveLength(stats.lines);
    const outOfPlace = received.filter((line) => {
      const parsed = parseLine(line);
      return !parsed || parsed.time < end - 86_400_000 || parsed.time >= end;
    });
    expect(outOfPlace).toEqual([]);
    // Messages are keyed by user id, so a user's events stay ordered within a partition.
    expect([...keys].every((k) => /^\d+$/.test(k))).toBe(true);
    expect(world.population.fakeAccounts).toBe(16);
  });
});
