import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

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
 * with a timeout. Failures are answers too: the platform logs them, and the
 * simulated user then browses on their own.
 */
export class HttpRecommender implements Recommender {
  readonly address: string;
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(
    serviceUrl: string,
    private readonly timeoutMs = 800,
    address?: string,
  ) {
    this.base = new URL(serviceUrl);
    if (this.base.protocol !== 'http:') throw new Error(`--service-url must be http:// (got ${serviceUrl})`);
    this.address = address ?? `${this.base.hostname}:${this.base.port || '80'}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  recommend(userId: number): Promise<RecommendationResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const path = `${this.base.pathname.replace(/\/$/, '')}/recommend/${userId}`;
    return new Promise((resolve) => {
      let settled = false;
      const done = (response: RecommendationResponse): void => {
        if (settled) return;
        settled = true;
        resolve(response);
      };
      const req = http.get(
        { host: this.base.hostname, port: this.base.port || 80, path, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const status = res.statusCode ?? BAD_GATEWAY;
            const body = Buffer.concat(chunks).toString('utf8');
            done({ status, items: status === 200 ? parseItems(body) : [], latencyMs: elapsed() });
          });
          res.on('error', () => done({ status: BAD_GATEWAY, items: [], latencyMs: elapsed() }));
        },
      );
      req.on('timeout', () => {
        done({ status: GATEWAY_TIMEOUT, items: [], latencyMs: elapsed() });
        req.destroy();
      });
      req.on('error', () => done({ status: BAD_GATEWAY, items: [], latencyMs: elapsed() }));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseItems(body: string): string[] {
  return body
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !/\s/.test(s))
    .slice(0, 100);
}
