import { Injectable, Logger } from '@nestjs/common';

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
        async (c) =>
          [c.name, await Promise.resolve(c.check()).catch((error: unknown) => this.checkFailed(c, error))] as const,
      ),
    );
    const checks: Record<string, boolean> = Object.fromEntries(results);
    checks.notDraining = !this.draining;
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  /** A check that throws instead of answering false counts as not ready; the error says why. */
  private checkFailed(check: ReadinessCheck, error: unknown): false {
    this.logger.warn(`readiness check ${check.name} failed: ${(error as Error).message}`);
    return false;
  }
}
