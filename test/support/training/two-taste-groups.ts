import { InteractionDataset, MovieProfile, UserProfile } from '@lib/dataset';
import { createRng } from '@lib/training';

/**
 * The known-answer fixture for every model: two user groups with disjoint
 * tastes. Group A (men, 25–34) watch only "Action" movies m1…m10, group B
 * (women, 25–34) only "Romance" movies m11…m20; each user saw 6 of their
 * group's 10 movies, so a correct model fills the top of the list with the
 * group's unseen movies and never with the other group's.
 */
export const GROUP_ITEMS = 10;

/**
 * With `dislikes`, each user also rated two of the other group's movies 1/5
 * after a few minutes: the negative signal a pure rating model (SVD) needs,
 * since it never sees what users did not watch.
 */
export function twoTasteGroups(usersPerGroup = 20, seed = 3, opts: { dislikes?: boolean } = {}): InteractionDataset {
  const rng = createRng(seed);
  const users: UserProfile[] = [];
  const movies: MovieProfile[] = [];
  for (let i = 0; i < 2 * GROUP_ITEMS; i++) {
    const groupA = i < GROUP_ITEMS;
    movies.push({
      id: `m${i + 1}`,
      genres: [groupA ? 'Action' : 'Romance'],
      year: 2000 + (i % 5),
      language: 'en',
      adult: false,
      runtime: 100,
    });
  }
  const userIndex: number[] = [];
  const itemIndex: number[] = [];
  const minutes: number[] = [];
  const ratings: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < 2 * usersPerGroup; u++) {
    const groupA = u < usersPerGroup;
    users.push({ id: u + 1, age: 30, gender: groupA ? 'M' : 'F', occupation: 'engineer' });
    const offset = groupA ? 0 : GROUP_ITEMS;
    const chosen = Array.from({ length: GROUP_ITEMS }, (_, i) => i);
    for (let j = 0; j < 6; j++) {
      const pick = j + rng.int(GROUP_ITEMS - j);
      [chosen[j], chosen[pick]] = [chosen[pick], chosen[j]];
      userIndex.push(u);
      itemIndex.push(offset + chosen[j]);
      minutes.push(60 + rng.int(40));
      ratings.push(4 + rng.int(2));
      times.push(Date.UTC(2026, 0, 1) + (u * 6 + j) * 3_600_000);
    }
    if (opts.dislikes) {
      const other = groupA ? GROUP_ITEMS : 0;
      const first = rng.int(GROUP_ITEMS);
      for (const i of [first, (first + 1 + rng.int(GROUP_ITEMS - 1)) % GROUP_ITEMS]) {
        userIndex.push(u);
        itemIndex.push(other + i);
        minutes.push(5);
        ratings.push(1);
        times.push(Date.UTC(2026, 0, 1) + (u * 6 + 5) * 3_600_000 + i);
      }
    }
  }
  return {
    snapshotId: 'two-taste-groups',
    contentHash: `two-taste-groups:${usersPerGroup}:${seed}`,
    users,
    movies,
    userIndex: Int32Array.from(userIndex),
    itemIndex: Int32Array.from(itemIndex),
    watchMinutes: Float32Array.from(minutes),
    rating: Float32Array.from(ratings),
    timestamp: Float64Array.from(times),
    ratingScaleMax: 5,
  };
}

/** Movie ids of the user's own group, and of the other group. */
export function groupMovies(userIndex: number, usersPerGroup = 20): { own: Set<string>; other: Set<string> } {
  const a = new Set(Array.from({ length: GROUP_ITEMS }, (_, i) => `m${i + 1}`));
  const b = new Set(Array.from({ length: GROUP_ITEMS }, (_, i) => `m${GROUP_ITEMS + i + 1}`));
  return userIndex < usersPerGroup ? { own: a, other: b } : { own: b, other: a };
}
