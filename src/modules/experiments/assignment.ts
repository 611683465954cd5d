import { createHash } from 'node:crypto';

export interface ArmShare {
  readonly name: string;
  /** Relative traffic share (normalised over the arms). */
  readonly share: number;
}

/**
 * The user's position in [0, 1) for a salt: the first 48 bits of
 * sha256("<salt>:<userId>") over 2^48. Deterministic (sticky without any
 * state), uniform, and independent across experiments with different salts.
 */
export function hashUnit(salt: string, userId: number): number {
  const digest = createHash('sha256').update(`${salt}:${userId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The arm a user falls into: arms take consecutive slices of [0, 1) in order, sized by share. */
export function assignArm(salt: string, userId: number, arms: readonly ArmShare[]): string {
  const total = arms.reduce((s, a) => s + a.share, 0);
  const u = hashUnit(salt, userId) * total;
  let edge = 0;
  for (const arm of arms) {
    edge += arm.share;
    if (u < edge) return arm.name;
  }
  return arms[arms.length - 1].name;
}

/**
 * Canary routing: the candidate serves users whose position is below the
 * current share. Raising the share only adds users, so everyone who saw the
 * candidate keeps seeing it as the canary grows (5% ⊂ 25% ⊂ 50% ⊂ 100%).
 */
export function inCanary(salt: string, userId: number, share: number): boolean {
  return hashUnit(salt, userId) < share;
}
