import { Injectable } from '@nestjs/common';
import { AuditService, GateEvaluation, GateEvaluator, GateInput } from '@modules/governance';
import { DriftService, gateResult } from './drift.service';

/**
 * The drift gate of a release: the drift evaluation of the training snapshot
 * against the recent window (PSI/KS thresholds and snapshot age). A blocking
 * result is also audited as `drift.blocked`. MonitoringModule registers it
 * with governance's GateRegistry.
 */
@Injectable()
export class DriftGateEvaluator implements GateEvaluator {
  readonly gate = 'drift';

  constructor(
    private readonly drift: DriftService,
    private readonly audit: AuditService,
  ) {}

  async evaluate({ model, data }: GateInput): Promise<GateEvaluation> {
    const result = gateResult(await this.drift.evaluate(data));
    if (!result.passed) {
      await this.audit.append({
        actor: 'service:drift',
        kind: 'drift.blocked',
        subject: `model:${model.id}`,
        payload: { snapshotId: model.snapshotId, ...result },
      });
    }
    return result as unknown as GateEvaluation;
  }
}
