import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InteractionDataset } from '@lib/dataset';
import { writeArtifact, loadScorer, Scorer } from '@lib/artifacts';
import { trainerFor } from '@lib/training';

/**
 * Trains a model recipe (type, params, seed) on `data` and loads it as the
 * serving scorer would (written and read back through the artifact format).
 * The audit uses it to retrain a registered model's recipe on the past of
 * its holdout: the registered artifact has seen the holdout, and auditing it
 * there would measure memorisation instead of quality.
 */
export async function trainRecipeScorer(
  data: InteractionDataset,
  recipe: { readonly modelType: string; readonly params: Record<string, unknown>; readonly seed: number },
  workers = 1,
): Promise<Scorer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'marquee-fairness-'));
  try {
    const artifact = await trainerFor(recipe.modelType).train(data, recipe.params, recipe.seed, { workers });
    await writeArtifact(dir, artifact);
    return await loadScorer(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
