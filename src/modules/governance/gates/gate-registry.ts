import { Injectable } from '@nestjs/common';
import { GateEvaluator } from './gate-evaluator';

/**
 * The gates the promotion policy requires (policies/promotion/data.json →
 * thresholds.gates.required; a spec checks the two agree). They are known
 * names even where no evaluator runs (an operator records them through the
 * admin API, the governance CLIs report them), so an evaluator is not needed
 * to record or report them.
 */
export const POLICY_GATES: readonly string[] = ['fairness', 'drift', 'poisoning'];

/** A gate name is a JSON key, part of an admin URL and of an audit actor (`service:<gate>-gate`). */
const GATE_NAME = /^[\w.-]{1,100}$/;

/**
 * The promotion gates evaluated on every release. Each module that owns a
 * gate registers its evaluator here when it starts (its module's
 * onModuleInit); the releases pipeline asks for every registered evaluator.
 *
 * An explicit registry rather than Nest's DiscoveryService and a decorator:
 * registration is one visible line in the owning module, works the same in
 * the app, the CLIs and hand-built testing modules, needs no scan of every
 * provider, and a second evaluator for the same gate fails at start-up
 * instead of silently overwriting the first one's result.
 */
@Injectable()
export class GateRegistry {
  private readonly byName = new Map<string, GateEvaluator>();

  /** Adds a gate; a name already registered is refused (two evaluators would overwrite each other's result). */
  register(evaluator: GateEvaluator): void {
    const name = evaluator.gate;
    if (!GATE_NAME.test(name)) {
      throw new Error(`gate name "${name}" is not valid (letters, digits, _ . -, at most 100)`);
    }
    const existing = this.byName.get(name);
    if (existing) {
      throw new Error(
        `gate "${name}" is already registered (by ${existing.constructor.name}); ` +
          `${evaluator.constructor.name} cannot register it again`,
      );
    }
    this.byName.set(name, evaluator);
  }

  /**
   * Every registered evaluator, in gate-name order: the order gates are
   * evaluated and audited in does not depend on which module started first.
   */
  evaluators(): readonly GateEvaluator[] {
    return [...this.byName.keys()].sort().map((name) => this.byName.get(name)!);
  }

  /** Names of the registered gates, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Gates that may be recorded and reported: the policy's, then every other registered one. */
  knownGates(): string[] {
    return [...POLICY_GATES, ...this.names().filter((name) => !POLICY_GATES.includes(name))];
  }

  isKnown(name: string): boolean {
    return POLICY_GATES.includes(name) || this.byName.has(name);
  }
}
