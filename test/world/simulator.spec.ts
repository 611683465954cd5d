import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileLineSink, MemoryLineSink } from '@world/output/line-sink';
import { Recommender } from '@world/output/http-recommender';
import { planAttack } from '@world/simulator/attack';
import { Simulation } from '@world/simulator/engine';
import { groundTruthRecords } from '@world/simulator/ground-truth';
import { createWorld, World } from '@world/world';
import { movieSlug } from '@world/catalog/catalog-generator';
import { parseLine, ParsedLine } from './stream-format';

const HOUR = 3_600_000;

async function simulate(world: World, hours: number, extra: Partial<ConstructorParameters<typeof Simulation>[2]> = {}) {
  const sink = new MemoryLineSink();
  const stats = await new Simulation(world, sink, { durationMs: hours * HOUR, ...extra }).run();
  return { lines: sink.lines, stats };
}

/** A recommender that answers instantly with the most popular ids (enough for format checks). */
function fixedRecommender(world: World): Recommender {
  const ids = world.catalog.movies.slice(0, 20).map((m) => m.id);
  return { address: 'team05.example.edu:8082', recommend: async () => ({ status: 200, items: ids, latencyMs: 42 }) };
}

describe('world generation', () => {
  it('builds a catalogue and users of the requested size with realistic shape', () => {
    const world = createWorld({ seed: 3, users: 5000, movies: 3000 });
    const { movies, traits } = world.catalog;
    expect(movies).toHaveLength(3000);
    expect(new Set(movies.map((m) => m.id)).size).toBe(3000);
    for (const m of movies) {
      expect(m.id).toMatch(/^[a-z0-9]+(\+[a-z0-9]+)*\+(\d{4})?$/);
      expect(m.id).toBe(movieSlug(m.title, m.release_date ? Number(m.release_date.slice(0, 4)) : null));
      expect(m.genres.length).toBeGreaterThanOrEqual(1);
    }
    // Long tail: the top 1% of titles get a large share of attention.
    const appeal = [...traits.appeal].sort((a, b) => b - a);
    const total = appeal.reduce((a, b) => a + b, 0);
    expect(appeal.slice(0, 30).reduce((a, b) => a + b, 0) / total).toBeGreaterThan(0.25);
    // Release years skew recent; a few adult titles; a few minors.
    const years = movies.filter((m) => m.release_date).map((m) => Number(m.release_date!.slice(0, 4)));
    expect(years.filter((y) => y >= 2016).length / years.length).toBeGreaterThan(0.5);
    const adult = movies.filter((m) => m.adult).length / movies.length;
    expect(adult).toBeGreaterThan(0.005);
    expect(adult).toBeLessThan(0.05);
    const minors = Array.from({ length: 5000 }, (_, i) => world.population.isMinor(i)).filter(Boolean).length;
    expect(minors).toBeGreaterThan(100);
    expect(world.population.profile(0)).toEqual({
      user_id: 1,
      age: expect.any(Number),
      occupation: expect.any(String),
      gender: expect.stringMatching(/^[MF]$/),
    });
  });
});

describe('behaviour simulator', () => {
  it('is deterministic: the same seed and arguments give a byte-identical file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-world-'));
    try {
      const files: Buffer[] = [];
      for (const name of ['a.log', 'b.log']) {
        const world = createWorld({ seed: 11, users: 3000, movies: 800, attackSize: 0.01 });
        const attack = planAttack(world, { model: 'average', start: world.options.start + HOUR, burstMs: HOUR / 2 });
        const sink = fileLineSink(path.join(dir, name));
        await new Simulation(world, sink, { durationMs: 4 * HOUR, attack }).run();
        await sink.close();
        files.push(readFileSync(path.join(dir, name)));
      }
      expect(files[0].length).toBeGreaterThan(10_000);
      expect(files[0].equals(files[1])).toBe(true);
      const other = await simulate(createWorld({ seed: 12, users: 3000, movies: 800 }), 4);
      expect(other.lines.join('\n')).not.toEqual(files[0].toString('utf8').trimEnd());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('emits only lines in the stream formats, in time order, with every kind present', async () => {
    const world = createWorld({ seed: 5, users: 2000, movies: 600, attackSize: 0.02, newUserShare: 0.3 });
    const attack = planAttack(world, { model: 'random', start: world.options.start + HOUR, burstMs: HOUR });
    const { lines, stats } = await simulate(world, 6, {
      attack,
      recommender: fixedRecommender(world),
      ratingScaleMax: 5,
    });
    const kinds = new Map<string, number>();
    let last = 0;
    for (const line of lines) {
      const parsed = parseLine(line);
      if (!parsed) throw new Error(`unparseable line: ${line}`);
      kinds.set(parsed.kind, (kinds.get(parsed.kind) ?? 0) + 1);
      // Timestamps are non-decreasing (to the second that is printed).
      expect(Math.floor(parsed.time / 1000)).toBeGreaterThanOrEqual(Math.floor(last / 1000));
      last = parsed.time;
      if (parsed.kind === 'rate') {
        expect(parsed.rating).toBeGreaterThanOrEqual(1);
        expect(parsed.rating).toBeLessThanOrEqual(5);
      }
    }
    expect([...kinds.keys()].sort()).toEqual(['account', 'rate', 'request', 'watch']);
    expect(kinds.get('watch')).toBe(stats.watchLines);
    expect(lines.find((l) => l.includes('recommendation request'))).toMatch(
      /^2026-11-01T\d\d:\d\d:\d\d\.\d{3},\d+,recommendation request team05\.example\.edu:8082, status 200, result: [a-z0-9+]+(,[a-z0-9+]+){19}, 42 ms$/,
    );
  });

  it('honours a 1–10 rating scale', async () => {
    const world = createWorld({ seed: 5, users: 3000, movies: 500 });
    const { lines } = await simulate(world, 12, { ratingScaleMax: 10 });
    const ratings = lines.map(parseLine).filter((p): p is Extract<ParsedLine, { kind: 'rate' }> => p?.kind === 'rate');
    expect(ratings.length).toBeGreaterThan(20);
    expect(Math.max(...ratings.map((r) => r.rating))).toBeGreaterThan(5);
    expect(Math.max(...ratings.map((r) => r.rating))).toBeLessThanOrEqual(10);
  });

  it('emits one watch line per minute and stops early when the user does not like the movie', async () => {
    const world = createWorld({ seed: 9, users: 3000, movies: 800 });
    const { lines } = await simulate(world, 24);
    const views = new Map<string, { user: number; movie: string; minutes: number[]; times: number[] }>();
    for (const line of lines) {
      const p = parseLine(line);
      if (p?.kind !== 'watch') continue;
      const key = `${p.user} ${p.movie}`;
      const v = views.get(key) ?? { user: p.user, movie: p.movie, minutes: [], times: [] };
      v.minutes.push(p.minute);
      v.times.push(p.time);
      views.set(key, v);
    }
    const end = world.options.start + 24 * HOUR;
    const complete: number[] = [];
    const abandoned: number[] = [];
    let badSequences = 0;
    for (const v of views.values()) {
      // Minutes count up from 0 without gaps, about a minute apart.
      v.minutes.forEach((minute, i) => {
        if (minute !== i) badSequences++;
      });
      for (let i = 1; i < v.times.length; i++) {
        const gap = v.times[i] - v.times[i - 1];
        if (gap < 59_000 || gap > 61_000) badSequences++;
      }
      if (v.times[v.times.length - 1] + 2 * 60_000 > end) continue; // cut off by the end of the run
      const m = world.catalog.indexById.get(v.movie)!;
      const u = world.population.indexOf(v.user);
      const fit = world.taste.utility(u, m, v.times[0]) - world.taste.userThreshold[u];
      const share = v.minutes.length / world.catalog.traits.runtime[m];
      (share < 0.5 ? abandoned : complete).push(fit);
    }
    expect(badSequences).toBe(0);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(abandoned.length).toBeGreaterThan(50);
    expect(complete.length).toBeGreaterThan(50);
    // Early stops happen to movies that fit the user's hidden taste worse.
    expect(mean(abandoned)).toBeLessThan(mean(complete) - 0.3);
  });

  it('injects labelled attacks: fake accounts burst in, rate the target at the top and add fillers', async () => {
    for (const model of ['random', 'average', 'bandwagon'] as const) {
      const world = createWorld({ seed: 21, users: 2000, movies: 700, attackSize: 0.03 });
      const attack = planAttack(world, { model, start: world.options.start + 2 * HOUR, burstMs: HOUR / 2 });
      const { lines } = await simulate(world, 5, { attack });
      const truth = [...groundTruthRecords(world, attack, 5 * HOUR)] as Array<Record<string, unknown>>;
      const fakes = new Set(truth.filter((r) => r.kind === 'fake_user').map((r) => r.user_id as number));
      const target = truth.find((r) => r.kind === 'attack')!.target as string;
      expect(fakes.size).toBe(60);
      const parsed = lines.map(parseLine);
      const created = parsed.filter((p) => p?.kind === 'account' && fakes.has(p.user));
      expect(created).toHaveLength(60);
      for (const c of created) {
        expect(c!.time).toBeGreaterThanOrEqual(attack.start);
        expect(c!.time).toBeLessThan(attack.end);
      }
      const fakeRatings = parsed.filter(
        (p): p is Extract<ParsedLine, { kind: 'rate' }> => p?.kind === 'rate' && fakes.has(p.user),
      );
      const onTarget = fakeRatings.filter((r) => r.movie === target);
      expect(onTarget).toHaveLength(60);
      expect(onTarget.every((r) => r.rating === 5)).toBe(true);
      expect(fakeRatings.length).toBeGreaterThan(60 * 8);
      // Fakes never watch anything.
      expect(parsed.some((p) => p?.kind === 'watch' && fakes.has(p.user))).toBe(false);
      if (model === 'bandwagon') {
        const popular = new Set(
          world.catalog.movies
            .map((m, i) => [m.id, world.catalog.traits.appeal[i]] as const)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 100)
            .map((x) => x[0]),
        );
        const topRated = fakeRatings.filter((r) => r.movie !== target && r.rating === 5 && popular.has(r.movie));
        expect(topRated.length).toBeGreaterThan(60);
      }
    }
  });
});
