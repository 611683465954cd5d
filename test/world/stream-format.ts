/**
 * Strict patterns for the four stream line formats, written independently of
 * the formatters the simulator uses (src/lib/movielog) so the tests check the
 * contract, not the code.
 */
const TIME = String.raw`(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?)`;
const USER = String.raw`(\d+)`;
const MOVIE = String.raw`([a-z0-9]+(?:\+[a-z0-9]+)*\+(?:\d{4})?)`;

export const WATCH = new RegExp(String.raw`^${TIME},${USER},GET /data/m/${MOVIE}/(\d+)\.mpg$`);
export const RATE = new RegExp(String.raw`^${TIME},${USER},GET /rate/${MOVIE}=(\d+)$`);
export const REQUEST = new RegExp(
  String.raw`^${TIME},${USER},recommendation request ([A-Za-z0-9.-]+:\d{1,5}), status (\d{1,3}), result: ((?:[a-z0-9+]+)(?:,[a-z0-9+]+)*)?, (\d+) ms$`,
);
export const ACCOUNT = new RegExp(String.raw`^${TIME},${USER},GET /create_account$`);

export type ParsedLine =
  | { kind: 'watch'; time: number; user: number; movie: string; minute: number }
  | { kind: 'rate'; time: number; user: number; movie: string; rating: number }
  | { kind: 'request'; time: number; user: number; status: number; items: string[]; latencyMs: number }
  | { kind: 'account'; time: number; user: number };

export function parseLine(line: string): ParsedLine | null {
  let m = WATCH.exec(line);
  if (m) return { kind: 'watch', time: time(m[1]), user: Number(m[2]), movie: m[3], minute: Number(m[4]) };
  m = RATE.exec(line);
  if (m) return { kind: 'rate', time: time(m[1]), user: Number(m[2]), movie: m[3], rating: Number(m[4]) };
  m = REQUEST.exec(line);
  if (m)
    return {
      kind: 'request',
      time: time(m[1]),
      user: Number(m[2]),
      status: Number(m[4]),
      items: m[5] ? m[5].split(',') : [],
      latencyMs: Number(m[6]),
    };
  m = ACCOUNT.exec(line);
  if (m) return { kind: 'account', time: time(m[1]), user: Number(m[2]) };
  return null;
}

function time(text: string): number {
  return Date.parse(`${text}Z`);
}
