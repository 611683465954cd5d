import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

describe('lowerThisThreadPriority', () => {
  it('lowers the priority of the calling thread only, not of the process', async () => {
    const source = `
      require('@swc-node/register');
      const fs = require('node:fs');
      const os = require('node:os');
      const { parentPort } = require('node:worker_threads');
      const { lowerThisThreadPriority } = require(${JSON.stringify(path.join(__dirname, 'worker-thread.ts'))});
      const lowered = lowerThisThreadPriority(7);
      const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
      parentPort.postMessage({ lowered, thread: os.getPriority(tid) });
    `;
    // The process's own priority, whatever the runner started it at (CI may run the suite under nice).
    const processPriority = os.getPriority(process.pid);
    const worker = new Worker(source, { eval: true });
    const reply = await new Promise<{ lowered: boolean; thread: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toEqual({ lowered: true, thread: 7 });
    expect(os.getPriority(process.pid)).toBe(processPriority);
  }, 30_000);
});
