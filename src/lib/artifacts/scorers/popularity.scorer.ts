import { ArtifactContents, ArtifactIntegrityError, tensor } from '../artifact-format';
import { ScoredItem, Scorer, UserContext } from '../scorer';
import { ArtifactCatalog } from './catalog';
import { demographicSegment } from './demographics';

/**
 * Recency-weighted popularity, optionally per demographic segment (age band ×
 * gender). Row 0 of `scores` is the global list; other rows are segments named
 * in extra.segments. It knows no user individually, so it is also the
 * cold-start fallback for every other model.
 */
export class PopularityScorer implements Scorer {
  readonly modelType = 'popularity';
  private readonly catalog: ArtifactCatalog;
  private readonly scores: Float32Array;
  private readonly userSegment: Int32Array;
  private readonly segmentRow: ReadonlyMap<string, number>;

  constructor(contents: ArtifactContents) {
    this.catalog = new ArtifactCatalog(contents);
    const segments = (contents.manifest.extra?.segments ?? ['global']) as string[];
    if (!Array.isArray(segments) || segments[0] !== 'global') {
      throw new ArtifactIntegrityError(contents.manifest.modelType, 'extra.segments must start with "global"');
    }
    this.scores = tensor(contents, 'scores', Float32Array, [segments.length, this.catalog.items]);
    this.userSegment = tensor(contents, 'userSegment', Int32Array, [this.catalog.users]);
    this.segmentRow = new Map(segments.map((s, row) => [s, row]));
  }

  knowsUser(_userId: number): boolean {
    return false;
  }

  /** Segment row: the profile given by serving wins, then the user's training-time segment, else global. */
  private rowFor(userId: number, context?: UserContext): number {
    if (context?.profile) return this.segmentRow.get(demographicSegment(context.profile)) ?? 0;
    const u = this.catalog.userIndex.get(userId);
    return u === undefined ? 0 : this.userSegment[u];
  }

  recommend(userId: number, k: number, exclude: ReadonlySet<string>, context?: UserContext): ScoredItem[] {
    const n = this.catalog.items;
    const row = this.rowFor(userId, context);
    return this.catalog.topK(this.scores.subarray(row * n, (row + 1) * n), k, exclude);
  }
}
