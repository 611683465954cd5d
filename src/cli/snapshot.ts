/**
 * `npm run snapshot -- --cutoff <iso> [--range-start <iso>]`: freezes the
 * interactions ingested up to the cutoff (default: now) into a content-hashed
 * dataset snapshot and prints its manifest summary as JSON.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, ConfigModule } from '@modules/config';
import { DatasetSnapshotService, DatasetsModule } from '@modules/datasets';
import { StorageModule } from '@modules/storage';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from './commands';

function parseTime(name: string, value: string | undefined): Date | null {
  if (value === undefined) return null;
  // A time without a zone means UTC, as in the stream.
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`${name}: not a time: ${value}`);
  return date;
}

async function main(): Promise<void> {
  const { values } = parseCommand(COMMANDS.snapshot);
  const config = loadConfig();
  const cutoff = parseTime('--cutoff', values.cutoff) ?? new Date();
  const rangeStart = parseTime('--range-start', values['range-start']);

  @Module({ imports: [ConfigModule.forRoot(config), StorageModule, DatasetsModule] })
  class SnapshotCliModule {}

  const app = await NestFactory.createApplicationContext(SnapshotCliModule, { logger: ['error', 'warn'] });
  try {
    const snapshot = await app.get(DatasetSnapshotService).createSnapshot({ cutoff, rangeStart });
    console.log(JSON.stringify(snapshot, null, 2));
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
