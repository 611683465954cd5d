// Public surface of lib/artifacts: what other modules may import. Everything else is internal.
export { ArtifactIntegrityError, type NewArtifact, readArtifact, readManifest, writeArtifact } from './artifact-format';
export { RankingThread } from './kernels/ranking-thread';
export { loadScorer, scorerFromArtifact } from './load-scorer';
export { type ScoredItem, type Scorer } from './scorer';
export { CodedMovieSet } from './scorers/coded-movie-set';
export { demographicSegment, itemFeatureNames, userFeatureNames } from './scorers/demographics';
export { positionInSorted } from './scorers/user-id-index';
