import { ArtifactContents, ArtifactIntegrityError, readArtifact } from './artifact-format';
import { Scorer } from './scorer';
import { FactorScorer } from './scorers/factor.scorer';
import { HybridScorer } from './scorers/hybrid.scorer';
import { ItemKnnScorer } from './scorers/item-knn.scorer';
import { PopularityScorer } from './scorers/popularity.scorer';

const SCORERS: Record<string, (contents: ArtifactContents) => Scorer | Promise<Scorer>> = {
  popularity: (c) => new PopularityScorer(c),
  'item-knn': (c) => new ItemKnnScorer(c),
  svd: (c) => FactorScorer.load(c),
  als: (c) => FactorScorer.load(c),
  hybrid: (c) => new HybridScorer(c),
};

export const SCORABLE_MODEL_TYPES = Object.keys(SCORERS);

/** Builds a scorer from already-verified artifact contents. */
export async function scorerFromContents(contents: ArtifactContents): Promise<Scorer> {
  const make = SCORERS[contents.manifest.modelType];
  if (!make) throw new ArtifactIntegrityError(contents.manifest.modelType, `no scorer for model type`);
  return make(contents);
}

/**
 * Loads any model artifact for serving: verifies hashes and tensor shapes
 * (readArtifact), then picks the scorer by manifest.modelType. Imports no
 * training code.
 */
export async function loadScorer(dir: string): Promise<Scorer> {
  return scorerFromContents(await readArtifact(dir));
}
