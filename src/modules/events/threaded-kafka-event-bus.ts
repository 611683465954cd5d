import { Worker } from 'node:worker_threads';
import { startWorkerThread } from '@lib/worker-thread';
import { EventBus, OutgoingMessage, PartitionLag, SubscribeOptions, Subscription } from './event-bus';
import { KafkaBusOptions } from './kafka-event-bus';
import { FromKafkaThread, KafkaThreadCall, KafkaThreadData, ToKafkaThread, unpackBatch } from './kafka-thread-protocol';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface MainSideSubscription {
  readonly options: SubscribeOptions;
  running: boolean;
}

/**
 * KafkaEventBus with kafkajs on a thread of its own; handlers still run on
 * the calling (main) thread.
 *
 * Why: in an API process, kafkajs's own work — encoding every produce
 * request, decoding every fetch (record batches, varints, CRCs), group
 * heartbeats — otherwise lands on the thread that answers HTTP requests, in
 * bursts of several milliseconds each time the response log flushes and the
 * process's own consumers read those lines back. Each burst is queueing delay
 * for every request arriving during it. Here the main thread sees one message
 * per published batch and one per delivered batch (values packed into one
 * transferred buffer); the same delivery, commit and pacing rules apply
 * because the thread runs the same KafkaEventBus.
 *
 * If the thread dies, every call fails and isConnected() turns false, which
 * readiness reports: the process is restarted rather than left half-connected.
 */
export class ThreadedKafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly worker: Worker;
  private readonly calls = new Map<number, Pending>();
  private readonly subscriptions = new Map<number, MainSideSubscription>();
  private nextCall = 1;
  private nextSubscription = 1;
  private connected = false;
  private dead: Error | null = null;

  /**
   * `nice`: the thread's CPU priority, 0 (normal) to 19 (lowest); see KAFKA_CLIENT_THREAD_NICE.
   * `youngGenMb`: its young-generation heap, 0 = V8's default; see KAFKA_CLIENT_THREAD_YOUNG_GEN_MB.
   */
  constructor(
    private readonly options: KafkaBusOptions,
    nice = 0,
    youngGenMb = 0,
  ) {
    const { log, ...plain } = options;
    void log;
    this.worker = startWorkerThread(__dirname, 'kafka-bus.worker', {
      workerData: { options: plain, nice } satisfies KafkaThreadData,
      ...(youngGenMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenMb } } : {}),
    });
    this.worker.on('message', (message: FromKafkaThread) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the Kafka thread exited (code ${code})`)));
  }

  async connect(): Promise<void> {
    await this.call({ method: 'connect' });
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected && this.dead === null;
  }

  /** The thread's own probe (see KafkaEventBus.reachable), bounded here too: a stuck thread is unreachable. */
  async reachable(): Promise<boolean> {
    if (!this.isConnected()) return false;
    const answer = this.call({ method: 'reachable' }).then(
      (value) => value === true,
      (error: unknown) => {
        this.callFailed('reachable', error, {});
        return false;
      },
    );
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000).unref());
    return Promise.race([answer, timeout]);
  }

  async ensureTopics(topics: readonly string[], partitions: number): Promise<void> {
    await this.call({ method: 'ensureTopics', topics: [...topics], partitions });
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.call({
      method: 'publish',
      topic,
      messages: messages.map((m) => ({ key: m.key ?? null, value: m.value })),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const id = this.nextSubscription++;
    const { handleBatch, onHandlerError, ...plain } = options;
    void handleBatch;
    void onHandlerError;
    const local: MainSideSubscription = { options, running: true };
    this.subscriptions.set(id, local);
    try {
      await this.call({ method: 'subscribe', subscription: id, options: { ...plain, topics: [...plain.topics] } });
    } catch (error) {
      this.subscriptions.delete(id);
      throw error;
    }
    let paused = false;
    return {
      stop: async () => {
        local.running = false;
        try {
          await this.call({ method: 'stop', subscription: id });
        } finally {
          this.subscriptions.delete(id);
        }
      },
      pause: () => {
        paused = true;
        void this.call({ method: 'pause', subscription: id }).catch((error: unknown) =>
          this.callFailed('pause', error, { subscription: id }),
        );
      },
      resume: () => {
        paused = false;
        void this.call({ method: 'resume', subscription: id }).catch((error: unknown) =>
          this.callFailed('resume', error, { subscription: id }),
        );
      },
      isPaused: () => paused,
      lag: async () => (await this.call({ method: 'lag', subscription: id })) as PartitionLag[],
    };
  }

  async close(): Promise<void> {
    if (this.dead === null) {
      // The thread is terminated next either way.
      await this.call({ method: 'close' }).catch((error: unknown) => this.callFailed('close', error, {}));
      this.connected = false;
      // Marks the exit that follows as expected.
      this.dead = new Error('the Kafka bus is closed');
      await this.worker.terminate();
    }
    this.connected = false;
  }

  /**
   * A call nobody waits for failed (the thread answered 'failed'). A dead
   * thread's error was logged by fail() already.
   */
  private callFailed(method: KafkaThreadCall['method'], error: unknown, extra: Record<string, unknown>): void {
    if (error === this.dead) return;
    this.options.log?.('warn', `kafka: ${method} failed: ${(error as Error).message}`, extra);
  }

  private call(call: KafkaThreadCall): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post({ type: 'call', id, call });
    });
  }

  private post(message: ToKafkaThread): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromKafkaThread): void {
    switch (message.type) {
      case 'result':
      case 'failed': {
        const pending = this.calls.get(message.id);
        this.calls.delete(message.id);
        if (message.type === 'result') pending?.resolve(message.value);
        else pending?.reject(new Error(message.error));
        return;
      }
      case 'batch':
        void this.deliver(message.subscription, message.batch, message.records);
        return;
      case 'log':
        this.options.log?.(message.level, message.message, message.extra);
        return;
    }
  }

  private async deliver(
    subscriptionId: number,
    batchId: number,
    packed: Extract<FromKafkaThread, { type: 'batch' }>['records'],
  ): Promise<void> {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) {
      // Stopped meanwhile: not handled, so not committed; the group reads it again.
      this.post({ type: 'handled', batch: batchId, error: 'the subscription has stopped' });
      return;
    }
    const batch = unpackBatch(packed);
    // Batches can arrive faster than one per turn of the event loop (messages queued on the port
    // are drained together), so each handler starts after a turn, as with KafkaEventBus's slices:
    // requests that arrived meanwhile are read first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      await subscription.options.handleBatch(batch, {
        heartbeat: async () => {
          await this.call({ method: 'heartbeat', batch: batchId });
        },
        isRunning: () => subscription.running && this.dead === null,
      });
      this.post({ type: 'handled', batch: batchId });
    } catch (error) {
      subscription.options.onHandlerError?.(error, batch);
      this.post({ type: 'handled', batch: batchId, error: String((error as Error)?.message ?? error) });
    }
  }

  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    this.connected = false;
    this.options.log?.('error', `kafka: ${error.message}`, {});
    for (const pending of this.calls.values()) pending.reject(error);
    this.calls.clear();
    for (const subscription of this.subscriptions.values()) subscription.running = false;
  }
}
