import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `X-Switchboard-Signature` value of a webhook request: `v1=` and the hex HMAC-SHA256, keyed by
 * the app's webhook secret, of `${timestamp}.${body}` where `timestamp` is the
 * `X-Switchboard-Timestamp` header (unix seconds) and `body` is the raw request body.
 */
export function signWebhook(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return `v1=${hmacHex(secret, String(timestamp), body)}`;
}

/** Arguments of {@link verifyWebhookSignature}. */
export interface VerifyWebhookSignatureOptions {
  /** The app's webhook secret. */
  readonly secret: string;
  /** The `X-Switchboard-Timestamp` header. */
  readonly timestamp: string | number | undefined;
  /** The raw request body, exactly as received (before any JSON parsing). */
  readonly body: string | Uint8Array;
  /** The `X-Switchboard-Signature` header; several comma-separated `v1=` values are accepted. */
  readonly signature: string | undefined;
  /** How far the timestamp may be from `now`, either way. Default 300 s. */
  readonly toleranceSeconds?: number;
  /** Unix seconds; default the current time. */
  readonly now?: number;
}

/**
 * Checks a webhook request as a receiver should: the timestamp is within `toleranceSeconds` of now
 * (so a captured request cannot be replayed later) and a `v1=` signature matches, compared in
 * constant time. Receivers also dedupe on `X-Switchboard-Event-Id`: delivery is at-least-once.
 */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): boolean {
  const { secret, timestamp, body, signature } = options;
  if (timestamp === undefined || signature === undefined) return false;
  const stamp = String(timestamp);
  if (!/^\d{1,12}$/.test(stamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(stamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(hmacHex(secret, stamp, body), 'hex');
  let ok = false;
  for (const part of signature.split(',')) {
    const match = /^v1=([0-9a-f]{64})$/i.exec(part.trim());
    if (match === null) continue;
    // No early exit, so the time taken does not say which value matched.
    if (timingSafeEqual(Buffer.from(match[1]!, 'hex'), expected)) ok = true;
  }
  return ok;
}

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
