import { ML1M_OCCUPATIONS } from '@lib/movielens';
import { Rng } from '../random';

/** A user exactly as the platform's user API returns it. */
export interface PlatformUser {
  readonly user_id: number;
  readonly age: number;
  readonly occupation: string;
  readonly gender: 'M' | 'F';
}

/** The MovieLens 1M occupation list (labels as the platform's user API spells them). */
export const OCCUPATIONS: readonly string[] = ML1M_OCCUPATIONS;

const OCC = Object.fromEntries(OCCUPATIONS.map((name, i) => [name, i])) as Record<string, number>;
/** Working-age occupation shares, roughly those of MovieLens 1M users. */
const ADULT_OCCUPATION_WEIGHTS = [8, 5, 3, 2, 4, 2, 4, 12, 0.3, 1, 0, 2, 6, 0, 5, 3, 4, 9, 1, 1.5, 3];

export interface PopulationOptions {
  readonly users: number;
  readonly seed: number;
  readonly start: number;
  /** Share of real users who create their account during the simulation window. */
  readonly newUserShare?: number;
  readonly joinWindowDays?: number;
  /** Fake (attack) accounts, created by the attack scenario; they share the new-account id range. */
  readonly fakeAccounts?: number;
}

/**
 * Everyone with an account: real users (indices 0..users-1) followed by fake
 * accounts (indices users..users+fakes-1). Columnar so a million users cost
 * about 20 MB. Users who join during the simulation and fake accounts draw
 * their ids from one shuffled range, so an id alone does not reveal a fake.
 */
export class Population {
  readonly size: number;
  readonly realUsers: number;
  readonly fakeAccounts: number;
  readonly ids: Int32Array;
  readonly age: Uint8Array;
  readonly gender: Uint8Array;
  readonly occupation: Uint8Array;
  /** Epoch ms of account creation; 0 for accounts older than the simulation. */
  readonly createdAt: Float64Array;
  private readonly indexOfId = new Map<number, number>();
  private readonly firstNewIndex: number;

  constructor(options: PopulationOptions) {
    const real = options.users;
    const fakes = options.fakeAccounts ?? 0;
    this.realUsers = real;
    this.fakeAccounts = fakes;
    this.size = real + fakes;
    this.ids = new Int32Array(this.size);
    this.age = new Uint8Array(this.size);
    this.gender = new Uint8Array(this.size);
    this.occupation = new Uint8Array(this.size);
    this.createdAt = new Float64Array(this.size);

    const newUsers = Math.round(real * (options.newUserShare ?? 0.01));
    this.firstNewIndex = real - newUsers;
    const windowMs = (options.joinWindowDays ?? 30) * 86_400_000;
    for (let i = 0; i < this.size; i++) {
      const rng = Rng.for(options.seed, 'user', i);
      const d = demographics(rng);
      this.age[i] = d.age;
      this.gender[i] = d.gender;
      this.occupation[i] = d.occupation;
      if (i < this.firstNewIndex) this.ids[i] = i + 1;
      else if (i < real) this.createdAt[i] = options.start + rng.float() * windowMs;
    }
    // New real accounts and fakes get ids from one shuffled block after the existing users.
    const block = Array.from({ length: this.size - this.firstNewIndex }, (_, k) => this.firstNewIndex + 1 + k);
    Rng.for(options.seed, 'new-account-ids').shuffle(block);
    for (let k = 0; k < block.length; k++) this.ids[this.firstNewIndex + k] = block[k];
  }

  isFake(index: number): boolean {
    return index >= this.realUsers;
  }

  /** Index of a user id, or -1. Built lazily: only the HTTP/closed-loop path needs it. */
  indexOf(userId: number): number {
    if (userId >= 1 && userId <= this.firstNewIndex) return userId - 1;
    if (this.indexOfId.size === 0)
      for (let i = this.firstNewIndex; i < this.size; i++) this.indexOfId.set(this.ids[i], i);
    return this.indexOfId.get(userId) ?? -1;
  }

  profile(index: number): PlatformUser {
    return {
      user_id: this.ids[index],
      age: this.age[index],
      occupation: OCCUPATIONS[this.occupation[index]],
      gender: this.gender[index] === 0 ? 'M' : 'F',
    };
  }

  isMinor(index: number): boolean {
    return this.age[index] < 18;
  }
}

function demographics(rng: Rng): { age: number; gender: number; occupation: number } {
  const gender = rng.chance(0.58) ? 0 : 1;
  let age: number;
  if (rng.chance(0.06)) age = 13 + rng.int(5);
  else age = Math.min(85, Math.round(18 + rng.exponential(14) + 3 * rng.normal() ** 2));
  age = Math.max(13, age);
  let occupation: number;
  if (age < 18) occupation = rng.chance(0.9) ? OCC['K-12 student'] : OCC['other or not specified'];
  else if (age < 25 && rng.chance(0.55)) occupation = OCC['college/grad student'];
  else if (age >= 62 && rng.chance(0.7)) occupation = OCC['retired'];
  else occupation = rng.weighted(ADULT_OCCUPATION_WEIGHTS);
  return { age, gender, occupation };
}
