import { Worker } from 'node:worker_threads';

/**
 * Reads a file and computes its sha256 on a helper thread, handing the bytes
 * back without a copy (the ArrayBuffer is transferred).
 *
 * Why: a hot swap verifies a 256 MB artifact before serving it. Hashing it on
 * the request thread took ~0.5 s of that thread per swap (in slices, but every
 * slice delays the requests queued behind it), and with the machine busy the
 * swap showed as a p99 of several hundred milliseconds. On its own thread, at
 * the lowest CPU priority, the request thread only waits for a message, and
 * the hashing takes only CPU nothing else wants (a swap takes longer when the
 * machine is busy; requests do not).
 *
 * Plain JavaScript (no TypeScript loader needed in the thread); one thread per
 * process, created on first use, keeping the process alive only while a read
 * is outstanding.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readFileSync, readlinkSync, readSync, writeSync } = require('node:fs');
const { setPriority } = require('node:os');
// Lowest CPU priority for this thread only (Linux: a thread id is a valid
// setpriority target): verification uses idle CPU and never takes a core from
// a thread that answers requests. Elsewhere it simply runs at normal priority.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
} catch {
  // Not Linux, or not permitted: normal priority (above).
}
// ids.json of a full-scale model lists a million user ids: parsed here, the
// request thread receives them as one transferred Int32Array instead of
// spending ~100 ms in JSON.parse and building the array.
function parsedIds(data) {
  const ids = JSON.parse(data.toString('utf8'));
  if (!ids || !Array.isArray(ids.users) || !Array.isArray(ids.items)) return null;
  const users = new Int32Array(ids.users.length);
  for (let i = 0; i < users.length; i++) {
    const u = ids.users[i];
    if (u !== (u | 0)) return null; // not an int32: the caller parses the bytes itself
    users[i] = u;
  }
  return { users, items: ids.items };
}
// Reads the file in chunks into a buffer of its size, except bytes [from, to),
// which go to spill.fd (at offset 0) through a small scratch buffer; every byte
// is hashed in file order. The buffer's pages in [from, to) are never written,
// so they never become resident: a 256 MB user table costs no memory here.
const CHUNK = 8 << 20;
function readSpilling(file, spill) {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (spill.to > size) throw new Error(file + ': ' + size + ' bytes, the spilled range ends at ' + spill.to);
    const buffer = new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    const scratch = new Uint8Array(Math.min(CHUNK, Math.max(1, spill.to - spill.from)));
    const hash = createHash('sha256');
    for (let at = 0; at < size; ) {
      const spilling = at >= spill.from && at < spill.to;
      const limit = spilling ? spill.to : at < spill.from ? Math.min(spill.from, size) : size;
      const end = Math.min(limit, at + CHUNK);
      const target = spilling ? scratch.subarray(0, end - at) : bytes.subarray(at, end);
      for (let done = 0; done < target.length; ) {
        const n = readSync(fd, target, done, target.length - done, at + done);
        if (n === 0) throw new Error(file + ' ended early at ' + (at + done) + ' of ' + size + ' bytes');
        done += n;
      }
      hash.update(target);
      if (spilling)
        for (let done = 0; done < target.length; )
          done += writeSync(spill.fd, target, done, target.length - done, at - spill.from + done);
      at = end;
    }
    return { buffer, sha256: hash.digest('hex') };
  } finally {
    closeSync(fd);
  }
}
parentPort.on('message', ({ id, file, parseIds, spill }) => {
  try {
    if (spill) {
      const { buffer, sha256 } = readSpilling(file, spill);
      parentPort.postMessage({ id, sha256, buffer }, [buffer]);
      return;
    }
    const data = readFileSync(file);
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (parseIds) {
      let ids = null;
      try {
        ids = parsedIds(data);
      } catch {
        // Malformed: sent as bytes, the caller's own parse reports the error.
      }
      if (ids) {
        parentPort.postMessage({ id, sha256, ids }, [ids.users.buffer]);
        return;
      }
    }
    // A small read may sit in Buffer's shared pool: give it a buffer of its own to transfer.
    const own = data.byteOffset === 0 && data.buffer.byteLength === data.byteLength ? data.buffer : new Uint8Array(data).buffer;
    parentPort.postMessage({ id, sha256, buffer: own }, [own]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

export interface HashedFile {
  /** The file's bytes, in a buffer of their own (offset 0); absent when `ids` carries the parsed contents instead. */
  readonly buffer?: ArrayBuffer;
  readonly sha256: string;
  /** With `parseIds`: an artifact's ids.json, parsed (when it is well-formed and every user id is an int32). */
  readonly ids?: { readonly users: Int32Array; readonly items: readonly string[] };
}

let thread: Worker | null = null;
let idleTimer: NodeJS.Timeout | null = null;
/**
 * An idle helper is ended after this long: after parsing a full-scale ids.json
 * its heap keeps tens of MB resident until the next swap (hours away), and
 * starting a new thread costs ~30 ms.
 */
const IDLE_MS = 5_000;
let nextId = 0;
const pending = new Map<number, { resolve: (file: HashedFile) => void; reject: (error: Error) => void }>();

function helper(): Worker {
  if (thread) return thread;
  const worker = new Worker(THREAD_SOURCE, { eval: true });
  worker.unref();
  worker.on(
    'message',
    (message: { id: number; sha256?: string; buffer?: ArrayBuffer; ids?: HashedFile['ids']; error?: string }) => {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (pending.size === 0) {
        worker.unref();
        retireWhenIdle(worker);
      }
      if (message.error !== undefined || !(message.buffer || message.ids) || !message.sha256)
        call.reject(new Error(message.error));
      else call.resolve({ buffer: message.buffer, ids: message.ids, sha256: message.sha256 });
    },
  );
  // A dead helper fails what it was doing; the next call starts a new one.
  const fail = (error: Error): void => {
    thread = null;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`hashing thread exited with code ${code}`)));
  thread = worker;
  return worker;
}

function retireWhenIdle(worker: Worker): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (thread !== worker || pending.size > 0) return;
    // Detached first: the next read starts a new thread, and this one's exit fails nothing.
    thread = null;
    worker.removeAllListeners('exit');
    worker.removeAllListeners('error');
    worker.on('error', () => undefined);
    void worker.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

/**
 * Bytes [from, to) of a file written to `fd` (at offset 0) instead of being
 * kept: they are read, hashed and written a chunk at a time, and the returned
 * buffer holds zeros there (pages never touched, so never resident).
 */
export interface SpilledRange {
  readonly from: number;
  readonly to: number;
  readonly fd: number;
}

/**
 * Reads `file` and hashes it off the calling thread; with `parseIds`, parses it there as an artifact's ids.json;
 * with `spill`, writes that byte range to a file instead of memory (SpilledRange).
 */
export function readHashed(
  file: string,
  options: { parseIds?: boolean; spill?: SpilledRange } = {},
): Promise<HashedFile> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    if (idleTimer) {
      clearTimeout(idleTimer);
      idleTimer = null;
    }
    const worker = helper();
    // Keep the process alive while a read is outstanding (a CLI may be waiting on nothing else).
    worker.ref();
    worker.postMessage({ id, file, parseIds: options.parseIds === true, spill: options.spill });
  });
}

/** True while the helper thread exists (it is ended after IDLE_MS without work). */
export function hashingThreadRunning(): boolean {
  return thread !== null;
}
