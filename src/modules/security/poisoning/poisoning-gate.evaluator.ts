import { Injectable } from '@nestjs/common';
import { GateEvaluation, GateEvaluator, GateInput } from '@modules/governance';
import { PoisoningScanService } from './poisoning-scan.service';

/**
 * The poisoning gate for the release pipeline (SecurityModule registers it
 * with governance's GateRegistry): a freshly trained model passes only when no
 * quarantined account flagged up to its snapshot's cutoff still awaits review.
 */
@Injectable()
export class PoisoningGateEvaluator implements GateEvaluator {
  readonly gate = 'poisoning';

  constructor(private readonly poisoning: PoisoningScanService) {}

  async evaluate(input: GateInput): Promise<GateEvaluation> {
    return { ...(await this.poisoning.gateResultAt(input.snapshot.cutoff)) };
  }
}
