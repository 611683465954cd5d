import { UserIdIndex } from './user-id-index';

describe('UserIdIndex', () => {
  it('maps ids in order to their positions', () => {
    const index = new UserIdIndex([3, 8, 21, 40]);
    expect([3, 8, 21, 40].map((id) => index.get(id))).toEqual([0, 1, 2, 3]);
    expect(index.get(4)).toBeUndefined();
    expect(index.get(-1)).toBeUndefined();
    expect(index.get(41)).toBeUndefined();
  });

  it('maps ids in any order to their original positions', () => {
    const ids = [50, 7, 1_000_000, 3, 42];
    const index = new UserIdIndex(ids);
    ids.forEach((id, position) => expect(index.get(id)).toBe(position));
    expect(index.get(8)).toBeUndefined();
  });

  it('handles an empty model', () => {
    expect(new UserIdIndex([]).get(1)).toBeUndefined();
  });
});
