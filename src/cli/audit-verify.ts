/**
 * `npm run audit:verify`: walks the audit hash chain in seq order and reports
 * the first broken link. Exit code 0 when intact, 1 when broken, 2 on error.
 */
import 'reflect-metadata';
import { loadConfig } from '../modules/config/app-config';
import { AuditService } from '../modules/governance/audit/audit.service';
import { governanceCliContext } from '../modules/governance/governance-cli.module';

async function main(): Promise<number> {
  const context = await governanceCliContext(loadConfig());
  try {
    const result = await context.get(AuditService).verify();
    if (result.ok) {
      console.log(
        `audit chain intact: ${result.checked} records, last seq ${result.lastSeq ?? '-'}, head ${result.head}`,
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
