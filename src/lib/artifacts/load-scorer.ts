import { closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ArtifactContents,
  ArtifactIntegrityError,
  ArtifactManifest,
  NewArtifact,
  readArtifact,
  writeArtifact,
} from './artifact-format';
import { Scorer } from './scorer';
import { RankingThread } from './kernels/ranking-thread';
import { FactorScorer } from './scorers/factor.scorer';
import { HybridScorer } from './scorers/hybrid.scorer';
import { ItemKnnScorer } from './scorers/item-knn.scorer';
import { PopularityScorer } from './scorers/popularity.scorer';
import { UserVectorPaging, UserVectors } from './scorers/user-vectors';

export interface LoadScorerOptions {
  /** Serving's ranking thread: factor and hybrid models rank there (see RankingThread). */
  readonly rankingThread?: RankingThread | null;
  /** Large per-user tables (factor and hybrid models) read a row per request from a private file (UserVectors). */
  readonly userVectorPaging?: UserVectorPaging | null;
}

const SCORERS: Record<string, (contents: ArtifactContents, options: LoadScorerOptions) => Scorer | Promise<Scorer>> = {
  popularity: (c) => new PopularityScorer(c),
  'item-knn': (c) => new ItemKnnScorer(c),
  svd: (c, o) => factorScorer(c, o),
  als: (c, o) => factorScorer(c, o),
  hybrid: (c, o) => HybridScorer.load(c, { thread: o.rankingThread }, o.userVectorPaging),
};

function factorScorer(contents: ArtifactContents, options: LoadScorerOptions): Promise<FactorScorer> {
  const ranking = options.rankingThread ? { thread: options.rankingThread } : { quantizeInSlices: true };
  return FactorScorer.load(contents, ranking, options.userVectorPaging);
}

export const SCORABLE_MODEL_TYPES = Object.keys(SCORERS);

/** Builds a scorer from already-verified artifact contents. */
export async function scorerFromContents(contents: ArtifactContents, options: LoadScorerOptions = {}): Promise<Scorer> {
  const make = SCORERS[contents.manifest.modelType];
  if (!make) throw new ArtifactIntegrityError(contents.manifest.modelType, `no scorer for model type`);
  return make(contents, options);
}

/**
 * Loads any model artifact for serving: verifies hashes and tensor shapes
 * (readArtifact), then picks the scorer by manifest.modelType. Imports no
 * training code.
 */
export async function loadScorer(dir: string, options: LoadScorerOptions = {}): Promise<Scorer> {
  const paging = options.userVectorPaging;
  let spilled: number | null = null;
  const spill = async (manifest: ArtifactManifest) => {
    const plan = await UserVectors.spillPlan(manifest, paging);
    spilled = plan?.fd ?? null;
    return plan;
  };
  let contents: ArtifactContents;
  try {
    contents = await readArtifact(dir, paging ? { spill } : {});
  } catch (error) {
    if (spilled === null) throw error;
    closeSync(spilled);
    spilled = null;
    // The page file's write may be what failed (disk full; the hashing thread reports it like a bad read): read
    // again into memory, as paging a table in memory falls back. A bad artifact fails this read too.
    contents = await readArtifact(dir);
    paging?.onFailure?.(error as Error);
  }
  try {
    return await scorerFromContents(contents, options);
  } catch (error) {
    // Unless a UserVectors took the page file over (it closes it itself, once).
    if (spilled !== null && !UserVectors.holds(spilled)) closeSync(spilled);
    throw error;
  }
}

/**
 * A freshly trained artifact as serving would load it: written to a temporary
 * directory, read back with its checksums verified, then the files removed.
 * For reports and tests that score a model they have just trained.
 */
export async function scorerFromArtifact(artifact: NewArtifact): Promise<Scorer> {
  const dir = await mkdtemp(path.join(tmpdir(), `marquee-${artifact.modelType}-`));
  try {
    await writeArtifact(path.join(dir, 'a'), artifact);
    return await loadScorer(path.join(dir, 'a'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
