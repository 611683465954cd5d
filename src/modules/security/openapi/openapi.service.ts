import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { OperationDoc, OPERATIONS } from './openapi.document';

export interface RouteInfo {
  readonly method: string;
  /** OpenAPI form: /recommend/{userId} */
  readonly path: string;
}

/**
 * Publishes the service's OpenAPI document: every route the application
 * registers (found through Nest's DiscoveryService, as @nestjs/swagger does),
 * described by the hand-written entries in openapi.document.ts where present.
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
          out.push({ method: RequestMethod[method], path: joined.replace(/:(\w+)/g, '{$1}') });
        }
      }
    }
    return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }

  document(): object {
    if (this.cached) return this.cached;
    const paths: Record<string, Record<string, object>> = {};
    for (const route of this.routes()) {
      const doc: OperationDoc = OPERATIONS[`${route.method} ${route.path}`] ?? {
        summary: `${route.method} ${route.path}`,
        admin: route.path.startsWith('/admin'),
      };
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = doc.parameters ?? [];
      const parameters = [
        ...pathParams
          .filter((name) => !declared.some((p) => p.in === 'path' && p.name === name))
          .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...declared,
      ];
      const responses = Object.fromEntries(
        Object.entries({ ...(doc.responses ?? { '200': 'ok' }), '429': 'rate limited' }).map(([code, description]) => [
          code,
          {
            description,
            ...(code >= '400'
              ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
              : {}),
          },
        ]),
      );
      (paths[route.path] ??= {})[route.method.toLowerCase()] = {
        operationId: `${route.method.toLowerCase()}${route.path.replace(/[^\w]+/g, '_')}`,
        summary: doc.summary,
        ...(doc.tags ? { tags: doc.tags } : { tags: [route.path.startsWith('/admin') ? 'admin' : 'public'] }),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(doc.requestBody
          ? {
              requestBody: {
                required: doc.requestBody.required,
                content: { 'application/json': { schema: doc.requestBody.schema } },
              },
            }
          : {}),
        ...(doc.admin ? { security: [{ apiKey: [] }, { bearer: [] }] } : {}),
        responses,
      };
    }
    this.cached = {
      openapi: '3.1.0',
      info: {
        title: 'Marquee',
        version: '0.1.0',
        description:
          'Movie recommendations with governed model promotion. Errors: {error:{status,code,message},requestId}.',
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
