/**
 * Time conversions shared by the interactions repositories. The activity
 * tables hold `timestamp(3)` (no zone) in UTC; epoch milliseconds cross the
 * driver boundary so neither driver's local-time parsing of `timestamp` applies.
 */

/** Epoch milliseconds (float8 parameter or column) → timestamp(3) in UTC, independent of the session time zone. */
export const timestampFromEpochMs = (column: string): string =>
  `(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC')::timestamp(3)`;

/** A timestamp expression → epoch milliseconds (float8). */
export const epochMs = (expr: string): string => `(extract(epoch FROM ${expr}) * 1000)::float8`;
