import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileAnchorSink, parseAnchor } from './audit-anchor';

describe('FileAnchorSink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'marquee-anchor-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has no anchor before the first write (the directory need not exist)', async () => {
    expect(await new FileAnchorSink(path.join(dir, 'not-yet')).latest()).toBeNull();
  });

  it('appends one JSON line per anchor and reads back the highest seq, skipping lines it cannot trust', async () => {
    const sink = new FileAnchorSink(path.join(dir, 'anchors'));
    await sink.write({ seq: '9', hash: 'a'.repeat(64), at: '2026-12-04T10:00:00.000Z' });
    await sink.write({ seq: '120', hash: 'b'.repeat(64), at: '2026-12-04T10:05:00.000Z' });
    // A torn write, a foreign line, a lower seq written later (e.g. by a replica that was behind).
    appendFileSync(sink.location, '{"seq":"130","hash":"cc\n{"hello":1}\n');
    await sink.write({ seq: '100', hash: 'd'.repeat(64), at: '2026-12-04T10:06:00.000Z' });
    expect(await sink.latest()).toEqual({ seq: '120', hash: 'b'.repeat(64), at: '2026-12-04T10:05:00.000Z' });
    expect(readFileSync(sink.location, 'utf8').split('\n').filter(Boolean)).toHaveLength(5);
  });

  it('parses only a decimal seq and a sha256 hex hash', () => {
    expect(parseAnchor('{"seq":"1","hash":"' + 'f'.repeat(64) + '"}')).toEqual({
      seq: '1',
      hash: 'f'.repeat(64),
      at: '',
    });
    expect(parseAnchor('{"seq":1,"hash":"' + 'f'.repeat(64) + '"}')).toBeNull();
    expect(parseAnchor('{"seq":"1","hash":"XYZ"}')).toBeNull();
    expect(parseAnchor('not json')).toBeNull();
  });
});
