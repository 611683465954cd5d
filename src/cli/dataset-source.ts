import * as path from 'node:path';
import { loadConfig } from '@modules/config';
import { loadSnapshot } from '@modules/datasets';
import { InteractionDataset } from '@lib/dataset';
import { loadMovieLensDataset } from '@lib/movielens';
import { generateLatentWorld } from '@lib/training';

/**
 * Where the offline evaluation and the training benchmark get their data: a
 * dataset snapshot (a directory, or an id under DATA_DIR/snapshots), MovieLens
 * files, or the trainer's synthetic world.
 */
export type DatasetSource =
  | { readonly kind: 'snapshot'; readonly dir: string }
  | { readonly kind: 'movielens'; readonly dir: string }
  | {
      readonly kind: 'synthetic';
      readonly users: number;
      readonly movies: number;
      readonly interactions: number;
      readonly seed: number;
    };

export function describeSource(source: DatasetSource): string {
  switch (source.kind) {
    case 'snapshot':
      return `dataset snapshot ${source.dir}`;
    case 'movielens':
      return `MovieLens files in ${source.dir}`;
    case 'synthetic':
      return `trainer's synthetic latent-factor world (seed ${source.seed}; not the product simulator)`;
  }
}

export async function loadDataset(source: DatasetSource): Promise<InteractionDataset> {
  switch (source.kind) {
    case 'snapshot':
      return loadSnapshot(source.dir, path.join(loadConfig().dataDir, 'snapshots'));
    case 'movielens':
      return loadMovieLensDataset(source.dir);
    case 'synthetic':
      return generateLatentWorld(source).dataset;
  }
}
