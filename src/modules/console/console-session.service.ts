import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ApiKeyService, type Principal } from '@modules/governance';

/** Cookie that carries the session id (HttpOnly, SameSite=Strict, Path=/console). */
export const SESSION_COOKIE = 'marquee_console';
/** Cookie of the sign-in form's double-submit token (there is no session yet to hold one). */
export const SIGN_IN_COOKIE = 'marquee_console_signin';
/** A session lasts at most this long after sign-in, whatever its activity. */
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** Oldest sessions are dropped beyond this many, so a flood of sign-ins cannot grow memory without bound. */
const MAX_SESSIONS = 10_000;

export interface ConsoleSession {
  readonly id: string;
  readonly principal: Principal;
  /** Synchronizer token every state-changing form carries. */
  readonly csrf: string;
  readonly expiresAt: number;
  /** The API key, kept in memory only: re-checked on every request, so a revoked key ends its sessions. */
  readonly key: string;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Console sessions: an API key exchanged for a random session id. Held in this
 * process's memory (a restart signs everyone out); with HTTP_WORKERS > 1 the
 * ingress must keep a browser on one worker (sticky sessions), see the README.
 */
@Injectable()
export class ConsoleSessionService {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly apiKeys: ApiKeyService) {}

  /** Authenticates the key like the admin API does; null when it is unknown or revoked. */
  async signIn(key: string, now = Date.now()): Promise<ConsoleSession | null> {
    const principal = await this.apiKeys.authenticate(key);
    if (!principal) return null;
    this.sweep(now);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: ConsoleSession = {
      id: randomToken(),
      principal,
      csrf: randomToken(),
      expiresAt: now + SESSION_TTL_MS,
      key,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for an id, with its principal re-read from the key (role changes apply at once). */
  async resolve(id: string | undefined, now = Date.now()): Promise<ConsoleSession | null> {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= now) {
      this.sessions.delete(id);
      return null;
    }
    const principal = await this.apiKeys.authenticate(session.key);
    if (!principal) {
      this.sessions.delete(id);
      return null;
    }
    if (principal.role !== session.principal.role) {
      const updated = { ...session, principal };
      this.sessions.set(id, updated);
      return updated;
    }
    return session;
  }

  signOut(id: string): boolean {
    return this.sessions.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
