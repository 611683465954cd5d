import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { LoadedPolicy, loadPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyDecision, PolicyInput } from './promotion-policy';

/** policies/, found from src/ and from dist/ alike (same depth). */
export const POLICIES_DIR = path.resolve(__dirname, '../../../../policies');

export interface PolicyBundleFiles {
  readonly wasmPath: string;
  readonly dataPath: string;
}

export const DEFAULT_POLICY_BUNDLE: PolicyBundleFiles = {
  wasmPath: path.join(POLICIES_DIR, 'dist', 'promotion.wasm'),
  dataPath: path.join(POLICIES_DIR, 'promotion', 'data.json'),
};

const ENTRYPOINT = 'promotion/decision';

/**
 * Evaluates the compiled promotion policy in-process (OPA WASM). The policy
 * version is the sha256 of the wasm and the thresholds together, computed from
 * the bytes actually loaded.
 */
@Injectable()
export class PromotionPolicyService implements OnModuleInit {
  private readonly logger = new Logger(PromotionPolicyService.name);
  private policy?: LoadedPolicy;
  private version?: string;

  constructor(private readonly files: PolicyBundleFiles = DEFAULT_POLICY_BUNDLE) {}

  async onModuleInit(): Promise<void> {
    const [wasm, data] = await Promise.all([fs.readFile(this.files.wasmPath), fs.readFile(this.files.dataPath)]);
    const policy = await loadPolicy(wasm);
    // data.json sits at policies/promotion/, so OPA (and the rules) see it under data.promotion.
    policy.setData({ promotion: JSON.parse(data.toString('utf8')) });
    this.policy = policy;
    this.version = createHash('sha256').update(wasm).update(data).digest('hex');
    this.logger.log(`promotion policy loaded (version ${this.version.slice(0, 16)}…)`);
  }

  get policyVersion(): string {
    if (!this.version) throw new Error('promotion policy not loaded');
    return this.version;
  }

  async evaluate(input: PolicyInput): Promise<PolicyDecision> {
    if (!this.policy) await this.onModuleInit();
    const resultSet = this.policy!.evaluate(input, ENTRYPOINT) as { result?: Omit<PolicyDecision, 'policyVersion'> }[];
    const result = resultSet[0]?.result;
    // An undefined decision must never read as "allow".
    if (!result || typeof result.allow !== 'boolean' || !Array.isArray(result.reasons)) {
      return {
        allow: false,
        reasons: ['promotion policy returned no decision'],
        overridden: false,
        policyVersion: this.policyVersion,
      };
    }
    return {
      allow: result.allow,
      reasons: result.reasons,
      overridden: result.overridden === true,
      policyVersion: this.policyVersion,
    };
  }
}
