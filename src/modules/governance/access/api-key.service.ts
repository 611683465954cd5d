import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditKind, AuditService } from '../audit/audit.service';
import { generateApiKey, hashApiKey } from './api-key';
import { ApiKeyRepository } from './api-key.repository';
import { isRole, Principal, ROLES } from './roles';

export class UnknownRoleError extends Error {
  constructor(role: string) {
    super(`unknown role "${role}" (expected one of ${ROLES.join(', ')})`);
    this.name = 'UnknownRoleError';
  }
}

/** Admin API keys: bootstrap from configuration, create, authenticate. Keys are stored hashed. */
@Injectable()
export class ApiKeyService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeyService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ApiKeyRepository,
    private readonly audit: AuditService,
  ) {}

  /** After every module's init (migrations have run): hash ADMIN_API_KEYS into the table. */
  async onApplicationBootstrap(): Promise<void> {
    for (const { name, role, key } of this.config.adminApiKeys) {
      if (!isRole(role)) throw new UnknownRoleError(role);
      const keyHash = hashApiKey(key);
      const existing = await this.repository.findByName(name);
      if (existing && existing.keyHash === keyHash && existing.role === role && !existing.revokedAt) continue;
      if (existing?.revokedAt && existing.keyHash === keyHash) {
        // A revoked key stays revoked; rotating it in ADMIN_API_KEYS (a new key) brings the name back.
        this.logger.warn(`API key "${name}" from ADMIN_API_KEYS was revoked; ignoring it until it is rotated`);
        continue;
      }
      if (existing) await this.repository.replace(name, role, keyHash);
      else await this.repository.create(name, role, keyHash);
      await this.audit.append({
        actor: 'system',
        kind: AuditKind.ConfigChanged,
        subject: `apikey:${name}`,
        payload: { source: 'ADMIN_API_KEYS', change: existing ? 'rotated' : 'created', role },
      });
      this.logger.log(`API key "${name}" (${role}) ${existing ? 'rotated' : 'created'} from ADMIN_API_KEYS`);
    }
  }

  async authenticate(key: string): Promise<Principal | null> {
    const row = await this.repository.findActiveByHash(hashApiKey(key));
    if (!row || !isRole(row.role)) return null;
    return { name: row.name, role: row.role };
  }

  /**
   * The active key of a name with the hash stored at rest (never the key itself): the operator console signs its
   * session cookies with it, so a session works on every replica and ends when the key is revoked or rotated.
   */
  async activeByName(name: string): Promise<{ principal: Principal; keyHash: string } | null> {
    const row = await this.repository.findByName(name);
    if (!row || row.revokedAt || !isRole(row.role)) return null;
    return { principal: { name: row.name, role: row.role }, keyHash: row.keyHash };
  }

  async revoke(name: string, actor: string): Promise<void> {
    if (!(await this.repository.revoke(name))) throw new Error(`no active API key named "${name}"`);
    await this.audit.append({ actor, kind: AuditKind.ApiKeyRevoked, subject: `apikey:${name}`, payload: {} });
  }

  /** Creates a named key and returns it; this is the only time the key exists in clear. */
  async create(name: string, role: string, actor = 'cli'): Promise<{ name: string; role: string; key: string }> {
    if (!isRole(role)) throw new UnknownRoleError(role);
    if (await this.repository.findByName(name)) throw new Error(`an API key named "${name}" already exists`);
    const key = generateApiKey();
    await this.repository.create(name, role, hashApiKey(key));
    await this.audit.append({ actor, kind: AuditKind.ApiKeyCreated, subject: `apikey:${name}`, payload: { role } });
    return { name, role, key };
  }
}
