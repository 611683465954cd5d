import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { EVENT_BUS, EventBus } from '@modules/events';
import { AnchorSink, BusAnchorSink, ExternalAnchor, FileAnchorSink } from './audit-anchor';
import { ChainVerification } from './audit-chain';
import { AuditService } from './audit.service';

export interface AnchoredVerification {
  /** The chain verified against the latest external anchor (when there is one). */
  readonly verification: ChainVerification;
  /** The external anchor it was checked against (null: none written yet, or no sink). */
  readonly anchor: ExternalAnchor | null;
  /** Where anchors are kept ('none' when anchoring is off). */
  readonly sink: string;
}

/** Builds the configured sink (null for `none`); `kafka` needs the event bus. */
export function anchorSinkFor(config: AppConfig, bus: EventBus | null): AnchorSink | null {
  const { sink, dir, topic } = config.auditAnchors;
  if (sink === 'none') return null;
  if (sink === 'file') return new FileAnchorSink(dir);
  if (!bus || bus.kind !== 'kafka') {
    throw new Error(`AUDIT_ANCHOR_SINK: kafka needs the Kafka event bus (KAFKA_BROKERS), which is not available here`);
  }
  return new BusAnchorSink(bus, topic);
}

/**
 * Keeps the audit chain's anchors outside the database. Every
 * AUDIT_ANCHOR_MS it verifies the chain against the latest external anchor
 * and, when intact, writes a new one (last seq + head hash) to the sink: an
 * append-only file under AUDIT_ANCHOR_DIR, or a Kafka topic. A chain that
 * fails verification gets no new anchor (the last good one stays the
 * reference) and is logged; `npm run audit:verify` and
 * `GET /admin/audit/verify` check against the latest anchor by default.
 */
@Injectable()
export class AuditAnchorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditAnchorService.name);
  private readonly sink: AnchorSink | null;
  private timer?: NodeJS.Timeout;
  private running: Promise<AnchoredVerification | null> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    @Optional() @Inject(EVENT_BUS) bus: EventBus | null,
  ) {
    this.sink = anchorSinkFor(config, bus ?? null);
  }

  get location(): string {
    return this.sink ? `${this.sink.kind}:${this.sink.location}` : 'none';
  }

  onApplicationBootstrap(): void {
    const every = this.config.auditAnchors.everyMs;
    if (!this.sink || every <= 0) return;
    this.timer = setInterval(() => void this.anchorNow(), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** The latest external anchor (null: none yet, or anchoring off). */
  async latest(): Promise<ExternalAnchor | null> {
    return this.sink ? this.sink.latest() : null;
  }

  /** Verifies the chain against the latest external anchor. */
  async verify(): Promise<AnchoredVerification> {
    const anchor = await this.latest();
    const verification = await this.audit.verify(anchor ? [anchor] : []);
    return { verification, anchor, sink: this.location };
  }

  /**
   * One scheduled step: verify against the latest anchor, then write the new
   * head when the chain is intact and has grown. Concurrent callers share the
   * run in flight. Never throws (a sink or database outage is logged; the next
   * tick tries again).
   */
  anchorNow(): Promise<AnchoredVerification | null> {
    this.running ??= this.anchor().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async anchor(): Promise<AnchoredVerification | null> {
    if (!this.sink) return null;
    try {
      const result = await this.verify();
      const { verification, anchor } = result;
      if (!verification.ok) {
        this.logger.error(
          `audit chain fails verification against the external anchor ${anchor ? `${anchor.seq}:${anchor.hash.slice(0, 12)}…` : '(none)'}: ` +
            `${verification.firstBroken?.detail ?? 'unknown'}; no new anchor written`,
        );
        return result;
      }
      if (verification.lastSeq !== null && verification.lastSeq !== anchor?.seq) {
        await this.sink.write({ seq: verification.lastSeq, hash: verification.head, at: new Date().toISOString() });
      }
      return result;
    } catch (error) {
      this.logger.warn(`audit anchoring failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}
