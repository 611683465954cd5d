import { Injectable } from '@nestjs/common';
import { GateEvaluator } from '../../releases/gate-evaluator';
import { PoisoningScanService } from './poisoning-scan.service';

/**
 * The poisoning gate for the release pipeline (releases lists it in
 * GATE_EVALUATORS): a freshly trained model passes only when no quarantined
 * account flagged up to its snapshot's cutoff still awaits review.
 */
@Injectable()
export class PoisoningGateEvaluator implements GateEvaluator {
  readonly gate = 'poisoning' as const;

  constructor(private readonly poisoning: PoisoningScanService) {}

  async evaluate(input: Parameters<GateEvaluator['evaluate']>[0]): Promise<{ passed: boolean; [m: string]: unknown }> {
    return { ...(await this.poisoning.gateResultAt(input.snapshot.cutoff)) };
  }
}
