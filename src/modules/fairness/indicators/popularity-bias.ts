/**
 * Popularity bias of recommendations against each user's own history
 * (Abdollahpouri et al. 2019, "The unfairness of popularity bias in
 * recommendation": ΔGAP compares the mean popularity of what a user is shown
 * with the mean popularity of what the user consumed).
 */
export interface PopularityBias {
  /** Mean over users of the mean popularity of their recommended items. */
  readonly recommended: number;
  /** Mean over users of the mean popularity of the items in their history. */
  readonly history: number;
  /** (recommended − history) / history: > 0 = recommendations are more mainstream than the users. */
  readonly relativeLift: number;
  readonly users: number;
}

export function popularityBias(
  users: Iterable<{ readonly recommended: ArrayLike<number>; readonly history: ArrayLike<number> }>,
  popularity: ArrayLike<number>,
): PopularityBias {
  let rec = 0;
  let hist = 0;
  let count = 0;
  const mean = (items: ArrayLike<number>): number => {
    let s = 0;
    for (let j = 0; j < items.length; j++) s += popularity[items[j]] ?? 0;
    return s / items.length;
  };
  for (const user of users) {
    if (user.recommended.length === 0 || user.history.length === 0) continue;
    rec += mean(user.recommended);
    hist += mean(user.history);
    count++;
  }
  const recommended = count ? rec / count : 0;
  const history = count ? hist / count : 0;
  return { recommended, history, relativeLift: history > 0 ? (recommended - history) / history : 0, users: count };
}
