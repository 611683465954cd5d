import * as path from 'node:path';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Enforcer, newEnforcer } from 'casbin';

/** policies/rbac, found from src/ and from dist/ alike (same depth). */
export const RBAC_DIR = path.resolve(__dirname, '../../../../policies/rbac');

/** Resources and actions of the admin API (and `profiles`: demographics on GET /user/<id>), as named in policies/rbac/policy.csv. */
export type Resource =
  | 'models'
  | 'promotions'
  | 'lineage'
  | 'audit'
  | 'reports'
  | 'apikeys'
  | 'training'
  | 'quarantine'
  | 'experiments'
  | 'canaries'
  | 'profiles';
export type Action = 'read' | 'register' | 'record-gate' | 'request' | 'rollback' | 'override' | 'manage' | 'review';

/** casbin RBAC: may a role perform an action on a resource? */
@Injectable()
export class AccessControlService implements OnModuleInit {
  private enforcer?: Enforcer;

  async onModuleInit(): Promise<void> {
    this.enforcer = await newEnforcer(path.join(RBAC_DIR, 'model.conf'), path.join(RBAC_DIR, 'policy.csv'));
  }

  async can(role: string, resource: Resource, action: Action): Promise<boolean> {
    if (!this.enforcer) await this.onModuleInit();
    return this.enforcer!.enforce(role, resource, action);
  }
}
