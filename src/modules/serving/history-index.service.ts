import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { ReadinessRegistry } from '@modules/health';
import { CatalogRepository, HistoryRange, UserHistoryRepository, userProfileOf } from '@modules/interactions';
import { ServingMetrics } from './serving.metrics';
import { UserHistory } from './user-history';
import { UserHistoryIndex, UserHistoryIndexBuilder } from './user-history-index';

/** User ids per range query while loading (≈ 33 rows each at full scale: ~330k rows per query). */
const RANGE_WIDTH = 10_000;
/** After a failed load, try again this much later (serving answers from SQL meanwhile). */
const RETRY_MS = 30_000;
/** User ids are PostgreSQL integers. */
const MAX_USER_ID = 0x7fffffff;

/**
 * Keeps every user's history in memory (UserHistoryIndex) so that a request
 * does not wait for PostgreSQL, and decides when an entry may be trusted.
 *
 * Freshness: serving's stream consumer reports each user who watches or rates
 * (markChanged); from then on that user is answered by the per-request SQL
 * path (cached, invalidated by the same stream) until an index loaded later
 * covers the change. Events that were produced before the consumer started
 * but not yet stored by ingestion would be missed by both, so the first load
 * waits `settleMs` (an upper bound on ingestion lag) after the consumer starts,
 * and a rebuild trusts a change only if it was reported `settleMs` before the
 * rebuild began reading. The index is rebuilt every `refreshMs` so that the
 * set of changed users (answered from SQL) stays small.
 */
@Injectable()
export class HistoryIndexService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HistoryIndexService.name);
  private index: UserHistoryIndex | null = null;
  /** User id → when a change was last reported (ms since epoch). */
  private readonly changed = new Map<number, number>();
  private firstAttemptDone = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private loading: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly histories: UserHistoryRepository,
    private readonly catalog: CatalogRepository,
    private readonly metrics: ServingMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {}

  get enabled(): boolean {
    return this.config.serving.enabled && this.config.serving.historyIndex.enabled;
  }

  /**
   * Begins loading in the background. Call once serving's change consumer is
   * running, so no change can fall between the consumer and the load.
   */
  start(): void {
    if (!this.enabled || this.stopped) return;
    // A new pod takes traffic once its index is warm (or the first attempt failed: SQL still answers).
    this.readiness.register({ name: 'historyIndex', check: () => this.firstAttemptDone });
    this.schedule(this.config.serving.historyIndex.settleMs);
  }

  markChanged(userId: number, now = Date.now()): void {
    if (!this.enabled) return;
    this.changed.set(userId, now);
  }

  get changedUsers(): number {
    return this.changed.size;
  }

  /** The user's history from memory, or undefined when the SQL path must answer. */
  lookup(userId: number): UserHistory | undefined {
    if (this.index === null || this.changed.has(userId)) return undefined;
    return this.index.lookup(userId);
  }

  /** Loads a new index and swaps it in; concurrent callers share one load. */
  reload(): Promise<void> {
    this.loading ??= this.loadOnce().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.loading;
  }

  private async loadOnce(): Promise<void> {
    const readStartedAt = Date.now();
    const began = performance.now();
    try {
      const built = await this.build();
      if (built === null) return; // shutting down
      this.index = built;
      // Changes reported long enough before this read began are in the store it read.
      const trustedBefore = readStartedAt - this.config.serving.historyIndex.settleMs;
      for (const [userId, at] of this.changed) if (at < trustedBefore) this.changed.delete(userId);
      const seconds = (performance.now() - began) / 1000;
      this.metrics.historyIndexUsers.set(built.users);
      this.metrics.historyIndexBytes.set(built.bytes);
      this.metrics.historyIndexLoadSeconds.set(seconds);
      this.metrics.historyIndexLoads.inc({ result: 'ok' });
      this.logger.log(
        `history index loaded: ${built.users} users, ${built.rows} watched or rated movies, ${Math.round(built.bytes / 1e6)} MB, ${seconds.toFixed(1)} s`,
      );
      this.schedule(this.config.serving.historyIndex.refreshMs);
    } catch (error) {
      this.metrics.historyIndexLoads.inc({ result: 'error' });
      this.logger.warn(`history index load failed (serving reads histories from SQL): ${(error as Error).message}`);
      this.schedule(RETRY_MS);
    } finally {
      this.firstAttemptDone = true;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.reload(), ms);
    this.timer.unref();
  }

  /** Reads the whole user base a range at a time; null if shutdown interrupted it. */
  private async build(): Promise<UserHistoryIndex | null> {
    const catalog = await this.catalog.movieRuntimes();
    const builder = new UserHistoryIndexBuilder(catalog);
    const ids = catalog.map(([id]) => id);
    let users = 0;
    let nextReport = 100_000;
    // One range is read ahead, so PostgreSQL works on the next while this process builds the current.
    const fetch = (from: number) => {
      const last = Math.min(from + RANGE_WIDTH - 1, MAX_USER_ID);
      return { last, range: this.histories.historyRange(from, last, ids) };
    };
    const first = await this.histories.nextUserIdFrom(0);
    let ahead = first === null ? null : fetch(first);
    while (ahead !== null) {
      const { last, range } = ahead;
      const current = await range;
      if (this.stopped) return null;
      const next = last >= MAX_USER_ID ? null : await this.histories.nextUserIdFrom(last + 1);
      ahead = next === null ? null : fetch(next);
      users += addRange(builder, current);
      if (users >= nextReport) {
        this.logger.log(`history index: ${users} users read`);
        nextReport += 100_000;
      }
    }
    return builder.build();
  }
}

/** Merges one range's profiles and rows (both in user-id order) into the builder; returns users added. */
export function addRange(builder: UserHistoryIndexBuilder, range: HistoryRange): number {
  const { profiles, rows } = range;
  let p = 0;
  let r = 0;
  let users = 0;
  while (p < profiles.length || r < rows.length) {
    const nextProfile = p < profiles.length ? profiles[p][0] : Infinity;
    const nextRow = r < rows.length ? rows[r][0] : Infinity;
    const userId = Math.min(nextProfile, nextRow);
    if (nextProfile === userId) {
      const [, age, gender, occupation] = profiles[p++];
      builder.beginUser(userId, userProfileOf({ age, gender, occupation }));
    } else {
      builder.beginUser(userId, null);
    }
    for (; r < rows.length && rows[r][0] === userId; r++) {
      const [, code, movieId, minutes] = rows[r];
      // A movie the catalog does not know (first seen on the stream): runtime unknown.
      if (code === null) builder.addRow(movieId as string, minutes, null);
      else builder.addCodedRow(code, minutes);
    }
    users++;
  }
  return users;
}
