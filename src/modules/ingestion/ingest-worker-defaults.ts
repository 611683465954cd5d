/**
 * What a process that only ingests (`npm run ingest:worker`, and `npm run
 * bench:ingest`, which measures it) runs with unless its environment says
 * otherwise. A service replica that also answers requests keeps the general
 * defaults (app-config.ts), which protect its request thread.
 */
export const INGEST_WORKER_DEFAULTS: Readonly<Record<string, string>> = {
  // No request thread to give way to: the Kafka thread decodes at normal priority
  // (nice 10 starved it behind PostgreSQL and the broker on a busy host).
  KAFKA_CLIENT_THREAD_NICE: '0',
  // Fewer scavenges for kafkajs's per-record garbage.
  KAFKA_CLIENT_THREAD_YOUNG_GEN_MB: '64',
  // Larger batches collapse more watch lines into one aggregate row each, so
  // fewer rows and transactions reach PostgreSQL per event.
  INGEST_BATCH_MAX_RECORDS: '50000',
};

/** Fills in INGEST_WORKER_DEFAULTS where `env` leaves a setting unset; returns `env`. */
export function withIngestWorkerDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (const [name, value] of Object.entries(INGEST_WORKER_DEFAULTS)) env[name] ??= value;
  return env;
}
