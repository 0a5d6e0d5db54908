import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintToken } from './client-token.js';

describe('mintToken', () => {
  it('signs HS256 with the claims logic verifies', async () => {
    const token = await mintToken({
      appId: 'demo',
      userId: 'alice',
      deviceId: 'd1',
      ttlSeconds: 60,
      secret: 's3cret',
      now: 1_000,
    });
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    expect(decodeJwt(token)).toEqual({
      app_id: 'demo',
      device_id: 'd1',
      sub: 'alice',
      iat: 1_000,
      exp: 1_060,
    });
    const now = Math.floor(Date.now() / 1000);
    const fresh = await mintToken({ appId: 'demo', userId: 'bob', ttlSeconds: 60, secret: 's3cret' });
    const { payload } = await jwtVerify(fresh, new TextEncoder().encode('s3cret'));
    expect(payload.sub).toBe('bob');
    expect(payload['device_id']).toBeUndefined();
    expect(payload.exp! - now).toBeGreaterThanOrEqual(59);
  });
});
