import { UserHistory } from './user-history';

/**
 * Per-user history with a TTL and a size bound (least recently inserted
 * entries go first: a Map iterates in insertion order). Entries are dropped
 * when the stream shows the user watching or rating something.
 */
export class HistoryCache {
  private readonly entries = new Map<number, { history: UserHistory; expires: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  get(userId: number, now = Date.now()): UserHistory | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(userId);
      return undefined;
    }
    return entry.history;
  }

  set(userId: number, history: UserHistory, now = Date.now()): void {
    if (this.capacity === 0) return;
    this.entries.delete(userId);
    this.entries.set(userId, { history, expires: now + this.ttlMs });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as number);
  }

  invalidate(userId: number): void {
    this.entries.delete(userId);
  }

  get size(): number {
    return this.entries.size;
  }
}
