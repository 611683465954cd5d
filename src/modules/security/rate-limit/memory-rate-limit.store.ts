import { RateLimitStore, WindowCount } from './rate-limit.store';

/**
 * Fixed windows in a Map, bounded: expired windows are swept when the map is
 * full, and if every window is still live the oldest are evicted (a Map keeps
 * insertion order). Eviction can only forget counts, so under a key-flooding
 * attack the limiter errs towards letting requests through, never towards
 * refusing a legitimate client; memory stays bounded either way.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory' as const;
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    let entry = this.windows.get(key);
    if (!entry || entry.resetAt <= now) {
      if (entry) this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.makeRoom(now);
      entry = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, entry);
    }
    entry.count++;
    return { count: entry.count, resetMs: entry.resetAt - now };
  }

  private makeRoom(now: number): void {
    for (const [key, entry] of this.windows) if (entry.resetAt <= now) this.windows.delete(key);
    if (this.windows.size < this.maxKeys) return;
    // Every window is live: evict a tenth at once, so a flood of new keys pays
    // for one sweep per maxKeys/10 inserts instead of one sweep per request.
    const excess = this.windows.size - this.maxKeys + Math.max(1, Math.ceil(this.maxKeys / 10));
    let removed = 0;
    for (const key of this.windows.keys()) {
      if (removed++ >= excess) break;
      this.windows.delete(key);
    }
  }

  async close(): Promise<void> {
    this.windows.clear();
  }
}
