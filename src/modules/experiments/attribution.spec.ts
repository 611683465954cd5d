import { loadConfig } from '@modules/config';
import { LiveModel, LiveModels, ServingRouter } from '@modules/serving';
import { Experiment } from './experiment';
import { ExperimentsService } from './experiments.service';

/** Routing and stream attribution of a canary must agree on who answered, also while its model loads. */
describe('ExperimentsService: attribution follows the model that answered', () => {
  const model = (versionId: string): LiveModel =>
    ({ versionId, modelType: 'als', snapshotId: 's', scorer: {}, loadedAt: new Date() }) as unknown as LiveModel;
  const canary = {
    id: 'canary-1',
    kind: 'canary',
    slot: 'default',
    status: 'running',
    salt: 'salt',
    arms: [
      { name: 'control', modelVersion: 'prod-v1', share: 0.5 },
      { name: 'candidate', modelVersion: 'cand-v2', share: 0.5 },
    ],
    canaryShare: 0.5,
  } as unknown as Experiment;

  function setup() {
    const live = new LiveModels();
    live.installProduction(model('prod-v1'));
    const router = new ServingRouter(live);
    const service = new ExperimentsService(
      loadConfig({ LOG_LEVEL: 'silent' }),
      {} as never,
      router,
      live,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
    );
    router.setAssigner((userId, models) => service.route(userId, models));
    service.replaceRunning(canary);
    return { live, router, service };
  }

  it('counts the canary share for production while the candidate model is not loaded, for the candidate once it is', () => {
    const { live, router, service } = setup();
    // Exposures are written in the background; the store is not part of this test.
    jest.spyOn(service as unknown as { recordExposure: () => void }, 'recordExposure').mockImplementation(() => {});
    const users = Array.from({ length: 400 }, (_, i) => i + 1);
    const candidateUsers = users.filter((u) => service.attribute(u).arm === 'candidate');
    expect(candidateUsers).toEqual([]);
    for (const u of users) {
      const decision = router.route(u);
      expect(decision.model?.versionId).toBe('prod-v1');
      expect(service.attribute(u).modelVersion).toBe('prod-v1');
    }

    live.installOthers([model('cand-v2')]);
    const routedToCandidate = users.filter((u) => router.route(u).model?.versionId === 'cand-v2');
    const attributedToCandidate = users.filter((u) => service.attribute(u).modelVersion === 'cand-v2');
    expect(routedToCandidate.length).toBeGreaterThan(100);
    expect(attributedToCandidate).toEqual(routedToCandidate);
    for (const u of routedToCandidate)
      expect(service.attribute(u)).toMatchObject({ experimentId: 'canary-1', arm: 'candidate' });
  });
});
