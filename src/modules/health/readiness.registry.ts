import { Injectable, Logger } from '@nestjs/common';
import { collectStartupGarbage, StartupGcResult } from './startup-gc';

/**
 * A check that has not answered after this long counts as not ready, so /readyz
 * always answers within about this time (the probe's timeoutSeconds is 3): a
 * database that accepts the connection but never answers must make the pod
 * unready, not make the probe time out with the cause unlogged.
 */
export const READINESS_CHECK_TIMEOUT_MS = 1_500;

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves true when this part can serve traffic. */
  check(): Promise<boolean> | boolean;
}

/**
 * Modules register what readiness depends on (database, event bus, a loaded
 * model); /readyz reports each. Draining (SIGTERM) makes the service unready
 * first, so the load balancer stops sending traffic before anything closes.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly logger = new Logger(ReadinessRegistry.name);
  private readonly checks: ReadinessCheck[] = [];
  private draining = false;
  private beenReady = false;

  /**
   * Runs once, the first time every check passes, before that answer is
   * given: a full garbage collection of what start-up left (see startup-gc.ts),
   * while no traffic is routed here yet. Tests replace it.
   */
  onFirstReady: () => StartupGcResult | null = collectStartupGarbage;

  /** How long a check may take before it counts as not ready (tests shorten it). */
  checkTimeoutMs = READINESS_CHECK_TIMEOUT_MS;

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const results = await Promise.all(
      this.checks.map(
        async (c) => [c.name, await this.withTimeout(c).catch((error: unknown) => this.checkFailed(c, error))] as const,
      ),
    );
    const checks: Record<string, boolean> = Object.fromEntries(results);
    checks.notDraining = !this.draining;
    const ready = Object.values(checks).every(Boolean);
    if (ready && !this.beenReady) {
      this.beenReady = true;
      this.firstReady();
    }
    return { ready, checks };
  }

  private withTimeout(check: ReadinessCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.checkTimeoutMs} ms`)), this.checkTimeoutMs);
      timer.unref();
    });
    return Promise.race([Promise.resolve().then(() => check.check()), timeout]).finally(() => clearTimeout(timer));
  }

  private firstReady(): void {
    try {
      const gc = this.onFirstReady();
      if (gc)
        this.logger.log(
          `first ready: start-up garbage collected in ${gc.milliseconds} ms (JS heap ${gc.heapUsedMbBefore} -> ${gc.heapUsedMbAfter} MB)`,
        );
    } catch (error) {
      this.logger.warn(`first ready: start-up garbage collection failed: ${(error as Error).message}`);
    }
  }

  /** A check that throws instead of answering false counts as not ready; the error says why. */
  private checkFailed(check: ReadinessCheck, error: unknown): false {
    this.logger.warn(`readiness check ${check.name} failed: ${(error as Error).message}`);
    return false;
  }
}
