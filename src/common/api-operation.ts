import type { z } from 'zod';

/**
 * What a route does and which zod schemas validate its input, declared on the
 * handler next to the route. The service's OpenAPI document
 * (modules/security, GET /openapi.json) is generated from these declarations
 * and the routes Nest maps; the schemas become JSON Schema with zod's own
 * `z.toJSONSchema` (draft 2020-12, the dialect of OpenAPI 3.1). A handler must
 * validate with the schemas it declares (`parseInput(<same schema>, …)`):
 * test/security/openapi.spec.ts checks both.
 */
export interface ApiOperationDoc {
  readonly summary: string;
  /** Defaults to `admin` under /admin, `public` elsewhere. */
  readonly tags?: readonly string[];
  readonly body?: z.ZodType;
  /** Whether a body must be sent (default: true when `body` is declared). */
  readonly bodyRequired?: boolean;
  readonly query?: z.ZodType;
  /** Status code → description; 200 "ok" when absent. Error responses share the JSON error schema. */
  readonly responses?: Readonly<Record<string, string>>;
  /** The media type of a successful answer (default application/json). */
  readonly produces?: string;
}

const API_OPERATION = Symbol('marquee:api-operation');

/** Declares a route's OpenAPI operation (a method decorator; metadata only). */
export function ApiOperation(doc: ApiOperationDoc): MethodDecorator {
  return (_target, _key, descriptor) => {
    Object.defineProperty(descriptor.value as object, API_OPERATION, { value: doc, enumerable: false });
  };
}

/** The declaration on a route handler, if any. */
export function apiOperationOf(handler: unknown): ApiOperationDoc | undefined {
  return (handler as Record<symbol, ApiOperationDoc | undefined> | null)?.[API_OPERATION];
}
