import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KafkaEventBus } from '@modules/events/kafka-event-bus';
import { requireKafkaBrokers, uniqueSuffix, waitFor } from '../support/services';

const ROOT = path.resolve(__dirname, '../..');
const N = 3000;

function startConsumer(args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    [path.join(ROOT, 'scripts/run-ts.js'), path.join(ROOT, 'test/support/kafka-consumer-child.ts'), ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
}

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe('Kafka consumer killed mid-batch (real broker)', () => {
  it('loses no event: the uncommitted batch is delivered again after restart', async () => {
    const brokers = requireKafkaBrokers();
    const topic = `kill_${uniqueSuffix()}`;
    const groupId = `kill_group_${uniqueSuffix()}`;
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-kill-')), 'seen.txt');

    const producer = new KafkaEventBus({ brokers, clientId: 'kill-test-producer', connectTimeoutMs: 5_000 });
    await producer.connect();
    await producer.ensureTopics([topic], 3);
    await producer.publish(
      topic,
      Array.from({ length: N }, (_, i) => ({ key: `u${i % 50}`, value: `event-${i}` })),
    );

    const first = startConsumer([brokers.join(','), topic, groupId, out, '1']);
    await waitFor(() => lines(out).includes('#stalled'), 60_000, 100);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const beforeKill = lines(out).filter((l) => l !== '#stalled');
    expect(new Set(beforeKill).size).toBeLessThan(N);

    const second = startConsumer([brokers.join(','), topic, groupId, out]);
    try {
      await waitFor(() => new Set(lines(out).filter((l) => l !== '#stalled')).size >= N, 90_000, 200);
    } finally {
      second.kill('SIGTERM');
      await new Promise((resolve) => second.once('exit', resolve));
    }

    const seen = lines(out).filter((l) => l !== '#stalled');
    const distinct = new Set(seen);
    expect(distinct.size).toBe(N);
    for (let i = 0; i < N; i++) expect(distinct.has(`event-${i}`)).toBe(true);
    // Records handled in the killed batch were not committed, so they came back:
    // at-least-once, with duplicates only from that batch.
    expect(seen.length).toBeGreaterThan(N);
    await producer.close();
  }, 180_000);
});
