/**
 * Canonical JSON for hashing: object keys sorted (recursively), no whitespace,
 * `undefined` members dropped, as JSON.stringify renders primitives. The same
 * value always gives the same text, whatever order PostgreSQL's jsonb returns
 * keys in (cf. RFC 8785, without its number re-formatting: jsonb round-trips
 * the doubles we store).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot canonicalise ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** The JSON value as it will come back from a jsonb column (Dates as strings, undefined gone). */
export function toJsonValue<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? {})) as T;
}
