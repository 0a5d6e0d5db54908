import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { TokenVerifier, type AppCredentials } from './token-verifier.js';

const SECRET = 'current-secret';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed by hand: any header, any payload, any secret and algorithm. */
function handMade(
  header: Record<string, unknown>,
  payload: unknown,
  secret = SECRET,
  hash: 'sha256' | 'sha512' = 'sha256',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  app_id: 'a',
  sub: 'alice',
  exp: now() + 60,
  ...extra,
});

/** A verifier over app `a` whose cached secrets are `cached` and fresh ones `fresh`; counts the lookups. */
function verifierOf(cached: string[], fresh: string[] = cached) {
  const lookups: boolean[] = [];
  const app = (secrets: string[]): AppCredentials => ({ secrets, allowClientTags: null });
  const verifier = new TokenVerifier(async (appId, isFresh = false) => {
    lookups.push(isFresh);
    if (appId !== 'a') return undefined;
    return app(isFresh ? fresh : cached);
  });
  return { verifier, lookups };
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SwitchboardError) return err.code;
    throw err;
  }
  throw new Error('expected a SwitchboardError');
}

describe('TokenVerifier (synchronous HS256)', () => {
  it('accepts a jose-signed token and returns its claims', async () => {
    const token = await new SignJWT({ app_id: 'a', device_id: 'phone', tags: ['vip'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('alice')
      .setIssuedAt(1_700_000_000)
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    const { verifier, lookups } = verifierOf([SECRET]);
    expect(await verifier.verify(token)).toEqual({
      appId: 'a',
      userId: 'alice',
      deviceId: 'phone',
      tags: ['vip'],
      issuedAt: 1_700_000_000,
      allowClientTags: null,
    });
    expect(lookups).toEqual([false]);
  });

  it('refuses a tampered signature, payload or header', async () => {
    const { verifier } = verifierOf([SECRET]);
    const token = handMade({ alg: 'HS256' }, claims());
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await codeOf(verifier.verify(`${h}.${p}.${flipped}`))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    const otherPayload = b64(claims({ sub: 'mallory' }));
    expect(await codeOf(verifier.verify(`${h}.${otherPayload}.${s}`))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    const otherHeader = b64({ alg: 'HS256', typ: 'JWT' });
    expect(await codeOf(verifier.verify(`${otherHeader}.${p}.${s}`))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    expect(await codeOf(verifier.verify(`${h}.${p}.${s}AA`))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await codeOf(verifier.verify(`${h}.${p}.`))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await codeOf(verifier.verify(handMade({ alg: 'HS256' }, claims(), 'forged')))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
  });

  it('refuses any algorithm but HS256, `none` and a crit header', async () => {
    const { verifier } = verifierOf([SECRET]);
    const refused = [
      handMade({ alg: 'HS512' }, claims(), SECRET, 'sha512'),
      handMade({ alg: 'HS512' }, claims()),
      handMade({ alg: 'hs256' }, claims()),
      handMade({}, claims()),
      handMade({ alg: 'HS256', crit: ['exp'] }, claims()),
      `${b64({ alg: 'none' })}.${b64(claims())}.`,
      `${b64({ alg: 'none' })}.${b64(claims())}`,
    ];
    for (const token of refused) {
      expect(await codeOf(verifier.verify(token))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    }
  });

  it('refuses malformed base64url or JSON in any part', async () => {
    const { verifier } = verifierOf([SECRET]);
    const good = handMade({ alg: 'HS256' }, claims());
    const [h, p, s] = good.split('.') as [string, string, string];
    const notJson = Buffer.from('{"alg":').toString('base64url');
    const malformed = [
      'not-a-jwt',
      `${h}.${p}.${s}.${s}`,
      `${h}.${p.slice(0, 5)}!${p.slice(5)}.${s}`,
      `${h}.${notJson}.${s}`,
      `${h}.${b64([claims()])}.${s}`,
      `${h}.${b64('a string')}.${s}`,
      `${notJson}.${p}.${s}`,
      `${h}+.${p}.${s}`,
      `${h}.${p}.${s.slice(0, 20)}=${s.slice(21)}`,
    ];
    for (const token of malformed) {
      expect(await codeOf(verifier.verify(token))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    }
    expect(await codeOf(verifier.verify(''))).toBe(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
  });

  it('checks exp, nbf, iat, sub, device_id and tags like jose did', async () => {
    const { verifier } = verifierOf([SECRET]);
    const code = (payload: Record<string, unknown>) =>
      codeOf(verifier.verify(handMade({ alg: 'HS256' }, payload)));
    const { exp: _exp, ...noExp } = claims();
    const { sub: _sub, ...noSub } = claims();
    expect(await code(noExp)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(noSub)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ exp: now() }))).toBe(ErrorCode.ERROR_CODE_TOKEN_EXPIRED);
    expect(await code(claims({ exp: 1_000 }))).toBe(ErrorCode.ERROR_CODE_TOKEN_EXPIRED);
    expect(await code(claims({ exp: String(now() + 60) }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ nbf: now() + 60 }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ nbf: 'soon' }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ iat: 'then' }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ sub: 7 }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ device_id: 7 }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ tags: 'vip' }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ tags: ['vip', 1] }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ app_id: 7 }))).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await code(claims({ app_id: 'b' }))).toBe(ErrorCode.ERROR_CODE_APP_NOT_FOUND);
    const past = await verifier.verify(handMade({ alg: 'HS256' }, claims({ nbf: now() - 5, iat: 12 })));
    expect(past).toMatchObject({ userId: 'alice', issuedAt: 12, tags: [] });
  });

  it('accepts either secret during a rotation, and asks afresh once when the cached ones fail', async () => {
    const during = verifierOf(['new', 'old']);
    expect((await during.verifier.verify(handMade({ alg: 'HS256' }, claims(), 'old'))).userId).toBe('alice');
    expect((await during.verifier.verify(handMade({ alg: 'HS256' }, claims(), 'new'))).userId).toBe('alice');
    expect(during.lookups).toEqual([false, false]);

    // The cache still has the secret from before a rotation made elsewhere.
    const stale = verifierOf(['old'], ['new']);
    expect((await stale.verifier.verify(handMade({ alg: 'HS256' }, claims(), 'new'))).userId).toBe('alice');
    expect(stale.lookups).toEqual([false, true]);
    expect(await codeOf(stale.verifier.verify(handMade({ alg: 'HS256' }, claims(), 'other')))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    expect(stale.lookups).toEqual([false, true, false, true]);
    // A claim error is not a signature failure: no second lookup.
    const expired = verifierOf(['new']);
    expect(await codeOf(expired.verifier.verify(handMade({ alg: 'HS256' }, claims({ exp: 1 }), 'new')))).toBe(
      ErrorCode.ERROR_CODE_TOKEN_EXPIRED,
    );
    expect(expired.lookups).toEqual([false]);
  });
});
