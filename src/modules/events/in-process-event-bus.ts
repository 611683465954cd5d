import {
  BusRecord,
  EventBus,
  OutgoingMessage,
  PartitionLag,
  RecordBatch,
  SubscribeOptions,
  Subscription,
} from './event-bus';
import { partitionForKey } from './partitioning';

/**
 * An in-memory, partitioned log with Kafka's consumer-group semantics
 * (committed offsets per group and partition, redelivery after a failed
 * handler, partitions shared among a group's members). It lets `npm start`
 * run with nothing installed. It is not durable: records not yet consumed by
 * every group are lost with the process, which is why production uses Kafka.
 */
class PartitionLog {
  /** Offset of records[0]; earlier records were consumed by every group and dropped. */
  base = 0;
  records: BusRecord[] = [];

  get end(): number {
    return this.base + this.records.length;
  }

  read(from: number, max: number): BusRecord[] {
    const start = Math.max(from - this.base, 0);
    return this.records.slice(start, start + max);
  }

  /**
   * Drops records below `consumed` but keeps the newest `retain` ones, so a
   * group that joins later with fromBeginning still finds recent history, as
   * it would within Kafka's retention.
   */
  dropBefore(consumed: number, retain: number): void {
    const count = Math.min(consumed, this.end - retain) - this.base;
    // Slicing on every commit would be quadratic; compact in chunks.
    if (count < Math.max(1024, retain / 4)) return;
    this.records = this.records.slice(count);
    this.base += count;
  }
}

interface GroupMember {
  readonly options: SubscribeOptions;
  paused: boolean;
  running: boolean;
}

interface ConsumerGroup {
  readonly committed: Map<string, number>;
  readonly members: GroupMember[];
  readonly inFlight: Set<string>;
}

const DEFAULT_MAX_BATCH = 500;
const DEFAULT_RETAINED_RECORDS = 100_000;
const RETRY_DELAY_MS = 200;

export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private waiters: Array<() => void> = [];
  private roundRobin = 0;
  private connected = false;

  constructor(private readonly options: { retainRecords?: number } = {}) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  async reachable(): Promise<boolean> {
    return this.connected;
  }

  async ensureTopics(topics: readonly string[], partitions: number): Promise<void> {
    for (const topic of topics) this.partitionsOf(topic, partitions);
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (!this.connected) throw new Error('event bus is not connected');
    const partitions = this.partitionsOf(topic);
    const now = Date.now();
    for (const message of messages) {
      const key = message.key ?? null;
      const p = key === null ? this.roundRobin++ % partitions.length : partitionForKey(key, partitions.length);
      const log = partitions[p];
      log.records.push({
        topic,
        partition: p,
        offset: String(log.end),
        key,
        value: Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value, 'utf8'),
        timestamp: now,
      });
    }
    this.wake();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (!this.connected) throw new Error('event bus is not connected');
    const group = this.groupOf(options.groupId);
    for (const topic of options.topics) {
      for (const [p, log] of this.partitionsOf(topic).entries()) {
        const key = `${topic}:${p}`;
        if (!group.committed.has(key)) group.committed.set(key, options.fromBeginning ? log.base : log.end);
      }
    }
    const member: GroupMember = { options, paused: false, running: true };
    group.members.push(member);
    const loop = this.consume(group, member);

    return {
      stop: async () => {
        member.running = false;
        this.wake();
        await loop;
        group.members.splice(group.members.indexOf(member), 1);
        this.wake();
      },
      pause: () => {
        member.paused = true;
      },
      resume: () => {
        member.paused = false;
        this.wake();
      },
      isPaused: () => member.paused,
      lag: async () => this.lagOf(group, options.topics),
    };
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) for (const m of group.members) m.running = false;
    this.wake();
    this.connected = false;
  }

  private async consume(group: ConsumerGroup, member: GroupMember): Promise<void> {
    const max = member.options.maxBatchRecords ?? DEFAULT_MAX_BATCH;
    while (member.running && this.connected) {
      let delivered = false;
      if (!member.paused) {
        for (const topic of member.options.topics) {
          const partitions = this.partitionsOf(topic);
          for (let p = 0; p < partitions.length; p++) {
            if (!member.running || member.paused) break;
            if (group.members[p % group.members.length] !== member) continue;
            if (!(await this.deliver(group, member, topic, p, partitions[p], max))) continue;
            delivered = true;
            // A handler resolving at once would otherwise chain batch after batch in
            // microtasks and keep I/O (requests) waiting until the log is drained.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      }
      if (!delivered) await this.waitForWork(member.paused ? 50 : 1000);
    }
  }

  /** Hands one batch of a partition to the member; true when it made progress. */
  private async deliver(
    group: ConsumerGroup,
    member: GroupMember,
    topic: string,
    partition: number,
    log: PartitionLog,
    max: number,
  ): Promise<boolean> {
    const key = `${topic}:${partition}`;
    const from = group.committed.get(key) ?? log.base;
    if (from >= log.end || group.inFlight.has(key)) return false;
    const records = log.read(from, max);
    const batch: RecordBatch = { topic, partition, records };
    group.inFlight.add(key);
    try {
      await member.options.handleBatch(batch, { heartbeat: async () => undefined, isRunning: () => member.running });
      group.committed.set(key, from + records.length);
      log.dropBefore(this.lowestCommitted(topic, partition), this.options.retainRecords ?? DEFAULT_RETAINED_RECORDS);
      return true;
    } catch (error) {
      member.options.onHandlerError?.(error, batch);
      await sleep(RETRY_DELAY_MS);
      return false;
    } finally {
      group.inFlight.delete(key);
    }
  }

  private lowestCommitted(topic: string, partition: number): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) {
      const committed = group.committed.get(`${topic}:${partition}`);
      if (committed !== undefined) lowest = Math.min(lowest, committed);
    }
    return Number.isFinite(lowest) ? lowest : 0;
  }

  private lagOf(group: ConsumerGroup, topics: readonly string[]): PartitionLag[] {
    return topics.flatMap((topic) =>
      this.partitionsOf(topic).map((log, partition) => {
        const committed = group.committed.get(`${topic}:${partition}`) ?? log.base;
        return { topic, partition, committed: String(committed), end: String(log.end), lag: log.end - committed };
      }),
    );
  }

  private partitionsOf(topic: string, partitions = 1): PartitionLog[] {
    let logs = this.topics.get(topic);
    if (!logs) {
      logs = Array.from({ length: Math.max(1, partitions) }, () => new PartitionLog());
      this.topics.set(topic, logs);
    }
    return logs;
  }

  private groupOf(groupId: string): ConsumerGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = { committed: new Map(), members: [], inFlight: new Set() };
      this.groups.set(groupId, group);
    }
    return group;
  }

  private waitForWork(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
