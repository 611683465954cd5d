import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryLineSink } from '@world/output/line-sink';
import { HttpRecommender } from '@world/output/http-recommender';
import { Simulation } from '@world/simulator/engine';
import { createWorld, World } from '@world/world';
import { parseLine } from './stream-format';

const HOUR = 3_600_000;

/** A stand-in for the service: GET /recommend/<userid> → text/plain ids, chosen by `pick`. */
async function fakeService(pick: (userId: number) => string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const match = /^\/recommend\/(\d+)$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(pick(Number(match[1])).join(','));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Share of recommendation requests followed by a watch of one of the recommended movies within 30 minutes. */
function followedShare(lines: readonly string[]): { requests: number; share: number } {
  const pending = new Map<number, { time: number; items: Set<string> }>();
  let requests = 0;
  let followed = 0;
  for (const line of lines) {
    const p = parseLine(line);
    if (!p) throw new Error(`unparseable: ${line}`);
    if (p.kind === 'request') {
      requests++;
      pending.set(p.user, { time: p.time, items: new Set(p.items) });
    } else if (p.kind === 'watch' && p.minute === 0) {
      const req = pending.get(p.user);
      if (req && p.time - req.time <= 30 * 60_000 && req.items.has(p.movie)) {
        followed++;
        pending.delete(p.user);
      }
    }
  }
  return { requests, share: followed / requests };
}

async function run(world: World, pick: (world: World, userId: number, t: number) => string[]) {
  let now = world.options.start;
  const service = await fakeService((userId) => pick(world, userId, now));
  const recommender = new HttpRecommender(service.url, 2000, 'team05.example.edu:8082');
  const sink = new MemoryLineSink();
  const followedByEngine: number[] = [];
  try {
    await new Simulation(world, sink, {
      durationMs: 8 * HOUR,
      recommender,
      onRecommendationFollowed: (_u, _m, rank) => followedByEngine.push(rank),
      onProgress: (p) => {
        now = p.simTime;
      },
    }).run();
  } finally {
    recommender.close();
    await service.close();
  }
  return { lines: sink.lines, followedByEngine };
}

describe('closed loop with the service', () => {
  it('asks the service over HTTP, logs the answer, and users follow better-fitting recommendations more', async () => {
    const options = { seed: 17, users: 1500, movies: 600, activity: 1 };
    const good = await run(createWorld(options), (world, userId, t) =>
      world.taste.topMovies(world.population.indexOf(userId), 20, t).map((m) => world.catalog.movies[m].id),
    );
    let k = 0;
    const poor = await run(createWorld(options), (world) =>
      // Fixed unrelated picks from the tail of the catalogue (ignores the user).
      Array.from({ length: 20 }, () => world.catalog.movies[(k += 7919) % world.catalog.movies.length].id),
    );
    const goodShare = followedShare(good.lines);
    const poorShare = followedShare(poor.lines);
    console.log(
      `closed loop: followed within 30 min — taste-fit recs ${(goodShare.share * 100).toFixed(1)}% of ${goodShare.requests}, ` +
        `unrelated recs ${(poorShare.share * 100).toFixed(1)}% of ${poorShare.requests}`,
    );
    expect(goodShare.requests).toBeGreaterThan(200);
    expect(poorShare.requests).toBeGreaterThan(200);
    // Every request line carries the service's answer and the measured latency.
    const request = good.lines.find((l) => l.includes('recommendation request'))!;
    expect(request).toMatch(
      /recommendation request team05\.example\.edu:8082, status 200, result: [a-z0-9+]+(,[a-z0-9+]+){19}, \d+ ms$/,
    );
    // Better-fitting recommendations are followed clearly more often.
    expect(goodShare.share).toBeGreaterThan(0.2);
    expect(goodShare.share).toBeGreaterThan(2 * poorShare.share);
    // Higher-ranked recommendations are followed more often than lower-ranked ones.
    const top5 = good.followedByEngine.filter((r) => r < 5).length;
    const bottom5 = good.followedByEngine.filter((r) => r >= 15).length;
    expect(top5).toBeGreaterThan(bottom5);
  });

  it('keeps going when the service is down: status 502, empty result, users browse on their own', async () => {
    const world = createWorld({ seed: 4, users: 500, movies: 300, activity: 2 });
    const recommender = new HttpRecommender('http://127.0.0.1:9', 200, 'team05.example.edu:8082');
    const sink = new MemoryLineSink();
    const stats = await new Simulation(world, sink, { durationMs: 2 * HOUR, recommender }).run();
    recommender.close();
    expect(stats.requestLines).toBeGreaterThan(10);
    expect(stats.watches).toBeGreaterThan(10);
    const request = sink.lines.find((l) => l.includes('recommendation request'))!;
    expect(request).toMatch(/, status 502, result: , \d+ ms$/);
  });
});
