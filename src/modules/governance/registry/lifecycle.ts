/**
 * Model lifecycle: candidate → canary → production → retired, or rejected.
 * Rejected is final; a retired model only comes back through a rollback.
 */
export const MODEL_STATES = ['candidate', 'canary', 'production', 'retired', 'rejected'] as const;
export type ModelState = (typeof MODEL_STATES)[number];
export type TransitionTarget = Exclude<ModelState, 'candidate'>;

const TRANSITIONS: Readonly<Record<ModelState, readonly ModelState[]>> = {
  candidate: ['canary', 'rejected'],
  canary: ['production', 'rejected', 'retired'],
  production: ['retired'],
  retired: [],
  rejected: [],
};

export function isModelState(value: string): value is ModelState {
  return (MODEL_STATES as readonly string[]).includes(value);
}

export function canTransition(from: ModelState, to: ModelState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTargets(from: ModelState): readonly ModelState[] {
  return TRANSITIONS[from];
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly modelId: string,
    readonly from: string,
    readonly to: string,
  ) {
    const allowed = isModelState(from) ? allowedTargets(from) : [];
    super(
      `model ${modelId} cannot go from ${from} to ${to}` +
        (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ` (${from} is final)`),
    );
    this.name = 'InvalidTransitionError';
  }
}
