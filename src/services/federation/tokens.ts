/**
 * Device credentials: random bearer tokens, stored only as SHA-256 hashes. The tokens carry 192 random
 * bits, so a plain (unsalted) hash is enough: there is nothing to guess from it.
 */
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'mrlco_';

export function newToken(): string {
  return PREFIX + randomBytes(24).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `authorization: Bearer <token>` header value, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m ? m[1] : undefined;
}

/** Device names: short, printable, safe to show in logs and on the web page. */
export function checkDeviceName(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)
    ? undefined
    : 'a device name is 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit';
}
