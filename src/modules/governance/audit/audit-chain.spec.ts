import { canonicalJson } from './canonical-json';
import { GENESIS_HASH, hashAuditRecord, StoredAuditRecord, verifyChain } from './audit-chain';

function chain(n: number): StoredAuditRecord[] {
  const records: StoredAuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const content = {
      seq: BigInt(i),
      at: new Date(Date.UTC(2026, 10, 26, 8, 0, i)),
      actor: 'alice',
      kind: 'model.registered',
      subject: `model:m${i}`,
      payload: { n: i, nested: { b: 2, a: [1, 'x'] } },
      prevHash,
    };
    const hash = hashAuditRecord(content);
    records.push({ ...content, hash });
    prevHash = hash;
  }
  return records;
}

describe('canonicalJson', () => {
  it('sorts keys recursively and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":0,"z":1}]},"b":1}',
    );
  });
  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: { p: true, q: null } })).toBe(canonicalJson({ y: { q: null, p: true }, x: 1 }));
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head', () => {
    const records = chain(5);
    expect(verifyChain(records)).toEqual({
      ok: true,
      checked: 5,
      head: records[4].hash,
      lastSeq: '5',
      firstBroken: null,
    });
  });

  it('accepts an empty chain', () => {
    expect(verifyChain([])).toMatchObject({ ok: true, checked: 0, head: GENESIS_HASH });
  });

  it('detects an edited record at its own seq', () => {
    const records = chain(5);
    records[2] = { ...records[2], payload: { n: 999 } };
    expect(verifyChain(records).firstBroken).toMatchObject({ seq: '3', problem: 'hash-mismatch' });
  });

  it('detects a deleted record at the next seq', () => {
    const records = chain(5);
    records.splice(1, 1);
    expect(verifyChain(records).firstBroken).toMatchObject({ seq: '3', problem: 'broken-link' });
  });

  it('detects a forged record that does not link to its predecessor', () => {
    const records = chain(3);
    const forged = { ...records[2], seq: 4n, actor: 'mallory', prevHash: 'f'.repeat(64) };
    records.push({ ...forged, hash: hashAuditRecord(forged) });
    expect(verifyChain(records).firstBroken).toMatchObject({ seq: '4', problem: 'broken-link' });
  });

  it('detects a changed timestamp or seq', () => {
    const records = chain(3);
    records[0] = { ...records[0], at: new Date(records[0].at.getTime() + 1) };
    expect(verifyChain(records).firstBroken).toMatchObject({ seq: '1', problem: 'hash-mismatch' });
  });

  it('uses anchors to detect a truncated tail and a rewritten chain', () => {
    const records = chain(5);
    const anchor = { seq: '5', hash: records[4].hash };
    expect(verifyChain(records, [anchor]).ok).toBe(true);
    expect(verifyChain(records.slice(0, 4), [anchor]).firstBroken).toMatchObject({
      seq: '5',
      problem: 'anchor-missing',
    });
    // Rewrite record 3 and re-hash everything after it: the chain is consistent, the anchor is not.
    const rewritten = records.slice(0, 2);
    for (const original of records.slice(2)) {
      const prevHash = rewritten[rewritten.length - 1].hash;
      const content = { ...original, payload: { n: -1 }, prevHash };
      rewritten.push({ ...content, hash: hashAuditRecord(content) });
    }
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, [anchor]).firstBroken).toMatchObject({ seq: '5', problem: 'anchor-mismatch' });
  });
});
