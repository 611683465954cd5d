/** One fixed window's count after this hit, and when the window ends. */
export interface WindowCount {
  readonly count: number;
  /** Milliseconds until the window (and its count) expires. */
  readonly resetMs: number;
}

/**
 * Where request counts live. `hit` increments the key's counter for the
 * current window and must be atomic: concurrent hits (several replicas on one
 * Redis) never lose increments.
 */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  hit(key: string, windowMs: number): Promise<WindowCount>;
  close(): Promise<void>;
}
