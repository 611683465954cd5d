'use strict';
/**
 * @marquee/client: a typed HTTP client of the Marquee service, generated from
 * its OpenAPI document (`npm run client:generate` writes openapi.json and
 * schema.d.ts here). openapi-fetch checks paths, parameters, bodies and
 * answers against the document's types at compile time (index.d.ts).
 *
 *   const client = createMarqueeClient('http://localhost:8082', { timeoutMs: 5_000, headers: { 'x-api-key': key } });
 *   const { data, error } = await client.GET('/admin/quarantine', { params: { query: { status: 'pending' } } });
 *
 * Plain CommonJS with a declaration file, so Node loads it as it is: the
 * service's CLIs import it from src/ (run with run-ts) and from dist/ (built),
 * and the package needs no build of its own.
 */
const createClient = require('openapi-fetch').default;

/**
 * @param {string} baseUrl
 * @param {import('./index').MarqueeClientOptions} [options]
 */
function createMarqueeClient(baseUrl, options = {}) {
  const { timeoutMs, fetch: fetchImpl = globalThis.fetch, ...rest } = options;
  if (timeoutMs === undefined) return createClient({ baseUrl, fetch: fetchImpl, ...rest });
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  return createClient({
    baseUrl,
    ...rest,
    // Every request gives up after timeoutMs (a TimeoutError), whatever signal the call passes besides.
    fetch: (request) =>
      fetchImpl(new Request(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) })),
  });
}

module.exports = { createMarqueeClient };
