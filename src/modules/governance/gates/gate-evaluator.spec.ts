import { InvalidGateResultError, normalizeGateResult, summarizeGates } from './gate-evaluator';

describe('normalizeGateResult', () => {
  it('keeps a three-valued result, deriving passed', () => {
    expect(normalizeGateResult({ status: 'undecided', reasons: ['x: too few'], n: 3 })).toEqual({
      status: 'undecided',
      passed: false,
      reasons: ['x: too few'],
      n: 3,
    });
    expect(normalizeGateResult({ status: 'passed' })).toEqual({ status: 'passed', passed: true, reasons: [] });
  });

  it('reads an older {passed, reason} result as passed or failed', () => {
    expect(normalizeGateResult({ passed: false, reason: 'stale', age: 9 })).toEqual({
      status: 'failed',
      passed: false,
      reasons: ['stale'],
      age: 9,
    });
    expect(normalizeGateResult({ passed: true })).toMatchObject({ status: 'passed', passed: true });
  });

  it.each([
    [null, 'a gate result must be an object'],
    [[], 'a gate result must be an object'],
    [{}, 'a gate result needs a "status" (passed, failed, undecided)'],
    [{ status: 'maybe' }, 'status must be one of passed, failed, undecided (got "maybe")'],
    [{ status: 'undecided', passed: true }, 'a gate result with status undecided cannot say passed: true'],
    [{ passed: 'yes' }, '"passed" must be a boolean'],
    [{ status: 'failed', reasons: [1] }, '"reasons" must be a list of strings'],
  ])('refuses %j', (raw, message) => {
    expect(() => normalizeGateResult(raw)).toThrow(InvalidGateResultError);
    expect(() => normalizeGateResult(raw)).toThrow(message);
  });
});

describe('summarizeGates', () => {
  it('lists every named gate with its status and what it could not decide', () => {
    const summary = summarizeGates(
      {
        drift: {
          status: 'undecided',
          reasons: ['served_popularity: undecided, 0 recent samples < 100 required'],
          features: {
            rating: { decided: true, samples: { reference: 10, recent: 10 } },
            served_popularity: { decided: false, samples: { reference: 50, recent: 0 }, reason: 'r' },
          },
        },
        fairness: { status: 'undecided', reasons: ['age: undecided, fewer than two groups'], undecided: ['age'] },
        poisoning: { passed: true },
      },
      ['fairness', 'drift', 'poisoning', 'licensing'],
    );
    expect(summary).toEqual([
      {
        gate: 'fairness',
        status: 'undecided',
        reasons: ['age: undecided, fewer than two groups'],
        undecided: [{ name: 'age', reason: 'age: undecided, fewer than two groups' }],
      },
      {
        gate: 'drift',
        status: 'undecided',
        reasons: ['served_popularity: undecided, 0 recent samples < 100 required'],
        undecided: [{ name: 'served_popularity', samples: { reference: 50, recent: 0 }, reason: 'r' }],
      },
      { gate: 'poisoning', status: 'passed', reasons: [], undecided: [] },
      { gate: 'licensing', status: 'missing', reasons: [], undecided: [] },
    ]);
  });
});
