import * as path from 'node:path';
import { z } from 'zod';

/**
 * The one typed place where Marquee reads its environment. Every variable is
 * documented here (and in the README); nothing else in the code base reads
 * `process.env`.
 */
const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')).min(1));

const adminApiKeys = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[\w.-]+:[a-z-]+:\S{16,}$/, 'expected name:role:key (key ≥ 16 chars)')))
  .transform((entries) =>
    entries.map((entry) => {
      const [name, role, ...key] = entry.split(':');
      return { name, role, key: key.join(':') };
    }),
  );

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(8082),
  /**
   * Service processes sharing PORT (node:cluster), each a full replica. One
   * Node event loop saturates one core; more processes use the others.
   * Needs DATABASE_URL and KAFKA_BROKERS: the embedded store and bus belong to one process.
   */
  HTTP_WORKERS: positiveInt.max(64).default(1),
  /** Public host:port written into recommendation-request log lines. */
  PUBLIC_ADDRESS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where embedded state (PGlite database, artifacts, snapshots) lives. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** postgres://… selects a real PostgreSQL; unset means embedded PGlite under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  /** Comma-separated host:port list selects Kafka; unset means the in-process bus. */
  KAFKA_BROKERS: csv.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('marquee'),
  KAFKA_CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
  /**
   * How long a consumer group waits for a silent member. After a broker
   * restart the group's old members are remembered until this expires, and
   * every consumer's rejoin waits for it: at 30 s ingestion resumed ~25 s
   * after the broker was back. 6000 is the broker's minimum
   * (group.min.session.timeout.ms); kafkajs heartbeats every 3 s.
   */
  KAFKA_SESSION_TIMEOUT_MS: positiveInt.min(6_000).max(300_000).default(10_000),
  /** kafkajs on a thread of its own, so its encoding and decoding stay off the thread that answers requests. */
  KAFKA_CLIENT_THREAD: z.enum(['true', 'false']).default('true'),
  /** That thread's CPU priority (Linux nice, 0..19): behind request handling when the cores are busy. */
  KAFKA_CLIENT_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * That thread's young-generation heap (MB; 0 = V8's default). kafkajs allocates
   * several objects per consumed record, so a busy consumer spends much of its
   * time in scavenges; a larger young generation makes them rarer.
   */
  KAFKA_CLIENT_THREAD_YOUNG_GEN_MB: z.coerce.number().int().min(0).max(1024).default(0),
  TOPIC_MOVIELOG: z.string().min(1).default('movielog'),
  TOPIC_DEAD_LETTER: z.string().min(1).default('movielog.dlq'),
  /** Users whose stored history changed, published by ingestion after each commit; serving drops their cached history. */
  TOPIC_HISTORY_CHANGES: z.string().min(1).default('movielog.history-changes'),
  /** Partitions for topics Marquee creates (consumers scale up to this many). */
  TOPIC_PARTITIONS: positiveInt.max(1024).default(3),
  /** Ratings outside 1..RATING_SCALE_MAX are rejected (some deployments use 1–10). */
  RATING_SCALE_MAX: z.coerce.number().int().min(2).max(100).default(5),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  /** Bootstrap admin API keys `name:role:key,…`; hashed into the api_key table at start-up. */
  ADMIN_API_KEYS: adminApiKeys.optional(),
  /**
   * Start-up bootstrap of an empty embedded store: a small simulated world,
   * ingested, snapshotted, trained and promoted through the normal pipeline.
   * auto = only with embedded PGlite; `npm start` sets auto, everything else defaults to off.
   */
  BOOTSTRAP_WORLD: z.enum(['auto', 'true', 'false']).default('false'),
  BOOTSTRAP_USERS: positiveInt.default(1_000),
  BOOTSTRAP_MOVIES: positiveInt.default(600),
  BOOTSTRAP_DAYS: positiveInt.max(365).default(10),
  BOOTSTRAP_SEED: z.coerce.number().int().default(42),
  /** Hyperparameter search for the bootstrap's ALS model: trials (0 = defaults only) and wall-time cap. */
  BOOTSTRAP_TUNE_TRIALS: z.coerce.number().int().min(0).max(1_000).default(8),
  BOOTSTRAP_TUNE_SECONDS: z.coerce.number().positive().default(60),
  /** Cron expression for scheduled retraining (e.g. "0 3 * * *"); unset = only on demand (admin API). */
  RETRAIN_CRON: z.string().min(9).optional(),
  RETRAIN_MODEL_TYPE: z.enum(['popularity', 'item-knn', 'svd', 'als', 'hybrid']).default('als'),
  RETRAIN_SEED: z.coerce.number().int().default(1),
  /**
   * Hyperparameter search before each retraining run (random search on a
   * validation split carved from the training rows): trials, 0 = off, and a
   * wall-time cap in seconds. The trials are recorded in the model's provenance.
   */
  RETRAIN_TUNE_TRIALS: z.coerce.number().int().min(0).max(1_000).default(0),
  RETRAIN_TUNE_SECONDS: z.coerce.number().positive().default(600),
  /** Load models and answer /recommend (off in ingestion workers and batch jobs, which must not hold a model). */
  SERVING_ENABLED: z.enum(['true', 'false']).default('true'),
  /** Serving slot whose production model answers /recommend. */
  SERVING_SLOT: z.string().min(1).default('default'),
  /** Serve this artifact directory instead of the registry's production model (operators, benchmarks). */
  SERVING_MODEL_DIR: z.string().min(1).optional(),
  /** sha256 of SERVING_MODEL_DIR's manifest.json: a load (start-up, SIGHUP) of anything else is refused. */
  SERVING_MODEL_SHA256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (sha256sum of manifest.json)')
    .optional(),
  /** Budget for one recommendation before the popularity fallback answers (the platform allows 600 ms). */
  SERVING_TIMEOUT_MS: positiveInt.max(600).default(200),
  /** How often serving asks the registry whether the production model changed. */
  SERVING_MODEL_POLL_MS: positiveInt.default(5_000),
  /** Per-user cache of what to exclude (watched/rated); invalidated by new watches on the stream. */
  SERVING_HISTORY_CACHE_USERS: z.coerce.number().int().min(0).default(200_000),
  SERVING_HISTORY_TTL_MS: positiveInt.default(300_000),
  /** Keep every user's history in memory (loaded from the store, kept fresh by the stream) instead of a SQL lookup per request. */
  SERVING_HISTORY_INDEX: z.enum(['true', 'false']).default('true'),
  /** Rebuild the in-memory history index this often, so users changed since the last load return to it. */
  SERVING_HISTORY_INDEX_REFRESH_MS: positiveInt.default(3_600_000),
  /** Upper bound on ingestion lag: how long a change may take from the stream to the store. */
  SERVING_HISTORY_INDEX_SETTLE_MS: z.coerce.number().int().min(0).default(2_000),
  /** Write every response to the stream and the store (disable only in isolated benchmarks). */
  SERVING_LOG_RESPONSES: z.enum(['true', 'false']).default('true'),
  /** How often served responses are written to the stream and the store, in ms (one batched publish and upsert each). */
  SERVING_LOG_FLUSH_MS: positiveInt.max(10_000).default(200),
  /**
   * Where factor and hybrid models keep their per-user vectors: 'disk' reads one row per request from a private
   * copy under SERVING_USER_VECTORS_DIR (page cache, not resident memory), 'memory' keeps them on the heap,
   * 'auto' pages tables larger than 64 MB (a full-scale model's 256 MB of user factors).
   */
  SERVING_USER_VECTORS: z.enum(['auto', 'memory', 'disk']).default('auto'),
  /** Directory of the private user-vector page files (default DATA_DIR/user-vectors). */
  SERVING_USER_VECTORS_DIR: z.string().min(1).optional(),
  /**
   * Rank factor and hybrid models on a thread of their own (default false: on the thread that answers HTTP).
   * Off by default since the scan got cheaper: handing each request to the thread and back cost more CPU
   * than ranking in place (bench:serve, 5 alternating pairs: request cost 3.55x vs 4.24x the no-op server, medians).
   */
  SERVING_RANKING_THREAD: z.enum(['true', 'false']).default('false'),
  /** Run the movielog → store ingestion consumer in this process. */
  INGESTION_ENABLED: z.enum(['true', 'false']).default('true'),
  INGEST_GROUP_ID: z.string().min(1).default('marquee-ingest'),
  /** Consumers (group members) in this process; up to the topic's partition count run in parallel. */
  INGEST_CONSUMERS: positiveInt.max(64).default(3),
  /** Upper bound on records handed to one batch write. */
  INGEST_BATCH_MAX_RECORDS: positiveInt.max(100_000).default(10_000),
  /** Batch writes running at once (each holds one database connection). */
  INGEST_WRITE_CONCURRENCY: positiveInt.max(32).default(3),
  /** Back-pressure: pause fetching when this many batches wait for the store; resume at the low mark. */
  INGEST_QUEUE_HIGH_WATER: positiveInt.default(6),
  INGEST_QUEUE_LOW_WATER: z.coerce.number().int().min(0).default(2),
  /** Longer lines are dead-lettered as too_long without being decoded. */
  INGEST_MAX_LINE_BYTES: positiveInt.default(8_192),
  /** Timestamps further ahead of the clock are dead-lettered as future_timestamp. */
  INGEST_MAX_FUTURE_SKEW_MS: z.coerce.number().int().min(0).default(86_400_000),
  /** How often consumer lag is sampled into the lag gauge. */
  INGEST_LAG_POLL_MS: positiveInt.default(5_000),
  /** Rate limiting (fixed windows): per client IP and per user id on /recommend, stricter per client on /admin. */
  RATE_LIMIT_ENABLED: z.enum(['true', 'false']).default('true'),
  RATE_LIMIT_WINDOW_MS: positiveInt.max(3_600_000).default(10_000),
  /** Requests per window from one client IP to public routes (a platform gateway may send for many users). */
  RATE_LIMIT_CLIENT_MAX: positiveInt.default(20_000),
  /** Requests per window for one user id on /recommend/:userId, whichever client sends them. */
  RATE_LIMIT_USER_MAX: positiveInt.default(50),
  /** Requests per window from one client IP to /admin/*. */
  RATE_LIMIT_ADMIN_MAX: positiveInt.default(100),
  /** Client IPs exempt from the per-client limit (the per-user limit still applies), comma-separated. */
  RATE_LIMIT_ALLOWLIST: z.string().optional(),
  /** Bound on the in-memory store's keys, per bucket scope (an LRU: the least recently used windows are forgotten). */
  RATE_LIMIT_MEMORY_MAX_KEYS: positiveInt.default(100_000),
  /** redis://host:port selects a Redis store so replicas share limits; unset = in-memory per process. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  /** How often the audit chain is verified into marquee_audit_chain_ok (0 = never). */
  MONITORING_AUDIT_VERIFY_MS: z.coerce.number().int().min(0).default(300_000),
  /**
   * Where audit-chain anchors (last seq + head hash) are written outside the database: `file` (an
   * append-only JSON-lines file under AUDIT_ANCHOR_DIR), `kafka` (AUDIT_ANCHOR_TOPIC; needs KAFKA_BROKERS),
   * `none`; `auto` = kafka when KAFKA_BROKERS is set, else file.
   */
  AUDIT_ANCHOR_SINK: z.enum(['auto', 'file', 'kafka', 'none']).default('auto'),
  /** Directory of the anchor file (default DATA_DIR/audit-anchors; put it on another volume in production). */
  AUDIT_ANCHOR_DIR: z.string().min(1).optional(),
  AUDIT_ANCHOR_TOPIC: z
    .string()
    .regex(/^[\w.-]{1,200}$/, 'letters, digits, _ . -')
    .default('marquee.audit-anchors'),
  /** How often the service verifies the chain against the latest anchor and writes a new one (0 = never). */
  AUDIT_ANCHOR_MS: z.coerce.number().int().min(0).default(300_000),
  /** Drift: length of the recent window, and of the snapshot's last stretch it is compared with. */
  DRIFT_WINDOW_HOURS: positiveInt.max(24 * 90).default(24),
  /** Drift thresholds: PSI and KS per feature, share of users / watched movies unknown to the snapshot. */
  DRIFT_PSI_THRESHOLD: z.coerce.number().positive().default(0.2),
  DRIFT_KS_THRESHOLD: z.coerce.number().positive().max(1).default(0.2),
  DRIFT_NEW_USER_SHARE_MAX: z.coerce.number().positive().max(1).default(0.3),
  DRIFT_NEW_MOVIE_SHARE_MAX: z.coerce.number().positive().max(1).default(0.2),
  /** Features with fewer observations in either window are reported but never block. */
  DRIFT_MIN_SAMPLES: positiveInt.default(100),
  /** How often drift gauges are refreshed for the production model (0 = only when evaluated on demand). */
  DRIFT_EVALUATE_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** Fairness gate: largest allowed NDCG@20 gap between user groups (same number as policies/promotion/data.json). */
  FAIRNESS_MAX_QUALITY_GAP: z.coerce.number().positive().max(1).default(0.1),
  /** User-group dimensions whose gap the gate bounds (gender, age, occupation, activity); the others are reported. */
  FAIRNESS_GATE_DIMENSIONS: z
    .string()
    .default('gender,age,occupation')
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(z.enum(['gender', 'age', 'occupation', 'activity'])).min(1)),
  /** Holdout users ranked per fairness audit (sampled with the seed when there are more). */
  FAIRNESS_AUDIT_MAX_USERS: positiveInt.default(5_000),
  /** Serving re-rank stage after ranking, before content safety: none, exposure-aware, or an exploration share. */
  SERVING_RERANK: z.enum(['none', 'exposure', 'explore']).default('none'),
  /** exposure: penalty weight of an item's recent exposure share; explore: share of slots from the long tail. */
  SERVING_RERANK_STRENGTH: z.coerce.number().min(0).max(1).default(0.2),
  /** Experiments and canaries: stream join, assignment routing and the canary controller in this process. */
  EXPERIMENTS_ENABLED: z.enum(['true', 'false']).default('true'),
  /** Consumer group of the online-quality join (shared by replicas: the stream is keyed by user). */
  EXPERIMENTS_GROUP_ID: z.string().min(1).default('marquee-experiments'),
  /** A recommendation converts when a recommended movie starts within this window. */
  EXPERIMENT_CONVERSION_WINDOW_MS: positiveInt.default(1_800_000),
  /** Users whose open responses the join holds at most (least recently active evicted first). */
  EXPERIMENT_JOIN_MAX_USERS: positiveInt.default(200_000),
  /** How often finalised outcomes are written to the store. */
  EXPERIMENT_FLUSH_MS: positiveInt.default(5_000),
  /** How often running canaries are evaluated against their guardrails. */
  CANARY_TICK_MS: positiveInt.default(30_000),
});

export type RawEnv = z.input<typeof envSchema>;

export interface AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicAddress?: string;
    /** Service processes sharing the port (node:cluster). */
    readonly workers: number;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly dataDir: string;
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    | { readonly kind: 'pglite'; readonly dir: string };
  readonly events:
    | {
        readonly kind: 'kafka';
        readonly brokers: readonly string[];
        readonly clientId: string;
        readonly connectTimeoutMs: number;
        readonly sessionTimeoutMs: number;
        /** Run kafkajs on its own worker thread (handlers stay on the main thread). */
        readonly thread: boolean;
        /** That thread's CPU priority (nice). */
        readonly threadNice: number;
        /** That thread's young-generation size in MB (0: V8's default). */
        readonly threadYoungGenMb: number;
      }
    | { readonly kind: 'in-process' };
  readonly topics: { readonly movielog: string; readonly deadLetter: string; readonly historyChanges: string };
  readonly topicPartitions: number;
  readonly ratingScaleMax: number;
  readonly shutdownGraceMs: number;
  readonly bootstrap: {
    readonly enabled: boolean;
    readonly users: number;
    readonly movies: number;
    readonly days: number;
    readonly seed: number;
    /** Budget of the ALS hyperparameter search; null = train with the defaults. */
    readonly tune: { readonly trials: number; readonly seconds: number } | null;
  };
  readonly retraining: {
    readonly cron?: string;
    readonly modelType: string;
    readonly seed: number;
    /** Budget of the hyperparameter search before each run; null = no search. */
    readonly tune: { readonly trials: number; readonly seconds: number } | null;
  };
  readonly serving: {
    readonly enabled: boolean;
    readonly slot: string;
    readonly modelDir?: string;
    /** Pinned sha256 of modelDir/manifest.json (SERVING_MODEL_SHA256). */
    readonly modelSha256?: string;
    readonly timeoutMs: number;
    readonly modelPollMs: number;
    readonly historyCacheUsers: number;
    readonly historyTtlMs: number;
    readonly historyIndex: { readonly enabled: boolean; readonly refreshMs: number; readonly settleMs: number };
    readonly logResponses: boolean;
    readonly logFlushMs: number;
    readonly rankingThread: boolean;
    /** Per-user vectors of larger tables read a row per request from a private file; null: always in memory. */
    readonly userVectorPaging: { readonly dir: string; readonly aboveBytes: number } | null;
  };
  readonly experiments: {
    readonly enabled: boolean;
    readonly groupId: string;
    readonly conversionWindowMs: number;
    readonly joinMaxUsers: number;
    readonly flushMs: number;
    readonly canaryTickMs: number;
  };
  readonly adminApiKeys: readonly { readonly name: string; readonly role: string; readonly key: string }[];
  readonly ingestion: {
    readonly enabled: boolean;
    readonly groupId: string;
    readonly consumers: number;
    readonly batchMaxRecords: number;
    readonly writeConcurrency: number;
    readonly queueHighWater: number;
    readonly queueLowWater: number;
    readonly maxLineBytes: number;
    readonly maxFutureSkewMs: number;
    readonly lagPollMs: number;
  };
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly windowMs: number;
    readonly clientMax: number;
    readonly userMax: number;
    readonly adminMax: number;
    readonly allowlist: readonly string[];
    readonly memoryMaxKeys: number;
    readonly redisUrl?: string;
  };
  /** Audit-chain anchors outside the database (governance's AuditAnchorService). */
  readonly auditAnchors: {
    readonly sink: 'file' | 'kafka' | 'none';
    readonly dir: string;
    readonly topic: string;
    readonly everyMs: number;
  };
  readonly monitoring: {
    readonly auditVerifyMs: number;
    readonly drift: {
      readonly windowHours: number;
      readonly psiThreshold: number;
      readonly ksThreshold: number;
      readonly newUserShareMax: number;
      readonly newMovieShareMax: number;
      readonly minSamples: number;
      readonly evaluateMs: number;
    };
  };
  readonly fairness: {
    readonly maxQualityGap: number;
    readonly gateDimensions: readonly ('gender' | 'age' | 'occupation' | 'activity')[];
    readonly auditMaxUsers: number;
  };
  readonly rerank: { readonly mode: 'none' | 'exposure' | 'explore'; readonly strength: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings mean "unset": shells and manifests often export VAR= .
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        const item = issue.path.length > 1 ? ` (item ${Number(issue.path[1]) + 1})` : '';
        const value = cleaned[name];
        return `${name}: ${issue.message}${item}${value === undefined ? '' : `, got ${JSON.stringify(value)}`}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.HTTP_WORKERS > 1 && (!e.DATABASE_URL || !e.KAFKA_BROKERS)) {
    throw new ConfigError([
      `HTTP_WORKERS: ${e.HTTP_WORKERS} processes need DATABASE_URL and KAFKA_BROKERS (the embedded PGlite store and in-process bus belong to one process), got ${JSON.stringify(cleaned.HTTP_WORKERS)}`,
    ]);
  }
  if (e.AUDIT_ANCHOR_SINK === 'kafka' && !e.KAFKA_BROKERS) {
    throw new ConfigError(['AUDIT_ANCHOR_SINK: kafka needs KAFKA_BROKERS, got "kafka" without brokers']);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, publicAddress: e.PUBLIC_ADDRESS, workers: e.HTTP_WORKERS },
    logLevel: e.LOG_LEVEL,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite' as const, dir: path.join(dataDir, 'pglite') },
    events: e.KAFKA_BROKERS
      ? {
          kind: 'kafka' as const,
          brokers: e.KAFKA_BROKERS,
          clientId: e.KAFKA_CLIENT_ID,
          connectTimeoutMs: e.KAFKA_CONNECT_TIMEOUT_MS,
          sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
          thread: e.KAFKA_CLIENT_THREAD === 'true',
          threadNice: e.KAFKA_CLIENT_THREAD_NICE,
          threadYoungGenMb: e.KAFKA_CLIENT_THREAD_YOUNG_GEN_MB,
        }
      : { kind: 'in-process' as const },
    topics: { movielog: e.TOPIC_MOVIELOG, deadLetter: e.TOPIC_DEAD_LETTER, historyChanges: e.TOPIC_HISTORY_CHANGES },
    topicPartitions: e.TOPIC_PARTITIONS,
    ratingScaleMax: e.RATING_SCALE_MAX,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    bootstrap: {
      enabled:
        e.BOOTSTRAP_WORLD === 'true' || (e.BOOTSTRAP_WORLD === 'auto' && !e.DATABASE_URL && e.NODE_ENV !== 'test'),
      users: e.BOOTSTRAP_USERS,
      movies: e.BOOTSTRAP_MOVIES,
      days: e.BOOTSTRAP_DAYS,
      seed: e.BOOTSTRAP_SEED,
      tune: e.BOOTSTRAP_TUNE_TRIALS > 0 ? { trials: e.BOOTSTRAP_TUNE_TRIALS, seconds: e.BOOTSTRAP_TUNE_SECONDS } : null,
    },
    retraining: {
      cron: e.RETRAIN_CRON,
      modelType: e.RETRAIN_MODEL_TYPE,
      seed: e.RETRAIN_SEED,
      tune: e.RETRAIN_TUNE_TRIALS > 0 ? { trials: e.RETRAIN_TUNE_TRIALS, seconds: e.RETRAIN_TUNE_SECONDS } : null,
    },
    serving: {
      enabled: e.SERVING_ENABLED === 'true',
      slot: e.SERVING_SLOT,
      modelDir: e.SERVING_MODEL_DIR ? path.resolve(e.SERVING_MODEL_DIR) : undefined,
      modelSha256: e.SERVING_MODEL_SHA256,
      timeoutMs: e.SERVING_TIMEOUT_MS,
      modelPollMs: e.SERVING_MODEL_POLL_MS,
      historyCacheUsers: e.SERVING_HISTORY_CACHE_USERS,
      historyTtlMs: e.SERVING_HISTORY_TTL_MS,
      historyIndex: {
        enabled: e.SERVING_HISTORY_INDEX === 'true',
        refreshMs: e.SERVING_HISTORY_INDEX_REFRESH_MS,
        settleMs: e.SERVING_HISTORY_INDEX_SETTLE_MS,
      },
      logResponses: e.SERVING_LOG_RESPONSES === 'true',
      logFlushMs: e.SERVING_LOG_FLUSH_MS,
      rankingThread: e.SERVING_RANKING_THREAD === 'true',
      userVectorPaging:
        e.SERVING_USER_VECTORS === 'memory'
          ? null
          : {
              dir: path.resolve(e.SERVING_USER_VECTORS_DIR ?? path.join(dataDir, 'user-vectors')),
              aboveBytes: e.SERVING_USER_VECTORS === 'disk' ? 0 : 64 * 1024 * 1024,
            },
    },
    experiments: {
      enabled: e.EXPERIMENTS_ENABLED === 'true',
      groupId: e.EXPERIMENTS_GROUP_ID,
      conversionWindowMs: e.EXPERIMENT_CONVERSION_WINDOW_MS,
      joinMaxUsers: e.EXPERIMENT_JOIN_MAX_USERS,
      flushMs: e.EXPERIMENT_FLUSH_MS,
      canaryTickMs: e.CANARY_TICK_MS,
    },
    adminApiKeys: e.ADMIN_API_KEYS ?? [],
    ingestion: {
      enabled: e.INGESTION_ENABLED === 'true',
      groupId: e.INGEST_GROUP_ID,
      consumers: e.INGEST_CONSUMERS,
      batchMaxRecords: e.INGEST_BATCH_MAX_RECORDS,
      writeConcurrency: e.INGEST_WRITE_CONCURRENCY,
      queueHighWater: e.INGEST_QUEUE_HIGH_WATER,
      queueLowWater: Math.min(e.INGEST_QUEUE_LOW_WATER, e.INGEST_QUEUE_HIGH_WATER - 1),
      maxLineBytes: e.INGEST_MAX_LINE_BYTES,
      maxFutureSkewMs: e.INGEST_MAX_FUTURE_SKEW_MS,
      lagPollMs: e.INGEST_LAG_POLL_MS,
    },
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED === 'true',
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      clientMax: e.RATE_LIMIT_CLIENT_MAX,
      userMax: e.RATE_LIMIT_USER_MAX,
      adminMax: e.RATE_LIMIT_ADMIN_MAX,
      allowlist: (e.RATE_LIMIT_ALLOWLIST ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
      memoryMaxKeys: e.RATE_LIMIT_MEMORY_MAX_KEYS,
      redisUrl: e.REDIS_URL,
    },
    auditAnchors: {
      sink: e.AUDIT_ANCHOR_SINK === 'auto' ? (e.KAFKA_BROKERS ? 'kafka' : 'file') : e.AUDIT_ANCHOR_SINK,
      dir: path.resolve(e.AUDIT_ANCHOR_DIR ?? path.join(dataDir, 'audit-anchors')),
      topic: e.AUDIT_ANCHOR_TOPIC,
      everyMs: e.AUDIT_ANCHOR_MS,
    },
    monitoring: {
      auditVerifyMs: e.MONITORING_AUDIT_VERIFY_MS,
      drift: {
        windowHours: e.DRIFT_WINDOW_HOURS,
        psiThreshold: e.DRIFT_PSI_THRESHOLD,
        ksThreshold: e.DRIFT_KS_THRESHOLD,
        newUserShareMax: e.DRIFT_NEW_USER_SHARE_MAX,
        newMovieShareMax: e.DRIFT_NEW_MOVIE_SHARE_MAX,
        minSamples: e.DRIFT_MIN_SAMPLES,
        evaluateMs: e.DRIFT_EVALUATE_MS,
      },
    },
    fairness: {
      maxQualityGap: e.FAIRNESS_MAX_QUALITY_GAP,
      gateDimensions: e.FAIRNESS_GATE_DIMENSIONS,
      auditMaxUsers: e.FAIRNESS_AUDIT_MAX_USERS,
    },
    rerank: { mode: e.SERVING_RERANK, strength: e.SERVING_RERANK_STRENGTH },
  });
}
