import type { Client, ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

export type MarqueeClient = Client<paths>;

export interface MarqueeClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Per-request deadline in milliseconds: each request is aborted with a TimeoutError after it. */
  readonly timeoutMs?: number;
}

/** A typed client of the service at `baseUrl` (openapi-fetch over the generated `paths`). */
export declare function createMarqueeClient(baseUrl: string, options?: MarqueeClientOptions): MarqueeClient;
