import { readFileSync } from 'node:fs';
import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DEFAULT_POLICY_BUNDLE } from '../policy/promotion-policy.service';
import { GateEvaluation, GateEvaluator } from './gate-evaluator';
import { GateRegistry, POLICY_GATES } from './gate-registry';
import { GatesModule } from './gates.module';

function gate(name: string, passed = true): GateEvaluator {
  return {
    gate: name,
    evaluate: async (): Promise<GateEvaluation> => ({ status: passed ? 'passed' : 'failed', reasons: [] }),
  };
}

describe('GateRegistry', () => {
  it('lists registered evaluators in gate-name order, whatever order they registered in', () => {
    const registry = new GateRegistry();
    const [poisoning, drift, fairness] = [gate('poisoning'), gate('drift'), gate('fairness')];
    registry.register(poisoning);
    registry.register(drift);
    registry.register(fairness);
    expect(registry.evaluators()).toEqual([drift, fairness, poisoning]);
    expect(registry.names()).toEqual(['drift', 'fairness', 'poisoning']);
  });

  it('starts empty: a gate nobody registers is not evaluated (and stays missing for the policy)', () => {
    const registry = new GateRegistry();
    expect(registry.evaluators()).toEqual([]);
    expect(registry.names()).toEqual([]);
  });

  it('refuses a second evaluator for a gate name, naming both', () => {
    class FirstDrift implements GateEvaluator {
      readonly gate = 'drift';
      evaluate = async (): Promise<GateEvaluation> => ({ status: 'passed', reasons: [] });
    }
    class SecondDrift implements GateEvaluator {
      readonly gate = 'drift';
      evaluate = async (): Promise<GateEvaluation> => ({ status: 'failed', reasons: ['no'] });
    }
    const registry = new GateRegistry();
    const first = new FirstDrift();
    registry.register(first);
    expect(() => registry.register(new SecondDrift())).toThrow(
      'gate "drift" is already registered (by FirstDrift); SecondDrift cannot register it again',
    );
    expect(registry.evaluators()).toEqual([first]);
  });

  it('refuses a gate name that cannot be a JSON key, URL segment and audit actor', () => {
    const registry = new GateRegistry();
    expect(() => registry.register(gate(''))).toThrow(/not valid/);
    expect(() => registry.register(gate('a b'))).toThrow(/not valid/);
    expect(() => registry.register(gate('x'.repeat(101)))).toThrow(/not valid/);
    expect(registry.names()).toEqual([]);
  });

  it('knows the policy’s gates without evaluators, then every other registered gate', () => {
    const registry = new GateRegistry();
    expect(registry.knownGates()).toEqual(['fairness', 'drift', 'poisoning']);
    expect(registry.isKnown('drift')).toBe(true);
    expect(registry.isKnown('licensing')).toBe(false);
    registry.register(gate('licensing'));
    registry.register(gate('drift'));
    expect(registry.knownGates()).toEqual(['fairness', 'drift', 'poisoning', 'licensing']);
    expect(registry.isKnown('licensing')).toBe(true);
  });

  it('POLICY_GATES are the gates the promotion policy requires (policies/promotion/data.json)', () => {
    const data = JSON.parse(readFileSync(DEFAULT_POLICY_BUNDLE.dataPath, 'utf8')) as {
      thresholds: { gates: { required: string[] } };
    };
    expect([...POLICY_GATES]).toEqual(data.thresholds.gates.required);
  });
});

describe('GatesModule', () => {
  @Injectable()
  class AlphaGate implements GateEvaluator {
    readonly gate = 'alpha';
    evaluate = async (): Promise<GateEvaluation> => ({ status: 'passed', reasons: [] });
  }

  /** How a gate-owning module registers its gate (one module class per evaluator class). */
  function owningModule(evaluator: new () => GateEvaluator) {
    @Module({ imports: [GatesModule], providers: [evaluator] })
    class OwningModule implements OnModuleInit {
      constructor(
        @Inject(GateRegistry) private readonly gates: GateRegistry,
        @Inject(evaluator) private readonly instance: GateEvaluator,
      ) {}

      onModuleInit(): void {
        this.gates.register(this.instance);
      }
    }
    return OwningModule;
  }

  it('is one registry for every module that imports it', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [GatesModule, owningModule(AlphaGate)] }).compile();
    await moduleRef.init();
    expect(moduleRef.get(GateRegistry).names()).toEqual(['alpha']);
    await moduleRef.close();
  });

  it('fails start-up when two modules register the same gate', async () => {
    @Injectable()
    class OtherAlphaGate extends AlphaGate {}
    const moduleRef = await Test.createTestingModule({
      imports: [owningModule(AlphaGate), owningModule(OtherAlphaGate)],
    }).compile();
    // (No close(): it awaits the failed start-up again; nothing here holds a resource.)
    await expect(moduleRef.init()).rejects.toThrow('gate "alpha" is already registered (by AlphaGate)');
  });
});
