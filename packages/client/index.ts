/**
 * @marquee/client: a typed HTTP client of the Marquee service, generated from
 * its OpenAPI document (`npm run client:generate` writes openapi.json and
 * schema.d.ts here). openapi-fetch checks paths, parameters, bodies and
 * answers against the document's types at compile time.
 *
 *   const client = createMarqueeClient('http://localhost:8082', { headers: { 'x-api-key': key } });
 *   const { data, error } = await client.GET('/admin/quarantine', { params: { query: { status: 'pending' } } });
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

export type MarqueeClient = Client<paths>;

export function createMarqueeClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}): MarqueeClient {
  return createClient<paths>({ baseUrl, ...options });
}
