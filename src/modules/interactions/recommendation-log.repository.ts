import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';
import { epochMs, timestampFromEpochMs as ts } from './sql-time';

/** A response this service served, as serving records it. */
export interface ServedRecommendation {
  readonly requestId: string;
  readonly userId: number;
  readonly at: Date | number;
  readonly modelVersion: string | null;
  readonly items: readonly string[];
  readonly latencyMs: number;
  readonly status: number;
  /**
   * The row's key: recommendationLineHash of the response's stream line. The
   * caller formats that line, so it computes the hash; this module does not
   * know the line format.
   */
  readonly lineHash: string;
}

/** A row of the recommendation log, served or read back from the stream. */
export interface LoggedRecommendation {
  readonly requestId: string | null;
  readonly userId: number;
  readonly requestedAt: Date;
  readonly modelVersion: string | null;
  readonly status: number;
  readonly items: readonly string[];
  readonly latencyMs: number;
  readonly source: string;
}

/** Failed recommendation requests of one reason in a time window (the platform's status 0 / non-2xx lines). */
export interface FailedRequestCount {
  readonly reason: string;
  readonly count: number;
  /** The newest error text of that reason. */
  readonly lastErrorText: string | null;
}

/** The recommendation log by key: served responses written, responses looked up by request id. */
@Injectable()
export class RecommendationLogRepository {
  constructor(private readonly storage: StorageService) {}

  /**
   * Records responses this service served (request id, model version) under
   * the line hash the stream copy will have, so the two become one row:
   * whichever arrives second merges into the first, and the served fields win.
   */
  async recordServedRecommendations(all: readonly ServedRecommendation[]): Promise<void> {
    // Two responses with one hash (same user, millisecond, ids and latency) are one response
    // by the dedup rule; one statement must not upsert a row twice, so the last one stands.
    const byHash = new Map(all.map((r) => [r.lineHash, r]));
    if (byHash.size === 0) return;
    const responses = [...byHash.values()];
    const at = (r: ServedRecommendation): number => (typeof r.at === 'number' ? r.at : r.at.getTime());
    const items = (r: ServedRecommendation): string => (r.status === 200 ? r.items.join(',') : '');
    await this.storage.sql.query(
      `INSERT INTO recommendation_log
              (line_hash, request_id, user_id, requested_at, model_version, status, items, latency_ms, source)
       SELECT h, rid, u, ${ts('at')}, mv, s, CASE WHEN i = '' THEN ARRAY[]::text[] ELSE string_to_array(i, ',') END, l, 'served'
         FROM unnest($1::text[], $2::text[], $3::int[], $4::float8[], $5::text[], $6::int[], $7::text[], $8::int[])
           AS t(h, rid, u, at, mv, s, i, l)
        -- Key order: the ingestion of the stream's copy of these lines locks them in the same order.
        ORDER BY h
       ON CONFLICT (line_hash) DO UPDATE
          SET request_id = EXCLUDED.request_id, model_version = EXCLUDED.model_version, source = 'served'`,
      [
        [...byHash.keys()],
        responses.map((r) => r.requestId),
        responses.map((r) => r.userId),
        responses.map(at),
        responses.map((r) => r.modelVersion),
        responses.map((r) => r.status),
        responses.map(items),
        responses.map((r) => Math.round(r.latencyMs)),
      ],
    );
  }

  /** Failed requests per failure reason with `since <= requested_at < until` (epoch ms), most frequent first. */
  async failedRequestCounts(since: number, until: number): Promise<FailedRequestCount[]> {
    const rows = await this.storage.sql.query<{
      reason: string;
      count: string | number;
      last_error_text: string | null;
    }>(
      `SELECT failure_reason AS reason, count(*) AS count,
              (array_agg(error_text ORDER BY requested_at DESC))[1] AS last_error_text
         FROM recommendation_log
        WHERE failure_reason IS NOT NULL AND requested_at >= ${ts('$1::float8')} AND requested_at < ${ts('$2::float8')}
        GROUP BY failure_reason
        ORDER BY count(*) DESC, failure_reason`,
      [since, until],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count), lastErrorText: r.last_error_text }));
  }

  /** The logged responses with this request id, newest first (at most 10), for lineage. */
  async byRequestId(requestId: string): Promise<LoggedRecommendation[]> {
    const rows = await this.storage.sql.query<{
      request_id: string | null;
      user_id: number;
      requested_at: number;
      model_version: string | null;
      status: number;
      items: string[];
      latency_ms: number;
      source: string;
    }>(
      `SELECT r.request_id, r.user_id, ${epochMs('r.requested_at')} AS requested_at, r.model_version, r.status,
              r.items, r.latency_ms, r.source
         FROM recommendation_log r WHERE r.request_id = $1
        ORDER BY r.requested_at DESC LIMIT 10`,
      [requestId],
    );
    return rows.map((r) => ({
      requestId: r.request_id,
      userId: r.user_id,
      requestedAt: new Date(r.requested_at),
      modelVersion: r.model_version,
      status: r.status,
      items: r.items,
      latencyMs: r.latency_ms,
      source: r.source,
    }));
  }
}
