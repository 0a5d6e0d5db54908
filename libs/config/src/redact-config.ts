import { isPlainObject } from './key-path.js';

const MASK = '***';
// Keys whose whole value is a secret, should one ever be configured (an app secret, an API key).
export const SECRET_KEY = /secret|token|password|apikey|credential/i;

/**
 * Replaces the password of every URI in `text` (`mysql://root:pw@db/x` -> `mysql://root:***@db/x`)
 * and leaves the rest unchanged.
 */
export function maskUriPassword(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s"]*):[^@/\s"]*@/gi, `$1:${MASK}@`);
}

/**
 * Returns a copy of `config` that is safe to log: passwords in URIs are masked and values under
 * secret-sounding keys (secret, token, password, apiKey, credential) are replaced by `***`.
 * The input is not modified.
 */
export function redactConfig<T>(config: T): T {
  return redactValue(config, false) as T;
}

function redactValue(value: unknown, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secret));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = redactValue(child, SECRET_KEY.test(key));
    return out;
  }
  if (typeof value === 'string') {
    if (secret && value !== '') return MASK;
    return maskUriPassword(value);
  }
  return value;
}
