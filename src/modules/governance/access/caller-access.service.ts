import { Injectable } from '@nestjs/common';
import { Action, AccessControlService, Resource } from './access-control.service';
import { presentedApiKey } from './api-key';
import { ApiKeyService } from './api-key.service';
import { Principal } from './roles';

/** Who called a public route, and whether their role grants a permission. */
export type CallerVerdict =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'denied'; readonly principal: Principal }
  | { readonly kind: 'allowed'; readonly principal: Principal };

/**
 * For public routes whose answer depends on the caller (GET /user/<id>
 * withholds demographics unless the caller's role may read profiles): the
 * same API keys and casbin policy as the admin API, without refusing
 * anonymous callers.
 */
@Injectable()
export class CallerAccess {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly access: AccessControlService,
  ) {}

  async check(
    headers: Record<string, string | string[] | undefined>,
    resource: Resource,
    action: Action,
  ): Promise<CallerVerdict> {
    const key = presentedApiKey(headers);
    if (!key) return { kind: 'anonymous' };
    const principal = await this.apiKeys.authenticate(key);
    if (!principal) return { kind: 'invalid' };
    return (await this.access.can(principal.role, resource, action))
      ? { kind: 'allowed', principal }
      : { kind: 'denied', principal };
  }
}
