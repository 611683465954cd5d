import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort, requirePostgresUrl } from '../support/services';
import { report, startService } from './support/service';

/**
 * A dependency that cannot be used at start-up ends the process with a
 * message naming the variable and a non-zero exit within EXIT_WITHIN_MS —
 * never a hang, never "ExceptionHandler {}".
 */
const EXIT_WITHIN_MS = 60_000;

describe('fault: start-up with an unusable dependency', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-fault-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const attempt = async (name: string, env: Record<string, string>) => {
    const port = await freePort();
    const started = Date.now();
    const s = startService(port, { DATA_DIR: path.join(dir, name), DATABASE_URL: '', KAFKA_BROKERS: '', ...env });
    const timer = setTimeout(() => s.child.kill('SIGKILL'), EXIT_WITHIN_MS);
    const exit = await s.exited;
    clearTimeout(timer);
    const figures = report(`startup/${name}`, {
      exitCode: exit.code,
      signal: exit.signal,
      seconds: (Date.now() - started) / 1000,
      message: (/"msg":"(start-up failed: [^"]*)"/.exec(s.output()) ?? /^(\w+: .*)$/m.exec(s.output()))?.[1] ?? null,
    });
    return { ...figures, output: s.output() };
  };

  it('an unreachable KAFKA_BROKERS', async () => {
    const r = await attempt('kafka', { KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
    expect(r.signal).toBeNull();
    expect(r.exitCode).toBe(1);
    expect(r.message).toMatch(/^start-up failed: KAFKA_BROKERS=127\.0\.0\.1:\d+: cannot reach the broker/);
  }, 120_000);

  it('a wrong password in DATABASE_URL (shown redacted)', async () => {
    const url = new URL(requirePostgresUrl());
    url.password = 'not-the-password';
    const r = await attempt('db-password', { DATABASE_URL: url.toString() });
    expect(r.exitCode).toBe(1);
    expect(r.message).toMatch(
      /^start-up failed: DATABASE_URL=postgres:\/\/marquee:\*\*\*@.*password authentication failed/,
    );
    expect(r.output).not.toContain('not-the-password');
  }, 120_000);

  it('a DATA_DIR that cannot be written', async () => {
    // A regular file where a directory should be: unwritable for any user, root included.
    const blocker = path.join(dir, 'blocker');
    writeFileSync(blocker, '');
    const r = await attempt('data-dir', { DATA_DIR: path.join(blocker, 'data') });
    expect(r.exitCode).toBe(1);
    expect(r.message).toMatch(/^start-up failed: DATA_DIR=.*blocker\/data is not writable/);
  }, 120_000);

  it('an invalid PORT', async () => {
    const r = await attempt('port', { PORT: '99999' });
    expect(r.exitCode).toBe(2);
    expect(r.output).toMatch(/PORT: .*99999/);
  }, 120_000);
});
