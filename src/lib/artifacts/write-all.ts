import { write } from 'node:fs';
import { promisify } from 'node:util';

const writeAt = promisify(write);

/**
 * Writes all of `bytes` to the open file `fd` at `position`, however many
 * writes that takes (a write may be partial); a write that makes no progress
 * is an error rather than a loop. Shared by the artifact writer and the
 * user-vector page file, which both write large tensors without copying them.
 */
export async function writeAll(fd: number, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    const { bytesWritten } = await writeAt(fd, bytes, done, bytes.byteLength - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write made no progress at byte ${position + done}`);
    done += bytesWritten;
  }
}
