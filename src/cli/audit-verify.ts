/**
 * `npm run audit:verify [-- --anchor <seq>:<hash> …]`: walks the audit hash
 * chain in seq order and reports the first broken link. Anchors are earlier
 * heads kept outside the database (print them with each run and store them);
 * they also detect a truncated tail or a chain re-hashed after an edit.
 * Exit code 0 when intact, 1 when broken, 2 on error.
 */
import 'reflect-metadata';
import { loadConfig } from '@modules/config';
import { AuditService, governanceCliContext } from '@modules/governance';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['audit:verify']);
  const anchors = (values.anchor ?? []).map((text) => {
    const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
    if (!match) throw new Error(`--anchor expects <seq>:<sha256 hex>, got ${text}`);
    return { seq: match[1], hash: match[2] };
  });
  const context = await governanceCliContext(loadConfig());
  try {
    const result = await context.get(AuditService).verify(anchors);
    if (result.ok) {
      console.log(
        `audit chain intact: ${result.checked} records; anchor for next time: --anchor ${result.lastSeq ?? 0}:${result.head}`,
      );
    } else {
      console.error(
        `audit chain BROKEN at seq ${result.firstBroken!.seq} (${result.firstBroken!.problem}): ${result.firstBroken!.detail}`,
      );
    }
    console.log(JSON.stringify(result));
    return result.ok ? 0 : 1;
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
