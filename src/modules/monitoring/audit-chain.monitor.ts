import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { AuditAnchorService, ChainAnchor, ChainVerification, AuditService } from '@modules/governance';
import { MonitoringMetrics } from './monitoring.metrics';

/**
 * Verifies the hash-chained audit trail every MONITORING_AUDIT_VERIFY_MS and
 * publishes marquee_audit_chain_ok (1 intact, 0 broken) for the AuditChainBroken
 * alert. Each run also passes the head seen by the previous run as an anchor, so a
 * truncated tail or a re-hashed rewrite since the last check is caught too, and
 * the latest anchor kept outside the database (AuditAnchorService), so one
 * from before this process started is caught as well.
 * (AuditService.verify walks the chain in pages of 1000; at minutes apart that is cheap.)
 */
@Injectable()
export class AuditChainMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditChainMonitor.name);
  private timer?: NodeJS.Timeout;
  private anchor: ChainAnchor | null = null;
  private running: Promise<ChainVerification | null> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly metrics: MonitoringMetrics,
    private readonly anchors: AuditAnchorService,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.monitoring.auditVerifyMs;
    if (every <= 0) return;
    void this.verifyNow();
    this.timer = setInterval(() => void this.verifyNow(), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One verification; concurrent callers share the run in flight. Never throws. */
  verifyNow(): Promise<ChainVerification | null> {
    this.running ??= this.verify().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async verify(): Promise<ChainVerification | null> {
    try {
      // The latest anchor kept outside the database too: a rewrite before this process started is caught.
      const external = await this.anchors.latest();
      const result = await this.audit.verify([...(external ? [external] : []), ...(this.anchor ? [this.anchor] : [])]);
      this.metrics.auditChainOk.set(result.ok ? 1 : 0);
      this.metrics.auditChainChecked.set(result.checked);
      this.metrics.auditVerifiedAt.set(Date.now() / 1000);
      if (result.ok) {
        if (result.lastSeq !== null) this.anchor = { seq: result.lastSeq, hash: result.head };
      } else {
        this.logger.error(`audit chain broken: ${result.firstBroken?.detail ?? 'unknown'}`);
      }
      return result;
    } catch (error) {
      // The database may be briefly unreachable; that is not a broken chain. The gauge keeps its value
      // and marquee_audit_chain_verified_timestamp_seconds stops advancing (alertable as staleness).
      this.logger.warn(`audit chain verification failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}
