import { promises as fs } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '@app/generated/prisma/client';
import { AppConfig } from '@modules/config';
import { pgConnection, pgliteConnection, SqlConnection } from './sql-connection';

/** An open database: the Prisma client and the raw connection, sharing one back end. */
export interface Database {
  readonly prisma: PrismaClient;
  readonly sql: SqlConnection;
  close(): Promise<void>;
}

export async function openDatabase(config: AppConfig['database']): Promise<Database> {
  if (config.kind === 'postgres') {
    // connectionTimeoutMillis: a checkout against an unreachable server fails after 10 s instead of
    // waiting for the kernel's TCP timeout (minutes), at start-up and during an outage alike.
    const pool = new Pool({ connectionString: config.url, max: config.poolSize, connectionTimeoutMillis: 10_000 });
    // An idle client that loses its server must not take the process down with it; the pool
    // replaces it on the next checkout, and the log says why a connection went away.
    const logger = new Logger('Database');
    pool.on('error', (error) => logger.warn(`idle PostgreSQL connection failed: ${error.message}`));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const sql = pgConnection(pool);
    return {
      prisma,
      sql,
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }

  await fs.mkdir(config.dir, { recursive: true });
  const pglite = await PGlite.create(config.dir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    sql: pgliteConnection(pglite),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
