import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { z } from 'zod';
import { apiOperationOf, ApiOperationDoc } from '@common';

export interface RouteInfo {
  readonly method: string;
  /** OpenAPI form: /recommend/{userId} */
  readonly path: string;
  /** The route's @ApiOperation declaration, if it has one. */
  readonly doc?: ApiOperationDoc;
}

/** The summary of a mapped route without an @ApiOperation (the OpenAPI test fails on it). */
export const UNDOCUMENTED = 'UNDOCUMENTED';

type JsonSchema = Record<string, unknown>;

/** A zod schema as the JSON Schema (2020-12) of what a client sends. */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/**
 * Publishes the service's OpenAPI 3.1 document, generated from every route the
 * application maps (found through Nest's DiscoveryService, as @nestjs/swagger
 * does) and its @ApiOperation declaration: summary, tags, and the zod schemas
 * its handler validates the query and body with.
 */
@Injectable()
export class OpenApiService {
  private cached?: object;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  routes(): RouteInfo[] {
    const out: RouteInfo[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!type) continue;
      const base = normalise(Reflect.getMetadata(PATH_METADATA, type));
      const proto = type.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name] as object;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (sub === undefined || method === undefined) continue;
        for (const one of Array.isArray(sub) ? sub : [sub]) {
          const joined = `/${[base, normalise(one)].filter((p) => p.length > 0).join('/')}`;
          out.push({
            method: RequestMethod[method],
            path: joined.replace(/:(\w+)/g, '{$1}'),
            doc: apiOperationOf(handler),
          });
        }
      }
    }
    return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }

  document(): object {
    if (this.cached) return this.cached;
    const paths: Record<string, Record<string, object>> = {};
    for (const route of this.routes()) {
      const admin = route.path.startsWith('/admin');
      const doc: ApiOperationDoc = route.doc ?? { summary: UNDOCUMENTED };
      const parameters: object[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      if (doc.query) {
        const q = inputJsonSchema(doc.query);
        const required = new Set((q.required as string[] | undefined) ?? []);
        for (const [name, schema] of Object.entries((q.properties as Record<string, JsonSchema> | undefined) ?? {}))
          parameters.push({ name, in: 'query', required: required.has(name), schema });
      }
      const described = doc.responses ?? { '200': 'ok' };
      const responses = Object.fromEntries(
        Object.entries({
          ...described,
          ...(doc.body || doc.query ? { '400': described['400'] ?? 'invalid input' } : {}),
          ...(admin ? { '401': 'no or invalid API key', '403': 'role lacks the permission' } : {}),
          '429': 'rate limited',
        }).map(([code, description]) => [
          code,
          {
            description,
            ...(code >= '400'
              ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
              : doc.produces
                ? { content: { [doc.produces]: { schema: { type: 'string' } } } }
                : {}),
          },
        ]),
      );
      (paths[route.path] ??= {})[route.method.toLowerCase()] = {
        operationId: `${route.method.toLowerCase()}${route.path.replace(/[^\w]+/g, '_')}`,
        summary: doc.summary,
        tags: doc.tags ?? [admin ? 'admin' : 'public'],
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(doc.body
          ? {
              requestBody: {
                required: doc.bodyRequired ?? true,
                content: { 'application/json': { schema: inputJsonSchema(doc.body) } },
              },
            }
          : {}),
        ...(admin ? { security: [{ apiKey: [] }, { bearer: [] }] } : {}),
        responses,
      };
    }
    this.cached = {
      openapi: '3.1.0',
      info: {
        title: 'Marquee',
        version: '0.1.0',
        description:
          'Movie recommendations with governed model promotion. Errors: {error:{status,code,message},requestId}. ' +
          'Generated from the routes the service maps and the zod schemas that validate their input.',
      },
      paths,
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
        schemas: {
          Error: {
            type: 'object',
            required: ['error', 'requestId'],
            properties: {
              error: {
                type: 'object',
                required: ['status', 'code', 'message'],
                properties: { status: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
              },
              requestId: { type: 'string' },
            },
          },
        },
      },
    };
    return this.cached;
  }
}

function normalise(path: string | undefined): string {
  return (path ?? '').replace(/^\/+|\/+$/g, '');
}
