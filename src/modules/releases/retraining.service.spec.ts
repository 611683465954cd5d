import { SchedulerRegistry } from '@nestjs/schedule';
import { loadConfig } from '@modules/config';
import type { ExperimentsService } from '@modules/experiments';
import type { AuditService } from '@modules/governance';
import type { ActivityWindowRepository } from '@modules/interactions';
import { MetricsRegistry } from '@modules/metrics';
import type { ModelReleaseService, ReleaseOutcome } from './model-release.service';
import { RetrainingService } from './retraining.service';
import type { TrainingRunRepository } from './training-run.repository';

/**
 * The CronJob (`npm run retrain`) follows the in-process schedule's rule: no new
 * candidate while the slot's canary is still being decided (it could not start
 * its own canary, and would sit in state canary without traffic).
 */
describe('RetrainingService.scheduledRunUnlessCanaryRunning', () => {
  function service(running: { kind: string; slot: string }[]) {
    const releases = {
      release: jest.fn(
        async () => ({ runId: 'run-1', model: { id: 'm-1' }, transitions: [] }) as unknown as ReleaseOutcome,
      ),
    };
    const metrics = new MetricsRegistry();
    const retraining = new RetrainingService(
      loadConfig({}),
      releases as unknown as ModelReleaseService,
      {} as TrainingRunRepository,
      new SchedulerRegistry(),
      {} as ActivityWindowRepository,
      {} as AuditService,
      metrics,
      { runningExperiments: running } as unknown as ExperimentsService,
    );
    return { retraining, releases, metrics };
  }

  it('skips, and counts the skip, while a canary runs in the slot', async () => {
    const { retraining, releases, metrics } = service([{ kind: 'canary', slot: 'default' }]);
    expect(await retraining.scheduledRunUnlessCanaryRunning()).toBeNull();
    expect(releases.release).not.toHaveBeenCalled();
    expect(await metrics.registry.getSingleMetricAsString('marquee_retraining_runs_total')).toMatch(
      /outcome="skipped_canary_running"\} 1/,
    );
  });

  it('runs when only an A/B test or another slot’s canary is running', async () => {
    const { retraining, releases } = service([
      { kind: 'ab', slot: 'default' },
      { kind: 'canary', slot: 'other' },
    ]);
    expect(await retraining.scheduledRunUnlessCanaryRunning()).toMatchObject({ runId: 'run-1' });
    expect(releases.release).toHaveBeenCalledWith(
      expect.objectContaining({ trigger: 'schedule', promoteTo: 'canary' }),
    );
  });
});
