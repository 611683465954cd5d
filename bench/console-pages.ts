/**
 * `npm run bench:console -- --url http://127.0.0.1:8082 --key <admin API key> [--rounds 20]`
 *
 * Response times of the operator console's pages against a running service
 * (e.g. `npm start` on the bootstrapped embedded store). Signs in with the key
 * (the same form a browser posts), then GETs each page `rounds` times, one
 * request at a time, and prints p50 / p95 / max per page; each request has a
 * 10 s timeout and the whole run stops after 5 minutes. The model pages use the
 * production model. Results: bench/results/console-pages.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommand } from '@lib/cli';
import { COMMANDS } from '@app/cli/commands';

const { values } = parseCommand(COMMANDS['bench:console']);
const rounds = Number(values.rounds);
if (!values.key || !Number.isInteger(rounds) || rounds < 1 || rounds > 1000) {
  console.error('npm run bench:console: --key is required and --rounds must be an integer in 1..1000 (see --help)');
  process.exit(2);
}
const base = values.url.replace(/\/$/, '');
const deadline = Date.now() + 5 * 60_000;

function cookiesFrom(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(';')[0]);
}

async function signIn(key: string): Promise<string> {
  const form = await fetch(`${base}/console/sign-in`, { signal: AbortSignal.timeout(10_000) });
  const pre = cookiesFrom(form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error('no sign-in token on /console/sign-in');
  const response = await fetch(`${base}/console/sign-in`, {
    method: 'POST',
    headers: { cookie: pre.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key, _csrf: token }),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const session = cookiesFrom(response).find(
    (c) => c.startsWith('marquee_console=') && c.length > 'marquee_console='.length,
  );
  if (response.status !== 303 || !session) throw new Error(`sign-in refused (${response.status})`);
  return session;
}

async function time(cookie: string, pathname: string): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${base}${pathname}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status, bytes: body.byteLength };
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

async function main(): Promise<void> {
  const cookie = await signIn(values.key!);
  const models = await (await fetch(`${base}/console/models`, { headers: { cookie } })).text();
  const production = /<td>default<\/td><td><a href="\/console\/models\/([^"]+)">/.exec(
    models.replace(/\s+/g, ' ').replace(/> </g, '><'),
  )?.[1];
  const experiments = await (await fetch(`${base}/console/experiments`, { headers: { cookie } })).text();
  const experiment = /href="\/console\/experiments\/([^"?]+)"/.exec(experiments)?.[1];
  const pages = [
    '/console/models',
    ...(production ? [`/console/models/${production}`, `/console/reports/models/${production}`] : []),
    '/console/experiments',
    ...(experiment ? [`/console/experiments/${experiment}`] : []),
    '/console/audit',
    '/console/audit?kind=policy.decision',
    '/console/audit/verify',
    '/console/health',
  ];
  const results: { page: string; status: number; bytes: number; p50Ms: number; p95Ms: number; maxMs: number }[] = [];
  for (const page of pages) {
    await time(cookie, page); // warm-up (first render, caches)
    const samples: number[] = [];
    let last = { status: 0, bytes: 0 };
    for (let i = 0; i < rounds && Date.now() < deadline; i++) {
      const r = await time(cookie, page);
      samples.push(r.ms);
      last = r;
    }
    samples.sort((a, b) => a - b);
    results.push({
      page,
      status: last.status,
      bytes: last.bytes,
      p50Ms: +quantile(samples, 0.5).toFixed(1),
      p95Ms: +quantile(samples, 0.95).toFixed(1),
      maxMs: +samples[samples.length - 1].toFixed(1),
    });
  }
  console.table(results);
  const out = path.resolve(__dirname, 'results/console-pages.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      { at: new Date().toISOString(), url: base, rounds, loadavg: os.loadavg(), cpus: os.cpus().length, results },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `written ${path.relative(process.cwd(), out)} (load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  if (results.some((r) => r.status !== 200)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
