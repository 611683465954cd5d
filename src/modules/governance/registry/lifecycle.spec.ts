import { canTransition, InvalidTransitionError } from './lifecycle';

describe('model lifecycle', () => {
  it.each([
    ['candidate', 'canary', true],
    ['candidate', 'production', false],
    ['candidate', 'rejected', true],
    ['canary', 'production', true],
    ['canary', 'rejected', true],
    ['production', 'retired', true],
    ['production', 'canary', false],
    ['retired', 'production', false],
    ['rejected', 'canary', false],
  ] as const)('%s → %s: %s', (from, to, ok) => {
    expect(canTransition(from, to)).toBe(ok);
  });

  it('explains an invalid transition', () => {
    expect(new InvalidTransitionError('m1', 'candidate', 'production').message).toBe(
      'model m1 cannot go from candidate to production (allowed: canary, rejected)',
    );
    expect(new InvalidTransitionError('m1', 'rejected', 'canary').message).toContain('rejected is final');
  });
});
