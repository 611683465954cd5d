/**
 * Every command of `package.json` that runs Marquee's own code, declared once:
 * what it does, its options with their defaults, and an example. The CLIs
 * parse their arguments from these declarations (`parseCommand(COMMANDS.eval)`),
 * and `scripts/run-ts.js` answers `--help` (and rejects unknown options) from
 * them before it loads the program, so `npm run <script> -- --help` is quick.
 * This file imports only the command helper: keep it that way.
 */
import { defineCommand } from '@lib/cli';

const world = {
  users: (d: string) => ({ type: 'string', value: '<n>', default: d, description: 'Simulated users.' }) as const,
  movies: (d: string) => ({ type: 'string', value: '<n>', default: d, description: 'Simulated movies.' }) as const,
  seed: (d: string) =>
    ({ type: 'string', value: '<n>', default: d, description: 'Random seed (same seed, same result).' }) as const,
  days: (d: string, what = 'Simulated days.') =>
    ({ type: 'string', value: '<n>', default: d, description: what }) as const,
  activity: (d: string) =>
    ({ type: 'string', value: '<x>', default: d, description: 'Activity multiplier of the simulated users.' }) as const,
  drift: (d: string, what = 'Taste drift of the simulated users (0 = stable tastes).') =>
    ({ type: 'string', value: '<x>', default: d, description: what }) as const,
  out: (d: string, what = 'Output directory.') =>
    ({ type: 'string', value: '<dir>', default: d, description: what }) as const,
};

export const COMMANDS = {
  start: defineCommand({
    usage: 'npm start --',
    summary:
      'Generates the Prisma client, compiles the service and runs it (embedded PGlite unless DATABASE_URL is set). ' +
      'An empty store gets a small simulated world and a first model (BOOTSTRAP_WORLD=auto). ' +
      'Configuration is read from the environment (see the README), not from options.',
    options: {},
    examples: ['npm start', 'DATABASE_URL=postgres://marquee:marquee@127.0.0.1:15432/marquee npm start'],
  }),
  test: defineCommand({
    usage: 'npm test --',
    summary:
      'Runs the whole suite (unit and integration) against real PostgreSQL, Kafka and Redis, starting them on ' +
      'loopback when DATABASE_URL / KAFKA_BROKERS / REDIS_URL are unset. Arguments after the options are passed ' +
      'to jest (test path patterns, -t <name>, …).',
    options: {},
    positionals: [{ name: 'jest arguments…', description: 'Passed to jest unchanged (see `npx jest --help`).' }],
    examples: ['npm test', 'npm test -- src/lib/movielog'],
  }),
  'test:faults': defineCommand({
    usage: 'npm run test:faults --',
    summary:
      'The fault-injection suite (test/faults, jest.faults.config.js): each case starts its own PostgreSQL, Kafka ' +
      'or Redis on free loopback ports, kills or stops it under load, and prints what was sent, stored, served ' +
      'and how long recovery took. FAULT_OUTAGE_MS sets the outage length (default 30000). Arguments after the ' +
      'options are passed to jest.',
    options: {},
    positionals: [{ name: 'jest arguments…', description: 'Passed to jest unchanged (see `npx jest --help`).' }],
    examples: ['npm run test:faults', 'FAULT_OUTAGE_MS=10000 npm run test:faults -- test/faults/redis-kill.spec.ts'],
  }),
  'prisma:generate': defineCommand({
    usage: 'npm run prisma:generate --',
    summary: 'Generates the Prisma client into src/generated/prisma from prisma/schema.prisma.',
    options: {},
    examples: ['npm run prisma:generate'],
  }),
  'db:migrate': defineCommand({
    usage: 'npm run db:migrate --',
    summary:
      'Applies pending migrations to the configured database (DATABASE_URL, or the embedded one under DATA_DIR) and exits.',
    options: {},
    examples: ['DATABASE_URL=postgres://marquee:marquee@127.0.0.1:15432/marquee npm run db:migrate'],
  }),
  snapshot: defineCommand({
    usage: 'npm run snapshot --',
    summary:
      'Freezes the interactions ingested up to the cutoff into a content-hashed dataset snapshot and prints its ' +
      'manifest summary as JSON. A time without a zone means UTC.',
    options: {
      cutoff: { type: 'string', value: '<iso time>', description: 'Last ingestion time included (default: now).' },
      'range-start': { type: 'string', value: '<iso time>', description: 'First time included (default: everything).' },
    },
    examples: ['npm run snapshot -- --cutoff 2026-12-01T00:00:00'],
  }),
  'bench:ingest': defineCommand({
    usage: 'npm run bench:ingest --',
    summary:
      'Sustained ingestion throughput from the real Kafka broker into a real PostgreSQL; writes bench/results/ingest.json. ' +
      'Configured by environment: KAFKA_BROKERS, DATABASE_URL, BENCH_EVENTS (default 2000000), BENCH_USERS, ' +
      'BENCH_MOVIES, BENCH_PARTITIONS (default 3), BENCH_KEEP_TOPIC, BENCH_TOPIC and any INGEST_* setting.',
    options: {},
    examples: ['BENCH_EVENTS=200000 npm run bench:ingest'],
  }),
  'drift:report': defineCommand({
    usage: 'npm run drift:report --',
    summary:
      'Compares a training snapshot (default: the production model’s) with the recent window in the store and writes ' +
      'reports/drift/<timestamp>/report.md, drift.json and one SVG per feature. --simulate needs no database: it ' +
      'reports the simulator’s no-drift and taste-drift scenarios side by side.',
    options: {
      model: {
        type: 'string',
        value: '<id>',
        description: 'Compare this model’s training snapshot (default: production).',
      },
      snapshot: { type: 'string', value: '<id>', description: 'Compare this dataset snapshot instead of a model’s.' },
      until: { type: 'string', value: '<iso time>', description: 'End of the recent window (default: now).' },
      gate: { type: 'boolean', default: false, description: 'Record the result as the model’s drift gate.' },
      out: world.out('reports/drift'),
      simulate: { type: 'boolean', default: false, description: 'Report simulated scenarios instead of the store.' },
      users: world.users('2500'),
      movies: world.movies('600'),
      days: world.days('10'),
      'snapshot-days': world.days('4', 'Simulated days in the training snapshot.'),
      activity: world.activity('1'),
      seed: world.seed('7'),
      drift: world.drift('20', 'Taste drift of the drifting scenario (--simulate).'),
    },
    examples: ['npm run drift:report -- --gate', 'npm run drift:report -- --simulate --users 1000 --movies 300'],
  }),
  'drift:acceptance': defineCommand({
    usage: 'npm run drift:acceptance --',
    summary:
      'Runs the simulator twice with the same seed (stable tastes, then taste drift) and compares the training ' +
      'snapshot with the recent window using the drift service’s math; writes reports/drift/acceptance.json. ' +
      'Exit 1 unless the no-drift run passes and the drift run is flagged.',
    options: {
      users: world.users('2500'),
      movies: world.movies('600'),
      days: world.days('10'),
      'snapshot-days': world.days('4', 'Simulated days in the training snapshot.'),
      seed: world.seed('7'),
      drift: world.drift('20', 'Taste drift of the drifting scenario.'),
      activity: world.activity('1'),
      out: { type: 'string', value: '<file>', default: 'reports/drift/acceptance.json', description: 'Output file.' },
    },
    examples: ['npm run drift:acceptance -- --users 1000 --movies 300'],
  }),
  'audit:verify': defineCommand({
    usage: 'npm run audit:verify --',
    summary:
      'Walks the audit hash chain in seq order and reports the first broken link, checked against the latest ' +
      'anchor kept outside the database (AUDIT_ANCHOR_SINK: a file under AUDIT_ANCHOR_DIR, or a Kafka topic). ' +
      'Anchors also detect a truncated tail or a chain re-hashed after an edit. ' +
      'Exit 0 when intact, 1 when broken, 2 on error.',
    options: {
      anchor: { type: 'string', value: '<seq>:<hash>', multiple: true, description: 'An earlier chain head to check.' },
      'no-external-anchor': { type: 'boolean', default: false, description: 'Do not read the external anchor sink.' },
      'write-anchor': {
        type: 'boolean',
        default: false,
        description: 'When intact, append the current head to the anchor sink.',
      },
    },
    examples: ['npm run audit:verify', 'npm run audit:verify -- --anchor 120:3f2a…'],
  }),
  'audit:report': defineCommand({
    usage: 'npm run audit:report --',
    summary: 'Writes a model’s compliance report (Markdown and printable HTML).',
    options: {
      model: { type: 'string', value: '<id>', description: 'Registry id of the model (required).' },
      out: world.out('audits'),
      by: { type: 'string', value: '<name>', description: 'Who asked for the report (default: cli:<login name>).' },
    },
    examples: ['npm run audit:report -- --model als-20261201-1'],
  }),
  'apikey:create': defineCommand({
    usage: 'npm run apikey:create --',
    summary: 'Creates an admin API key and prints it once; only its sha256 is stored.',
    options: {
      name: { type: 'string', value: '<name>', description: 'Who or what the key is for (required).' },
      role: { type: 'string', value: '<role>', description: 'The key’s role, e.g. operator or auditor (required).' },
    },
    examples: ['npm run apikey:create -- --name alice --role operator'],
  }),
  simulate: defineCommand({
    usage: 'npm run simulate --',
    summary:
      'Runs the behaviour simulator (the outside world) and writes stream lines to a file, stdout (the default), ' +
      'the in-process bus or Kafka; with --service-url it asks the service for recommendations (closed loop).',
    options: {
      users: world.users('1000000'),
      movies: world.movies('27000'),
      minutes: { type: 'string', value: '<n>', description: 'Simulated minutes (default: 60 unless --days).' },
      days: { type: 'string', value: '<n>', description: 'Simulated days (instead of --minutes).' },
      seed: world.seed('42'),
      start: {
        type: 'string',
        value: '<iso time>',
        default: '2026-11-01T00:00:00',
        description: 'Simulated start time.',
      },
      out: { type: 'string', value: '<file>', description: 'Write lines to this file (default: stdout).' },
      bus: { type: 'boolean', default: false, description: 'Publish to the in-process bus.' },
      kafka: { type: 'boolean', default: false, description: 'Publish to Kafka (KAFKA_BROKERS or --brokers).' },
      brokers: { type: 'string', value: '<host:port,…>', description: 'Kafka brokers (default: KAFKA_BROKERS).' },
      topic: { type: 'string', value: '<name>', description: 'Kafka topic (default: movielog).' },
      'service-url': {
        type: 'string',
        value: '<url>',
        description: 'Ask this service for recommendations (closed loop).',
      },
      'timeout-ms': {
        type: 'string',
        value: '<ms>',
        default: '800',
        description: 'Timeout of each recommendation request.',
      },
      address: {
        type: 'string',
        value: '<host:port>',
        description: 'Server address written into recommendation lines.',
      },
      drift: world.drift('0.2'),
      activity: world.activity('0.5'),
      'rating-scale': { type: 'string', value: '<n>', default: '5', description: 'Highest rating.' },
      'new-release-share': {
        type: 'string',
        value: '<x>',
        default: '0.02',
        description: 'Share of movies released during the run.',
      },
      'new-user-share': {
        type: 'string',
        value: '<x>',
        default: '0.01',
        description: 'Share of users joining during the run.',
      },
      attack: {
        type: 'string',
        value: 'random|average|bandwagon',
        description: 'Add a shilling attack of this model.',
      },
      'attack-size': {
        type: 'string',
        value: '<x>',
        default: '0.03',
        description: 'Fake accounts as a share of real users.',
      },
      'attack-target': {
        type: 'string',
        value: '<movieid>',
        description: 'The promoted movie (default: chosen from the seed).',
      },
      'attack-start-minutes': { type: 'string', value: '<n>', description: 'When the attack starts.' },
      'attack-burst-minutes': { type: 'string', value: '<n>', description: 'Over how long the fake accounts act.' },
      'ground-truth': { type: 'string', value: '<file>', description: 'Write the attack labels (JSONL).' },
      'truth-out': {
        type: 'string',
        value: '<file>',
        description: 'Write the hidden taste vectors (JSONL, evaluation only).',
      },
      realtime: { type: 'boolean', default: false, description: 'Pace lines in real time (see --speed).' },
      speed: { type: 'string', value: '<x>', default: '1', description: 'Real-time speed-up factor.' },
      rate: { type: 'string', value: '<lines/s>', description: 'Pace at a fixed rate (default: as fast as possible).' },
      quiet: { type: 'boolean', default: false, description: 'No progress line.' },
      workers: { type: 'string', value: '<n>', default: '1', description: 'Worker threads (batch mode only).' },
    },
    examples: [
      'npm run simulate -- --users 1000 --movies 300 --minutes 30 --out /tmp/world.log',
      'npm run simulate -- --users 1000 --movies 300 --days 1 --service-url http://localhost:8082 --kafka',
    ],
  }),
  'generate:world': defineCommand({
    usage: 'npm run generate:world --',
    summary:
      'The simulated world’s catalogue and users. Use the same --seed/--users/--movies/--attack-size as ' +
      '`npm run simulate` so ids agree.',
    options: {
      users: world.users('1000000'),
      movies: world.movies('27000'),
      seed: world.seed('42'),
      start: {
        type: 'string',
        value: '<iso time>',
        default: '2026-11-01T00:00:00',
        description: 'Simulated start time.',
      },
      'attack-size': {
        type: 'string',
        value: '<x>',
        default: '0',
        description: 'Fake accounts as a share of real users.',
      },
      'out-dir': { type: 'string', value: '<dir>', description: 'Write <dir>/catalog.jsonl and <dir>/users.jsonl.' },
      load: { type: 'boolean', default: false, description: 'Load both into the store through the catalog service.' },
    },
    examples: ['npm run generate:world -- --users 1000 --movies 300 --out-dir /tmp/world'],
  }),
  'import:movielens': defineCommand({
    usage: 'npm run import:movielens --',
    summary:
      'Turns a MovieLens download (ml-latest, ml-25m, ml-20m CSV; ml-1m .dat; ml-100k u.*) into Marquee’s world: ' +
      'catalog.jsonl, users.jsonl, ratings.log (stream lines in time order) and issues.jsonl (malformed rows).',
    options: {
      'out-dir': { type: 'string', value: '<dir>', description: 'Output directory (default: <dir>/marquee).' },
      'rating-scale': { type: 'string', value: '<n>', default: '5', description: 'Target integer rating scale.' },
      load: { type: 'boolean', default: false, description: 'Also load catalogue and users into the store.' },
      kafka: { type: 'boolean', default: false, description: 'Also publish the rating lines to the movielog topic.' },
      brokers: { type: 'string', value: '<host:port,…>', description: 'Kafka brokers (default: KAFKA_BROKERS).' },
    },
    positionals: [{ name: 'dir', required: true, description: 'The unpacked MovieLens directory.' }],
    examples: ['npm run import:movielens -- ~/data/ml-1m --out-dir /tmp/ml1m'],
  }),
  'bench:simulate': defineCommand({
    usage: 'npm run bench:simulate --',
    summary:
      'Full-scale world generation to a file under /usr/bin/time -v; records wall time, peak RSS and line counts ' +
      'in bench/results/simulate.json.',
    options: {
      users: world.users('1000000'),
      movies: world.movies('27000'),
      days: world.days('1'),
      seed: world.seed('42'),
      workers: { type: 'string', value: '<n>', default: '1', description: 'Simulation worker threads.' },
      out: {
        type: 'string',
        value: '<file>',
        description: 'The generated log (default: <OS temp dir>/marquee-world.log).',
      },
      keep: { type: 'boolean', default: false, description: 'Keep the generated log.' },
    },
    examples: ['npm run bench:simulate -- --users 100000 --movies 5000'],
  }),
  'kernels:build': defineCommand({
    usage: 'npm run kernels:build --',
    summary:
      'Compiles the WebAssembly kernels (the *.wat files under src/lib) into their committed base64 TypeScript modules.',
    options: {
      check: {
        type: 'boolean',
        default: false,
        description: 'Fail when a committed module is out of date; write nothing.',
      },
    },
    examples: ['npm run kernels:build -- --check'],
  }),
  'policies:build': defineCommand({
    usage: 'npm run policies:build --',
    summary:
      'Compiles the Rego promotion policy to WebAssembly (OPA_BIN or .infra/bin/opa) into the committed bundle. `npm run policies:check` is this with --check.',
    options: {
      check: {
        type: 'boolean',
        default: false,
        description: 'Fail when the committed bundle is out of date; write nothing.',
      },
    },
    examples: ['npm run policies:build'],
  }),
  'check:modules': defineCommand({
    usage: 'npm run check:modules --',
    summary:
      'Builds src/’s module-level import graph and lists import cycles between units, imports past another unit’s ' +
      'index.ts, imports that break the layering (lib < common < modules < cli/root; world imports only lib) and ' +
      'imports it cannot resolve. Exit 0 when there are none, 1 otherwise.',
    options: {},
    positionals: [{ name: 'project root', description: 'The checkout to analyse (default: this one).' }],
    examples: ['npm run check:modules', 'npm run check:modules -- .'],
  }),
  eval: defineCommand({
    usage: 'npm run eval --',
    summary:
      'Trains and evaluates every model on one dataset and writes reports/offline/<snapshot>/report.md, report.json ' +
      'and SVG plots. Without --snapshot/--movielens it uses the trainer’s synthetic latent world. Ctrl-C ' +
      'interrupts training between iterations.',
    options: {
      users: world.users('50000'),
      movies: world.movies('5000'),
      interactions: { type: 'string', value: '<n>', description: 'Synthetic interactions (default: the world’s own).' },
      seed: world.seed('1'),
      snapshot: { type: 'string', value: '<dir|id>', description: 'Evaluate on this dataset snapshot.' },
      movielens: { type: 'string', value: '<dir>', description: 'Evaluate on this MovieLens download.' },
      models: {
        type: 'string',
        value: '<list>',
        default: 'popularity,item-knn,svd,als,hybrid',
        description: 'Models to train.',
      },
      splits: {
        type: 'string',
        value: '<list>',
        default: 'temporal,leave-last-k,random-75-25',
        description: 'Holdout splits.',
      },
      'max-users': {
        type: 'string',
        value: '<n>',
        default: '10000',
        description: 'Evaluated users per split (sampled).',
      },
      workers: { type: 'string', value: '<n>', default: '2', description: 'Training worker threads.' },
      params: {
        type: 'string',
        value: '<json>',
        default: '{}',
        description: 'Per-model parameter overrides, e.g. {"als":{"factors":64}}.',
      },
      out: world.out('reports/offline'),
      note: {
        type: 'string',
        value: '<text>',
        description: 'Machine note in the report (default: the shared-machine note).',
      },
      tune: {
        type: 'boolean',
        default: false,
        description:
          'Also run each model tuned (`<model>+tuned`): random search on a validation split carved from each ' +
          'split’s training rows, never its test rows; every trial goes into the report.',
      },
      'tune-trials': { type: 'string', value: '<n>', default: '16', description: 'Trials per model and split.' },
      'tune-seconds': {
        type: 'string',
        value: '<s>',
        default: '600',
        description: 'Wall-time cap of one search (a trial running at the limit is not counted).',
      },
    },
    examples: [
      'npm run eval -- --users 5000 --movies 1000 --models popularity,als --splits temporal',
      'npm run eval -- --movielens ~/data/ml-100k --splits random-75-25 --tune',
    ],
  }),
  'bench:train': defineCommand({
    usage: 'npm run bench:train --',
    summary:
      'Trains each model at the given scale on the trainer’s synthetic latent world, each in its own child process, ' +
      'and records training time, seconds per iteration, peak memory and artifact size.',
    options: {
      users: world.users('1000000'),
      movies: world.movies('27000'),
      interactions: { type: 'string', value: '<n>', default: '30000000', description: 'Synthetic interactions.' },
      factors: { type: 'string', value: '<n>', default: '64', description: 'Latent factors.' },
      models: {
        type: 'string',
        value: '<list>',
        default: 'als,popularity,item-knn,svd,hybrid',
        description: 'Models to train.',
      },
      seed: world.seed('1'),
      workers: { type: 'string', value: '<n>', default: '2', description: 'Training worker threads.' },
      params: { type: 'string', value: '<json>', default: '{}', description: 'Per-model parameter overrides.' },
      'timeout-minutes': {
        type: 'string',
        value: '<n>',
        default: '30',
        description: 'Give up on a model after this long.',
      },
      out: { type: 'string', value: '<file>', default: 'bench/results/train.json', description: 'Results file.' },
      peer: {
        type: 'string',
        value: '<auto|implicit|none>',
        default: 'auto',
        description:
          'After ALS, train implicit (PyPI, installed into bench/.venv) on the same confidence matrix and report ' +
          'ALS CPU-s per iteration and peak RSS as ratios to it; auto: when Python 3 is available.',
      },
      python: { type: 'string', value: '<cmd>', default: 'python3', description: 'Python used to create bench/.venv.' },
      dataset: {
        type: 'string',
        value: '<used|all>',
        default: 'used',
        description:
          'What each model’s child loads of the dataset: used = what its training reads (ALS: ids instead of ' +
          'user profiles, no timestamps without time decay), all = everything.',
      },
      'peer-threads': {
        type: 'string',
        value: '<n>',
        description: 'implicit’s num_threads (default: --workers, i.e. matched thread count).',
      },
      child: { type: 'string', value: '<model>', description: 'Internal: train one model in this process.' },
    },
    examples: [
      'npm run bench:train -- --users 100000 --movies 5000 --interactions 2000000 --models als',
      'npm run bench:train -- --models als --interactions 32000000 --factors 64 --out bench/results/train-als.json',
    ],
  }),
  'bench:serve': defineCommand({
    usage: 'npm run bench:serve --',
    summary:
      'Loads a full-scale ALS model into the real service and drives GET /recommend on loopback (autocannon and a ' +
      'constant-arrival-rate generator): latency percentiles, throughput, errors, resident memory, a rate ramp, the ' +
      'harness floor and model swaps. Needs DATABASE_URL (and KAFKA_BROKERS with --workers > 1).',
    options: {
      model: {
        type: 'string',
        value: '<dir>',
        description: 'Serve this artifact (default: a synthesised full-shape ALS).',
      },
      'model-b': { type: 'string', value: '<dir>', description: 'The second artifact of the swap run.' },
      users: world.users('1000000'),
      movies: world.movies('27000'),
      factors: { type: 'string', value: '<n>', default: '64', description: 'Latent factors of the synthesised model.' },
      duration: { type: 'string', value: '<s>', default: '60', description: 'Seconds per fixed-rate run.' },
      rate: { type: 'string', value: '<req/s>', default: '1000', description: 'Fixed request rate.' },
      'ramp-duration': { type: 'string', value: '<s>', default: '15', description: 'Seconds per ramp step.' },
      connections: { type: 'string', value: '<n>', default: '64', description: 'HTTP connections.' },
      port: { type: 'string', value: '<port>', default: '18090', description: 'Service port.' },
      workers: { type: 'string', value: '<n>', default: '1', description: 'Service processes (HTTP_WORKERS).' },
      history: {
        type: 'string',
        value: 'seeded|empty',
        default: 'seeded',
        description: 'Full-scale user history in PostgreSQL, or a blank database.',
      },
      'history-index': {
        type: 'string',
        value: 'true|false',
        default: 'true',
        description: 'false: per-request SQL history lookups.',
      },
      peer: {
        type: 'string',
        value: 'auto|true|false',
        default: 'auto',
        description:
          'Also measure the peer (bench/peer: Flask + numpy under gunicorn, 2 processes × 4 threads, same model; ' +
          'installed from PyPI into bench/.venv on first use) and report ratios to it. auto: when python3 is found.',
      },
      profile: {
        type: 'string',
        value: '<dir>',
        description:
          'CPU-profile the service (node --cpu-prof into <dir>) and summarise the fixed-rate run by component.',
      },
      'profile-interval': {
        type: 'string',
        value: '<µs>',
        default: '1000',
        description:
          'Sampling interval of --profile (node --cpu-prof-interval). 100 resolves event-loop stalls of a few ms; ' +
          'the profiler then costs the service more CPU.',
      },
      'cost-rounds': {
        type: 'string',
        value: '<n>',
        default: '1',
        description:
          'Pairs of fixed-rate run and harness floor, alternating, for the request cost: with more than one the ' +
          'report gives each pair and their median (one pair varies by ±10% on a quiet host).',
      },
      skip: {
        type: 'string',
        value: '<phases>',
        default: '',
        description: 'Comma-separated phases to leave out, for quick runs: autocannon, ramp, unthrottled, swap.',
      },
      entry: {
        type: 'string',
        value: 'dist|src',
        default: 'dist',
        description:
          'dist: the service as deployed (`node dist/main.js`, built first with `npm run build`); src: compiled on ' +
          'the fly from TypeScript (scripts/run-ts.js: no build step, but the compiler is resident too).',
      },
    },
    examples: [
      'npm run bench:serve -- --duration 20 --rate 500',
      'npm run bench:serve -- --users 100000 --duration 20 --skip autocannon,swap',
    ],
  }),
  'bench:console': defineCommand({
    usage: 'npm run bench:console --',
    summary:
      'Response times of the operator console’s pages against a running service (e.g. `npm start` on the ' +
      'bootstrapped embedded store): signs in with the key, GETs each page `rounds` times one at a time (10 s ' +
      'timeout each, 5 minutes in all) and prints p50 / p95 / max per page into bench/results/console-pages.json.',
    options: {
      url: { type: 'string', value: '<url>', default: 'http://127.0.0.1:8082', description: 'Service base URL.' },
      key: {
        type: 'string',
        value: '<key>',
        description: 'An API key whose role can read the audit and reports (auditor or admin); required.',
      },
      rounds: { type: 'string', value: '<n>', default: '20', description: 'Requests per page (1–1000).' },
    },
    examples: ['npm run bench:console -- --url http://127.0.0.1:8082 --key <admin key> --rounds 20'],
  }),
  'bench:score': defineCommand({
    usage: 'npm run bench:score --',
    summary:
      'The request path’s hot loop alone: ranking one user against the whole catalogue with the serving scorer ' +
      '(int8 WebAssembly SIMD + exact re-scoring) against a plain float32 loop; results in bench/results/score.json.',
    options: {
      users: world.users('1000000'),
      movies: world.movies('27000'),
      factors: { type: 'string', value: '<n>', default: '64', description: 'Latent factors.' },
      requests: { type: 'string', value: '<n>', default: '5000', description: 'Users ranked.' },
      k: { type: 'string', value: '<n>', default: '40', description: 'Candidates re-scored exactly.' },
    },
    examples: ['npm run bench:score -- --requests 1000'],
  }),
  'security:poisoning-report': defineCommand({
    usage: 'npm run security:poisoning-report --',
    summary:
      'Measures the shilling defence against the simulator’s labelled attacks (each attack model × size × seed): ' +
      'detection precision and recall, and the target’s rank shift for real users undefended, defended and clean. ' +
      'Writes <out>/poisoning.md, poisoning.json and poisoning.svg.',
    options: {
      users: world.users('3000'),
      movies: world.movies('500'),
      days: world.days('7'),
      seeds: { type: 'string', value: '<list>', default: '7,11', description: 'Seeds, comma-separated.' },
      attacks: { type: 'string', value: '<list>', default: 'random,average,bandwagon', description: 'Attack models.' },
      sizes: {
        type: 'string',
        value: '<list>',
        default: '0.01,0.03,0.05',
        description: 'Attack sizes (share of real users).',
      },
      out: world.out('reports/security'),
      slow: {
        type: 'string',
        value: '<list>',
        default: 'bandwagon',
        description: 'Attack models also run slowly (spread over 72 h); "" for none.',
      },
    },
    examples: ['npm run security:poisoning-report -- --users 1000 --seeds 7'],
  }),
  'experiment:report': defineCommand({
    usage: 'npm run experiment:report --',
    summary:
      'Writes an experiment’s analysis (report.md, report.json) and cumulative conversion per arm (conversion.svg) ' +
      'into <out>/<id>/. Reads only the store (DATABASE_URL or the embedded one under DATA_DIR).',
    options: {
      out: { type: 'string', value: '<dir>', description: 'Output directory (default: reports/experiments).' },
    },
    positionals: [{ name: 'id', required: true, description: 'The experiment id.' }],
    examples: ['npm run experiment:report -- exp-42'],
  }),
  'fairness:report': defineCommand({
    usage: 'npm run fairness:report --',
    summary:
      'Offline fairness audit of one model: per-group ranking quality with the largest gap and its bootstrap ' +
      'interval, item exposure, popularity bias; writes audits/fairness-<model>.md, .json and SVG plots. --online ' +
      'reports live traffic from the recommendation log instead (needs the database).',
    options: {
      model: {
        type: 'string',
        value: '<dir|id>',
        description: 'Artifact directory or registry id (required offline).',
      },
      snapshot: {
        type: 'string',
        value: '<id|dir>',
        description: 'Dataset snapshot (default: the model’s own, else the synthetic world).',
      },
      'as-is': {
        type: 'boolean',
        default: false,
        description: 'Audit the artifact itself instead of retraining its recipe.',
      },
      users: world.users('3000'),
      movies: world.movies('500'),
      interactions: { type: 'string', value: '<n>', default: '60000', description: 'Synthetic interactions.' },
      seed: world.seed('7'),
      out: world.out('audits'),
      online: { type: 'boolean', default: false, description: 'Report live traffic instead of a model.' },
      hours: { type: 'string', value: '<n>', default: '24', description: 'Hours of live traffic (--online).' },
    },
    examples: [
      'npm run fairness:report -- --model reports/models/als',
      'npm run fairness:report -- --online --hours 6',
    ],
  }),
  'feedback:study': defineCommand({
    usage: 'npm run feedback:study --',
    summary:
      'Runs the feedback-loop study on the behaviour simulator (control without recommendations, the retrained ' +
      'model’s loop, the loop with the re-rank stage, a frozen model) and writes <out>/study.md, study.json and one SVG per metric.',
    options: {
      cycles: { type: 'string', value: '<n>', default: '10', description: 'Retraining cycles.' },
      users: world.users('3000'),
      movies: world.movies('500'),
      seed: world.seed('7'),
      'cycle-days': world.days('2', 'Simulated days per cycle.'),
      'warmup-days': world.days('4', 'Simulated days of history before the first cycle.'),
      activity: world.activity('1'),
      model: { type: 'string', value: '<type>', default: 'als', description: 'Model type retrained each cycle.' },
      mitigation: {
        type: 'string',
        value: 'exposure|explore',
        default: 'exposure',
        description: 'Re-rank stage of the mitigated arm.',
      },
      strength: { type: 'string', value: '<x>', default: '0.5', description: 'Strength of the mitigation.' },
      out: world.out('reports/feedback'),
    },
    examples: ['npm run feedback:study -- --cycles 3 --users 1000 --movies 300'],
  }),
  retrain: defineCommand({
    usage: 'npm run retrain --',
    summary:
      'One retraining run and exit (the k8s CronJob): snapshot → train → evaluate → register → gates → ' +
      'policy-gated canary. Exit 0 when the run finished or was skipped (a canary in the slot is still being ' +
      'decided), 1 when it failed or overlapped another run. Configured by environment (RETRAIN_* settings).',
    options: {
      'tune-trials': {
        type: 'string',
        value: '<n>',
        description:
          'Search the hyperparameters first with this many trials, 0 = off (default: RETRAIN_TUNE_TRIALS, 0); ' +
          'the trials are recorded in the model’s provenance.',
      },
      'tune-seconds': {
        type: 'string',
        value: '<s>',
        description: 'Wall-time cap of that search (default: RETRAIN_TUNE_SECONDS, 600).',
      },
    },
    examples: [
      'DATABASE_URL=postgres://marquee:marquee@127.0.0.1:15432/marquee npm run retrain',
      'DATABASE_URL=postgres://marquee:marquee@127.0.0.1:15432/marquee npm run retrain -- --tune-trials 16',
    ],
  }),
  'ingest:worker': defineCommand({
    usage: 'npm run ingest:worker --',
    summary:
      'Ingestion worker: one consumer-group member per process, with /healthz, /readyz and /metrics; serving is ' +
      'off. Configured by environment (KAFKA_BROKERS, DATABASE_URL, INGEST_* settings).',
    options: {},
    examples: [
      'KAFKA_BROKERS=127.0.0.1:19092 DATABASE_URL=postgres://marquee:marquee@127.0.0.1:15432/marquee npm run ingest:worker',
    ],
  }),
  'loop:simulate': defineCommand({
    usage: 'npm run loop:simulate --',
    summary:
      'Boots the real service, plays a simulated world against it in compressed time and lets the service’s own ' +
      'retraining schedule, gates, policy and canary controller run retrain → gate → canary → promote cycles. ' +
      'Writes <out>/<run-id>/{report.md,report.json,timeline.svg}. Exit 0 when at least --min-cycles cycles ' +
      'completed and the audit chain is intact, 1 otherwise, 2 on error, 130 when interrupted.',
    options: {
      users: world.users('4000'),
      movies: world.movies('500'),
      seed: world.seed('7'),
      'warmup-days': world.days('2', 'Simulated days before the service starts retraining.'),
      days: world.days('2', 'Simulated days of the loop.'),
      activity: world.activity('2'),
      drift: world.drift('0.2'),
      cron: {
        type: 'string',
        value: '<schedule>',
        default: 'stream: 0 */6 * * *',
        description: 'RETRAIN_CRON of the service.',
      },
      model: { type: 'string', value: '<type>', default: 'item-knn', description: 'Model type retrained.' },
      'checkpoint-minutes': {
        type: 'string',
        value: '<n>',
        default: '30',
        description: 'Simulated minutes between checkpoints.',
      },
      'min-cycles': { type: 'string', value: '<n>', default: '2', description: 'Complete cycles required for exit 0.' },
      'canary-steps': { type: 'string', value: '<list>', default: '0.1,0.5,1', description: 'Canary traffic steps.' },
      'canary-min-users': {
        type: 'string',
        value: '<n>',
        default: '100',
        description: 'Users per canary step before deciding.',
      },
      'canary-min-step-minutes': {
        type: 'string',
        value: '<n>',
        default: '30',
        description: 'Minutes per canary step.',
      },
      'canary-defaults': { type: 'boolean', default: false, description: 'Use the service’s canary defaults instead.' },
      'fairness-dimensions': {
        type: 'string',
        value: '<list>',
        default: 'gender,age',
        description: 'Fairness dimensions gated.',
      },
      'data-dir': {
        type: 'string',
        value: '<dir>',
        description: 'Embedded store directory (default: a fresh temp dir).',
      },
      out: world.out('reports/loop'),
    },
    examples: ['npm run loop:simulate -- --users 1500 --movies 300 --days 1'],
  }),
  'client:generate': defineCommand({
    usage: 'npm run client:generate --',
    summary:
      'Writes the OpenAPI document the service generates from its routes and zod schemas to ' +
      'packages/client/openapi.json, and its TypeScript types (openapi-typescript) to packages/client/schema.d.ts, ' +
      'the source of the typed client (@marquee/client, openapi-fetch).',
    options: {
      check: { type: 'boolean', default: false, description: 'Write nothing; exit 1 when either file is stale.' },
    },
    examples: ['npm run client:generate', 'npm run client:generate -- --check'],
  }),
} as const;

export type CommandName = keyof typeof COMMANDS;

/** The command an entry file of `package.json` runs (keyed by the path after `run-ts.js`). */
export const COMMAND_ENTRIES: Readonly<Record<string, CommandName>> = {
  'src/cli/migrate.ts': 'db:migrate',
  'src/cli/snapshot.ts': 'snapshot',
  'bench/ingest.ts': 'bench:ingest',
  'src/cli/drift-report.ts': 'drift:report',
  'src/cli/drift-acceptance.ts': 'drift:acceptance',
  'src/cli/audit-verify.ts': 'audit:verify',
  'src/cli/audit-report.ts': 'audit:report',
  'src/cli/apikey-create.ts': 'apikey:create',
  'src/cli/simulate.ts': 'simulate',
  'src/cli/generate-world.ts': 'generate:world',
  'src/cli/import-movielens.ts': 'import:movielens',
  'bench/simulate-bench.ts': 'bench:simulate',
  'src/cli/eval.ts': 'eval',
  'bench/train.ts': 'bench:train',
  'bench/serve.ts': 'bench:serve',
  'bench/score.ts': 'bench:score',
  'bench/console-pages.ts': 'bench:console',
  'src/cli/poisoning-report.ts': 'security:poisoning-report',
  'src/cli/experiment-report.ts': 'experiment:report',
  'src/cli/fairness-report.ts': 'fairness:report',
  'src/cli/feedback-study.ts': 'feedback:study',
  'src/cli/retrain.ts': 'retrain',
  'src/cli/ingest-worker.ts': 'ingest:worker',
  'src/cli/loop-simulate.ts': 'loop:simulate',
  'src/cli/generate-client.ts': 'client:generate',
};
