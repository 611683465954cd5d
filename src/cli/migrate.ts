/** `npm run db:migrate`: applies pending migrations to the configured database and exits. */
import { loadConfig } from '@modules/config';
import { openDatabase, readMigrations, runMigrations } from '@modules/storage';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<void> {
  parseCommand(COMMANDS['db:migrate']);
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    const result = await runMigrations(db.sql, await readMigrations(), (m) => console.log(m));
    console.log(
      `${config.database.kind}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
