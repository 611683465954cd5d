import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { RBAC_DIR } from './access/access-control.service';
import { canonicalJson } from './audit/canonical-json';
import { AuditKind, AuditService } from './audit/audit.service';
import { PromotionPolicyService } from './policy/promotion-policy.service';

const SECRET_KEY = /^(key|password|secret|token|apiKey)$/i;

/** The configuration with secrets removed: API keys, passwords in URLs. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key)) return '[redacted]';
  if (typeof value === 'string') return value.replace(/(\/\/[^:/@\s]+:)[^@\s]+@/g, '$1[redacted]@');
  if (Array.isArray(value)) return value.map((v) => redactConfig(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}

/**
 * At start-up, records a configuration change (the redacted configuration or
 * the RBAC files differ from the last ones recorded) and a policy change (the promotion
 * policy version differs), so an auditor can tell what was in force when.
 */
@Injectable()
export class StartupAudit implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupAudit.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly policy: PromotionPolicyService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const config = redactConfig(this.config) as Record<string, unknown>;
    // Key hashes, not the keys: a rotated key is a configuration change, and its value never reaches the trail.
    const keyHashes = this.config.adminApiKeys.map(
      ({ name, key }) => `${name}:${createHash('sha256').update(key).digest('hex')}`,
    );
    // Who may do what is configuration too: the casbin model and policy files.
    const rbac = createHash('sha256');
    for (const file of ['model.conf', 'policy.csv']) rbac.update(await fs.readFile(path.join(RBAC_DIR, file)));
    const rbacVersion = rbac.digest('hex');
    const fingerprint = createHash('sha256').update(canonicalJson({ config, keyHashes, rbacVersion })).digest('hex');
    const configChange = await this.audit.appendIfChanged({
      actor: 'system',
      kind: AuditKind.ConfigChanged,
      subject: 'config:service',
      payload: { fingerprint, config, rbacVersion },
    });
    const policyChange = await this.audit.appendIfChanged({
      actor: 'system',
      kind: AuditKind.PolicyLoaded,
      subject: 'policy:promotion',
      payload: { fingerprint: this.policy.policyVersion, policyVersion: this.policy.policyVersion },
    });
    if (configChange) this.logger.log(`configuration change recorded in the audit trail (seq ${configChange.seq})`);
    if (policyChange)
      this.logger.log(`promotion policy ${this.policy.policyVersion.slice(0, 16)}… recorded (seq ${policyChange.seq})`);
  }
}
