/**
 * `npm run simulate -- [options]`: runs the behaviour simulator (the outside world)
 * and writes stream lines to a file, stdout, the in-process bus or Kafka.
 *
 *   --users 1000000 --movies 27000 --minutes 60 (or --days 1) --seed 42 --start 2026-11-01T00:00:00
 *   --out <file> | --bus / --kafka [--brokers host:port,…] [--topic movielog]   (default: stdout)
 *   --service-url http://localhost:8082 [--timeout-ms 800] [--address host:port]   closed loop
 *   --drift 0.2 --activity 0.5 --rating-scale 5 --new-release-share 0.02 --new-user-share 0.01
 *   --attack random|average|bandwagon --attack-size 0.03 [--attack-target <movieid>]
 *   [--attack-start-minutes N] [--attack-burst-minutes N] --ground-truth <file>   (attack labels, JSONL)
 *   --truth-out <file>                                        hidden taste vectors (JSONL, for evaluation only)
 *   --realtime [--speed 1] | --rate <lines per second>      pacing (default: as fast as possible)
 *   --workers 2                                               split users across worker threads (batch mode only)
 *   --quiet                                                   no progress line
 */
import { loadConfig } from '@modules/config';
import { createEventBus } from '@modules/events';
import { HttpRecommender } from '@world/output/http-recommender';
import { EventBusLineSink, fileLineSink, LineSink, StreamLineSink } from '@world/output/line-sink';
import { ATTACK_MODELS, AttackModel, AttackPlan, planAttack } from '@world/simulator/attack';
import { Simulation, SimulationStats } from '@world/simulator/engine';
import { runParallelSimulation } from '@world/simulator/parallel-simulation';
import { groundTruthRecords, tasteRecords, writeGroundTruth } from '@world/simulator/ground-truth';
import { createWorld, WorldOptions } from '@world/world';
import { progressBar } from './progress';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  const { values } = parseCommand(COMMANDS.simulate);
  const num = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n)) throw new Error(`--${name} must be a number (got ${value})`);
    return n;
  };
  const durationMs =
    values.days !== undefined ? num('days', values.days) * 86_400_000 : num('minutes', values.minutes ?? '60') * 60_000;
  const attackModel = values.attack as AttackModel | undefined;
  if (attackModel !== undefined && !ATTACK_MODELS.includes(attackModel))
    throw new Error(`--attack must be one of ${ATTACK_MODELS.join(', ')}`);
  const start = values.realtime ? Math.floor(Date.now() / 1000) * 1000 : parseUtc(values.start);

  const t0 = Date.now();
  const workers = num('workers', values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new Error('--workers must be 1..16');
  if (workers > 1 && (values['service-url'] || values.realtime || values.rate))
    throw new Error(
      '--workers > 1 is for batch generation; it cannot be combined with --service-url, --realtime or --rate',
    );
  const worldOptions: WorldOptions = {
    seed: num('seed', values.seed),
    users: num('users', values.users),
    movies: num('movies', values.movies),
    start,
    drift: num('drift', values.drift),
    activity: num('activity', values.activity),
    newReleaseShare: num('new-release-share', values['new-release-share']),
    newUserShare: num('new-user-share', values['new-user-share']),
    attackSize: attackModel ? num('attack-size', values['attack-size']) : 0,
  };
  const world = createWorld(worldOptions);
  if (!values.quiet) process.stderr.write(`world ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  let attack: AttackPlan | undefined;
  if (attackModel) {
    const target = values['attack-target'] ? world.catalog.indexById.get(values['attack-target']) : undefined;
    if (values['attack-target'] && target === undefined)
      throw new Error(`unknown --attack-target ${values['attack-target']}`);
    const startOffset =
      values['attack-start-minutes'] !== undefined
        ? num('attack-start-minutes', values['attack-start-minutes']) * 60_000
        : durationMs / 2;
    const burst =
      values['attack-burst-minutes'] !== undefined
        ? num('attack-burst-minutes', values['attack-burst-minutes']) * 60_000
        : Math.min(60 * 60_000, durationMs / 4);
    attack = planAttack(world, { model: attackModel, target, start: start + startOffset, burstMs: burst });
  }

  let sink: LineSink;
  let closeBus: (() => Promise<void>) | undefined;
  if (values.kafka || values.bus) {
    // --bus means the service's configured bus. From a separate process that can only be Kafka: the
    // in-process bus lives inside the service (use bootstrapWorld from start-up code for that).
    const config = loadConfig({ ...process.env, ...(values.brokers ? { KAFKA_BROKERS: values.brokers } : {}) });
    if (config.events.kind !== 'kafka')
      throw new Error(
        `--${values.kafka ? 'kafka' : 'bus'} needs --brokers or KAFKA_BROKERS (the in-process bus exists only inside the service; see bootstrapWorld)`,
      );
    const bus = createEventBus(config);
    await bus.connect();
    const topic = values.topic ?? config.topics.movielog;
    await bus.ensureTopics([topic], config.topicPartitions);
    sink = new EventBusLineSink(bus, topic);
    closeBus = () => bus.close();
  } else if (values.out) sink = fileLineSink(values.out);
  else sink = new StreamLineSink(process.stdout, false);

  const recommender = values['service-url']
    ? new HttpRecommender(values['service-url'], num('timeout-ms', values['timeout-ms']), values.address)
    : undefined;
  const progress = values.quiet ? undefined : progressBar();
  const ratingScaleMax = num('rating-scale', values['rating-scale']);
  const run = (): Promise<SimulationStats> =>
    workers > 1
      ? runParallelSimulation(
          {
            world: world.options,
            durationMs,
            ratingScaleMax,
            attack: attack && {
              model: attack.model,
              target: attack.target,
              start: attack.start,
              burstMs: attack.end - attack.start,
            },
          },
          workers,
          sink,
          progress?.update,
        )
      : new Simulation(world, sink, {
          durationMs,
          ratingScaleMax,
          recommender,
          attack,
          realtime: values.realtime,
          speed: num('speed', values.speed),
          maxLinesPerSecond: values.rate ? num('rate', values.rate) : 0,
          onProgress: progress?.update,
        }).run();
  const stats = await run();
  await sink.close();
  recommender?.close();
  await closeBus?.();
  progress?.done();
  if (values['ground-truth'])
    await writeGroundTruth(values['ground-truth'], groundTruthRecords(world, attack, durationMs));
  if (values['truth-out']) await writeGroundTruth(values['truth-out'], tasteRecords(world));
  if (!values.quiet) process.stderr.write(`${JSON.stringify({ ...stats, seconds: (Date.now() - t0) / 1000 })}\n`);
}

function parseUtc(value: string): number {
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (!Number.isFinite(t)) throw new Error(`--start must be an ISO-8601 time (got ${value})`);
  return t;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
