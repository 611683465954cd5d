import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { redactUrl, StartupError, withDeadline } from '@common';
import { PrismaClient } from '@app/generated/prisma/client';
import { AppConfig, APP_CONFIG } from '@modules/config';
import { Database, openDatabase } from './database';
import { readMigrations, runMigrations } from './migration-runner';
import { SqlConnection } from './sql-connection';

/**
 * Owns the database connection for the application: opens it, applies the
 * migrations at start-up and closes it last on shutdown. Repositories in other
 * modules receive the Prisma client or the raw connection from here.
 */
/** How long opening the database and applying migrations may take at start-up. */
const STARTUP_DEADLINE_MS = 60_000;

const describe = (error: unknown): string => {
  const e = error as { code?: string; message?: string };
  return `${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}`;
};

@Injectable()
export class StorageService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StorageService.name);
  private db?: Database;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const database = this.config.database;
    if (database.kind === 'pglite') await this.checkWritable(this.config.dataDir);
    // The variable to blame when opening or migrating fails.
    const blame =
      database.kind === 'postgres'
        ? { variable: 'DATABASE_URL', shown: `DATABASE_URL=${redactUrl(database.url)}` }
        : { variable: 'DATA_DIR', shown: `DATA_DIR=${this.config.dataDir} (embedded database in ${database.dir})` };
    let result: Awaited<ReturnType<typeof runMigrations>>;
    try {
      // Bounded: an unreachable host must end start-up with a message, not hang it.
      result = await withDeadline(
        (async () => {
          this.db = await openDatabase(database);
          return runMigrations(this.db.sql, await readMigrations(), (m) => this.logger.log(m));
        })(),
        STARTUP_DEADLINE_MS,
        () => new Error(`no answer within ${STARTUP_DEADLINE_MS / 1000} s`),
      );
    } catch (error) {
      await this.db?.close().catch((closeError: unknown) => this.logger.warn(`close: ${String(closeError)}`));
      this.db = undefined;
      throw new StartupError(blame.variable, `${blame.shown}: cannot open the database: ${describe(error)}`, {
        cause: error,
      });
    }
    this.logger.log(
      `database ready (${this.config.database.kind}); ${result.applied.length} migration(s) applied, ` +
        `${result.alreadyApplied.length} already present`,
    );
  }

  get prisma(): PrismaClient {
    return this.open().prisma;
  }

  get sql(): SqlConnection {
    return this.open().sql;
  }

  get backend(): AppConfig['database']['kind'] {
    return this.config.database.kind;
  }

  /** True when a trivial query succeeds; used by readiness. */
  async ping(): Promise<boolean> {
    try {
      await this.open().sql.query('SELECT 1');
      return true;
    } catch (error) {
      // /readyz shows only `database: false`; the log says why.
      this.logger.warn(`database ping failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** DATA_DIR must take writes (the embedded database, artifacts, snapshots live there): tried, not assumed. */
  private async checkWritable(dir: string): Promise<void> {
    const probe = path.join(dir, `.write-check-${process.pid}`);
    try {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(probe, '');
      await fs.rm(probe, { force: true });
    } catch (error) {
      throw new StartupError('DATA_DIR', `DATA_DIR=${dir} is not writable: ${describe(error)}`, { cause: error });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db?.close();
    this.db = undefined;
  }

  private open(): Database {
    if (!this.db) throw new Error('storage is not open yet (or already closed)');
    return this.db;
  }
}
