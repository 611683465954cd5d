/**
 * External user id → internal index, for up to millions of users. A Map of
 * 1M entries takes seconds to build on the thread that serves requests (a
 * hot swap would stall traffic); ids in a sorted Int32Array with a binary
 * search build in milliseconds and answer in ~20 comparisons.
 */
export class UserIdIndex {
  private readonly sortedIds: Int32Array;
  /** Internal index of sortedIds[i]; null when the ids were already in order (the usual case). */
  private readonly positions: Int32Array | null;

  /** An Int32Array is taken over, not copied. */
  constructor(ids: Int32Array | readonly number[]) {
    // Not instanceof: the array may come from another realm (a worker's message in a test's VM context).
    const typed =
      Object.prototype.toString.call(ids) === '[object Int32Array]' ? (ids as Int32Array) : Int32Array.from(ids);
    let ordered = true;
    for (let i = 1; i < typed.length && ordered; i++) ordered = typed[i - 1] < typed[i];
    if (ordered) {
      this.sortedIds = typed;
      this.positions = null;
      return;
    }
    const order = Int32Array.from(typed.keys()).sort((a, b) => typed[a] - typed[b]);
    this.sortedIds = Int32Array.from(order, (i) => typed[i]);
    this.positions = order;
  }

  get(id: number): number | undefined {
    const at = positionInSorted(this.sortedIds, id);
    if (at < 0) return undefined;
    return this.positions ? this.positions[at] : at;
  }
}

/** Position of `id` in ascending `ids` (binary search), or −1. */
export function positionInSorted(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = ids[mid];
    if (value === id) return mid;
    if (value < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
