/** At most this many user ids per history-change message (a message stays well under 100 KB). */
export const HISTORY_CHANGE_MAX_USERS = 5_000;

/**
 * The history-change topic's messages (TOPIC_HISTORY_CHANGES): ingestion
 * publishes one after a batch's watch and rating rows are committed to the
 * store, naming the users whose history they changed, as decimal ids joined by
 * commas. Serving consumes only this topic to drop cached histories, instead
 * of reading every line of `movielog` (mostly its own recommendation lines)
 * and guessing which were stored yet. Split into messages of at most
 * HISTORY_CHANGE_MAX_USERS ids.
 */
export function historyChangeMessages(userIds: Iterable<number>): string[] {
  const unique = [...new Set(userIds)];
  const out: string[] = [];
  for (let from = 0; from < unique.length; from += HISTORY_CHANGE_MAX_USERS)
    out.push(unique.slice(from, from + HISTORY_CHANGE_MAX_USERS).join(','));
  return out;
}

/** The user ids of one history-change message; a field that is not a user id is skipped. */
export function usersInHistoryChange(value: string): number[] {
  const out: number[] = [];
  for (const field of value.split(',')) {
    if (field.length === 0 || field.length > 16) continue;
    const userId = Number(field);
    if (Number.isSafeInteger(userId) && userId >= 0) out.push(userId);
  }
  return out;
}
