import { performance } from 'node:perf_hooks';
import { createMarqueeClient, type MarqueeClient } from '@marquee/client';

const BAD_GATEWAY = 502;
const GATEWAY_TIMEOUT = 504;

/** What the platform got back when it asked for recommendations. */
export interface RecommendationResponse {
  /**
   * HTTP status. When no response arrives the platform logs a gateway status:
   * 504 after the timeout, 502 when the connection failed.
   */
  readonly status: number;
  readonly items: readonly string[];
  readonly latencyMs: number;
}

/** The service under test, as the platform sees it. */
export interface Recommender {
  /** host:port written into recommendation-request lines. */
  readonly address: string;
  /** null: there is no service to ask (the user browses alone; no request line is written). */
  recommend(userId: number): Promise<RecommendationResponse | null>;
  close?(): void;
}

/**
 * Calls `GET <base>/recommend/<userid>` (text/plain, comma-separated movie ids)
 * through the typed client (packages/client) with a timeout. Failures are
 * answers too: the platform logs them, and the simulated user then browses on
 * their own.
 */
export class HttpRecommender implements Recommender {
  readonly address: string;
  private readonly client: MarqueeClient;

  constructor(
    serviceUrl: string,
    private readonly timeoutMs = 800,
    address?: string,
  ) {
    const base = new URL(serviceUrl);
    if (base.protocol !== 'http:') throw new Error(`--service-url must be http:// (got ${serviceUrl})`);
    this.address = address ?? `${base.hostname}:${base.port || '80'}`;
    this.client = createMarqueeClient(serviceUrl.replace(/\/$/, ''), { timeoutMs });
  }

  async recommend(userId: number): Promise<RecommendationResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const { data, response } = await this.client.GET('/recommend/{userId}', {
        params: { path: { userId: String(userId) } },
        parseAs: 'text',
      });
      const status = response.status;
      return {
        status,
        items: status === 200 && typeof data === 'string' ? parseItems(data) : [],
        latencyMs: elapsed(),
      };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { status: timedOut ? GATEWAY_TIMEOUT : BAD_GATEWAY, items: [], latencyMs: elapsed() };
    }
  }

  close(): void {
    // fetch's connection pool is process-wide: nothing of this recommender's own to release.
  }
}

function parseItems(body: string): string[] {
  return body
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !/\s/.test(s))
    .slice(0, 100);
}
