/**
 * `npm run apikey:create -- --name <name> --role <role>`: creates an admin API
 * key and prints it once; only its sha256 is stored.
 */
import 'reflect-metadata';
import * as os from 'node:os';
import { loadConfig } from '@modules/config';
import { ApiKeyService, ROLES, governanceCliContext } from '@modules/governance';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['apikey:create']);
  if (!values.name || !values.role) {
    console.error(`usage: npm run apikey:create -- --name <name> --role <${ROLES.join('|')}>`);
    return 2;
  }
  const context = await governanceCliContext(loadConfig());
  try {
    const created = await context.get(ApiKeyService).create(values.name, values.role, `cli:${os.userInfo().username}`);
    console.log(`API key for ${created.name} (${created.role}); store it now, it is not shown again:`);
    console.log(created.key);
    return 0;
  } finally {
    await context.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
