// Public surface of lib/worker-thread: what other modules may import. Everything else is internal.
export { lowerThisThreadPriority, startWorkerThread } from './worker-thread';
