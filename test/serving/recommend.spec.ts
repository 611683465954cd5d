import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '@app/app.factory';
import { createRootLogger } from '@common';
import { loadConfig } from '@modules/config';
import { EVENT_BUS, EventBus } from '@modules/events';
import { writeArtifact } from '@lib/artifacts';
import { CatalogFacts } from '@modules/serving/catalog-facts.service';
import { HistoryIndexService } from '@modules/serving/history-index.service';
import { MetricsRegistry } from '@modules/metrics';
import { LiveModels, ModelLoaderService } from '@modules/serving';
import { RecommendFastPath } from '@modules/serving/recommend.fast-path';
import { ResponseLogWriter } from '@modules/serving/response-log.writer';
import { StorageService } from '@modules/storage';
import { alsTrainer } from '@lib/training/models/als/als.trainer';
import { popularityTrainer } from '@lib/training/models/popularity/popularity.trainer';
import { groupMovies, twoTasteGroups } from '../support/training/two-taste-groups';
import { waitFor } from '../support/services';

const TEXT_LIST = /^[^,\s]+(,[^,\s]+)*$/;

async function counterValue(metrics: MetricsRegistry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return match?.value ?? 0;
}

describe('GET /recommend/:userId', () => {
  let app: NestFastifyApplication;
  let dir: string;
  let alsDir: string;
  let alsDir2: string;
  const data = twoTasteGroups(20, 3);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-serving-'));
    alsDir = path.join(dir, 'artifacts/als-1');
    alsDir2 = path.join(dir, 'artifacts/als-2');
    await writeArtifact(alsDir, await alsTrainer.train(data, { factors: 8, iterations: 8 }, 1, { workers: 1 }));
    await writeArtifact(alsDir2, await alsTrainer.train(data, { factors: 8, iterations: 8 }, 2, { workers: 1 }));

    const config = loadConfig({
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
      SERVING_MODEL_DIR: alsDir,
      SERVING_HISTORY_INDEX_SETTLE_MS: '0',
      // Not the default: this suite covers the ranking thread (the model-loader specs cover ranking in place).
      SERVING_RANKING_THREAD: 'true',
    });
    app = await createApp(config, createRootLogger('silent'));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();

    // The catalog and user profiles the service knows; m15 is adult; user 2 is a minor (group A).
    const sql = app.get(StorageService).sql;
    for (const m of data.movies) {
      await sql.query('INSERT INTO movie (id, title, adult, runtime, popularity) VALUES ($1, $1, $2, 100, $3)', [
        m.id,
        m.id === 'm3',
        Number(m.id.slice(1)),
      ]);
    }
    await sql.query(
      `INSERT INTO app_user (id, age, gender, occupation) VALUES (1, 30, 'M', 'engineer'), (2, 15, 'M', 'K-12 student')`,
    );
    // User 1 finished m1 and rated m2: neither may come back.
    await sql.query(`INSERT INTO watch_aggregate VALUES (1, 'm1', 95, now(), now()), (1, 'm4', 10, now(), now())`);
    await sql.query(`INSERT INTO rating VALUES (1, 'm2', 4, now())`);
    await app.get(CatalogFacts).refresh(new Date(), true);
    // The rows above went straight to the store, not through the stream: load the index over them.
    await app.get(HistoryIndexService).reload();
    await waitFor(() => app.get(LiveModels).production !== null, 30_000);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('answers text/plain: up to 20 ids, comma-separated, one line, no spaces', async () => {
    const res = await get('/recommend/5');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(TEXT_LIST);
    expect(res.body.split(',').length).toBeLessThanOrEqual(20);
  });

  it('ranks the user’s own taste group first', async () => {
    const ids = (await get('/recommend/5')).body.split(',');
    const { own } = groupMovies(4);
    expect(ids.slice(0, 4).every((id) => own.has(id))).toBe(true);
  });

  it('answers JSON with scores, model and request id', async () => {
    const res = await get('/recommend/5?format=json');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      userId: 5,
      model: { id: 'als' },
      experiment: null,
      requestId: res.headers['x-request-id'],
    });
    expect(body.model.version).toMatch(/^als-/);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items[0]).toEqual({ movieId: expect.any(String), score: expect.any(Number) });
  });

  it('never recommends a movie the user watched to the end or rated', async () => {
    const ids = (await get('/recommend/1')).body.split(',');
    expect(ids).not.toContain('m1');
    expect(ids).not.toContain('m2');
    // Abandoned after 10 of 100 minutes: may come back.
    expect(ids).toContain('m4');
  });

  it('reads histories from the in-memory index, not from SQL per request', async () => {
    const metrics = app.get(MetricsRegistry);
    const before = await counterValue(metrics, 'marquee_recommend_history_cache_total', { result: 'index' });
    const misses = await counterValue(metrics, 'marquee_recommend_history_cache_total', { result: 'miss' });
    await get('/recommend/1');
    await get('/recommend/2');
    expect(await counterValue(metrics, 'marquee_recommend_history_cache_total', { result: 'index' })).toBe(before + 2);
    expect(await counterValue(metrics, 'marquee_recommend_history_cache_total', { result: 'miss' })).toBe(misses);
  });

  it('excludes a movie watched on the stream right away, before the index is reloaded', async () => {
    const ids = (await get('/recommend/1')).body.split(',');
    const next = ids[0];
    // Minute 95 of a 100-minute film: watched to the end.
    const at = new Date().toISOString().slice(0, 19);
    await app.get<EventBus>(EVENT_BUS).publish('movielog', [{ key: '1', value: `${at},1,GET /data/m/${next}/95.mpg` }]);
    await waitFor(async () => !(await get('/recommend/1')).body.split(',').includes(next), 15_000, 100);
    expect(app.get(HistoryIndexService).lookup(1)).toBeUndefined(); // answered from SQL until the next load
    // A later load covers the change (the settle margin is the test's 0 ms), and the index answers again.
    await app.get(HistoryIndexService).reload();
    expect(app.get(HistoryIndexService).lookup(1)!.exclude.has(next)).toBe(true);
    expect((await get('/recommend/1')).body.split(',')).not.toContain(next);
  });

  it('never shows an adult title to a user known to be under 18', async () => {
    const minor = (await get('/recommend/2')).body.split(',');
    expect(minor).not.toContain('m3');
    const adult = (await get('/recommend/3')).body.split(',');
    expect(adult).toContain('m3');
  });

  it('gives a never-seen user a cold-start list, not an error', async () => {
    const res = await get('/recommend/987654');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(TEXT_LIST);
  });

  it.each(['abc', '-1', '1.5', '99999999999', '%27%20OR%201=1'])(
    'rejects malformed id %s with a JSON 400',
    async (id) => {
      const res = await get(`/recommend/${id}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ status: 400, code: 'bad_request' });
    },
  );

  it('answers through the Fastify fast path with every HTTP hook still around it', async () => {
    expect(app.get(RecommendFastPath).installed).toBe(true);
    const ok = await get('/recommend/5');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; charset=utf-8');
    // onSend hooks: request id and security headers; onResponse: the HTTP metrics under the route's pattern.
    expect(ok.headers['x-request-id']).toEqual(expect.any(String));
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    const metrics = app.get(MetricsRegistry);
    const before = await counterValue(metrics, 'marquee_http_requests_total', { route: '/recommend/:userId' });
    await get('/recommend/6');
    expect(await counterValue(metrics, 'marquee_http_requests_total', { route: '/recommend/:userId' })).toBe(
      before + 1,
    );
    const bad = await get('/recommend/abc');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/json/);
    expect(bad.json()).toEqual({
      error: { status: 400, code: 'bad_request', message: expect.stringContaining('user id') },
      requestId: bad.headers['x-request-id'],
    });
  });

  it('rejects an unknown format with a JSON 400', async () => {
    const res = await get('/recommend/5?format=xml');
    expect(res.statusCode).toBe(400);
    // Validated by the route's zod schema (the one the OpenAPI document is generated from).
    expect(res.json().error).toMatchObject({
      status: 400,
      code: 'bad_request',
      message: expect.stringMatching(/^format: /),
    });
  });

  it('falls back to popularity when the model throws, and counts it', async () => {
    const live = app.get(LiveModels);
    const model = live.production!;
    live.installProduction({
      ...model,
      scorer: {
        ...model.scorer,
        modelType: 'als',
        knowsUser: () => true,
        recommend: () => {
          throw new Error('corrupt factors');
        },
      },
    });
    try {
      const res = await get('/recommend/5?format=json');
      expect(res.statusCode).toBe(200);
      expect(res.json().items.length).toBeGreaterThan(0);
      expect(res.json().model).toBeNull();
      const metrics = (await get('/metrics')).body;
      expect(metrics).toMatch(/marquee_recommend_fallbacks_total\{reason="model_error"\} [1-9]/);
    } finally {
      live.installProduction(model);
    }
  });

  it('ranks on the ranking thread, with the same lists as ranking in-thread', async () => {
    const scorer = app.get(LiveModels).production!.scorer;
    expect(typeof scorer.recommendAsync).toBe('function');
    for (const userId of [1, 3, 8, 21, 999]) {
      const exclude = new Set(['m1', 'm2']);
      expect(await scorer.recommendAsync!(userId, 10, exclude)).toEqual(scorer.recommend(userId, 10, exclude));
    }
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^marquee_serving_ranking_threads_started 1$/m);
    expect(metrics).toMatch(/^marquee_serving_ranking_calls_outstanding 0$/m);
  });

  it.each([
    ['model_error', (): Promise<never> => Promise.reject(new Error('ranking thread exited with code 1'))],
    ['timeout', (): Promise<never> => new Promise<never>(() => undefined)],
  ])('falls back to popularity when the ranking thread fails (%s), and counts it', async (reason, rankOffThread) => {
    const live = app.get(LiveModels);
    const model = live.production!;
    const metrics = app.get(MetricsRegistry);
    const before = await counterValue(metrics, 'marquee_recommend_fallbacks_total', { reason });
    live.installProduction({
      ...model,
      scorer: {
        modelType: 'als',
        knowsUser: () => true,
        recommend: (...args) => model.scorer.recommend(...args),
        recommendAsync: rankOffThread,
      },
    });
    try {
      const res = await get('/recommend/5?format=json');
      expect(res.statusCode).toBe(200);
      expect(res.json().items.length).toBeGreaterThan(0);
      expect(res.json().model).toBeNull();
      expect(await counterValue(metrics, 'marquee_recommend_fallbacks_total', { reason })).toBe(before + 1);
    } finally {
      live.installProduction(model);
    }
  });

  it('swaps models under load without failing a request', async () => {
    const loader = app.get(ModelLoaderService);
    const versions = new Set<string>();
    let swapping = true;
    const swaps = (async () => {
      for (let i = 0; swapping && i < 20; i++) await loader.installFromDirectory(i % 2 === 0 ? alsDir2 : alsDir);
    })();
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => get(`/recommend/${(i % 40) + 1}?format=json`)),
    );
    swapping = false;
    await swaps;
    for (const res of responses) {
      expect(res.statusCode).toBe(200);
      versions.add(res.json().model?.version);
    }
    expect(versions.size).toBeGreaterThanOrEqual(1);
    expect([...versions].every((v) => typeof v === 'string' && v.startsWith('als-'))).toBe(true);
  });

  it('logs every response to the stream and to the store with its model version', async () => {
    const bus = app.get<EventBus>(EVENT_BUS);
    const lines: string[] = [];
    const sub = await bus.subscribe({
      groupId: 'test-response-log',
      topics: ['movielog'],
      fromBeginning: false,
      handleBatch: async (b) => b.records.forEach((r) => lines.push(r.value.toString())),
    });
    const res = await get('/recommend/7?format=json');
    await app.get(ResponseLogWriter).flush();
    await waitFor(() => lines.some((l) => /,7,recommendation request /.test(l)), 10_000);
    const line = lines.find((l) => /,7,recommendation request /.test(l))!;
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3},7,recommendation request [^,\s]+:\d+, status 200, result: [^,\s]+(,[^,\s]+)*, \d+ ms$/,
    );
    // Logging is asynchronous by design (off the request path): wait for the row.
    const query = () =>
      app
        .get(StorageService)
        .sql.query<{ model_version: string; items: string[] }>(
          'SELECT model_version, items FROM recommendation_log WHERE request_id = $1',
          [res.json().requestId],
        );
    await waitFor(async () => (await query()).length > 0, 15_000, 100);
    const rows = await query();
    expect(rows).toHaveLength(1);
    expect(rows[0].model_version).toBe(res.json().model.version);
    expect(rows[0].items).toEqual(res.json().items.map((i: { movieId: string }) => i.movieId));
    await sub.stop();
  });

  it('loads a popularity model for cold start when the registry has one', async () => {
    await writeArtifact(path.join(dir, 'artifacts/pop'), await popularityTrainer.train(data, {}, 1));
    expect(app.get(ModelLoaderService).coldStart).toBeNull(); // only registered models are used
  });
});
