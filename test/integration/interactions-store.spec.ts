import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, ConfigModule } from '@modules/config';
import {
  ActivityWindowRepository,
  ActivityWriteRepository,
  CatalogRepository,
  InteractionPairsRepository,
  InteractionsModule,
  RecommendationLogRepository,
  UserHistoryRepository,
} from '@modules/interactions';
import { StorageModule, StorageService } from '@modules/storage';
import { activityBatch, movieRecord, storedRows } from '../support/activity-store';
import { createScratchDatabase } from '../support/services';

type Backend = { name: string; open(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: 'PGlite (embedded)',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'marquee-interactions-'));
      return { env: { DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL (real server)',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'marquee-interactions-'));
      const scratch = await createScratchDatabase('marquee_interactions');
      return {
        env: { DATA_DIR: dir, DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '4' },
        cleanup: async () => {
          await scratch.drop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

// After the wall clock: accounts the catalog created (first seen "now") count as established for the rater scan.
const T = Date.UTC(2031, 0, 1, 0, 0, 0);
const HOUR = 3_600_000;

/** The interactions module's typed queries, on each back end, from one stored world. */
describe.each(backends)('interactions module on $name', (backend) => {
  let app: INestApplicationContext;
  let cleanup: () => Promise<void>;
  let writes: ActivityWriteRepository;
  let log: RecommendationLogRepository;
  let catalog: CatalogRepository;
  let histories: UserHistoryRepository;
  let windows: ActivityWindowRepository;
  let pairs: InteractionPairsRepository;
  let stored: ReturnType<typeof storedRows>;

  beforeAll(async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    @Module({
      imports: [
        ConfigModule.forRoot(loadConfig({ LOG_LEVEL: 'silent', ...opened.env })),
        StorageModule,
        InteractionsModule,
      ],
    })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    writes = app.get(ActivityWriteRepository);
    log = app.get(RecommendationLogRepository);
    catalog = app.get(CatalogRepository);
    histories = app.get(UserHistoryRepository);
    windows = app.get(ActivityWindowRepository);
    pairs = app.get(InteractionPairsRepository);
    stored = storedRows(app.get(StorageService).sql);

    await catalog.upsertMovies([
      movieRecord('heat+1995', {
        title: 'Heat',
        genres: [
          { id: 1, name: 'Crime' },
          { id: 2, name: 'Drama' },
        ],
        release_date: '1995-12-15',
        original_language: 'en',
        runtime: 170,
        popularity: 10,
        budget: 60_000_000_000,
      }),
      movieRecord('alien+1979', { title: 'Alien', adult: true, runtime: 117, popularity: 50 }),
    ]);
    await catalog.upsertUsers([
      { user_id: 1, age: 34, gender: 'F', occupation: 'scientist' },
      { user_id: 3, age: 70, gender: 'other', occupation: null },
    ]);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('starts empty: no clock, no popular watches (the catalog’s popularity answers), no sample user', async () => {
    expect(await windows.latestWatchAt()).toBeNull();
    expect(await windows.newestEventAt()).toBeNull();
    expect(await windows.popularMovies(new Date(T), 5)).toEqual(['alien+1979', 'heat+1995']);
    expect(await histories.lowestWatchingUserId()).toBeNull();
  });

  it('merges a stream batch in one transaction, registers new ids, and a replay changes nothing', async () => {
    const batch = activityBatch({
      users: [
        { id: 1, firstSeenAt: T },
        { id: 2, firstSeenAt: T + HOUR },
      ],
      movies: [
        { id: 'heat+1995', firstSeenAt: T },
        { id: 'new+movie', firstSeenAt: T + HOUR },
      ],
      watches: [
        { userId: 1, movieId: 'heat+1995', maxMinute: 99, firstSeenAt: T, lastSeenAt: T + 5 * HOUR },
        { userId: 2, movieId: 'new+movie', maxMinute: 9, firstSeenAt: T + HOUR, lastSeenAt: T + HOUR },
      ],
      ratingEvents: [
        { userId: 1, movieId: 'alien+1979', ratedAt: T + 2 * HOUR, rating: 2 },
        { userId: 1, movieId: 'alien+1979', ratedAt: T + 6 * HOUR, rating: 4 },
      ],
      latestRatings: [{ userId: 1, movieId: 'alien+1979', ratedAt: T + 6 * HOUR, rating: 4 }],
      recommendations: [
        { lineHash: 'h-1', userId: 2, requestedAt: T + 3 * HOUR, status: 200, items: ['heat+1995'], latencyMs: 9 },
      ],
    });
    await writes.writeBatch(batch);
    const once = await stored.state();
    await writes.writeBatch(batch);
    expect(await stored.state()).toBe(once);

    expect(await stored.count('users')).toBe(3);
    expect(await stored.movieTitles()).toEqual([
      { id: 'alien+1979', title: 'Alien' },
      { id: 'heat+1995', title: 'Heat' },
      { id: 'new+movie', title: 'new+movie' },
    ]);
    // An older, shorter watch of the same pair merges: the highest minute and the widest span stay.
    await writes.writeBatch(
      activityBatch({
        watches: [{ userId: 1, movieId: 'heat+1995', maxMinute: 10, firstSeenAt: T - HOUR, lastSeenAt: T }],
      }),
    );
    expect(await stored.watchMaxMinute(1, 'heat+1995')).toBe(99);
    expect(await stored.latestRating(1, 'alien+1979')).toBe(4);
    expect(await stored.count('ratingEvents')).toBe(2);
  });

  it('rolls the batch back when the caller’s part of the transaction fails', async () => {
    const failing = writes.writeBatch(
      activityBatch({
        users: [{ id: 99, firstSeenAt: T }],
        watches: [{ userId: 99, movieId: 'heat+1995', maxMinute: 1, firstSeenAt: T, lastSeenAt: T }],
      }),
      async (tx) => {
        await tx.query('SELECT 1');
        throw new Error('dead letters could not be stored');
      },
    );
    await expect(failing).rejects.toThrow(/dead letters/);
    expect(await histories.userHistory(99)).toEqual({ profile: null, rows: [] });
    // The user was not remembered as registered: a later batch registers it.
    await writes.writeBatch(activityBatch({ users: [{ id: 99, firstSeenAt: T }] }));
    expect(await stored.count('users')).toBe(4);
  });

  it('merges a served response into the stream copy of its line, and finds it by request id', async () => {
    await log.recordServedRecommendations([
      {
        requestId: 'req-7',
        userId: 2,
        at: T + 3 * HOUR,
        modelVersion: 'als-3',
        items: ['heat+1995'],
        latencyMs: 9.4,
        status: 200,
        lineHash: 'h-1',
      },
    ]);
    expect(await stored.count('recommendations')).toBe(1);
    expect(await log.byRequestId('req-7')).toEqual([
      {
        requestId: 'req-7',
        userId: 2,
        requestedAt: new Date(T + 3 * HOUR),
        modelVersion: 'als-3',
        status: 200,
        items: ['heat+1995'],
        latencyMs: 9,
        source: 'served',
      },
    ]);
    expect(await log.byRequestId('req-none')).toEqual([]);
  });

  it('reads the catalog in the platform’s shape and as profiles', async () => {
    expect(await catalog.findMovie('heat+1995')).toMatchObject({
      id: 'heat+1995',
      title: 'Heat',
      genres: [
        { id: 1, name: 'Crime' },
        { id: 2, name: 'Drama' },
      ],
      budget: 60_000_000_000,
      revenue: null,
      spoken_languages: [],
    });
    expect(await catalog.findMovie('nope')).toBeNull();
    expect(await catalog.findUser(1)).toEqual({ user_id: 1, age: 34, occupation: 'scientist', gender: 'F' });
    expect(await catalog.findUser(2)).toEqual({ user_id: 2, age: null, occupation: null, gender: null });
    expect({ movies: await catalog.countMovies(), users: await catalog.countUsers() }).toEqual({ movies: 3, users: 4 });

    expect(await catalog.userProfiles([1, 3, 404])).toEqual(
      new Map([
        [1, { age: 34, gender: 'F', occupation: 'scientist' }],
        [3, { age: 70, gender: null, occupation: null }],
      ]),
    );
    const heat = {
      id: 'heat+1995',
      genres: ['Crime', 'Drama'],
      year: 1995,
      language: 'en',
      adult: false,
      runtime: 170,
    };
    expect((await catalog.movieProfiles(['heat+1995', 'gone'])).get('heat+1995')).toEqual(heat);
    expect((await catalog.allMovieProfiles()).map((m) => m.id)).toEqual(['alien+1979', 'heat+1995', 'new+movie']);
    expect(await catalog.movieRuntimes()).toEqual([
      ['alien+1979', 117],
      ['heat+1995', 170],
      ['new+movie', null],
    ]);
    expect(await catalog.adultMovieIds()).toEqual(['alien+1979']);
  });

  it('reads one user’s history most recent first, and the user base by ranges', async () => {
    expect(await histories.userHistory(1)).toEqual({
      profile: { age: 34, gender: 'F', occupation: 'scientist' },
      rows: [
        { movieId: 'alien+1979', kind: 'rating', minutes: null, runtime: null },
        { movieId: 'heat+1995', kind: 'watch', minutes: 100, runtime: 170 },
      ],
    });
    expect(await histories.nextUserIdFrom(0)).toBe(1);
    expect(await histories.nextUserIdFrom(4)).toBe(99);
    expect(await histories.nextUserIdFrom(100)).toBeNull();
    const range = await histories.historyRange(1, 3, ['heat+1995']);
    expect(range.profiles).toEqual([
      [1, 34, 'F', 'scientist'],
      [2, null, null, null],
      [3, 70, 'other', null],
    ]);
    expect(range.rows).toEqual([
      [1, null, 'alien+1979', null],
      [1, 0, null, 100],
      [2, null, 'new+movie', 10],
    ]);
    expect(await histories.lowestWatchingUserId()).toBe(1);
  });

  it('reads windows: clocks, drift aggregates, audit traffic, raters, popularity', async () => {
    expect((await windows.latestWatchAt())?.getTime()).toBe(T + 5 * HOUR);
    expect((await windows.newestEventAt())?.getTime()).toBe(T + 6 * HOUR);

    const window = await windows.window(new Date(T), new Date(T + 6 * HOUR));
    expect(window).toEqual({
      windowStart: T,
      windowEnd: T + 6 * HOUR,
      userActivity: new Map([
        [1, 2],
        [2, 1],
      ]),
      movieWatches: new Map([
        ['heat+1995', 1],
        ['new+movie', 1],
      ]),
      genres: new Map([
        ['Crime', 1],
        ['Drama', 1],
      ]),
      ratings: new Map([[4, 1]]),
      servedItems: new Map([['heat+1995', 1]]),
    });

    expect(await windows.servedLists(new Date(T), new Date(T + 6 * HOUR))).toEqual([
      { userId: 2, at: T + 3 * HOUR, items: ['heat+1995'] },
    ]);
    expect(await windows.servedLists(new Date(T), new Date(T + 3 * HOUR))).toEqual([]);
    // User 1's heat watch started an hour before T (the older watch merged in above).
    expect(await windows.watchStarts(new Date(T), new Date(T + 2 * HOUR))).toEqual([
      { userId: 2, movieId: 'new+movie', at: T + HOUR },
    ]);
    const starts = await windows.watchStarts(new Date(T - HOUR), new Date(T + 2 * HOUR));
    expect(starts.sort((a, b) => a.userId - b.userId)).toEqual([
      { userId: 1, movieId: 'heat+1995', at: T - HOUR },
      { userId: 2, movieId: 'new+movie', at: T + HOUR },
    ]);

    const seen: string[] = [];
    await windows.readRaterActivity(new Date(T), {
      rate: (u, m, r, at) => seen.push(`rate ${u} ${m} ${r} ${at - T}`),
      account: (u, at) => seen.push(`account ${u} ${at - T}`),
      watch: (u, m) => seen.push(`watch ${u} ${m}`),
    });
    expect(seen).toEqual(['rate 1 alien+1979 4 21600000', 'watch 1 heat+1995']);

    expect(await windows.popularMovies(new Date(T), 5)).toEqual(['heat+1995', 'new+movie']);
  });

  it('pages snapshot pairs by user, as of a cutoff', async () => {
    const cutoff = new Date(T + 4 * HOUR);
    expect(await pairs.nextUserBound(-1, 1, cutoff)).toBe(1);
    expect(await pairs.nextUserBound(-1, 10, cutoff)).toBe(1);
    expect(await pairs.nextUserBound(1, 10, cutoff)).toBe(2);
    expect(await pairs.nextUserBound(99, 10, cutoff)).toBeNull();
    const rows = await pairs.pairs(-1, 2, cutoff, null);
    expect(rows.sort((a, b) => a.userId - b.userId || a.movieId.localeCompare(b.movieId))).toEqual([
      { userId: 1, movieId: 'alien+1979', minutes: 0, rating: 2, ts: T + 2 * HOUR },
      { userId: 1, movieId: 'heat+1995', minutes: 100, rating: 0, ts: T + 4 * HOUR },
      { userId: 2, movieId: 'new+movie', minutes: 10, rating: 0, ts: T + HOUR },
    ]);
  });
});
