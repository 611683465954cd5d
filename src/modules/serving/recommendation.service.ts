import * as os from 'node:os';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { usersInHistoryChange } from '@lib/movielog';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus, Subscription } from '@modules/events';
import { RerankStage } from '@modules/fairness';
import { UserHistoryRepository } from '@modules/interactions';
import { ScoredItem } from '@lib/artifacts';
import { CatalogFacts } from './catalog-facts.service';
import { enforceContentSafety } from './content-safety';
import { HistoryCache } from './history-cache';
import { HistoryIndexService } from './history-index.service';
import { LiveModel } from './live-models';
import { ModelLoaderService } from './model-loader.service';
import { ResponseLogWriter } from './response-log.writer';
import { ServingRouter } from './serving-router';
import { ServingMetrics } from './serving.metrics';
import { EMPTY_HISTORY, UserHistory } from './user-history';
import { historyFromRows } from './user-history-index';

export const LIST_LENGTH = 20;
/** Ask models for more than we show: content safety and padding may remove some. */
const CANDIDATES = 40;

export type AnswerPath = 'model' | 'cold_start' | 'fallback';

export interface Recommendation {
  readonly userId: number;
  readonly requestId: string;
  readonly items: readonly ScoredItem[];
  readonly model: { readonly id: string; readonly version: string } | null;
  readonly experiment: { readonly id: string; readonly arm: string } | null;
  readonly path: AnswerPath;
}

class Timeout extends Error {}

/**
 * Answers one recommendation request: history (in-memory index, else cached SQL) → route → rank →
 * content safety → pad → log. Every failure below the HTTP layer ends in
 * the popularity fallback, never in an error: a low-quality answer beats a
 * late or missing one.
 */
@Injectable()
export class RecommendationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RecommendationService.name);
  private readonly cache: HistoryCache;
  private invalidation?: Subscription;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly histories: UserHistoryRepository,
    private readonly router: ServingRouter,
    private readonly loader: ModelLoaderService,
    private readonly facts: CatalogFacts,
    private readonly responses: ResponseLogWriter,
    private readonly metrics: ServingMetrics,
    private readonly historyIndex: HistoryIndexService,
    @Optional() private readonly rerank?: RerankStage,
  ) {
    this.cache = new HistoryCache(config.serving.historyCacheUsers, config.serving.historyTtlMs);
  }

  /**
   * Watches and ratings ingestion has committed make those users' cached
   * histories stale: ingestion names the users on TOPIC_HISTORY_CHANGES after
   * each commit. Reading that topic instead of `movielog` spares this process
   * decoding every line on the stream (most of them its own recommendation
   * lines), and a history reloaded after the message already holds the change.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.serving.enabled) return;
    this.invalidation = await this.bus.subscribe({
      groupId: `marquee-serving-cache-${os.hostname()}-${process.pid}`,
      topics: [this.config.topics.historyChanges],
      fromBeginning: false,
      // Freshness within half a second is plenty here; fetching every few records is not free.
      lowPriority: true,
      // A message names up to 5,000 users (~1 ms of the request thread); a few at a time.
      maxBatchRecords: 4,
      // A per-process group that starts at the end of the topic: a repeat only invalidates a cache entry again.
      commitEveryMs: 1_000,
      handleBatch: async (batch) => {
        for (const record of batch.records) {
          for (const userId of usersInHistoryChange(record.value.toString('latin1'))) {
            this.cache.invalidate(userId);
            this.historyIndex.markChanged(userId);
          }
        }
        this.metrics.historyIndexChangedUsers.set(this.historyIndex.changedUsers);
      },
    });
    // Only now: a change reported before the index starts loading is one the load may miss.
    this.historyIndex.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.invalidation?.stop();
  }

  async recommend(userId: number, requestId: string): Promise<Recommendation> {
    const started = performance.now();
    const { model, experiment } = this.router.route(userId);
    let path: AnswerPath = 'fallback';
    let answeredBy: LiveModel | null = null;
    let history = EMPTY_HISTORY;
    let historyKnown = false;
    let items: ScoredItem[] = [];
    try {
      history = await this.historyWithin(userId, this.config.serving.timeoutMs);
      historyKnown = true;
      if (!model) this.metrics.fallbacks.inc({ reason: 'no_model' });
      else {
        items = await this.rank(model, userId, history, started);
        if (items.length > 0) {
          path = 'model';
          answeredBy = model;
        }
      }
      if (items.length === 0 && this.loader.coldStart) {
        items = await this.rank(this.loader.coldStart, userId, history, started);
        if (items.length > 0) {
          path = 'cold_start';
          answeredBy = this.loader.coldStart;
        }
      }
    } catch (error) {
      const reason = error instanceof Timeout ? 'timeout' : 'model_error';
      this.metrics.fallbacks.inc({ reason });
      this.logger.warn({ requestId, userId, reason, err: (error as Error).message }, 'answering with the fallback');
      items = [];
      answeredBy = null;
      path = 'fallback';
    }
    if (items.length === 0 && path === 'fallback' && model) this.metrics.fallbacks.inc({ reason: 'empty' });

    // Exposure mitigation (SERVING_RERANK) re-orders the model's candidates; content safety stays last.
    if (path !== 'fallback' && this.rerank) items = this.rerank.apply(userId, items, LIST_LENGTH);
    // Without the user's profile we cannot rule out a minor, so adult titles stay out.
    const age = historyKnown ? history.profile?.age : 0;
    const safe = enforceContentSafety(items, age, this.facts.isAdult);
    if (safe.length < items.length) this.metrics.contentSafetyRemoved.inc(items.length - safe.length);
    const final = enforceContentSafety(this.padWithPopular(safe, history), age, this.facts.isAdult).slice(
      0,
      LIST_LENGTH,
    );

    const latencyMs = performance.now() - started;
    const version = answeredBy?.versionId ?? 'fallback';
    this.metrics.served(version, path, latencyMs / 1000);
    this.responses.record({
      requestId,
      userId,
      at: new Date(),
      modelVersion: answeredBy?.versionId ?? null,
      status: 200,
      items: final.map((i) => i.movieId),
      latencyMs,
    });
    return {
      userId,
      requestId,
      items: final,
      model: answeredBy ? { id: answeredBy.modelType, version: answeredBy.versionId } : null,
      experiment: answeredBy && answeredBy === model ? experiment : null,
      path,
    };
  }

  /** On the ranking thread when the model has one, within what is left of the request's time budget. */
  private async rank(model: LiveModel, userId: number, history: UserHistory, started: number): Promise<ScoredItem[]> {
    const context = { profile: history.profile ?? undefined, history: history.recent };
    const scorer = model.scorer;
    if (!scorer.recommendAsync) return scorer.recommend(userId, CANDIDATES, history.exclude, context);
    const left = Math.max(1, this.config.serving.timeoutMs - (performance.now() - started));
    return within(scorer.recommendAsync(userId, CANDIDATES, history.exclude, context), left, 'ranking');
  }

  /** Fills a short list from recent popularity, skipping what the user has seen (safety runs after). */
  private padWithPopular(items: ScoredItem[], history: UserHistory): ScoredItem[] {
    if (items.length >= LIST_LENGTH) return items;
    const present = new Set(items.map((i) => i.movieId));
    const out = [...items];
    for (const movieId of this.facts.popularMovies) {
      if (out.length >= LIST_LENGTH + 10) break;
      if (present.has(movieId) || history.exclude.has(movieId)) continue;
      out.push({ movieId, score: 0 });
      present.add(movieId);
    }
    return out;
  }

  private async historyWithin(userId: number, timeoutMs: number): Promise<UserHistory> {
    const indexed = this.historyIndex.lookup(userId);
    if (indexed) {
      this.metrics.historyFound('index');
      return indexed;
    }
    const cached = this.cache.get(userId);
    if (cached) {
      this.metrics.historyFound('hit');
      return cached;
    }
    this.metrics.historyFound('miss');
    const history = await within(this.loadHistory(userId), timeoutMs, 'history lookup');
    this.cache.set(userId, history);
    return history;
  }
  /** The per-request SQL path: one round trip for the user's stored rows. */
  private async loadHistory(userId: number): Promise<UserHistory> {
    const stored = await this.histories.userHistory(userId);
    return historyFromRows(stored.profile, stored.rows);
  }
}

/**
 * The work's result, or a Timeout after `ms` (the work itself runs on; its late result is dropped).
 *
 * The timeout is decided one turn of the event loop late (setImmediate): after
 * the request thread was held up, timers run before the loop looks at I/O, so
 * an answer that had already arrived (from the ranking thread or the database)
 * would otherwise lose to its own timeout.
 */
async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        const expire = (): void => reject(new Timeout(`${what} exceeded ${Math.round(ms)} ms`));
        timer = setTimeout(() => setImmediate(expire), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
