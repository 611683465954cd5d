/**
 * One representative row per Prisma model, used by the storage round-trip
 * test. Adding a model to prisma/schema.prisma without a fixture here makes
 * that test fail, so every table is proven to match its migration.
 * Values exercise the awkward types: JSON, BigInt, Bytes, arrays, dates with ms.
 */
export interface ModelFixture {
  /** The unique selector used to read the row back. */
  readonly where: Record<string, unknown>;
  readonly data: Record<string, unknown>;
}

export const MODEL_FIXTURES: Record<string, ModelFixture> = {
  Movie: {
    where: { id: 'the+shawshank+redemption+1994' },
    data: {
      id: 'the+shawshank+redemption+1994',
      tmdbId: 278,
      imdbId: 'tt0111161',
      title: 'The Shawshank Redemption',
      originalTitle: 'The Shawshank Redemption',
      adult: false,
      genres: [
        { id: 18, name: 'Drama' },
        { id: 80, name: 'Crime' },
      ],
      originalLanguage: 'en',
      overview: 'Framed in the 1940s for a double murder…',
      popularity: 51.645,
      releaseDate: '1994-09-23',
      runtime: 142,
      spokenLanguages: [{ iso_639_1: 'en', name: 'English' }],
      voteAverage: 8.5,
      voteCount: 8358,
      budget: 25000000n,
      revenue: 28341469n,
      status: 'Released',
      firstSeenAt: new Date('2026-11-01T10:00:00.123Z'),
    },
  },
  User: {
    where: { id: 215124 },
    data: {
      id: 215124,
      age: 34,
      occupation: 'executive/managerial',
      gender: 'F',
      firstSeenAt: new Date('2026-11-02T00:00:00.000Z'),
    },
  },
  WatchAggregate: {
    where: { userId_movieId: { userId: 215124, movieId: 'gladiator+2000' } },
    data: {
      userId: 215124,
      movieId: 'gladiator+2000',
      maxMinute: 97,
      firstSeenAt: new Date('2026-11-02T20:00:00.000Z'),
      lastSeenAt: new Date('2026-11-02T21:37:00.500Z'),
    },
  },
  RatingEvent: {
    where: {
      userId_movieId_ratedAt: {
        userId: 215124,
        movieId: 'gladiator+2000',
        ratedAt: new Date('2026-11-02T21:40:00.000Z'),
      },
    },
    data: { userId: 215124, movieId: 'gladiator+2000', ratedAt: new Date('2026-11-02T21:40:00.000Z'), rating: 4 },
  },
  Rating: {
    where: { userId_movieId: { userId: 215124, movieId: 'gladiator+2000' } },
    data: { userId: 215124, movieId: 'gladiator+2000', rating: 4, ratedAt: new Date('2026-11-02T21:40:00.000Z') },
  },
  RecommendationLog: {
    where: { lineHash: 'a'.repeat(64) },
    data: {
      lineHash: 'a'.repeat(64),
      requestId: '5f0c6c1e-6d1e-4d1b-9a53-3c9a3a3b8e01',
      userId: 215124,
      requestedAt: new Date('2026-02-14T00:09:21.099Z'),
      modelVersion: 'als-20261126-1',
      status: 200,
      items: ['gladiator+2000', 'the+godfather+1972'],
      latencyMs: 45,
      source: 'served',
    },
  },
  DeadLetter: {
    where: { topic_partition_offset: { topic: 'movielog', partition: 2, offset: '9007199254740993' } },
    data: {
      topic: 'movielog',
      partition: 2,
      offset: '9007199254740993',
      raw: new Uint8Array([0xff, 0xfe, 0x2c, 0x00]),
      reason: 'invalid_utf8',
      detail: 'byte 0 is not valid UTF-8',
      receivedAt: new Date('2026-11-03T00:00:00.000Z'),
    },
  },
  DatasetSnapshot: {
    where: { id: 'snap-20261126000000-0123abcd' },
    data: {
      id: 'snap-20261126000000-0123abcd',
      createdAt: new Date('2026-11-26T00:00:00.000Z'),
      rangeStart: new Date('2026-11-01T00:00:00.000Z'),
      cutoff: new Date('2026-11-25T23:59:59.999Z'),
      schemaVersion: 1,
      rowCounts: { interactions: 10, users: 2, movies: 3 },
      contentHash: '0123abcd'.repeat(8),
      location: 'snapshots/snap-20261126000000-0123abcd',
    },
  },
  ModelVersion: {
    where: { id: 'als-0123456789ab' },
    data: {
      id: 'als-0123456789ab',
      slot: 'default',
      modelType: 'als',
      params: { factors: 32, regularization: 0.05, iterations: 10 },
      seed: 42,
      snapshotId: 'snap-20261126000000-0123abcd',
      snapshotHash: '0123abcd'.repeat(8),
      codeCommit: 'b033e3dfe6f13497605b5dbde1fcbea0b5d252a4',
      codeDirty: true,
      artifactDir: '/data/artifacts/als-0123456789ab',
      artifactSha256: '0123456789ab'.padEnd(64, 'f'),
      trainingRunId: 'run-7',
      metrics: { 'ndcg@20': 0.312, coverage: 0.41 },
      gates: { fairness: { passed: true, qualityGap: 0.03 } },
      state: 'canary',
      trainedBy: 'alice',
      trainedAt: new Date('2026-11-26T01:02:03.456Z'),
      registeredBy: 'alice',
      registeredAt: new Date('2026-11-26T01:05:00.001Z'),
      stateChangedAt: new Date('2026-11-26T02:00:00.002Z'),
      promotedAt: null,
    },
  },
  PromotionDecision: {
    where: { id: 1n },
    data: {
      id: 1n,
      modelId: 'als-0123456789ab',
      slot: 'default',
      fromState: 'candidate',
      toState: 'canary',
      actor: 'rm-bob',
      role: 'release-manager',
      allowed: false,
      overridden: false,
      justification: null,
      reasons: ['drift gate has not been evaluated'],
      policyVersion: 'f'.repeat(64),
      input: { transition: { from: 'candidate', to: 'canary' }, champion: null },
      decidedAt: new Date('2026-11-26T02:00:00.001Z'),
    },
  },
  ApiKey: {
    where: { name: 'ci-admin' },
    data: {
      id: '7d1b0c2e-2f7a-4a8e-9d3b-1c2d3e4f5a6b',
      name: 'ci-admin',
      role: 'admin',
      keyHash: 'ab'.repeat(32),
      createdAt: new Date('2026-11-26T00:00:00.789Z'),
      revokedAt: null,
    },
  },
  AuditRecord: {
    where: { seq: 1n },
    data: {
      seq: 1n,
      at: new Date('2026-11-26T02:00:00.003Z'),
      actor: 'rm-bob',
      kind: 'policy.decision',
      subject: 'model:als-0123456789ab',
      payload: { allowed: false, reasons: ['drift gate has not been evaluated'] },
      prevHash: '0'.repeat(64),
      hash: 'cd'.repeat(32),
    },
  },
  TrainingRun: {
    where: { id: 'run-20261126080000-abcdef12' },
    data: {
      id: 'run-20261126080000-abcdef12',
      slot: 'default',
      trigger: 'schedule',
      modelType: 'als',
      status: 'succeeded',
      startedAt: new Date('2026-11-26T08:00:00.000Z'),
      finishedAt: new Date('2026-11-26T08:04:10.250Z'),
      snapshotId: 'snap-20261126000000-0123abcd',
      modelId: 'als-1a2b3c4d5e6f',
      outcome: { transitions: [{ to: 'canary', allowed: true }] },
      error: null,
    },
  },
  Quarantine: {
    where: { userId: 3051 },
    data: {
      userId: 3051,
      detector: 'shilling/v1',
      reasons: ['rating_burst', 'unwatched_ratings'],
      scores: { ratings: 11, rdma: 0.0123, degSim: 0.41, unwatchedShare: 1 },
      targetMovies: ['the+carnival+2013'],
      heldEvents: 11,
      flaggedAt: new Date('2026-11-26T05:00:00.123Z'),
      status: 'malicious',
      reviewedBy: 'apikey:alice',
      reviewedAt: new Date('2026-11-26T06:30:00.456Z'),
      reviewNote: 'burst of 90 new accounts',
    },
  },
};
