import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { parse as parseCookies } from 'cookie';
import type { FastifyRequest } from 'fastify';
import { AccessControlService, AuditKind, AuditService } from '@modules/governance';
import { ConsoleSession, ConsoleSessionService, sameToken, SESSION_COOKIE } from './console-session.service';

export type ConsoleResource = Parameters<AccessControlService['can']>[1];
export type ConsoleAction = Parameters<AccessControlService['can']>[2];

interface ConsolePermissionMeta {
  readonly resource: ConsoleResource;
  readonly action: ConsoleAction;
}

const CONSOLE_PERMISSION = 'marquee:console-permission';

/** The casbin permission a console page or action needs: the same resource and action as its admin API route. */
export const ConsolePermission = (resource: ConsoleResource, action: ConsoleAction) =>
  SetMetadata(CONSOLE_PERMISSION, { resource, action } satisfies ConsolePermissionMeta);

export type ConsoleRequest = FastifyRequest & { consoleSession?: ConsoleSession };

export function cookiesOf(request: FastifyRequest): Record<string, string | undefined> {
  const header = request.headers.cookie;
  return header ? parseCookies(header) : {};
}

/** The signed-in session of a guarded handler. */
export const CurrentSession = createParamDecorator((_data: unknown, ctx: ExecutionContext): ConsoleSession => {
  const session = ctx.switchToHttp().getRequest<ConsoleRequest>().consoleSession;
  if (!session) throw new Error('CurrentSession used on a route without ConsoleAuthGuard');
  return session;
});

/**
 * The console's door: a session cookie instead of an API key, then the same
 * casbin check as AdminAuthGuard, and a CSRF token on every POST. Denials are
 * logged and audited as `access.denied` like the admin API's.
 */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  private readonly logger = new Logger(ConsoleAuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessionService,
    private readonly access: AccessControlService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const permission = this.reflector.getAllAndOverride<ConsolePermissionMeta | undefined>(CONSOLE_PERMISSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    const session = await this.sessions.resolve(cookiesOf(request)[SESSION_COOKIE]);
    if (!session) {
      if (request.method === 'GET') throw new UnauthorizedException('sign in to use the console');
      return this.deny(request, 401, 'no console session', null, permission);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const body = request.body as Record<string, unknown> | undefined;
      const token = typeof body?._csrf === 'string' ? body._csrf : undefined;
      if (!sameToken(token, session.csrf)) {
        return this.deny(request, 403, 'missing or invalid CSRF token', session, permission);
      }
    }
    if (!permission) return this.deny(request, 403, 'console route declares no permission', session, permission);
    const { role } = session.principal;
    if (!(await this.access.can(role, permission.resource, permission.action))) {
      return this.deny(
        request,
        403,
        `role ${role} may not ${permission.action} ${permission.resource}`,
        session,
        permission,
      );
    }
    request.consoleSession = session;
    return true;
  }

  private async deny(
    request: ConsoleRequest,
    status: 401 | 403,
    reason: string,
    session: ConsoleSession | null,
    permission: ConsolePermissionMeta | undefined,
  ): Promise<never> {
    const route = `${request.method} ${request.routeOptions?.url ?? request.url}`;
    const details = {
      route,
      url: request.url,
      status,
      reason,
      principal: session?.principal.name ?? null,
      role: session?.principal.role ?? null,
      permission: permission ?? null,
      requestId: request.id,
      ip: request.ip,
      via: 'console',
    };
    this.logger.warn({ msg: 'console access denied', ...details });
    await this.audit.append({
      actor: session?.principal.name ?? 'anonymous',
      kind: AuditKind.AccessDenied,
      subject: `route:${route}`,
      payload: details,
    });
    throw status === 401 ? new UnauthorizedException(reason) : new ForbiddenException(reason);
  }
}
