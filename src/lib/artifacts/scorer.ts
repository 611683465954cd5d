import { UserProfile } from '@lib/dataset';

export interface ScoredItem {
  readonly movieId: string;
  readonly score: number;
}

/** What serving knows about the requesting user beyond the id. */
export interface UserContext {
  /** Demographics when the platform knows them (cold start, hybrid models). */
  readonly profile?: Omit<UserProfile, 'id'>;
  /** Movies the user interacted with, most recent first (item-kNN, cold users). */
  readonly history?: readonly string[];
}

/**
 * A loaded model, ready to rank. Implementations live next to the artifact
 * format (never in training code) and must be pure and synchronous: they are
 * called on the request path.
 */
export interface Scorer {
  readonly modelType: string;
  /** True when the model has a learned representation for this user. */
  knowsUser(userId: number): boolean;
  /**
   * Best `k` movies for the user, best first, never one in `exclude`.
   * May return fewer than k (e.g. a tiny catalog) but never throws for an
   * unknown user: it then ranks from `context` or returns [].
   */
  recommend(userId: number, k: number, exclude: ReadonlySet<string>, context?: UserContext): ScoredItem[];
  /**
   * The same ranking for the request path, where a model loaded with
   * serving's ranking thread does the all-items scan there instead of on the
   * thread that answers HTTP. Models without one only have `recommend`.
   */
  recommendAsync?(
    userId: number,
    k: number,
    exclude: ReadonlySet<string>,
    context?: UserContext,
  ): Promise<ScoredItem[]>;
}
