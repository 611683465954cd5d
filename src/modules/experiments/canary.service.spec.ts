import { Logger } from '@nestjs/common';
import { AppConfig } from '@modules/config';
import { AuditService, ModelRegistryService, PromotionGate } from '@modules/governance';
import { CanaryService } from './canary.service';
import { Experiment } from './experiment';
import { ExperimentsMetrics } from './experiments.metrics';
import { ExperimentsRepository } from './experiments.repository';
import { ExperimentsService } from './experiments.service';
import { OutcomeListener, OnlineTelemetryService } from './online-telemetry.service';

/**
 * The I/O half of the canary with fakes around it: what it writes (transitions and their audit payloads, gate
 * requests, metrics) and in which order. The decisions themselves are covered in canary-decision.spec.ts.
 */
function harness(opts: { gate?: (req: { to: string }) => { allowed: boolean; reasons: string[] } } = {}) {
  const calls: [string, ...unknown[]][] = [];
  let running: Experiment[] = [];
  let listener: OutcomeListener | null = null;
  let reloadError: Error | null = null;
  let loadFailure: string | undefined;
  const experiments = {
    get runningExperiments() {
      return running;
    },
    transition: jest.fn(async (e: Experiment, change: Partial<Experiment>, actor: string, payload: unknown) => {
      calls.push(['transition', change, actor, payload]);
      return { ...e, ...change };
    }),
    replaceRunning: (e: Experiment) => {
      calls.push(['route', e.status]);
      running = [...running.filter((x) => x.id !== e.id), ...(e.status === 'running' ? [e] : [])];
    },
    reload: async () => {
      if (reloadError) throw reloadError;
    },
    get: async (id: string) => running.find((x) => x.id === id),
    confirmedLoadFailure: async () =>
      loadFailure === undefined ? null : { reason: loadFailure, confirmedBy: 'checksum' },
  };
  const repository = {
    transaction: async <T>(fn: (tx: unknown) => Promise<T>) => fn('tx'),
    insert: async (x: Partial<Experiment>) => ({ ...x, startedAt: null, concludedAt: null, conclusion: null }),
    saveCanaryState: async () => undefined,
    runningCanaryStates: async () => [],
  };
  const telemetry = {
    onOutcome: (l: OutcomeListener) => ((listener = l), () => (listener = null)),
    flush: async () => undefined,
    streamTime: () => null,
  };
  let decisionId = 0;
  const gate = {
    requestTransition: jest.fn(async (req: { modelId: string; to: string }) => {
      calls.push(['gate', req.to]);
      const { allowed, reasons } = opts.gate?.(req) ?? { allowed: true, reasons: [] };
      return { decision: { allowed, reasons, id: ++decisionId }, model: { id: req.modelId, state: req.to } };
    }),
  };
  const registry = {
    serving: async () => ({ production: { id: 'v1' } }),
    get: async (id: string) => ({ id, state: 'canary' }),
  };
  const metrics = {
    canaryShare: { set: jest.fn() },
    decisions: { inc: jest.fn() },
  };
  const config = { experiments: { enabled: true, canaryTickMs: 3_600_000 }, serving: { slot: 'default' } };
  const service = new CanaryService(
    config as unknown as AppConfig,
    experiments as unknown as ExperimentsService,
    repository as unknown as ExperimentsRepository,
    telemetry as unknown as OnlineTelemetryService,
    registry as unknown as ModelRegistryService,
    gate as unknown as PromotionGate,
    { append: async () => undefined } as unknown as AuditService,
    metrics as unknown as ExperimentsMetrics,
  );
  const booted = service.onApplicationBootstrap();
  /** `users` new users in each arm, one response each, the given share of them converting (no control: null). */
  const serve = (users: number, candidate: number, control: number | null, firstId = 0) => {
    for (let i = 0; i < users; i++)
      for (const arm of control === null ? ['candidate'] : ['candidate', 'control'])
        listener?.({
          attribution: {
            experimentId: 'canary-1',
            arm,
            modelVersion: arm === 'candidate' ? 'v2' : 'v1',
            perUser: false,
          },
          userId: firstId + (arm === 'candidate' ? i : 100_000 + i),
          at: 0,
          status: 200,
          latencyMs: 20,
          converted: i < users * (arm === 'candidate' ? candidate : (control ?? 0)),
          watchMinutes: 0,
          ratingSum: 0,
          ratingCount: 0,
        });
  };
  const start = async (steps: number[]) => {
    await booted;
    const started = await service.start(
      {
        candidate: 'v2',
        id: 'canary-1',
        steps,
        guardrails: { minUsersPerStep: 40, minStepMs: 0, minRequestsToPromote: 40 },
      },
      'alice',
      'release-manager',
    );
    running = [started];
    calls.length = 0;
    return started;
  };
  return {
    service,
    calls,
    experiments,
    gate,
    metrics,
    serve,
    start,
    failReload: (e: Error) => (reloadError = e),
    failLoad: (why: string) => (loadFailure = why),
    setRunning: (r: Experiment[]) => (running = r),
  };
}

describe('CanaryService (I/O around the decisions)', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('advances through the steps and promotes with the same-step comparison, auditing each step', async () => {
    const h = harness();
    await h.start([0.5, 1]);
    h.serve(50, 0.2, 0.2);
    const [advance] = await h.service.evaluateAll();
    expect(advance.decision).toBe('advance');
    expect(h.calls[0]).toEqual([
      'transition',
      { canaryStep: 1, canaryShare: 1 },
      'service:canary',
      { action: 'canary.advance', from: 0.5, to: 1, guardrails: advance.report },
    ]);
    expect(h.metrics.canaryShare.set).toHaveBeenLastCalledWith({ experiment: 'canary-1' }, 1);

    h.serve(50, 0.2, null, 1_000);
    const [promote] = await h.service.evaluateAll();
    expect(promote.decision).toBe('promote');
    const request = h.gate.requestTransition.mock.calls[0][0] as unknown as {
      to: string;
      canaryTelemetry: Record<string, unknown>;
    };
    expect(request.to).toBe('production');
    expect(request.canaryTelemetry).toMatchObject({
      onlineMetric: 0.2,
      championOnlineMetric: 0.2,
      comparedInStep: { share: 0.5, candidateUsers: 50, controlUsers: 50 },
      experimentId: 'canary-1',
    });
    expect(request.canaryTelemetry.onlineDifferenceStdError).toBeGreaterThan(0);
    const done = h.calls.find((c) => c[0] === 'transition' && (c[1] as Experiment).status === 'promoted')!;
    expect(done[3]).toEqual({ action: 'canary.promote', decisionId: 1, telemetry: request.canaryTelemetry });
    expect(h.metrics.decisions.inc).toHaveBeenLastCalledWith({ kind: 'canary', decision: 'promote' });
  });

  it('a policy denial rolls back with the policy’s reasons', async () => {
    const h = harness({
      gate: (req) =>
        req.to === 'production' ? { allowed: false, reasons: ['regression'] } : { allowed: true, reasons: [] },
    });
    await h.start([1]);
    h.serve(50, 0.2, 0.2);
    const [result] = await h.service.evaluateAll();
    expect(result.decision).toBe('rollback');
    const rollback = h.calls.find((c) => c[0] === 'transition')!;
    expect(rollback[3]).toMatchObject({
      action: 'canary.rollback',
      candidate: 'v2',
      reasons: ['promotion denied: regression'],
      gateDecision: { allowed: true, id: '2', reasons: [] },
    });
  });

  it('a rollback stops routing before it asks the gate, and still records it when the gate fails', async () => {
    const h = harness();
    await h.start([0.5, 1]);
    h.gate.requestTransition.mockRejectedValueOnce(new Error('policy engine down'));
    h.failLoad('manifest hash differs');
    h.serve(10, 0.2, 0.2);
    const [result] = await h.service.evaluateAll();
    expect(result.decision).toBe('rollback');
    expect(result.report.broken).toEqual(['candidate model could not be loaded: manifest hash differs']);
    expect(h.calls.slice(0, 2)).toEqual([
      ['route', 'rolled_back'],
      ['transition', expect.anything(), 'service:canary', expect.anything()],
    ]);
    expect(h.calls[1][3]).toMatchObject({ reasons: result.report.broken, gateDecision: null });
    expect(error).toHaveBeenCalledWith('could not reject v2: policy engine down');
  });

  it('logs a failed reload after a canary ends, and the rollback still completes', async () => {
    const h = harness();
    await h.start([0.5, 1]);
    h.failReload(new Error('database unavailable'));
    const rolledBack = await h.service.abort('canary-1', 'bob', 'manual stop');
    expect(rolledBack.status).toBe('rolled_back');
    await new Promise((resolve) => setImmediate(resolve));
    expect(warn).toHaveBeenCalledWith(
      'could not reload running experiments after canary canary-1 ended: database unavailable',
    );
  });

  it('a tick that waits for an evaluation under way logs that evaluation’s failure and goes on', async () => {
    const h = harness();
    await h.start([0.5, 1]);
    const started = h.experiments.runningExperiments[0];
    let broken = true;
    Object.defineProperty(h.experiments, 'runningExperiments', {
      get: () => {
        if (broken) throw new Error('routing table unavailable');
        return [started];
      },
    });
    const first = h.service.evaluateAll();
    broken = false;
    const second = h.service.evaluateAll();
    await expect(first).rejects.toThrow('routing table unavailable');
    await expect(second).resolves.toEqual([expect.objectContaining({ id: 'canary-1', decision: 'hold' })]);
    expect(warn).toHaveBeenCalledWith('earlier canary evaluation failed: routing table unavailable');
  });
});
