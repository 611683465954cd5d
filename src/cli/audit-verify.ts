/**
 * `npm run audit:verify [-- --anchor <seq>:<hash> …] [--no-external-anchor] [--write-anchor]`:
 * walks the audit hash chain in seq order and reports the first broken link,
 * checked against the latest anchor kept outside the database (the service
 * writes one every AUDIT_ANCHOR_MS to AUDIT_ANCHOR_SINK: a file under
 * AUDIT_ANCHOR_DIR, or a Kafka topic). Anchors catch what the chain alone
 * cannot: a truncated tail, or a rewrite that re-hashed everything after the
 * edit. Exit code 0 when intact, 1 when broken, 2 on error.
 */
import 'reflect-metadata';
import { loadConfig } from '@modules/config';
import { AuditAnchorService, AuditService, governanceCliContext } from '@modules/governance';
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
    const anchorService = context.get(AuditAnchorService);
    const external = values['no-external-anchor'] ? null : await anchorService.latest();
    if (!values['no-external-anchor']) {
      console.log(
        external
          ? `external anchor (${anchorService.location}): ${external.seq}:${external.hash} taken ${external.at}`
          : `no external anchor yet (${anchorService.location})`,
      );
    }
    const result = await context.get(AuditService).verify([...(external ? [external] : []), ...anchors]);
    if (result.ok) {
      console.log(
        `audit chain intact: ${result.checked} records; anchor for next time: --anchor ${result.lastSeq ?? 0}:${result.head}`,
      );
      if (values['write-anchor']) {
        const written = await anchorService.anchorNow();
        if (written?.verification.ok) console.log(`anchor written to ${anchorService.location}`);
      }
    } else {
      console.error(
        `audit chain BROKEN at seq ${result.firstBroken!.seq} (${result.firstBroken!.problem}): ${result.firstBroken!.detail}`,
      );
    }
    console.log(JSON.stringify({ ...result, externalAnchor: external }));
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
