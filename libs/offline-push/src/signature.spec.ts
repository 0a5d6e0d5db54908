import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './signature.js';

const secret = 'whsec';
const body = '{"type":"offline_message","id":"a:1:b"}';
const now = 1_700_000_000;

describe('webhook signatures', () => {
  it('signs v1=<hex HMAC-SHA256 of "timestamp.body">', async () => {
    const { createHmac } = await import('node:crypto');
    const hex = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signWebhook(secret, now, body)).toBe(`v1=${hex}`);
    expect(signWebhook(secret, now, new TextEncoder().encode(body))).toBe(`v1=${hex}`);
  });

  it('verifies a fresh, matching signature', () => {
    const signature = signWebhook(secret, now, body);
    expect(verifyWebhookSignature({ secret, timestamp: String(now), body, signature, now })).toBe(true);
    expect(
      verifyWebhookSignature({
        secret,
        timestamp: now,
        body,
        signature: `v1=${'0'.repeat(64)}, ${signature}`,
        now,
      }),
    ).toBe(true);
  });

  it('rejects another secret, body or timestamp', () => {
    const signature = signWebhook(secret, now, body);
    expect(verifyWebhookSignature({ secret: 'other', timestamp: now, body, signature, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp: now, body: `${body} `, signature, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp: now + 1, body, signature, now })).toBe(false);
  });

  it('rejects a timestamp outside the tolerance, either way', () => {
    const old = now - 301;
    expect(
      verifyWebhookSignature({
        secret,
        timestamp: old,
        body,
        signature: signWebhook(secret, old, body),
        now,
      }),
    ).toBe(false);
    const ahead = now + 10;
    const signature = signWebhook(secret, ahead, body);
    expect(
      verifyWebhookSignature({ secret, timestamp: ahead, body, signature, now, toleranceSeconds: 5 }),
    ).toBe(false);
    expect(
      verifyWebhookSignature({ secret, timestamp: ahead, body, signature, now, toleranceSeconds: 10 }),
    ).toBe(true);
  });

  it('rejects missing or malformed headers', () => {
    const signature = signWebhook(secret, now, body);
    expect(verifyWebhookSignature({ secret, timestamp: undefined, body, signature, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp: now, body, signature: undefined, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp: 'abc', body, signature, now })).toBe(false);
    expect(verifyWebhookSignature({ secret, timestamp: now, body, signature: signature.slice(3), now })).toBe(
      false,
    );
    expect(verifyWebhookSignature({ secret, timestamp: now, body, signature: `${signature}00`, now })).toBe(
      false,
    );
    expect(verifyWebhookSignature({ secret, timestamp: now, body, signature: 'v0=abc', now })).toBe(false);
  });
});
