import { Injectable } from '@nestjs/common';
import { AuditService, GateEvaluation, GateEvaluator, GateInput } from '@modules/governance';
import { DriftService, gateResult } from './drift.service';

/**
 * The drift gate of a release: the drift evaluation of the training snapshot
 * against the recent window (PSI/KS thresholds and snapshot age), both windows
 * on the stream's clock. Three-valued: a feature with too few samples in either
 * window is not decided, and a gate with an undecided feature and no drifted
 * one is `undecided` (audited as `drift.undecided`; a drifted one as `drift.blocked`). MonitoringModule registers it
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
    if (result.status !== 'passed') {
      await this.audit.append({
        actor: 'service:drift',
        kind: result.status === 'failed' ? 'drift.blocked' : 'drift.undecided',
        subject: `model:${model.id}`,
        payload: { snapshotId: model.snapshotId, ...result },
      });
    }
    return { ...result, reasons: [...result.reasons] };
  }
}
