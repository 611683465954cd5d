/**
 * `npm run audit:report -- --model <id> [--out audits] [--by <name>]`: writes the
 * model's compliance report (Markdown and printable HTML) into audits/.
 */
import 'reflect-metadata';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@modules/config';
import { governanceCliContext, ComplianceReportService, DEFAULT_REPORTS_DIR } from '@modules/governance';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

async function main(): Promise<number> {
  const { values } = parseCommand(COMMANDS['audit:report']);
  if (!values.model) {
    console.error('usage: npm run audit:report -- --model <model id> [--out <dir>] [--by <name>]');
    return 2;
  }
  const context = await governanceCliContext(loadConfig());
  try {
    const report = await context
      .get(ComplianceReportService)
      .write(
        values.model,
        values.by ?? `cli:${os.userInfo().username}`,
        values.out ? path.resolve(values.out) : DEFAULT_REPORTS_DIR,
      );
    console.log(`compliance report for ${report.modelId}:\n  ${report.markdownPath}\n  ${report.htmlPath}`);
    if (!report.data.chain.ok)
      console.error(`WARNING: the audit chain is broken (${report.data.chain.firstBroken?.detail})`);
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
