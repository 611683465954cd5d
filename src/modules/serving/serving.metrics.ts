import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@modules/metrics';

@Injectable()
export class ServingMetrics {
  readonly requests;
  readonly latency;
  readonly fallbacks;
  readonly historyCache;
  readonly modelSwaps;
  readonly modelLoadRefused;
  readonly servingLastGood;
  readonly modelLoaded;
  readonly modelAgeSeconds;
  readonly responseLogDropped;
  readonly responseLogBacklog;
  readonly contentSafetyRemoved;
  readonly historyIndexUsers;
  readonly historyIndexBytes;
  readonly historyIndexLoadSeconds;
  readonly historyIndexLoads;
  readonly historyIndexChangedUsers;
  readonly rankingThreadsStarted;
  readonly rankingCallsOutstanding;
  /** What the ranking thread reports at scrape time (set by the model loader that owns it). */
  private rankingThread: () => { readonly threadsStarted: number; readonly outstanding: number } = () => ({
    threadsStarted: 0,
    outstanding: 0,
  });

  /**
   * Label children of the per-request metrics, cached: prom-client hashes a
   * label object on every inc/observe, and the profile of bench:serve showed
   * that hashing among the request thread's costs. Few keys (versions × paths).
   */
  private readonly servedChildren = new Map<string, { inc(): void; observe(seconds: number): void }>();
  private readonly historyChildren = new Map<string, { inc(): void }>();

  /** One answered request (status 200): counted by version and path, its latency observed by version. */
  served(version: string, path: string, seconds: number): void {
    const key = `${version}\u0000${path}`;
    let child = this.servedChildren.get(key);
    if (!child) {
      if (this.servedChildren.size >= 1_000) this.servedChildren.clear();
      const count = this.requests.labels({ status: '200', model_version: version, path });
      const latency = this.latency.labels({ model_version: version });
      child = { inc: () => count.inc(), observe: (s) => latency.observe(s) };
      this.servedChildren.set(key, child);
    }
    child.inc();
    child.observe(seconds);
  }

  /** Where a request found the user's history (index, hit, miss). */
  historyFound(result: 'index' | 'hit' | 'miss'): void {
    let child = this.historyChildren.get(result);
    if (!child) {
      child = this.historyCache.labels({ result });
      this.historyChildren.set(result, child);
    }
    child.inc();
  }

  /** Reports the ranking thread's state on every scrape. */
  observeRankingThread(state: () => { readonly threadsStarted: number; readonly outstanding: number }): void {
    this.rankingThread = state;
  }

  constructor(metrics: MetricsRegistry) {
    // prom-client calls collect() with the metric as `this`; the state is read through this closure.
    const rankingThread = () => this.rankingThread();
    this.rankingThreadsStarted = metrics.gauge({
      name: 'marquee_serving_ranking_threads_started',
      help: 'Ranking threads this process has started; more than 1 means one crashed and was replaced.',
      collect() {
        this.set(rankingThread().threadsStarted);
      },
    });
    this.rankingCallsOutstanding = metrics.gauge({
      name: 'marquee_serving_ranking_calls_outstanding',
      help: 'Rankings posted to the ranking thread and not yet answered.',
      collect() {
        this.set(rankingThread().outstanding);
      },
    });
    this.requests = metrics.counter({
      name: 'marquee_recommend_requests_total',
      help: 'Recommendation requests by HTTP status, answering model version and path (model, cold_start, fallback).',
      labelNames: ['status', 'model_version', 'path'] as const,
    });
    this.latency = metrics.histogram({
      name: 'marquee_recommend_latency_seconds',
      help: 'Time to answer /recommend, by model version.',
      labelNames: ['model_version'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.6, 1],
    });
    this.fallbacks = metrics.counter({
      name: 'marquee_recommend_fallbacks_total',
      help: 'Requests answered by the popularity fallback, by reason (no_model, model_error, timeout, empty).',
      labelNames: ['reason'] as const,
    });
    this.historyCache = metrics.counter({
      name: 'marquee_recommend_history_cache_total',
      help: 'Where a request found the user history: index (in-memory index), hit (per-user cache), miss (SQL).',
      labelNames: ['result'] as const,
    });
    this.modelSwaps = metrics.counter({
      name: 'marquee_model_swaps_total',
      help: 'Production models installed by serving (hot swaps).',
    });
    this.modelLoadRefused = metrics.counter({
      name: 'marquee_model_load_refused_total',
      help: 'Model artifacts serving refused to load, by reason: integrity (a hash or shape check failed), error.',
      labelNames: ['reason'] as const,
    });
    this.servingLastGood = metrics.gauge({
      name: 'marquee_model_serving_last_good',
      help: "1 while serving the last good production model because the registry's production model was refused.",
    });
    this.modelLoaded = metrics.gauge({
      name: 'marquee_model_loaded',
      help: '1 for each model version serving holds in memory, by role.',
      labelNames: ['model_version', 'model_type', 'role'] as const,
    });
    this.modelAgeSeconds = metrics.gauge({
      name: 'marquee_model_age_seconds',
      help: 'Seconds since the production model was loaded.',
    });
    this.responseLogDropped = metrics.counter({
      name: 'marquee_recommend_log_dropped_total',
      help: "Served-response lines (stream) or rows (store) dropped because that destination's backlog was full.",
    });
    this.responseLogBacklog = metrics.gauge({
      name: 'marquee_recommend_log_backlog',
      help: 'Served responses waiting for a destination: publish (the stream) or store (the database).',
      labelNames: ['stage'] as const,
    });
    this.contentSafetyRemoved = metrics.counter({
      name: 'marquee_content_safety_removed_total',
      help: 'Adult titles removed from lists for users under 18.',
    });
    this.historyIndexUsers = metrics.gauge({
      name: 'marquee_serving_history_index_users',
      help: 'Users in the in-memory history index.',
    });
    this.historyIndexBytes = metrics.gauge({
      name: 'marquee_serving_history_index_bytes',
      help: 'Memory held by the in-memory history index.',
    });
    this.historyIndexLoadSeconds = metrics.gauge({
      name: 'marquee_serving_history_index_load_seconds',
      help: 'Duration of the last history index load.',
    });
    this.historyIndexLoads = metrics.counter({
      name: 'marquee_serving_history_index_loads_total',
      help: 'History index loads by result (ok, error).',
      labelNames: ['result'] as const,
    });
    this.historyIndexChangedUsers = metrics.gauge({
      name: 'marquee_serving_history_index_changed_users',
      help: 'Users changed since the index was loaded (answered from SQL until the next load).',
    });
  }
}
