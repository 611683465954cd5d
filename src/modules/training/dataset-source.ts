import { InteractionDataset } from '../datasets/interaction-dataset';
import { loadMovieLens } from './movielens/movielens-loader';
import { generateLatentWorld } from './synthetic/latent-world';

/**
 * Where the offline evaluation and the training benchmark get their data.
 *
 * HOOK for the snapshot engineer (issue 4): register the function that reads a
 * dataset snapshot directory into an InteractionDataset, e.g. at the top of
 * src/cli/eval.ts:
 *     registerSnapshotLoader((dir) => snapshotStore.readInteractionDataset(dir));
 * Until then `--snapshot <dir>` fails with a clear message.
 */
export type SnapshotLoader = (dir: string) => Promise<InteractionDataset>;

let snapshotLoader: SnapshotLoader | null = null;

export function registerSnapshotLoader(loader: SnapshotLoader): void {
  snapshotLoader = loader;
}

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
      if (!snapshotLoader) {
        throw new Error(
          `--snapshot ${source.dir}: no snapshot loader registered (see registerSnapshotLoader in src/modules/training/dataset-source.ts)`,
        );
      }
      return snapshotLoader(source.dir);
    case 'movielens':
      return loadMovieLens(source.dir);
    case 'synthetic':
      return generateLatentWorld(source).dataset;
  }
}
