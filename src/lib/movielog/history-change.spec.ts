import { HISTORY_CHANGE_MAX_USERS, historyChangeMessages, usersInHistoryChange } from './history-change';

describe('history-change messages', () => {
  it('name each user once and read back the same ids', () => {
    const messages = historyChangeMessages([5, 0, 123_456_789, 5, 42]);
    expect(messages).toEqual(['5,0,123456789,42']);
    expect(usersInHistoryChange(messages[0])).toEqual([5, 0, 123_456_789, 42]);
    expect(historyChangeMessages([])).toEqual([]);
  });

  it('split many users into messages of at most HISTORY_CHANGE_MAX_USERS ids', () => {
    const users = Array.from({ length: 2 * HISTORY_CHANGE_MAX_USERS + 1 }, (_, i) => i);
    const messages = historyChangeMessages(users);
    expect(messages.map((m) => usersInHistoryChange(m).length)).toEqual([
      HISTORY_CHANGE_MAX_USERS,
      HISTORY_CHANGE_MAX_USERS,
      1,
    ]);
    expect(messages.flatMap(usersInHistoryChange)).toEqual(users);
  });

  it('skip a field that is not a user id instead of failing', () => {
    expect(usersInHistoryChange('1,,x,-3,2.5,9007199254740993,3, 4')).toEqual([1, 3, 4]);
    expect(usersInHistoryChange('')).toEqual([]);
  });
});
