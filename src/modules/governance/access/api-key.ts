import { createHash, randomBytes } from 'node:crypto';

/** A new API key: `mq_` + 32 random bytes, base64url. Shown once, stored only as its hash. */
export function generateApiKey(): string {
  return `mq_${randomBytes(32).toString('base64url')}`;
}

/** Keys are high-entropy random strings, so a plain sha256 (no salt, no stretching) is enough at rest. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Reads the key from `x-api-key` or `Authorization: Bearer …`. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | null {
  const header = headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct && direct.trim()) return direct.trim();
  const auth = headers.authorization;
  const value = Array.isArray(auth) ? auth[0] : auth;
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match ? match[1] : null;
}
