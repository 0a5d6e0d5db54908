import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type SignInRequest } from '@switchboard/proto/client';
import { createStorage, type Storage } from '@switchboard/storage';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Counters } from '@switchboard/metrics';
import { appCredentials, cachedApps } from './app-credentials.js';
import type { DeviceCap } from './device-cap.js';
import { groupRoomId } from './groups/group-rooms.js';
import { logicCounters, type LogicCounter } from './logic-metrics.js';
import { SignInService } from './sign-in-service.js';
import { StubLogicRoutePort } from './stub-route-port.js';
import { TokenVerifier } from './token-verifier.js';

/** A token as the app's backend mints it (apps/logic keeps clear of libs/testing, which needs the client SDK). */
const testToken = (appId: string, userId: string, secret: string) =>
  new SignJWT({ app_id: appId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));

const TAGS = { allowClientDeclared: false, maxPerConnection: 32, maxLength: 64 };
const ctx = { gateId: 'g', gateBootId: 'b', connId: 1 };
const request = (token: string, more: Partial<SignInRequest> = {}): SignInRequest => ({
  appId: '',
  userId: '',
  deviceId: 'd1',
  token,
  platform: 'ios',
  tags: [],
  ...more,
});

/** Sign-in rules that come from the app and the user as the business API and CLI set them. */
describe('sign-in with app and user settings (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-signin-'));
  let storage: Storage;
  let signIn: SignInService;
  const signInService = (
    o: {
      route?: StubLogicRoutePort;
      deviceCap?: DeviceCap;
      apps?: ReturnType<typeof cachedApps>;
      counters?: Counters<LogicCounter>;
    } = {},
  ) =>
    new SignInService(
      storage,
      new TokenVerifier(appCredentials(o.apps ?? cachedApps(storage))),
      o.route ?? new StubLogicRoutePort(),
      30_000,
      TAGS,
      o.deviceCap ?? { maxPerUser: 32, policy: 'drop_oldest' },
      o.counters,
    );

  beforeAll(async () => {
    storage = await createStorage({ dialect: 'sqlite', file: join(dir, 'db.sqlite') });
    await storage.migrate();
    await storage.apps.create({ appId: 'a', name: 'a', tokenSecret: 'old-secret-old-secret-old-secret' });
    signIn = signInService();
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("follows the app's own client-tag setting over the server default", async () => {
    const token = await testToken('a', 'u1', 'old-secret-old-secret-old-secret');
    await expect(signIn.signIn(request(token, { tags: ['beta'] }), ctx)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_PERMISSION_DENIED,
    });
    await storage.apps.updateSettings('a', { allowClientTags: true });
    // The verifier caches app settings briefly; a fresh verifier sees the change at once.
    const fresh = signInService({ apps: cachedApps(storage, 0) });
    expect((await fresh.signIn(request(token, { tags: ['beta'] }), ctx)).tags).toEqual(['beta']);
    await storage.apps.updateSettings('a', { allowClientTags: null });
  });

  it('adds the tags the business API granted, as server tags apart from the token’s', async () => {
    await storage.users.setTags('a', 'u2', ['vip', 'lang_en']);
    const token = await new SignJWT({ app_id: 'a', tags: ['lang_en'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u2')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('old-secret-old-secret-old-secret'));
    const r = await signIn.signIn(request(token), ctx);
    expect(r.tags.sort()).toEqual(['lang_en', 'vip']);
    // lang_en is the token's too: a later SetUserTags must not take it away.
    expect(r.serverTags).toEqual(['vip']);
  });

  it('refuses tokens issued up to a revocation (and tokens without iat), accepts later ones', async () => {
    const noIat = await new SignJWT({ app_id: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u3')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('old-secret-old-secret-old-secret'));
    await signIn.signIn(request(noIat), ctx); // nothing revoked yet
    const now = Date.now();
    await storage.users.revokeTokens('a', 'u3', now);
    for (const token of [noIat, await testToken('a', 'u3', 'old-secret-old-secret-old-secret')]) {
      await expect(signIn.signIn(request(token), ctx)).rejects.toMatchObject({
        code: ErrorCode.ERROR_CODE_TOKEN_REVOKED,
      });
    }
    const later = await new SignJWT({ app_id: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u3')
      .setIssuedAt(Math.floor(now / 1000) + 1)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('old-secret-old-secret-old-secret'));
    await expect(signIn.signIn(request(later), ctx)).resolves.toMatchObject({ appId: 'a' });
  });

  it('accepts tokens of the previous secret during a rotation’s grace only', async () => {
    const old = await testToken('a', 'u4', 'old-secret-old-secret-old-secret');
    await storage.apps.rotateTokenSecret('a', 'new-secret-new-secret-new-secret', 60_000);
    const fresh = await testToken('a', 'u4', 'new-secret-new-secret-new-secret');
    // The new secret works at once, even through the cache (a failed signature asks again).
    await expect(signIn.signIn(request(fresh), ctx)).resolves.toMatchObject({ appId: 'a' });
    await expect(signIn.signIn(request(old), ctx)).resolves.toMatchObject({ appId: 'a' });
    await storage.apps.rotateTokenSecret('a', 'newer-secret-newer-secret-newer', 0);
    const strict = signInService({ apps: cachedApps(storage, 0) });
    await expect(strict.signIn(request(fresh), ctx)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_TOKEN_INVALID,
    });
  });

  it('signs in many at once (one storage batch per tick), each with its own answer', async () => {
    const secret = 'newer-secret-newer-secret-newer';
    await storage.groups.create({
      appId: 'a',
      groupId: 'town',
      name: 'Town',
      ownerUserId: 'b1',
      extra: '',
      memberUserIds: [],
      large: true,
      at: 1,
    });
    await storage.users.revokeTokens('a', 'b3', Date.now() + 60_000);
    const route = new StubLogicRoutePort();
    const batched = signInService({ route, deviceCap: { maxPerUser: 1, policy: 'refuse' } });
    const [b1, b2, b3] = await Promise.all(['b1', 'b2', 'b3'].map((u) => testToken('a', u, secret)));
    const attempts = [
      [b1, 'phone'],
      [b2, 'phone'],
      [b3, 'phone'],
      [b2, 'tablet'],
      [b1, 'phone'],
    ] as const;
    const signInMany = vi.spyOn(storage.devices, 'signInMany');
    const results = await Promise.allSettled(
      attempts.map(([token, deviceId], connId) =>
        batched.signIn(request(token!, { deviceId }), { ...ctx, connId }),
      ),
    );
    const outcome = results.map((r) =>
      r.status === 'fulfilled'
        ? `${r.value.userId}/${r.value.deviceId} rooms=${r.value.rooms.join(',')}`
        : (r.reason as { code: ErrorCode }).code,
    );
    expect(outcome).toEqual([
      `b1/phone rooms=${groupRoomId('town')}`,
      // b2 had no device when the batch read them: both of its new devices were written, then each
      // found the other past the cap of 1 and was taken back (refused at the cap's edge, they may
      // try again).
      ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      ErrorCode.ERROR_CODE_TOKEN_REVOKED,
      ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      `b1/phone rooms=${groupRoomId('town')}`,
    ]);
    expect(signInMany.mock.calls.map(([inputs]) => inputs.length)).toEqual([4]);
    signInMany.mockRestore();
    expect((route.stubCalls['bind'] ?? []).map(([b]) => (b as { connId: number }).connId)).toEqual([0, 4]);
    expect(await storage.devices.listByUser('a', 'b2')).toEqual([]);
    expect(await storage.devices.get('a', 'b3', 'phone')).toBeUndefined();
    await expect(batched.signIn(request(b1!, { deviceId: 'laptop' }), ctx)).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
    });
  });

  it('records and binds nothing for a caller that stopped waiting (its call cancelled)', async () => {
    const route = new StubLogicRoutePort();
    const service = signInService({ route });
    const token = await testToken('a', 'gone', 'newer-secret-newer-secret-newer');
    const call = { cancelled: false };
    const signingIn = service.signIn(request(token, { deviceId: 'd' }), ctx, call);
    // Its deadline passes (or its gate goes away) while the sign-in waits for its tick's reads.
    call.cancelled = true;
    await expect(signingIn).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_TIMEOUT });
    expect(route.stubCalls['bind']).toBeUndefined();
    expect(await storage.devices.get('a', 'gone', 'd')).toBeUndefined();
  });

  it.each(['refuse', 'drop_oldest'] as const)(
    'keeps the device cap under %s when many new devices of one user sign in at once',
    async (policy) => {
      const secret = 'cap-secret-cap-secret-cap-secret';
      await storage.apps.create({ appId: `cap-${policy}`, name: 'cap', tokenSecret: secret });
      const counters = logicCounters();
      const service = signInService({ deviceCap: { maxPerUser: 3, policy }, counters });
      const token = await testToken(`cap-${policy}`, 'u', secret);
      await service.signIn(request(token, { deviceId: 'first' }), ctx);
      // What a client (or an attacker with one valid token) can do: 40 connections, 40 device ids,
      // in one tick and over the next ones.
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve))).then(() =>
            service.signIn(request(token, { deviceId: `d${String(i).padStart(2, '0')}` }), {
              ...ctx,
              connId: i,
            }),
          ),
        ),
      );
      const devices = await storage.devices.listByUser(`cap-${policy}`, 'u');
      expect(devices.length).toBeLessThanOrEqual(3);
      const refused = results.filter((r) => r.status === 'rejected');
      for (const r of refused) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({
          code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
        });
      }
      if (policy === 'refuse') {
        // The device the user had is never taken for a newcomer.
        expect(devices.map((d) => d.deviceId)).toContain('first');
      } else {
        expect(refused.length).toBeLessThan(40);
      }
      // And the user can still sign in a new device once the race is over, within the cap.
      const later = await service.signIn(request(token, { deviceId: 'later' }), ctx).then(
        () => 'in',
        (err: { code: ErrorCode }) => err.code,
      );
      expect(later).toBe(
        policy === 'drop_oldest' || devices.length < 3 ? 'in' : ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      );
      const final = await storage.devices.listByUser(`cap-${policy}`, 'u');
      expect(final.length).toBeLessThanOrEqual(3);
      // Every refusal counted, and every device written that is gone was refused or forgotten (or
      // both: a racer's device forgotten by another before it found itself past the cap).
      const refusals = refused.length + (later === 'in' ? 0 : 1);
      expect(counters.get('device_cap_refusals')).toBe(refusals);
      if (policy === 'drop_oldest') {
        expect(counters.get('device_cap_evictions') + refusals).toBeGreaterThanOrEqual(
          1 + 40 + 1 - final.length,
        );
      } else {
        expect(counters.get('device_cap_evictions')).toBe(0);
      }
    },
  );
});
