import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Writes one JSON object per line, streaming (a million rows never sit in memory as text). */
export async function writeJsonl(file: string, rows: Iterable<unknown>): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let chunk: string[] = [];
  for (const row of rows) {
    chunk.push(JSON.stringify(row));
    if (chunk.length >= 2000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
}
