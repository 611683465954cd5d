import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuditKind, AuditService } from '../audit/audit.service';
import { GovernanceMetrics } from '../governance-metrics';
import { AccessControlService } from './access-control.service';
import { presentedApiKey } from './api-key';
import { ApiKeyService } from './api-key.service';
import { AuthenticatedRequest, Permission, PERMISSION_KEY } from './require-permission';
import { Principal } from './roles';

/**
 * Authenticates admin API callers by API key and authorises them with casbin.
 * Every denial is logged, counted (marquee_access_denied_total{route}) and
 * audited before the 401/403 leaves.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly logger = new Logger(AdminAuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly access: AccessControlService,
    private readonly audit: AuditService,
    private readonly metrics: GovernanceMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const key = presentedApiKey(request.headers);
    if (!key) return this.deny(request, 401, 'missing API key (x-api-key or Authorization: Bearer)', null, permission);
    const principal = await this.apiKeys.authenticate(key);
    if (!principal) return this.deny(request, 401, 'invalid or revoked API key', null, permission);
    if (!permission) return this.deny(request, 403, 'route declares no permission', principal, permission);
    if (!(await this.access.can(principal.role, permission.resource, permission.action))) {
      return this.deny(
        request,
        403,
        `role ${principal.role} may not ${permission.action} ${permission.resource}`,
        principal,
        permission,
      );
    }
    request.principal = principal;
    return true;
  }

  private async deny(
    request: AuthenticatedRequest,
    status: 401 | 403,
    reason: string,
    principal: Principal | null,
    permission: Permission | undefined,
  ): Promise<never> {
    const route = `${request.method} ${request.routeOptions?.url ?? request.url}`;
    this.metrics.accessDenied.inc({ route });
    const details = {
      route,
      url: request.url,
      status,
      reason,
      principal: principal?.name ?? null,
      role: principal?.role ?? null,
      permission: permission ?? null,
      requestId: request.id,
      ip: request.ip,
    };
    this.logger.warn({ msg: 'admin access denied', ...details });
    await this.audit.append({
      actor: principal?.name ?? 'anonymous',
      kind: AuditKind.AccessDenied,
      subject: `route:${route}`,
      payload: details,
    });
    throw status === 401 ? new UnauthorizedException(reason) : new ForbiddenException(reason);
  }
}
