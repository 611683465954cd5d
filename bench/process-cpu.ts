/**
 * CPU time of processes, read from /proc, for bench:serve's cost accounting:
 * the service, PostgreSQL, Kafka, Redis, the no-op server and the peer each
 * charged their own CPU seconds during a run. The machine-wide busy share
 * (/proc/stat) also counts whatever else runs on a shared host (CI, other
 * benchmarks); per-process time does not, so ratios stay meaningful there.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/** utime + stime of one process (all its threads), in ticks; 0 if it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The process and its descendants (PostgreSQL's backends, gunicorn's workers, a cluster's workers). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

/** CPU seconds used so far by a process tree (children that exited and were waited for count in cutime: not here). */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + processTicks(p), 0) / TICKS_PER_SECOND;
}

/** CPU seconds per thread name of one process (main thread, worker threads, libuv pool, V8 helpers). */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const name = `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}${task === String(pid) ? ' (main)' : ''}`;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * The process listening on a loopback TCP port (PostgreSQL's postmaster,
 * Kafka's JVM, redis-server), found through /proc/net/tcp's socket inode and
 * the fds that hold it; null if none (or it belongs to another user).
 */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A: LISTEN
      if (parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (link.startsWith('socket:[') && inodes.has(link.slice(8, -1))) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/** The port of a `postgres://…:port/…`, `host:port[,…]` or `redis://…:port` setting, if any. */
export function portOf(setting: string | undefined): number | null {
  if (!setting) return null;
  const first = setting.split(',')[0];
  const match = /:(\d+)(?:\/|$)/.exec(first.includes('://') ? new URL(first).host + '/' : first);
  return match ? Number(match[1]) : null;
}

/** CPU ticks per pid of a process tree (a sample). */
function treeTicks(pid: number): Map<number, number> {
  return new Map(processTree(pid).map((p) => [p, processTicks(p)] as const));
}

/**
 * A named set of process trees whose CPU seconds are sampled together around
 * a run. Counted per pid: a process that started during the run counts in
 * full, one that ended during it counts nothing (its last ticks are gone),
 * rather than the tree's total going down (PostgreSQL backends come and go).
 */
export class CpuAccount {
  constructor(private readonly pids: Readonly<Record<string, number | null>>) {}

  sample(): Record<string, Map<number, number>> {
    const out: Record<string, Map<number, number>> = {};
    for (const [name, pid] of Object.entries(this.pids)) if (pid !== null) out[name] = treeTicks(pid);
    return out;
  }

  /** CPU seconds per component between two samples, rounded to 0.01 s. */
  static delta(
    before: Record<string, Map<number, number>>,
    after: Record<string, Map<number, number>>,
  ): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pids] of Object.entries(after)) {
      let ticks = 0;
      for (const [pid, t] of pids) ticks += Math.max(0, t - (before[name]?.get(pid) ?? 0));
      out[name] = Math.round((100 * ticks) / TICKS_PER_SECOND) / 100;
    }
    return out;
  }
}
