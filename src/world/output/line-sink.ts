import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Where simulated stream lines go. Batches arrive in time order. */
export interface LineSink {
  /** `times` (epoch ms per line) is given by the simulator; sinks that only write text ignore it. */
  write(lines: readonly string[], times?: readonly number[]): Promise<void> | void;
  close(): Promise<void>;
}

/** Writes lines to a stream (a file, stdout), honouring its back-pressure. */
export class StreamLineSink implements LineSink {
  constructor(
    private readonly stream: Writable,
    private readonly ownsStream = true,
  ) {}

  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    if (!this.stream.write(lines.join('\n') + '\n')) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export function fileLineSink(path: string): StreamLineSink {
  return new StreamLineSink(createWriteStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }));
}

/** Keeps lines in memory (tests, small worlds). */
export class MemoryLineSink implements LineSink {
  readonly lines: string[] = [];
  write(lines: readonly string[]): void {
    for (const line of lines) this.lines.push(line);
  }
  async close(): Promise<void> {}
}

/**
 * What the world needs of a stream: publish keyed messages to a topic. The
 * service's EventBus (in-process or Kafka) fits it structurally, so the
 * simulated world imports nothing from the service.
 */
export interface StreamPublisher {
  publish(topic: string, messages: readonly { readonly key: string; readonly value: string }[]): Promise<void>;
}

/**
 * Publishes each line as one message to the stream topic (in-process bus or
 * Kafka), keyed by user id so a user's events stay in order within a partition.
 */
export class EventBusLineSink implements LineSink {
  constructor(
    private readonly bus: StreamPublisher,
    private readonly topic: string,
  ) {}

  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.bus.publish(
      this.topic,
      lines.map((line) => {
        const a = line.indexOf(',');
        const b = line.indexOf(',', a + 1);
        return { key: line.slice(a + 1, b), value: line };
      }),
    );
  }

  async close(): Promise<void> {}
}
