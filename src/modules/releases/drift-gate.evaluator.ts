import { Injectable } from '@nestjs/common';
import { AuditService } from '../governance/audit/audit.service';
import { DriftService, gateResult } from '../monitoring/drift/drift.service';
import { GateEvaluator } from './gate-evaluator';

/**
 * The drift gate of a release: the monitoring module's drift evaluation of
 * the training snapshot against the recent window (PSI/KS thresholds and
 * snapshot age). A blocking result is also audited as `drift.blocked`.
 */
@Injectable()
export class DriftGateEvaluator implements GateEvaluator {
  readonly gate = 'drift' as const;

  constructor(
    private readonly drift: DriftService,
    private readonly audit: AuditService,
  ) {}

  async evaluate({ model, data }: Parameters<GateEvaluator['evaluate']>[0]) {
    const result = gateResult(await this.drift.evaluate(data));
    if (!result.passed) {
      await this.audit.append({
        actor: 'service:drift',
        kind: 'drift.blocked',
        subject: `model:${model.id}`,
        payload: { snapshotId: model.snapshotId, ...result },
      });
    }
    return result as unknown as { passed: boolean; [measurement: string]: unknown };
  }
}
