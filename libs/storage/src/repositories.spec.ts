import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';
import { StorageError } from './storage-error.js';
import {
  createTestDatabase,
  DIALECTS,
  directSend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';

for (const dialect of DIALECTS) {
  describe(`apps, users and devices on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;
    let clock = 1_000;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open({ now: () => clock });
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    it('creates, gets and lists apps, refusing a taken id', async () => {
      const created = await storage.apps.create({ appId: 'app-b', name: 'B', tokenSecret: 'secret-b' });
      await storage.apps.create({ appId: 'app-a', name: 'A', tokenSecret: 'secret-a' });
      const settings = {
        previousTokenSecret: null,
        previousSecretValidUntil: null,
        webhookUrl: null,
        webhookSecret: null,
        allowClientTags: null,
        allowClientRoomSends: null,
      };
      expect(created).toEqual({
        appId: 'app-b',
        name: 'B',
        tokenSecret: 'secret-b',
        ...settings,
        createdAt: 1_000,
      });
      expect(await storage.apps.get('app-b')).toEqual(created);
      expect(await storage.apps.get('app-a')).toEqual({
        appId: 'app-a',
        name: 'A',
        tokenSecret: 'secret-a',
        ...settings,
        createdAt: 1_000,
      });
      expect(await storage.apps.get('app-missing')).toBeUndefined();
      expect((await storage.apps.list()).map((app) => app.appId)).toEqual(['app-a', 'app-b']);
      await expect(
        storage.apps.create({ appId: 'app-a', name: 'again', tokenSecret: 'x' }),
      ).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
    });

    it('upserts user profiles, changing only the given fields', async () => {
      const appId = uniqueId('app');
      clock = 2_000;
      expect(await storage.users.upsert({ appId, userId: 'u1', nickname: 'Ann' })).toEqual({
        appId,
        userId: 'u1',
        nickname: 'Ann',
        avatar: '',
        extra: '',
        maxSeq: 0,
        tags: [],
        tokensValidAfter: 0,
        createdAt: 2_000,
        updatedAt: 2_000,
      });
      clock = 3_000;
      const updated = await storage.users.upsert({
        appId,
        userId: 'u1',
        avatar: 'https://a/1.png',
        extra: '{"x":1}',
      });
      expect(updated).toMatchObject({ nickname: 'Ann', avatar: 'https://a/1.png', extra: '{"x":1}' });
      expect(updated).toMatchObject({ createdAt: 2_000, updatedAt: 3_000 });
      expect(await storage.users.get(appId, 'u2')).toBeUndefined();
      expect(await storage.users.maxSeq(appId, 'u2')).toBe(0);
    });

    it('keeps the seq counter out of profile updates', async () => {
      const appId = uniqueId('app');
      await storage.messages.sendDirect([directSend({ appId, senderUserId: 'u1', recipientUserId: 'u2' })]);
      const user = await storage.users.upsert({ appId, userId: 'u2', nickname: 'Bo' });
      expect(user.maxSeq).toBe(1);
      expect(await storage.users.maxSeq(appId, 'u2')).toBe(1);
    });

    it('finds a user known only from messages received, with or without a profile', async () => {
      const appId = uniqueId('app');
      clock = 4_000;
      await storage.users.upsert({ appId, userId: 'u3', nickname: 'Cy' });
      clock = 4_500;
      await storage.messages.sendDirect([directSend({ appId, senderUserId: 'u1', recipientUserId: 'u2' })]);
      expect(await storage.users.get(appId, 'u2')).toEqual({
        appId,
        userId: 'u2',
        nickname: '',
        avatar: '',
        extra: '',
        maxSeq: 1,
        tags: [],
        tokensValidAfter: 0,
        createdAt: 4_500,
        updatedAt: 4_500,
      });
      const many = await storage.users.getMany(appId, ['u1', 'u2', 'u3', 'u4', 'u2']);
      expect(many.map((u) => [u.userId, u.nickname, u.maxSeq, u.createdAt]).sort()).toEqual([
        ['u1', '', 1, 4_500],
        ['u2', '', 1, 4_500],
        ['u3', 'Cy', 0, 4_000],
      ]);
      // A profile written after the first message keeps the user's creation at that message.
      clock = 5_000;
      expect(await storage.users.upsert({ appId, userId: 'u2', nickname: 'Di' })).toMatchObject({
        nickname: 'Di',
        maxSeq: 1,
        createdAt: 4_500,
        updatedAt: 5_000,
      });
    });

    it('signs devices in, keeping their ack cursor and reporting the max seq', async () => {
      const appId = uniqueId('app');
      clock = 5_000;
      expect(
        await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'phone', platform: 'ios' }),
      ).toEqual({
        ackedSeq: 0,
        maxSeq: 0,
        tags: [],
        tokensValidAfter: 0,
      });
      await storage.messages.sendDirect([
        directSend({ appId, senderUserId: 'u2', recipientUserId: 'u1' }),
        directSend({ appId, senderUserId: 'u2', recipientUserId: 'u1' }),
      ]);
      expect(await storage.devices.ack(appId, 'u1', 'phone', 1)).toBe(1);
      clock = 6_000;
      expect(
        await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'phone', platform: 'android' }),
      ).toEqual({
        ackedSeq: 1,
        maxSeq: 2,
        tags: [],
        tokensValidAfter: 0,
      });
      await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'laptop', platform: 'web' });
      expect(await storage.devices.get(appId, 'u1', 'phone')).toEqual({
        appId,
        userId: 'u1',
        deviceId: 'phone',
        platform: 'android',
        ackedSeq: 1,
        lastSignInAt: 6_000,
        createdAt: 5_000,
      });
      expect((await storage.devices.listByUser(appId, 'u1')).map((d) => [d.deviceId, d.platform])).toEqual([
        ['laptop', 'web'],
        ['phone', 'android'],
      ]);
      expect(await storage.devices.listByUser(appId, 'u2')).toEqual([]);
    });

    it('signs many devices in with one upsert, each result as signIn would give it', async () => {
      const appId = uniqueId('app');
      const other = uniqueId('app');
      clock = 7_000;
      await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'phone', platform: 'ios' });
      await storage.messages.sendDirect([directSend({ appId, senderUserId: 'u2', recipientUserId: 'u1' })]);
      expect(await storage.devices.ack(appId, 'u1', 'phone', 1)).toBe(1);
      await storage.users.setTags(appId, 'u3', ['vip']);
      await storage.users.revokeTokens(appId, 'u3', 4_000);
      clock = 8_000;
      const results = await storage.devices.signInMany([
        { appId, userId: 'u1', deviceId: 'phone', platform: 'android' },
        { appId, userId: 'u1', deviceId: 'laptop', platform: 'web' },
        { appId, userId: 'u3', deviceId: 'd', platform: 'ios' },
        { appId: other, userId: 'u1', deviceId: 'phone', platform: 'ios' },
        { appId, userId: 'u3', deviceId: 'd', platform: 'web' },
      ]);
      expect(results).toEqual([
        { ackedSeq: 1, maxSeq: 1, tags: [], tokensValidAfter: 0 },
        { ackedSeq: 0, maxSeq: 1, tags: [], tokensValidAfter: 0 },
        { ackedSeq: 0, maxSeq: 0, tags: ['vip'], tokensValidAfter: 4_000 },
        { ackedSeq: 0, maxSeq: 0, tags: [], tokensValidAfter: 0 },
        { ackedSeq: 0, maxSeq: 0, tags: ['vip'], tokensValidAfter: 4_000 },
      ]);
      expect(await storage.devices.get(appId, 'u1', 'phone')).toMatchObject({
        platform: 'android',
        ackedSeq: 1,
        lastSignInAt: 8_000,
        createdAt: 7_000,
      });
      // Listed twice: the last listing's platform.
      expect(await storage.devices.get(appId, 'u3', 'd')).toMatchObject({
        platform: 'web',
        createdAt: 8_000,
      });
      expect(
        (await storage.devices.listByUsers(appId, ['u3', 'u1', 'nobody'])).map((d) => [d.userId, d.deviceId]),
      ).toEqual([
        ['u1', 'laptop'],
        ['u1', 'phone'],
        ['u3', 'd'],
      ]);
      expect(
        (await storage.users.getMany(appId, ['u3', 'u1', 'nobody'])).map((u) => u.userId).sort(),
      ).toEqual(['u1', 'u3']);
      expect(await storage.devices.signInMany([])).toEqual([]);
      await expect(
        storage.devices.signInMany([
          { appId, userId: 'u1', deviceId: 'phone', platform: 'ios' },
          { appId, userId: 'u1', deviceId: '', platform: 'ios' },
        ]),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await storage.devices.get(appId, 'u1', 'phone'))?.platform).toBe('android');
    });

    it('moves the ack cursor forward only, capped at the max seq', async () => {
      const appId = uniqueId('app');
      await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'phone', platform: 'ios' });
      const sends = Array.from({ length: 3 }, () =>
        directSend({ appId, senderUserId: 'u2', recipientUserId: 'u1' }),
      );
      await storage.messages.sendDirect(sends);
      expect(await storage.devices.ack(appId, 'u1', 'phone', 2)).toBe(2);
      expect(await storage.devices.ack(appId, 'u1', 'phone', 1)).toBe(2);
      expect(await storage.devices.ack(appId, 'u1', 'phone', 0)).toBe(2);
      expect(await storage.devices.ack(appId, 'u1', 'phone', 99)).toBe(3);
      expect((await storage.devices.get(appId, 'u1', 'phone'))?.ackedSeq).toBe(3);
      await expect(storage.devices.ack(appId, 'u1', 'tablet', 1)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(storage.devices.ack(appId, 'u1', 'phone', -1)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('rejects ids past the limit the same way on every dialect', async () => {
      const tooLong = 'x'.repeat(65);
      const error = await storage.users.upsert({ appId: 'a', userId: tooLong }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(
        storage.devices.signIn({ appId: 'a', userId: 'u', deviceId: '', platform: 'ios' }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(
        storage.apps.create({ appId: tooLong, name: 'n', tokenSecret: 's' }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });
}
