import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ApiKeyService, AuditService, type Principal } from '@modules/governance';

/** Cookie that carries the signed session (HttpOnly, SameSite=Strict, Path=/console). */
export const SESSION_COOKIE = 'marquee_console';
/** Cookie of the sign-in form's double-submit token (there is no session yet to hold one). */
export const SIGN_IN_COOKIE = 'marquee_console_signin';
/** A session lasts at most this long after sign-in, whatever its activity. */
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** Audit kind of a sign-out; its subject (`console-session:<id>`) is what ends the session on every replica. */
export const SIGN_OUT_KIND = 'console.sign-out';
export const sessionSubject = (id: string): string => `console-session:${id}`;

export interface ConsoleSession {
  /** Random session id (also in the cookie). */
  readonly id: string;
  readonly principal: Principal;
  /** Synchronizer token every state-changing form carries (derived from the session, never stored). */
  readonly csrf: string;
  readonly expiresAt: number;
  /** The cookie value: payload and its signature. */
  readonly cookie: string;
}

interface SessionPayload {
  readonly v: 1;
  readonly n: string;
  readonly sid: string;
  readonly exp: number;
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

const hmac = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('base64url');

/**
 * Console sessions without server-side session state, so they work on every
 * replica (Kubernetes runs several; HTTP_WORKERS forks more) and survive restarts.
 *
 * The cookie is `base64url(payload).signature`, payload `{name, session id,
 * expiry}`, signed with HMAC-SHA256 keyed by the API key's hash as stored at rest
 * in `api_key` (known to the server only; the key itself is never kept). Each
 * request reads the key's row again: a revoked key fails, a rotated key changes
 * the hash and so invalidates the signature, a changed role applies at once.
 * Sign-out is an audit record whose subject names the session; a session with
 * such a record is refused everywhere. The CSRF token is an HMAC of the session id.
 */
@Injectable()
export class ConsoleSessionService {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly audit: AuditService,
  ) {}

  /** Authenticates the key like the admin API does; null when it is unknown or revoked. */
  async signIn(key: string, now = Date.now()): Promise<ConsoleSession | null> {
    const principal = await this.apiKeys.authenticate(key);
    if (!principal) return null;
    const active = await this.apiKeys.activeByName(principal.name);
    if (!active) return null;
    const payload: SessionPayload = { v: 1, n: principal.name, sid: randomToken(), exp: now + SESSION_TTL_MS };
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return this.session(active.principal, active.keyHash, payload, `${encoded}.${hmac(active.keyHash, encoded)}`);
  }

  /** The session a cookie carries, when its signature, expiry, key and sign-out state all hold. */
  async resolve(cookie: string | undefined, now = Date.now()): Promise<ConsoleSession | null> {
    if (!cookie || cookie.length > 1024) return null;
    const [encoded, signature, extra] = cookie.split('.');
    if (!encoded || !signature || extra !== undefined) return null;
    const payload = parsePayload(encoded);
    if (!payload || payload.exp <= now) return null;
    const active = await this.apiKeys.activeByName(payload.n);
    if (!active || !sameToken(signature, hmac(active.keyHash, encoded))) return null;
    const signedOut = await this.audit.search({ kind: SIGN_OUT_KIND, subject: sessionSubject(payload.sid), limit: 1 });
    if (signedOut.length > 0) return null;
    return this.session(active.principal, active.keyHash, payload, cookie);
  }

  /** Ends the session on every replica: the audited sign-out is what `resolve` checks. */
  async signOut(session: ConsoleSession, ip: string): Promise<void> {
    await this.audit.append({
      actor: session.principal.name,
      kind: SIGN_OUT_KIND,
      subject: sessionSubject(session.id),
      payload: { role: session.principal.role, ip, via: 'console' },
    });
  }

  private session(principal: Principal, keyHash: string, payload: SessionPayload, cookie: string): ConsoleSession {
    return { id: payload.sid, principal, csrf: hmac(keyHash, `csrf:${payload.sid}`), expiresAt: payload.exp, cookie };
  }
}

function parsePayload(encoded: string): SessionPayload | null {
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Partial<SessionPayload>;
    if (
      value.v !== 1 ||
      typeof value.n !== 'string' ||
      typeof value.sid !== 'string' ||
      typeof value.exp !== 'number'
    ) {
      return null;
    }
    return value as SessionPayload;
    // eslint-disable-next-line no-restricted-syntax -- not base64url JSON: a forged or truncated cookie, refused like any bad session
  } catch {
    return null;
  }
}
