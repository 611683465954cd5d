import { formatRecommendationLine, LogLine, recommendationLineHash } from '@lib/movielog';
import type { BusRecord } from '@modules/events';
import { collapseLines, collapseRecords } from './batch-collapse';

const T = Date.UTC(2026, 10, 26, 6, 0, 0);
const options = { ratingScaleMax: 5, maxLineBytes: 8192, now: T + 3_600_000, maxFutureSkewMs: 0 };

describe('collapseLines', () => {
  it('aggregates watch lines per (user, movie): max minute, first and last time', () => {
    const lines: LogLine[] = [
      { type: 'watch', at: T + 2000, userId: 1, movieId: 'b', minute: 3 },
      { type: 'watch', at: T, userId: 1, movieId: 'b', minute: 7 },
      { type: 'watch', at: T + 5000, userId: 1, movieId: 'b', minute: 1 },
      { type: 'watch', at: T, userId: 1, movieId: 'a', minute: 0 },
      { type: 'watch', at: T, userId: 0, movieId: 'b', minute: 2 },
    ];
    const c = collapseLines(lines);
    expect(c.watches).toEqual([
      { userId: 0, movieId: 'b', maxMinute: 2, firstSeenAt: T, lastSeenAt: T },
      { userId: 1, movieId: 'a', maxMinute: 0, firstSeenAt: T, lastSeenAt: T },
      { userId: 1, movieId: 'b', maxMinute: 7, firstSeenAt: T, lastSeenAt: T + 5000 },
    ]);
    expect(c.accepted.watch).toBe(5);
    expect(c.users).toEqual([
      { id: 0, firstSeenAt: T },
      { id: 1, firstSeenAt: T },
    ]);
    expect(c.movies.map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('keeps the first rating per (user, movie, time) and the latest per (user, movie)', () => {
    const c = collapseLines([
      { type: 'rating', at: T + 10, userId: 1, movieId: 'a', rating: 2 },
      { type: 'rating', at: T + 10, userId: 1, movieId: 'a', rating: 5 }, // same key: first wins
      { type: 'rating', at: T + 20, userId: 1, movieId: 'a', rating: 4 },
      { type: 'rating', at: T, userId: 1, movieId: 'a', rating: 1 },
    ]);
    expect(c.ratingEvents.map((r) => [r.ratedAt - T, r.rating])).toEqual([
      [0, 1],
      [10, 2],
      [20, 4],
    ]);
    expect(c.latestRatings).toEqual([{ userId: 1, movieId: 'a', ratedAt: T + 20, rating: 4 }]);
  });

  it('collapses identical recommendation responses by line hash', () => {
    const rec: LogLine = {
      type: 'recommendation',
      at: T,
      userId: 9,
      server: 'h:1',
      status: 200,
      items: ['a', 'b'],
      latencyMs: 40,
      failure: null,
    };
    const c = collapseLines([rec, { ...rec, server: 'other:2' }, { ...rec, latencyMs: 41 }]);
    expect(c.recommendations).toHaveLength(2);
    expect(c.recommendations.map((r) => r.lineHash)).toContain(recommendationLineHash(rec));
  });

  it('is insensitive to the order of lines (same rows, same order)', () => {
    const lines: LogLine[] = [];
    for (let i = 0; i < 200; i++) {
      lines.push({ type: 'watch', at: T + i, userId: i % 7, movieId: `m${i % 5}`, minute: i % 13 });
      lines.push({ type: 'rating', at: T + i, userId: i % 7, movieId: `m${i % 3}`, rating: 1 + (i % 5) });
    }
    const reversed = collapseLines([...lines].reverse());
    const forward = collapseLines(lines);
    expect(reversed.watches).toEqual(forward.watches);
    expect(reversed.latestRatings).toEqual(forward.latestRatings);
    expect(reversed.ratingEvents).toEqual(forward.ratingEvents);
  });
});

describe('collapseRecords', () => {
  const record = (offset: number, value: string | Buffer): BusRecord => ({
    topic: 'movielog',
    partition: 2,
    offset: String(offset),
    key: null,
    value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    timestamp: T,
  });

  it('dead-letters rejected records with their source coordinates and keeps the rest', () => {
    const c = collapseRecords(
      [
        record(10, '2026-11-26T05:00:00,1,GET /data/m/heat+1995/3.mpg'),
        record(11, "2026-11-26T05:00:00,1,GET /rate/'; DROP TABLE movie; --=5"),
        record(12, Buffer.from([0xff, 0x00])),
        record(13, formatRecommendationLine({ at: T, userId: 1, server: 'h:1', status: 200, items: [], latencyMs: 3 })),
      ],
      options,
    );
    expect(c.watches).toHaveLength(1);
    expect(c.recommendations).toHaveLength(1);
    expect(c.deadLetters.map((d) => [d.offset, d.reason, d.partition])).toEqual([
      ['11', 'bad_movie_id', 2],
      ['12', 'invalid_utf8', 2],
    ]);
    expect(c.deadLetters[1].raw).toEqual(Buffer.from([0xff, 0x00]));
  });
});
