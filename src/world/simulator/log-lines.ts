/**
 * The platform's stream line formats, exactly as the `movielog` topic carries them:
 *
 *   <time>,<userid>,GET /data/m/<movieid>/<minute>.mpg
 *   <time>,<userid>,GET /rate/<movieid>=<rating>
 *   <time>,<userid>,recommendation request <host>:<port>, status <code>, result: <id>,<id>,…, <n> ms
 *   <time>,<userid>,GET /create_account
 *
 * <time> is ISO-8601 in UTC without zone: seconds precision for watch, rate and
 * account lines (2026-11-26T06:48:45) and milliseconds for recommendation
 * requests (2026-11-26T06:48:45.123), as on the platform.
 */

/** Formats epoch milliseconds, caching the per-second prefix (the simulator formats millions of times per second). */
export class TimestampFormatter {
  private second = Number.NaN;
  private prefix = '';

  seconds(ms: number): string {
    const s = Math.floor(ms / 1000);
    if (s !== this.second) {
      this.second = s;
      this.prefix = new Date(s * 1000).toISOString().slice(0, 19);
    }
    return this.prefix;
  }

  millis(ms: number): string {
    const whole = Math.floor(ms);
    const frac = whole - Math.floor(whole / 1000) * 1000;
    return `${this.seconds(whole)}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  }
}

export function watchLine(time: string, userId: number, movieId: string, minute: number): string {
  return `${time},${userId},GET /data/m/${movieId}/${minute}.mpg`;
}

export function rateLine(time: string, userId: number, movieId: string, rating: number): string {
  return `${time},${userId},GET /rate/${movieId}=${rating}`;
}

export function createAccountLine(time: string, userId: number): string {
  return `${time},${userId},GET /create_account`;
}

export function recommendationLine(
  time: string,
  userId: number,
  address: string,
  status: number,
  items: readonly string[],
  latencyMs: number,
): string {
  return `${time},${userId},recommendation request ${address}, status ${status}, result: ${items.join(',')}, ${latencyMs} ms`;
}
