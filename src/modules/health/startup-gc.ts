import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface StartupGcResult {
  readonly milliseconds: number;
  readonly heapUsedMbBefore: number;
  readonly heapUsedMbAfter: number;
}

/**
 * One full garbage collection, for the moment a process first becomes ready:
 * before that first "ready" answer, so no request waits on it.
 *
 * Why: start-up leaves its largest garbage behind. At full scale that is the
 * history index load's row arrays (~150 MB of JS heap) and the model file's
 * 263 MB buffer once its tensors are copied out or paged to disk. V8 collects
 * it when allocation asks for room, i.e. under traffic, so a replica's RSS
 * right after ready was 413–584 MB against 450–476 MB in steady state, and a
 * memory limit must allow for the peak.
 *
 * Node offers no collection call without `--expose-gc`. Setting that flag at
 * run time makes V8 install `gc` in contexts created afterwards (the
 * `expose-gc` package works the same way); one such context hands it over and
 * the flag is switched off again, so no later context (a test's sandbox) sees
 * `gc`. Returns null when the context offers no `gc`; throws what V8 throws.
 */
export function collectStartupGarbage(): StartupGcResult | null {
  const gc = exposedGc();
  if (!gc) return null;
  const before = process.memoryUsage().heapUsed;
  const began = performance.now();
  gc();
  return {
    milliseconds: Math.round((performance.now() - began) * 10) / 10,
    heapUsedMbBefore: Math.round(before / 1e6),
    heapUsedMbAfter: Math.round(process.memoryUsage().heapUsed / 1e6),
  };
}

function exposedGc(): (() => void) | null {
  const own: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  // A runtime that refuses throws here; the caller logs why (readiness.registry.ts).
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
