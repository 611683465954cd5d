import type { FastifyInstance } from 'fastify';
import { createMarqueeClient, type MarqueeClient } from '@marquee/client';

/**
 * The typed client (packages/client) over `fastify.inject`: a test calls the
 * service's JSON API in process, with the paths, parameters and bodies
 * checked against the generated OpenAPI types, without opening a port. Every
 * request gives up after `timeoutMs` (AbortSignal.timeout, as over HTTP).
 */
export function injectedClient(
  fastify: FastifyInstance,
  options: { readonly timeoutMs?: number; readonly headers?: Record<string, string> } = {},
): MarqueeClient {
  return createMarqueeClient('http://marquee.test', {
    timeoutMs: options.timeoutMs ?? 30_000,
    headers: options.headers,
    fetch: async (request: Request) => {
      const url = new URL(request.url);
      const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      const res = await abortable(
        fastify.inject({
          method: request.method as 'GET',
          url: url.pathname + url.search,
          headers: Object.fromEntries(request.headers),
          ...(payload ? { payload } : {}),
        }),
        request.signal,
      );
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers))
        if (value !== undefined) for (const one of [value].flat()) headers.append(name, String(one));
      const empty = res.statusCode === 204 || res.statusCode === 304;
      return new Response(empty ? null : res.rawPayload, { status: res.statusCode, headers });
    },
  });
}

/** A client call's status and body (the parsed JSON of a success or an error; the documents leave most 200s untyped). */
export async function answer(
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped in the document, as inject's json() is any
): Promise<{ status: number; body: any }> {
  const { data, error, response } = await call;
  return { status: response.status, body: data ?? error };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
