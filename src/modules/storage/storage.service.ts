import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
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
@Injectable()
export class StorageService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StorageService.name);
  private db?: Database;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.db = await openDatabase(this.config.database);
    const result = await runMigrations(this.db.sql, await readMigrations(), (m) => this.logger.log(m));
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

  async onApplicationShutdown(): Promise<void> {
    await this.db?.close();
    this.db = undefined;
  }

  private open(): Database {
    if (!this.db) throw new Error('storage is not open yet (or already closed)');
    return this.db;
  }
}
