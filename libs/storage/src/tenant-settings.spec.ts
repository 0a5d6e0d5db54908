import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyMatches, hashApiKey, parseApiKey } from './api-key.js';
import type { Storage } from './storage.js';
import { createTestDatabase, DIALECTS, uniqueId, type TestDatabase } from './storage-test-harness.js';

for (const dialect of DIALECTS) {
  describe(`API keys, secret rotation, app settings and user tags on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;
    let clock = 1_000;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open({ now: () => clock });
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    const newApp = async () => {
      const appId = uniqueId('app');
      await storage.apps.create({ appId, name: appId, tokenSecret: `secret-${appId}` });
      return appId;
    };

    it('creates keys shown once, stores only their hash, and finds active ones by id', async () => {
      const appId = await newApp();
      clock = 10_000;
      const first = await storage.apiKeys.create({ appId, name: 'ci' });
      clock = 11_000;
      const second = await storage.apiKeys.create({ appId, name: '' });
      expect(first).toMatchObject({ name: 'ci', createdAt: 10_000 });
      expect(parseApiKey(first.key)).toEqual({ keyId: first.keyId });
      expect(second.keyId).not.toBe(first.keyId);

      const found = await storage.apiKeys.findActive(first.keyId);
      expect(found).toEqual({ appId, keyId: first.keyId, keyHash: hashApiKey(first.key) });
      expect(apiKeyMatches(first.key, found!.keyHash)).toBe(true);
      expect(apiKeyMatches(second.key, found!.keyHash)).toBe(false);
      expect(await storage.apiKeys.findActive(second.keyId)).toMatchObject({ appId });

      const listed = await storage.apiKeys.list(appId);
      expect(listed).toEqual([
        { keyId: first.keyId, name: 'ci', createdAt: 10_000, revokedAt: null },
        { keyId: second.keyId, name: '', createdAt: 11_000, revokedAt: null },
      ]);
      expect(JSON.stringify(listed)).not.toContain(found!.keyHash);
    });

    it('revokes a key for its own app only; a revoked key is not found', async () => {
      const appA = await newApp();
      const appB = await newApp();
      const keyA = await storage.apiKeys.create({ appId: appA, name: 'a' });
      const keyB = await storage.apiKeys.create({ appId: appB, name: 'b' });

      expect(await storage.apiKeys.list(appB)).toEqual([expect.objectContaining({ keyId: keyB.keyId })]);
      expect(await storage.apiKeys.revoke(appB, keyA.keyId)).toBe(false);
      expect(await storage.apiKeys.findActive(keyA.keyId)).toMatchObject({ appId: appA });
      expect(await storage.apiKeys.revoke(appA, 'nosuchkey123')).toBe(false);

      clock = 20_000;
      expect(await storage.apiKeys.revoke(appA, keyA.keyId)).toBe(true);
      expect(await storage.apiKeys.findActive(keyA.keyId)).toBeUndefined();
      clock = 21_000;
      expect(await storage.apiKeys.revoke(appA, keyA.keyId)).toBe(true);
      expect((await storage.apiKeys.list(appA))[0]).toMatchObject({ keyId: keyA.keyId, revokedAt: 20_000 });
      expect(await storage.apiKeys.findActive(keyB.keyId)).toMatchObject({ appId: appB });
    });

    it('never throws for a malformed key id, and refuses a key for an unknown app', async () => {
      expect(await storage.apiKeys.findActive('')).toBeUndefined();
      expect(await storage.apiKeys.findActive('x'.repeat(10_000))).toBeUndefined();
      await expect(storage.apiKeys.create({ appId: uniqueId('nope'), name: 'k' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('rotates the token secret, keeping the previous one until the grace period ends', async () => {
      const appId = await newApp();
      clock = 30_000;
      const rotated = await storage.apps.rotateTokenSecret(appId, 'second', 600_000);
      expect(rotated).toMatchObject({
        tokenSecret: 'second',
        previousTokenSecret: `secret-${appId}`,
        previousSecretValidUntil: 630_000,
      });
      expect(await storage.apps.get(appId)).toEqual(rotated);

      clock = 40_000;
      expect(await storage.apps.rotateTokenSecret(appId, 'third', 0)).toMatchObject({
        tokenSecret: 'third',
        previousTokenSecret: 'second',
        previousSecretValidUntil: 40_000,
      });
      await expect(storage.apps.rotateTokenSecret(uniqueId('nope'), 'x', 0)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(storage.apps.rotateTokenSecret(appId, '', 0)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(storage.apps.rotateTokenSecret(appId, 'x', -1)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('updates app settings: absent fields stay, null clears', async () => {
      const appId = await newApp();
      expect(
        await storage.apps.updateSettings(appId, {
          webhookUrl: 'https://hooks.example.com/sb',
          webhookSecret: 'whsec',
          allowClientTags: false,
        }),
      ).toMatchObject({
        webhookUrl: 'https://hooks.example.com/sb',
        webhookSecret: 'whsec',
        allowClientTags: false,
      });
      expect(await storage.apps.updateSettings(appId, { allowClientTags: true })).toMatchObject({
        webhookUrl: 'https://hooks.example.com/sb',
        allowClientTags: true,
      });
      expect(
        await storage.apps.updateSettings(appId, { webhookUrl: null, webhookSecret: null }),
      ).toMatchObject({
        webhookUrl: null,
        webhookSecret: null,
        allowClientTags: true,
      });
      expect(await storage.apps.updateSettings(appId, { allowClientTags: null })).toMatchObject({
        allowClientTags: null,
      });
      expect(await storage.apps.updateSettings(appId, {})).toMatchObject({ appId });
      expect(await storage.apps.updateSettings(appId, { allowClientRoomSends: false })).toMatchObject({
        allowClientRoomSends: false,
        allowClientTags: null,
      });
      expect(await storage.apps.updateSettings(appId, { allowClientRoomSends: true })).toMatchObject({
        allowClientRoomSends: true,
      });
      expect(await storage.apps.get(appId)).toMatchObject({ allowClientRoomSends: true });
      expect(await storage.apps.updateSettings(appId, { webhookUrl: null })).toMatchObject({
        allowClientRoomSends: true,
      });
      expect(await storage.apps.updateSettings(appId, { allowClientRoomSends: null })).toMatchObject({
        allowClientRoomSends: null,
      });
      await expect(storage.apps.updateSettings(uniqueId('nope'), {})).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        storage.apps.updateSettings(appId, { webhookUrl: `https://x/${'a'.repeat(2048)}` }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('sets user tags, creating the user, and reports them at sign-in', async () => {
      const appId = uniqueId('app');
      clock = 50_000;
      expect(await storage.users.setTags(appId, 'u1', ['vip', 'beta', 'vip'])).toMatchObject({
        userId: 'u1',
        nickname: '',
        tags: ['vip', 'beta'],
        tokensValidAfter: 0,
        createdAt: 50_000,
      });
      await storage.users.upsert({ appId, userId: 'u1', nickname: 'Ann' });
      expect(await storage.users.get(appId, 'u1')).toMatchObject({ nickname: 'Ann', tags: ['vip', 'beta'] });
      expect(await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'd', platform: 'ios' })).toEqual({
        ackedSeq: 0,
        maxSeq: 0,
        tags: ['vip', 'beta'],
        tokensValidAfter: 0,
      });
      expect((await storage.users.setTags(appId, 'u1', [])).tags).toEqual([]);
      await expect(storage.users.setTags(appId, 'u1', [''])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(storage.users.setTags(appId, 'u1', ['x'.repeat(257)])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(
        storage.users.setTags(
          appId,
          'u1',
          Array.from({ length: 129 }, (_, i) => `t${i}`),
        ),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('revokes tokens: the cut-off only moves forward and sign-in reports it', async () => {
      const appId = uniqueId('app');
      expect(await storage.users.revokeTokens(appId, 'u1', 70_000)).toMatchObject({
        tokensValidAfter: 70_000,
        tags: [],
      });
      expect((await storage.users.revokeTokens(appId, 'u1', 60_000)).tokensValidAfter).toBe(70_000);
      expect((await storage.users.revokeTokens(appId, 'u1', 80_000)).tokensValidAfter).toBe(80_000);
      await storage.users.upsert({ appId, userId: 'u1', nickname: 'Ann' });
      expect(
        await storage.devices.signIn({ appId, userId: 'u1', deviceId: 'd', platform: 'ios' }),
      ).toMatchObject({
        tokensValidAfter: 80_000,
      });
      await expect(storage.users.revokeTokens(appId, 'u1', -1)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
  });
}
