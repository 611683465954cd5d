import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PolicyInput } from './promotion-policy';
import { DEFAULT_POLICY_BUNDLE, PromotionPolicyService } from './promotion-policy.service';

const goodGates = {
  fairness: { passed: true, qualityGap: 0.02 },
  drift: { passed: true, snapshotAgeHours: 10 },
  poisoning: { passed: true, unreviewedSuspiciousEvents: 0 },
};

function request(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    transition: { from: 'candidate', to: 'canary', slot: 'default' },
    actor: { id: 'rm', role: 'release-manager' },
    candidate: {
      id: 'm2',
      modelType: 'als',
      snapshotId: 's1',
      metrics: { 'ndcg@20': 0.31, coverage: 0.4 },
      gates: goodGates,
    },
    champion: { id: 'm1', metrics: { 'ndcg@20': 0.3, coverage: 0.35 } },
    canary: null,
    override: { requested: false, justification: '' },
    ...overrides,
  };
}

describe('PromotionPolicyService (compiled WASM)', () => {
  const policy = new PromotionPolicyService(DEFAULT_POLICY_BUNDLE);
  beforeAll(() => policy.onModuleInit());

  it('versions the policy as sha256(wasm ‖ data.json)', () => {
    const expected = createHash('sha256')
      .update(readFileSync(DEFAULT_POLICY_BUNDLE.wasmPath))
      .update(readFileSync(DEFAULT_POLICY_BUNDLE.dataPath))
      .digest('hex');
    expect(policy.policyVersion).toBe(expected);
  });

  it('allows a good candidate', async () => {
    await expect(policy.evaluate(request())).resolves.toEqual({
      allow: true,
      reasons: [],
      overridden: false,
      policyVersion: policy.policyVersion,
    });
  });

  it('denies a candidate worse than the champion, with the reason', async () => {
    const decision = await policy.evaluate(
      request({ candidate: { ...request().candidate, metrics: { 'ndcg@20': 0.2, coverage: 0.4 } } }),
    );
    expect(decision.allow).toBe(false);
    expect(decision.reasons).toEqual([
      "candidate ndcg@20 0.2 is worse than champion m1's 0.3 by more than the tolerance 0.005",
    ]);
  });

  it('denies when a gate has not been evaluated', async () => {
    const decision = await policy.evaluate(request({ candidate: { ...request().candidate, gates: {} } }));
    expect(decision.reasons).toEqual([
      'drift gate has not been evaluated',
      'fairness gate has not been evaluated',
      'poisoning gate has not been evaluated',
    ]);
  });

  it('refuses an override without justification and grants an admin one with it', async () => {
    const bad = { ...request().candidate, metrics: { 'ndcg@20': 0.1, coverage: 0.4 } };
    const refused = await policy.evaluate(
      request({
        candidate: bad,
        actor: { id: 'root', role: 'admin' },
        override: { requested: true, justification: '' },
      }),
    );
    expect(refused).toMatchObject({ allow: false, overridden: false });
    expect(refused.reasons).toContain('override requires a written justification of at least 20 characters');
    const granted = await policy.evaluate(
      request({
        candidate: bad,
        actor: { id: 'root', role: 'admin' },
        override: { requested: true, justification: 'incident INC-42: roll forward the only working model' },
      }),
    );
    expect(granted).toMatchObject({ allow: true, overridden: true });
    expect(granted.reasons).toHaveLength(1);
  });
});
