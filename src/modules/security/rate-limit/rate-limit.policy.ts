/**
 * Which buckets a request counts against (pure: no clock, no store).
 *
 *   /healthz, /readyz        none (probes must never be throttled)
 *   /admin/*                 per client IP, admin limit (stricter)
 *   /recommend/:userId       per client IP (unless allow-listed) and per user id
 *   everything else          per client IP
 *
 * The per-user bucket stops one user's recommendations being scraped or
 * hammered from many addresses; the per-client bucket stops one address
 * flooding many user ids. A malformed user id gets no user bucket (the route
 * answers 400 anyway) so junk ids cannot fill the store with user keys.
 */
export type RateLimitRoute = 'recommend' | 'admin' | 'other';
export type RateLimitScope = 'client' | 'user' | 'admin-client';

export interface RateLimitLimits {
  readonly windowMs: number;
  readonly clientMax: number;
  readonly userMax: number;
  readonly adminMax: number;
  readonly allowlist: readonly string[];
}

export interface BucketCheck {
  readonly scope: RateLimitScope;
  readonly key: string;
  readonly max: number;
}

export interface RequestBuckets {
  readonly route: RateLimitRoute;
  readonly checks: readonly BucketCheck[];
}

const EXEMPT = new Set(['/healthz', '/readyz']);
const RECOMMEND = /^\/recommend\/([^/]*)$/;

export function bucketsFor(url: string, clientIp: string, limits: RateLimitLimits): RequestBuckets {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (EXEMPT.has(path)) return { route: 'other', checks: [] };
  if (path === '/admin' || path.startsWith('/admin/'))
    return { route: 'admin', checks: [{ scope: 'admin-client', key: `admin:ip:${clientIp}`, max: limits.adminMax }] };
  const allowlisted = limits.allowlist.includes(clientIp);
  const client: BucketCheck[] = allowlisted
    ? []
    : [{ scope: 'client', key: `pub:ip:${clientIp}`, max: limits.clientMax }];
  const match = RECOMMEND.exec(path);
  if (!match) return { route: 'other', checks: client };
  const userId = match[1];
  const user: BucketCheck[] = /^\d{1,10}$/.test(userId)
    ? [{ scope: 'user', key: `user:${Number(userId)}`, max: limits.userMax }]
    : [];
  return { route: 'recommend', checks: [...client, ...user] };
}
