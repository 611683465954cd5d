import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';

/**
 * The small raw-SQL surface Marquee needs beside Prisma: multi-statement
 * scripts (migrations), parameterised bulk statements (ingestion), and
 * transactions. Both back ends speak the same PostgreSQL dialect.
 */
export interface SqlConnection {
  readonly kind: 'postgres' | 'pglite';
  /** Runs a script that may contain several statements; no parameters. */
  exec(script: string): Promise<void>;
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
  /**
   * A statement that runs on the request path: PostgreSQL parses and plans it
   * once per connection under `name` instead of on every call. `name` must
   * identify `text` for the life of the process.
   */
  queryPrepared<Row extends Record<string, unknown> = Record<string, unknown>>(
    name: string,
    text: string,
    params: readonly unknown[],
  ): Promise<Row[]>;
  /**
   * Rows as arrays in select-list order: for bulk reads, where building an
   * object per row is most of the client's cost.
   */
  queryArrays<Row extends unknown[] = unknown[]>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type PgQueryable = Pool | PoolClient;

const logger = new Logger('SqlConnection');

class PgConnection implements SqlConnection {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly db: PgQueryable,
    private readonly ownsPool: boolean,
  ) {}

  async exec(script: string): Promise<void> {
    await this.db.query(script);
  }

  async query<Row extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query(text, params as unknown[]);
    return result.rows as Row[];
  }

  async queryPrepared<Row extends Record<string, unknown>>(
    name: string,
    text: string,
    params: readonly unknown[],
  ): Promise<Row[]> {
    const result = await this.db.query({ name, text, values: params as unknown[] });
    return result.rows as Row[];
  }

  async queryArrays<Row extends unknown[]>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>({ text, values: params as unknown[], rowMode: 'array' });
    return result.rows;
  }

  async transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    if (!(this.db instanceof Pool)) return work(this); // already inside one
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new PgConnection(client, false));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // The transaction's own error is the one to throw; a failed ROLLBACK (the
      // connection is usually gone) is only logged.
      await client
        .query('ROLLBACK')
        .catch((rollbackError: unknown) =>
          logger.warn(
            `ROLLBACK after a failed transaction (${(error as Error).message}) failed: ${(rollbackError as Error).message}`,
          ),
        );
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool && this.db instanceof Pool) await this.db.end();
  }
}

type PgliteQueryable = Pick<PGlite, 'exec' | 'query'>;

class PgliteConnection implements SqlConnection {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly db: PgliteQueryable,
    private readonly root: PGlite | null,
  ) {}

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async query<Row extends Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(text, params as unknown[]);
    return result.rows;
  }

  /** PGlite runs in this process with no wire protocol to save: a plain query. */
  async queryPrepared<Row extends Record<string, unknown>>(
    _name: string,
    text: string,
    params: readonly unknown[],
  ): Promise<Row[]> {
    return this.query<Row>(text, params);
  }

  async queryArrays<Row extends unknown[]>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(text, params as unknown[], { rowMode: 'array' });
    return result.rows;
  }

  async transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T> {
    if (!this.root) return work(this);
    return this.root.transaction((tx) => work(new PgliteConnection(tx, null)));
  }

  async close(): Promise<void> {
    // The PGlite instance is shared with Prisma's adapter and closed by its owner.
  }
}

export function pgConnection(pool: Pool, ownsPool = false): SqlConnection {
  return new PgConnection(pool, ownsPool);
}

export function pgliteConnection(db: PGlite): SqlConnection {
  return new PgliteConnection(db, db);
}
