import { SnapshotContent } from '@lib/dataset';

/**
 * Hook for leaving accounts out of training snapshots (the data-poisoning
 * quarantine: pending review or confirmed malicious). The security module
 * provides it under SNAPSHOT_EXCLUSIONS; a snapshot builder injects it
 * (`@Optional() @Inject(SNAPSHOT_EXCLUSIONS)`), asks for the set once per
 * snapshot, filters with `withoutUsers`, and records
 * `semantics.quarantineApplied: true` in the manifest.
 */
export interface SnapshotExclusions {
  excludedUserIds(): Promise<ReadonlySet<number>>;
}

export const SNAPSHOT_EXCLUSIONS = Symbol('SNAPSHOT_EXCLUSIONS');

/**
 * The same content without the rows (and profiles) of the given user ids.
 * Remaining users are re-indexed densely in their original order, so the
 * result is a valid snapshot whose hash depends only on what is left.
 */
export function withoutUsers(content: SnapshotContent, excluded: ReadonlySet<number>): SnapshotContent {
  if (excluded.size === 0) return content;
  const remap = new Int32Array(content.users.length).fill(-1);
  const users = [];
  for (let u = 0; u < content.users.length; u++) {
    if (excluded.has(content.users[u].id)) continue;
    remap[u] = users.length;
    users.push(content.users[u]);
  }
  let kept = 0;
  for (let k = 0; k < content.userIndex.length; k++) if (remap[content.userIndex[k]] >= 0) kept++;
  const userIndex = new Int32Array(kept);
  const itemIndex = new Int32Array(kept);
  const watchMinutes = new Float32Array(kept);
  const rating = new Float32Array(kept);
  const timestamp = new Float64Array(kept);
  let j = 0;
  for (let k = 0; k < content.userIndex.length; k++) {
    const u = remap[content.userIndex[k]];
    if (u < 0) continue;
    userIndex[j] = u;
    itemIndex[j] = content.itemIndex[k];
    watchMinutes[j] = content.watchMinutes[k];
    rating[j] = content.rating[k];
    timestamp[j] = content.timestamp[k];
    j++;
  }
  return { ...content, users, userIndex, itemIndex, watchMinutes, rating, timestamp };
}
