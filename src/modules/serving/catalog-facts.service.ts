import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ActivityWindowRepository, CatalogRepository } from '@modules/interactions';

const REFRESH_MS = 60_000;
/**
 * A 7-day popularity list moves slowly, and computing it scans a week of
 * watches (≈ 2 s of database CPU at full scale, per replica): every 15 min.
 */
const POPULAR_REFRESH_MS = 15 * 60_000;
const POPULAR_WINDOW_DAYS = 7;
const POPULAR_SIZE = 200;

/**
 * Facts serving needs on every request but that change slowly: which titles
 * are adult, and a recent-popularity list for the answer of last resort.
 * Refreshed in the background; requests only read the current sets.
 */
@Injectable()
export class CatalogFacts implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CatalogFacts.name);
  private adult: ReadonlySet<string> = new Set();
  private popular: readonly string[] = [];
  private popularAt = -Infinity;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly catalog: CatalogRepository,
    private readonly activity: ActivityWindowRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  isAdult = (movieId: string): boolean => this.adult.has(movieId);

  get popularMovies(): readonly string[] {
    return this.popular;
  }

  /** Reloads the adult titles, and the popular list when it is due (or `force`d, or still empty). */
  async refresh(now = new Date(), force = false): Promise<void> {
    try {
      const since = new Date(now.getTime() - POPULAR_WINDOW_DAYS * 86_400_000);
      const popularDue = force || this.popular.length === 0 || now.getTime() - this.popularAt >= POPULAR_REFRESH_MS;
      const [adult, popular] = await Promise.all([
        this.catalog.adultMovieIds(),
        popularDue ? this.activity.popularMovies(since, POPULAR_SIZE) : null,
      ]);
      this.adult = new Set(adult);
      if (popular) {
        this.popular = popular;
        this.popularAt = now.getTime();
      }
    } catch (error) {
      this.logger.warn(`catalog facts not refreshed: ${(error as Error).message}`);
    }
  }
}
