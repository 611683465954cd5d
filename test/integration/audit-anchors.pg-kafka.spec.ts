import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { createEventBus, EventBus } from '@modules/events';
import { loadConfig } from '@modules/config';
import { AuditAnchorService, AuditService, ExternalAnchor, governanceCliContext } from '@modules/governance';
// The attacker's tool: the chain's published hash formula (an owner of the table can compute it too).
import { hashAuditRecord } from '@modules/governance/audit/audit-chain';
import { BusAnchorSink } from '@modules/governance/audit/audit-anchor';
import { createScratchDatabase, requireKafkaBrokers, uniqueSuffix, waitFor } from '../support/services';

const root = path.resolve(__dirname, '../..');

/**
 * Anchors outside the database. The table's owner disables the append-only
 * trigger, edits a record and re-hashes every record after it: the chain alone
 * still verifies, the anchor the service wrote to its sink does not follow.
 */
describe('audit anchors outside the database (PostgreSQL)', () => {
  let db: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let anchorDir: string;
  let context: INestApplicationContext;
  let client: Client;
  const env = () => ({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    AUDIT_ANCHOR_DIR: anchorDir,
    AUDIT_ANCHOR_SINK: 'file',
    AUDIT_ANCHOR_MS: '0',
    LOG_LEVEL: 'silent',
  });

  beforeAll(async () => {
    db = await createScratchDatabase('marquee_anchor');
    dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-anchor-data-'));
    anchorDir = mkdtempSync(path.join(tmpdir(), 'marquee-anchor-sink-'));
    context = await governanceCliContext(loadConfig(env()));
    client = new Client({ connectionString: db.url });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await context?.close();
    await db?.drop();
    for (const dir of [dataDir, anchorDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const anchorLines = (): ExternalAnchor[] =>
    readFileSync(path.join(anchorDir, 'audit-anchors.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ExternalAnchor);

  it('fails verification against the external anchor after a rewrite that re-hashes the tail', async () => {
    const audit = context.get(AuditService);
    const anchors = context.get(AuditAnchorService);
    for (let i = 0; i < 10; i++) {
      await audit.append({ actor: 'test', kind: 'experiment.decision', subject: `experiment:e${i}`, payload: { i } });
    }
    const first = await anchors.anchorNow();
    expect(first?.verification.ok).toBe(true);
    const [written] = anchorLines();
    expect(written).toEqual({
      seq: first!.verification.lastSeq,
      hash: first!.verification.head,
      at: expect.any(String),
    });
    // The chain grows after the anchor: normal, and still verifies against it.
    await audit.append({ actor: 'test', kind: 'experiment.decision', subject: 'experiment:late', payload: {} });
    expect((await anchors.verify()).verification.ok).toBe(true);

    // The rewrite, as the table's owner: edit a record before the anchor, re-hash it and everything after.
    const { rows } = await client.query<{
      seq: string;
      at: Date;
      actor: string;
      kind: string;
      subject: string;
      payload: unknown;
      prev_hash: string;
    }>(
      'SELECT seq::text AS seq, at, actor, kind, subject, payload, prev_hash FROM audit_record ORDER BY audit_record.seq',
    );
    const target = rows.findIndex((r) => (r.payload as { i?: number }).i === 6);
    expect(target).toBeGreaterThan(0);
    await client.query('ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_update_delete');
    try {
      let prevHash = rows[target].prev_hash;
      for (const [k, row] of rows.slice(target).entries()) {
        const payload = k === 0 ? { i: 6, decision: 'forged' } : row.payload;
        const hash = hashAuditRecord({ ...row, seq: BigInt(row.seq), payload, prevHash });
        await client.query('UPDATE audit_record SET payload = $2::jsonb, prev_hash = $3, hash = $4 WHERE seq = $1', [
          row.seq,
          JSON.stringify(payload),
          prevHash,
          hash,
        ]);
        prevHash = hash;
      }
    } finally {
      await client.query('ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_update_delete');
    }

    // The chain alone is self-consistent again …
    expect((await audit.verify()).ok).toBe(true);
    // … the external anchor is not fooled.
    const checked = await anchors.verify();
    expect(checked.anchor).toMatchObject({ seq: written.seq, hash: written.hash });
    expect(checked.verification).toMatchObject({
      ok: false,
      firstBroken: { seq: written.seq, problem: 'anchor-mismatch' },
    });

    // npm run audit:verify checks against the latest external anchor by default.
    const cli = spawnSync(process.execPath, [path.join(root, 'scripts/run-ts.js'), 'src/cli/audit-verify.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env() },
      timeout: 120_000,
    });
    expect(cli.stdout).toContain(
      `external anchor (file:${path.join(anchorDir, 'audit-anchors.jsonl')}): ${written.seq}:`,
    );
    expect(cli.stderr).toContain(`audit chain BROKEN at seq ${written.seq} (anchor-mismatch)`);
    expect(cli.status).toBe(1);

    // A broken chain gets no new anchor: the last good one stays the reference.
    expect((await anchors.anchorNow())?.verification.ok).toBe(false);
    expect(anchorLines()).toHaveLength(1);
  }, 180_000);
});

describe('scheduled anchors (PostgreSQL)', () => {
  it('writes an anchor every AUDIT_ANCHOR_MS without being asked, and only when the chain grew', async () => {
    const db = await createScratchDatabase('marquee_anchor_tick');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-anchor-tick-'));
    const anchorDir = path.join(dataDir, 'elsewhere');
    const context = await governanceCliContext(
      loadConfig({
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        AUDIT_ANCHOR_DIR: anchorDir,
        AUDIT_ANCHOR_MS: '100',
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      const audit = context.get(AuditService);
      const head = await audit.append({
        actor: 'test',
        kind: 'experiment.decision',
        subject: 'experiment:t',
        payload: {},
      });
      const sink = context.get(AuditAnchorService);
      await waitFor(async () => (await sink.latest())?.seq === head.seq, 30_000);
      expect(await sink.latest()).toMatchObject({ seq: head.seq, hash: head.hash });
      // Nothing appended: later ticks add no line.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const lines = readFileSync(path.join(anchorDir, 'audit-anchors.jsonl'), 'utf8').split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
    } finally {
      await context.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('audit anchors on a Kafka topic', () => {
  let bus: EventBus;

  beforeAll(async () => {
    const brokers = requireKafkaBrokers().join(',');
    bus = createEventBus(
      loadConfig({ KAFKA_BROKERS: brokers, KAFKA_CLIENT_THREAD: 'false', LOG_LEVEL: 'silent' }),
      () => {},
    );
    await bus.connect();
  }, 60_000);

  afterAll(async () => {
    await bus?.close();
  });

  it('writes anchors to the topic and reads back the one with the highest seq', async () => {
    const sink = new BusAnchorSink(bus, `marquee-test.audit-anchors.${uniqueSuffix()}`, 60_000);
    expect(await sink.latest()).toBeNull();
    const anchor = (seq: string, c: string): ExternalAnchor => ({
      seq,
      hash: c.repeat(64),
      at: new Date().toISOString(),
    });
    await sink.write(anchor('12', 'a'));
    await sink.write(anchor('40', 'b'));
    await sink.write(anchor('31', 'c'));
    expect(await sink.latest()).toMatchObject({ seq: '40', hash: 'b'.repeat(64) });
  }, 120_000);
});
