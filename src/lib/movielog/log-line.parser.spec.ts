import fc from 'fast-check';
import {
  accountLine,
  formatAccountLine,
  formatLogTime,
  formatRatingLine,
  formatRecommendationLine,
  formatWatchLine,
  LogTimeFormatter,
  ratingLine,
  recommendationLine,
  recommendationLineHash,
  watchLine,
} from './log-line.format';
import {
  classifyFailure,
  parseLogLine,
  parseLogTime,
  ParseOptions,
  ParseResult,
  RecommendationLine,
  REJECTION_REASONS,
} from './log-line.parser';

const NOW = Date.UTC(2026, 10, 26, 8, 0, 0);
const options: ParseOptions = { ratingScaleMax: 5, maxLineBytes: 8192, now: NOW, maxFutureSkewMs: 86_400_000 };
const parse = (line: string | Buffer, o: Partial<ParseOptions> = {}): ParseResult =>
  parseLogLine(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, { ...options, ...o });
const reasonOf = (line: string | Buffer, o: Partial<ParseOptions> = {}): string => {
  const r = parse(line, o);
  return r.type === 'rejected' ? r.reason : `accepted:${r.type}`;
};

// Rows are [reason, line]; the test takes exactly two parameters (a third would be read as jest's done callback).
const REJECTION_CASES: Array<[string, string | Buffer]> = [
  ['empty', ''],
  ['too_long', `2026-11-26T06:48:45,1,GET /data/m/${'a'.repeat(9000)}/1.mpg`],
  ['invalid_utf8', Buffer.from([0x32, 0x30, 0xff, 0xfe, 0x2c, 0x31])],
  [
    'invalid_utf8',
    Buffer.concat([
      Buffer.from('2026-11-26T06:48:45,1,GET /data/m/x'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('/1.mpg'),
    ]),
  ],
  ['truncated', '2026-11-26T06:48:45'],
  ['truncated', '2026-11-26T06:48:45,12'],
  ['truncated', '2026-11-26T06:48:45,12,GET /data/m/heat+1995/1'],
  ['truncated', '2026-11-26T06:48:45,12,GET /data/m/heat+1995/1.mp'],
  ['truncated', '2026-11-26T06:48:45,12,GET /data/m/heat+1995'],
  ['truncated', '2026-11-26T06:48:45,12,GET /rate/heat+1995'],
  ['truncated', '2026-11-26T06:48:45,12,GET /rate/heat+1995='],
  ['truncated', '2026-11-26T06:48:45,12,GET /crea'],
  ['truncated', '2026-11-26T06:48:45,12,recommendation req'],
  ['truncated', '2026-11-26T06:48:45,12,recommendation request h:1, status 200, result: a+1,b+2'],
  ['unknown_format', '2026-11-26T06:48:45,12,POST /data/m/heat+1995/1.mpg'],
  ['unknown_format', '2026-11-26T06:48:45,12,GET /create_account?x=1'],
  ['unknown_format', '2026-11-26T06:48:45,12,recommendation request not an address, status 200, result: a, 3 ms'],
  ['bad_timestamp', 'yesterday,12,GET /create_account'],
  ['bad_timestamp', '2026-02-30T06:48:45,12,GET /create_account'],
  ['bad_timestamp', '2026-11-26T24:00:00,12,GET /create_account'],
  ['bad_timestamp', '2026-11-26 06:48:45,12,GET /create_account'],
  ['bad_timestamp', '2026-11-26T06:48:45Z,12,GET /create_account'],
  ['future_timestamp', '2031-01-01T00:00:00,12,GET /create_account'],
  ['bad_user_id', '2026-11-26T06:48:45,-3,GET /create_account'],
  ['bad_user_id', '2026-11-26T06:48:45,abc,GET /create_account'],
  ['bad_user_id', '2026-11-26T06:48:45,1.5,GET /create_account'],
  ['bad_user_id', '2026-11-26T06:48:45,99999999999,GET /create_account'],
  ['bad_user_id', "2026-11-26T06:48:45,1'; DROP TABLE movie; --,GET /create_account"],
  ['bad_movie_id', "2026-11-26T06:48:45,1,GET /rate/'; DROP TABLE movie; --=5"],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m/<script>alert(1)</script>/3.mpg'],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m/The+Matrix/3.mpg'],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m/the matrix/3.mpg'],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m/the"matrix/3.mpg'],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m/a\u0007b/3.mpg'],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m/+/3.mpg'],
  ['bad_movie_id', '2026-11-26T06:48:45,1,GET /data/m//3.mpg'],
  ['bad_movie_id', `2026-11-26T06:48:45,1,GET /data/m/${'a'.repeat(201)}/3.mpg`],
  ['bad_movie_id', '2026-11-26T06:48:45,1,recommendation request h:1, status 200, result: a+1,<b>, 3 ms'],
  ['bad_minute', '2026-11-26T06:48:45,1,GET /data/m/heat+1995/-1.mpg'],
  ['bad_minute', '2026-11-26T06:48:45,1,GET /data/m/heat+1995/abc.mpg'],
  ['bad_minute', '2026-11-26T06:48:45,1,GET /data/m/heat+1995/1.5.mpg'],
  ['bad_minute', '2026-11-26T06:48:45,1,GET /data/m/heat+1995/99999.mpg'],
  ['bad_minute', '2026-11-26T06:48:45,1,GET /data/m/heat+1995/x.avi'],
  ['bad_rating', '2026-11-26T06:48:45,1,GET /rate/heat+1995=five'],
  ['bad_rating', '2026-11-26T06:48:45,1,GET /rate/heat+1995=4.5'],
  ['rating_out_of_range', '2026-11-26T06:48:45,1,GET /rate/heat+1995=0'],
  ['rating_out_of_range', '2026-11-26T06:48:45,1,GET /rate/heat+1995=6'],
  ['rating_out_of_range', '2026-11-26T06:48:45,1,GET /rate/heat+1995=-2'],
  ['bad_status', '2026-11-26T06:48:45,1,recommendation request h:1, status OK, result: a, 3 ms'],
  // Status 0 is a failed request (see below); other non-HTTP statuses are malformed.
  ['bad_status', '2026-11-26T06:48:45,1,recommendation request h:1, status 00, result: timeout, 800 ms'],
  ['bad_status', '2026-11-26T06:48:45,1,recommendation request h:1, status 5000, result: boom, 800 ms'],
  ['bad_status', '2026-11-26T06:48:45,1,recommendation request h:1, status -1, result: boom, 800 ms'],
  ['bad_latency', '2026-11-26T06:48:45,1,recommendation request h:1, status 0, result: timeout, soon ms'],
  ['bad_latency', '2026-11-26T06:48:45,1,recommendation request h:1, status 200, result: a, -3 ms'],
  ['bad_latency', '2026-11-26T06:48:45,1,recommendation request h:1, status 200, result: a, fast ms'],
];

describe('parseLogLine: accepted lines', () => {
  it('parses a watch line with and without milliseconds', () => {
    expect(parse('2026-11-26T06:48:45,42,GET /data/m/the+shawshank+redemption+1994/17.mpg')).toEqual({
      type: 'watch',
      at: Date.UTC(2026, 10, 26, 6, 48, 45),
      userId: 42,
      movieId: 'the+shawshank+redemption+1994',
      minute: 17,
    });
    const r = parse('2026-11-26T06:48:45.123,0,GET /data/m/heat+1995/0.mpg');
    expect(r).toMatchObject({ type: 'watch', at: Date.UTC(2026, 10, 26, 6, 48, 45, 123), userId: 0, minute: 0 });
  });

  it('truncates sub-millisecond fractions and pads short ones', () => {
    expect(parseLogTime('2026-11-26T06:48:45.123456')).toBe(Date.UTC(2026, 10, 26, 6, 48, 45, 123));
    expect(parseLogTime('2026-11-26T06:48:45.5')).toBe(Date.UTC(2026, 10, 26, 6, 48, 45, 500));
  });

  it('accepts slugs with a trailing + and URL punctuation', () => {
    for (const id of [
      'untitled+',
      "schindler's+list+1993",
      'amelie+2001',
      'se7en+1995',
      'war%3a+the+movie',
      'a.b&c:d-e_f!(g)',
    ]) {
      expect(parse(`2026-11-26T06:48:45,1,GET /data/m/${id}/3.mpg`)).toMatchObject({ type: 'watch', movieId: id });
    }
  });

  it('parses ratings within the configured scale', () => {
    expect(parse('2026-11-26T06:48:45,7,GET /rate/heat+1995=4')).toEqual({
      type: 'rating',
      at: Date.UTC(2026, 10, 26, 6, 48, 45),
      userId: 7,
      movieId: 'heat+1995',
      rating: 4,
    });
    expect(reasonOf('2026-11-26T06:48:45,7,GET /rate/heat+1995=9', { ratingScaleMax: 10 })).toBe('accepted:rating');
  });

  it('parses account creation', () => {
    expect(parse('2026-11-26T06:48:45,7,GET /create_account')).toEqual({
      type: 'account',
      at: Date.UTC(2026, 10, 26, 6, 48, 45),
      userId: 7,
    });
  });

  it('parses recommendation requests ("45ms" and "45 ms", empty and error results)', () => {
    expect(
      parse(
        '2026-02-14T00:09:21.099,215124,recommendation request 17645-team05.example.edu:8082, status 200, result: gladiator+2000,the+godfather+1972, 45ms',
      ),
    ).toEqual({
      type: 'recommendation',
      at: Date.UTC(2026, 1, 14, 0, 9, 21, 99),
      userId: 215124,
      server: '17645-team05.example.edu:8082',
      status: 200,
      items: ['gladiator+2000', 'the+godfather+1972'],
      latencyMs: 45,
      failure: null,
    });
    expect(parse('2026-02-14T00:09:21,1,recommendation request h:1, status 200, result: , 45 ms')).toMatchObject({
      items: [],
      latencyMs: 45,
    });
    expect(
      parse(
        '2026-02-14T00:09:21,1,recommendation request h:1, status 500, result: java.io.IOException: boom, x, 12 ms',
      ),
    ).toMatchObject({
      status: 500,
      items: [],
      latencyMs: 12,
      failure: { reason: 'server_error', text: 'java.io.IOException: boom, x' },
    });
  });

  it('parses failure lines (status 0 or non-2xx with an error text) as failed requests with a reason', () => {
    const line = (status: string, result: string): string =>
      `2026-02-14T00:09:21,7,recommendation request 17645-team05.example.edu:8082, status ${status}, result: ${result}, 800 ms`;
    expect(parse(line('0', 'java.net.SocketTimeoutException: Read timed out'))).toEqual({
      type: 'recommendation',
      at: Date.UTC(2026, 1, 14, 0, 9, 21),
      userId: 7,
      server: '17645-team05.example.edu:8082',
      status: 0,
      items: [],
      latencyMs: 800,
      failure: { reason: 'timeout', text: 'java.net.SocketTimeoutException: Read timed out' },
    });
    const reason = (status: string, result: string): unknown =>
      (parse(line(status, result)) as RecommendationLine).failure?.reason;
    expect(reason('0', 'connect ECONNREFUSED 10.0.0.1:8082')).toBe('connection');
    expect(reason('0', 'java.net.ConnectException: Connection refused')).toBe('connection');
    expect(reason('0', '')).toBe('no_response');
    expect(reason('504', 'Gateway Timeout')).toBe('timeout');
    expect(reason('503', 'Service Unavailable')).toBe('server_error');
    expect(reason('429', 'Too Many Requests')).toBe('client_error');
    expect(reason('302', '')).toBe('other');
    expect(reason('204', '')).toBeUndefined();
    expect((parse(line('0', `x${'y'.repeat(2000)}`)) as RecommendationLine).failure?.text).toHaveLength(500);
    expect(classifyFailure(0, 'boom\u0007')).toEqual({ reason: 'no_response', text: 'boom?' });
  });

  it('strips a trailing line terminator', () => {
    expect(reasonOf('2026-11-26T06:48:45,7,GET /create_account\r\n')).toBe('accepted:account');
  });
});

describe('parseLogLine: rejections', () => {
  it.each(REJECTION_CASES)('%s: %j', (reason, line) => {
    expect(reasonOf(line)).toBe(reason);
  });

  it('covers every reason in the enum', () => {
    expect(new Set(REJECTION_CASES.map(([reason]) => reason))).toEqual(new Set(REJECTION_REASONS));
  });

  it('rejects a 1 MB line without decoding it', () => {
    expect(reasonOf(Buffer.alloc(1024 * 1024, 0x61))).toBe('too_long');
  });

  it('allows the configured clock skew and no more', () => {
    const line = '2026-11-27T07:59:59,1,GET /create_account';
    expect(reasonOf(line)).toBe('accepted:account');
    expect(reasonOf(line, { maxFutureSkewMs: 0 })).toBe('future_timestamp');
  });

  it('keeps rejection details short and printable', () => {
    const r = parse(`2026-11-26T06:48:45,1,GET /data/m/\u0001${'x'.repeat(5000)}/1.mpg`);
    expect(r.type).toBe('rejected');
    if (r.type === 'rejected') {
      expect(r.detail.length).toBeLessThan(200);
      // eslint-disable-next-line no-control-regex
      expect(r.detail).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

describe('parseLogLine: robustness (seeded random inputs)', () => {
  // A tiny deterministic PRNG (mulberry32) so failures reproduce.
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('never throws and always returns a known reason, for mutated valid lines and random bytes', () => {
    const next = rng(12345);
    const seeds = [
      formatWatchLine({ at: NOW - 1000, userId: 5, movieId: 'heat+1995', minute: 12 }),
      formatRatingLine({ at: NOW - 1000, userId: 5, movieId: 'heat+1995', rating: 3 }),
      formatAccountLine({ at: NOW - 1000, userId: 5 }),
      formatRecommendationLine({
        at: NOW,
        userId: 5,
        server: 'h:8082',
        status: 200,
        items: ['a+1', 'b'],
        latencyMs: 3,
      }),
    ];
    for (let i = 0; i < 5000; i++) {
      let bytes: Buffer;
      if (i % 5 === 0) {
        bytes = Buffer.from(Array.from({ length: Math.floor(next() * 120) }, () => Math.floor(next() * 256)));
      } else {
        bytes = Buffer.from(seeds[i % seeds.length], 'utf8');
        const mutations = 1 + Math.floor(next() * 3);
        for (let k = 0; k < mutations; k++) {
          const pos = Math.floor(next() * bytes.length);
          const op = next();
          if (op < 0.4) bytes[pos] = Math.floor(next() * 256);
          else if (op < 0.7) bytes = bytes.subarray(0, pos);
          else
            bytes = Buffer.concat([
              bytes.subarray(0, pos),
              Buffer.from([Math.floor(next() * 128)]),
              bytes.subarray(pos),
            ]);
        }
      }
      const r = parseLogLine(bytes, options);
      if (r.type === 'rejected') expect(REJECTION_REASONS).toContain(r.reason);
      else expect(['watch', 'rating', 'account', 'recommendation']).toContain(r.type);
    }
  });

  it('round-trips every canonical format', () => {
    const next = rng(99);
    for (let i = 0; i < 500; i++) {
      const at = NOW - Math.floor(next() * 1e10);
      const userId = Math.floor(next() * 1e6);
      const movieId = `movie+${Math.floor(next() * 1e4)}`;
      expect(parse(formatWatchLine({ at, userId, movieId, minute: i % 200 }))).toEqual({
        type: 'watch',
        at,
        userId,
        movieId,
        minute: i % 200,
      });
      expect(parse(formatRatingLine({ at, userId, movieId, rating: 1 + (i % 5) }))).toEqual({
        type: 'rating',
        at,
        userId,
        movieId,
        rating: 1 + (i % 5),
      });
      const rec = { at, userId, server: 'marquee:8082', status: 200, items: [movieId, 'x+1'], latencyMs: i };
      expect(parse(formatRecommendationLine(rec))).toEqual({ type: 'recommendation', ...rec, failure: null });
      const failed = { ...rec, status: 0, items: [], errorText: 'Read timed out' };
      expect(parse(formatRecommendationLine(failed))).toEqual({
        type: 'recommendation',
        ...rec,
        status: 0,
        items: [],
        failure: { reason: 'timeout', text: 'Read timed out' },
      });
    }
  });
});

describe('recommendationLineHash', () => {
  const base = { at: NOW, userId: 1, status: 200, items: ['a', 'b'], latencyMs: 45 };
  it('is the same for the same response and differs when any part differs', () => {
    expect(recommendationLineHash(base)).toBe(recommendationLineHash({ ...base, at: new Date(NOW) }));
    expect(recommendationLineHash(base)).not.toBe(recommendationLineHash({ ...base, items: ['b', 'a'] }));
    expect(recommendationLineHash(base)).not.toBe(recommendationLineHash({ ...base, at: NOW + 1 }));
    expect(recommendationLineHash(base)).not.toBe(recommendationLineHash({ ...base, latencyMs: 46 }));
  });
  it('ignores items of failed responses', () => {
    expect(recommendationLineHash({ ...base, status: 500 })).toBe(
      recommendationLineHash({ ...base, status: 500, items: [] }),
    );
  });
});

describe("line builders over a formatted time (the simulator's hot path)", () => {
  const at = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) });
  const user = fc.nat({ max: 2_147_483_647 });

  it('LogTimeFormatter writes what formatLogTime writes, cached or not', () => {
    const clock = new LogTimeFormatter();
    fc.assert(
      fc.property(at, fc.integer({ min: 0, max: 2_500 }), (ms, step) => {
        expect(clock.millis(ms)).toBe(formatLogTime(ms));
        expect(clock.seconds(ms)).toBe(formatLogTime(ms).slice(0, 19));
        // The next line mostly falls in the same second: the cached prefix.
        expect(clock.millis(ms + step)).toBe(formatLogTime(ms + step));
      }),
      { numRuns: 2000 },
    );
  });

  it('the formatters are the builders over formatLogTime', () => {
    fc.assert(
      fc.property(
        at,
        user,
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 5 }),
        (ms, userId, n, rating) => {
          const time = formatLogTime(ms);
          const movieId = `movie+${n}`;
          expect(formatWatchLine({ at: ms, userId, movieId, minute: n })).toBe(watchLine(time, userId, movieId, n));
          expect(formatRatingLine({ at: ms, userId, movieId, rating })).toBe(ratingLine(time, userId, movieId, rating));
          expect(formatAccountLine({ at: ms, userId })).toBe(accountLine(time, userId));
          expect(
            formatRecommendationLine({
              at: ms,
              userId,
              server: 'h:1',
              status: 200,
              items: [movieId, 'x'],
              latencyMs: n,
            }),
          ).toBe(recommendationLine(time, userId, 'h:1', 200, `${movieId},x`, n));
        },
      ),
    );
  });
});
