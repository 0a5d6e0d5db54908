import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Business API keys look like `sb_<keyId>_<secret>`:
 *   - keyId: 12 random letters and digits, public, unique across apps; it finds the stored row.
 *   - secret: 32 random bytes, base64url (43 characters).
 * Only the SHA-256 of the whole key is stored. A fast unsalted hash is right here, unlike for
 * passwords: the key carries 256 random bits, so neither a dictionary nor brute force over the
 * hash can find it, and a slow hash (bcrypt, scrypt) would only cost CPU on every API call.
 */

const PREFIX = 'sb_';
const KEY_ID_LENGTH = 12;
const SECRET_BYTES = 32;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_PATTERN = /^sb_([A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
/** Length of every well-formed key: `sb_` + 12 + `_` + 43. */
export const API_KEY_LENGTH = PREFIX.length + KEY_ID_LENGTH + 1 + Math.ceil((SECRET_BYTES * 4) / 3);

/** A new key and its public id. Show `key` once; store `hashApiKey(key)`. */
export function generateApiKey(): { keyId: string; key: string } {
  const keyId = randomAlphanumeric(KEY_ID_LENGTH);
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { keyId, key: `${PREFIX}${keyId}_${secret}` };
}

/** The key id of a well-formed key, or undefined for anything else (never throws). */
export function parseApiKey(key: unknown): { keyId: string } | undefined {
  // The length check comes first so that no regex ever runs over an attacker's megabyte.
  if (typeof key !== 'string' || key.length !== API_KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(key);
  return match ? { keyId: match[1]! } : undefined;
}

/** Hex SHA-256 of the whole key, as stored in `api_keys.key_hash`. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Compares two strings (hashes) in time that depends only on their length, so that a caller
 * cannot learn a stored hash byte by byte from response times.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether `key` is the key whose stored hash is `keyHash`. */
export function apiKeyMatches(key: string, keyHash: string): boolean {
  return constantTimeEqual(hashApiKey(key), keyHash);
}

// Rejection sampling keeps every character equally likely: 248 = 4 * 62.
function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}
