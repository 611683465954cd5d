import { Rng } from '../random';
import { World } from '../world';

export type AttackModel = 'random' | 'average' | 'bandwagon';
export const ATTACK_MODELS: readonly AttackModel[] = ['random', 'average', 'bandwagon'];

export interface AttackOptions {
  readonly model: AttackModel;
  /** Movie index pushed by the attack; chosen from the unpopular middle of the catalogue when omitted. */
  readonly target?: number;
  /** Epoch ms when the burst of fake accounts starts, and how long it lasts. */
  readonly start: number;
  readonly burstMs: number;
  /** Filler items per fake profile. */
  readonly fillerItems?: number;
}

export interface AttackPlan {
  readonly model: AttackModel;
  readonly target: number;
  readonly start: number;
  readonly end: number;
  /** Population indices of the fake accounts. */
  readonly fakes: readonly number[];
  readonly fillerItems: number;
}

/**
 * Push (shilling) attacks after Lam & Riedl 2004 and Mobasher et al. 2007:
 * every fake profile rates the target with the top rating, plus filler items
 *   random:    filler ratings ~ N(global mean, global sd)
 *   average:   filler ratings ~ N(item mean, item sd)
 *   bandwagon: a few of the most popular items at the top rating, plus random fillers.
 */
export function planAttack(world: World, options: AttackOptions): AttackPlan {
  const { population, catalog } = world;
  const rng = Rng.for(world.options.seed, 'attack-plan');
  const n = catalog.movies.length;
  let target = options.target ?? -1;
  if (target < 0) {
    // An available movie from the 30–80th popularity percentile: a plausible promotion target.
    const byAppeal = Array.from({ length: n }, (_, i) => i)
      .filter((i) => catalog.traits.availableFrom[i] <= options.start && !catalog.traits.adult[i])
      .sort((a, b) => catalog.traits.appeal[b] - catalog.traits.appeal[a] || a - b);
    target = byAppeal[Math.floor(byAppeal.length * (0.3 + 0.5 * rng.float()))];
  }
  const fakes: number[] = [];
  for (let i = population.realUsers; i < population.size; i++) fakes.push(i);
  return {
    model: options.model,
    target,
    start: options.start,
    end: options.start + options.burstMs,
    fakes,
    fillerItems: options.fillerItems ?? Math.max(10, Math.min(60, Math.round(n * 0.01))),
  };
}

/** One fake profile's ratings as (movie index, rating on 1..scaleMax), in the order they are posted. */
export function fakeProfile(
  world: World,
  plan: AttackPlan,
  fakeIndex: number,
  scaleMax: number,
  popular: readonly number[],
): Array<[number, number]> {
  const rng = Rng.for(world.options.seed, 'fake-profile', fakeIndex);
  const { traits } = world.catalog;
  const n = traits.appeal.length;
  const toScale = (r5: number): number =>
    Math.max(1, Math.min(scaleMax, Math.round(1 + ((r5 - 1) * (scaleMax - 1)) / 4)));
  const items: Array<[number, number]> = [];
  const used = new Set<number>([plan.target]);
  const fillers = Math.max(1, plan.fillerItems + Math.round(rng.normal() * plan.fillerItems * 0.2));
  if (plan.model === 'bandwagon') {
    const count = Math.max(1, Math.round(fillers * 0.2));
    for (let k = 0; k < count && k < popular.length; k++) {
      const m = popular[rng.int(Math.min(popular.length, count * 3))];
      if (used.has(m)) continue;
      used.add(m);
      items.push([m, scaleMax]);
    }
  }
  while (items.length < fillers) {
    const m = rng.int(n);
    if (used.has(m)) continue;
    used.add(m);
    // Global rating distribution of the simulated world: mean ≈ 3.5, sd ≈ 1.1 on the 1–5 scale.
    const mean5 = plan.model === 'average' ? expectedRating5(traits.quality[m]) : 3.5;
    const sd5 = plan.model === 'average' ? 0.8 : 1.1;
    items.push([m, toScale(mean5 + sd5 * rng.normal())]);
  }
  items.splice(rng.int(items.length + 1), 0, [plan.target, scaleMax]);
  return items;
}

/** The mean rating an item receives in this world (on the 1–5 scale), as an attacker would look it up. */
export function expectedRating5(quality: number): number {
  return 3.5 + 0.45 * quality;
}
