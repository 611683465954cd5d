import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Action, Resource } from './access-control.service';
import { Principal } from './roles';

export const PERMISSION_KEY = 'marquee:permission';

export interface Permission {
  readonly resource: Resource;
  readonly action: Action;
}

/** Declares what a handler needs; AdminAuthGuard enforces it (no declaration means denied). */
export const RequirePermission = (resource: Resource, action: Action) =>
  SetMetadata(PERMISSION_KEY, { resource, action } satisfies Permission);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The caller authenticated by AdminAuthGuard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without AdminAuthGuard');
  return principal;
});
