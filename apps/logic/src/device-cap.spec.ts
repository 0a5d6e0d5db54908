import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@switchboard/proto/client';
import { createStorage, type Storage } from '@switchboard/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDeviceCap, settleDeviceCap } from './device-cap.js';

describe('applyDeviceCap (SQLite storage)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-devcap-'));
  let storage: Storage;
  let now = 1_000;

  beforeAll(async () => {
    storage = await createStorage({ dialect: 'sqlite', file: join(dir, 'db.sqlite'), now: () => now });
    await storage.migrate();
    for (const d of ['old', 'mid', 'new']) {
      now += 1_000;
      await storage.devices.signIn({ appId: 'a', userId: 'u', deviceId: d, platform: 'ios' });
    }
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = async () => (await storage.devices.listByUser('a', 'u')).map((d) => d.deviceId).sort();

  it('lets a known device in, and refuses a new one past the cap under the refuse policy', async () => {
    const cap = { maxPerUser: 3, policy: 'refuse' as const };
    expect(await applyDeviceCap(storage, cap, 'a', 'u', 'mid')).toEqual([]);
    await expect(applyDeviceCap(storage, cap, 'a', 'u', 'fourth')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
    });
    expect(await ids()).toEqual(['mid', 'new', 'old']);
  });

  it('forgets the devices signed in longest ago under drop_oldest', async () => {
    expect(
      await applyDeviceCap(storage, { maxPerUser: 2, policy: 'drop_oldest' }, 'a', 'u', 'fourth'),
    ).toEqual(['old', 'mid']);
    expect(await ids()).toEqual(['new']);
    expect(await storage.devices.remove('a', 'u', 'nope')).toBe(false);
  });

  it('settles a race of new devices: the same oldest ones forgotten by every racer, never past the cap', async () => {
    now = 10_000;
    for (const d of ['a1', 'a2', 'b1', 'b2']) {
      await storage.devices.signIn({ appId: 'a', userId: 'race', deviceId: d, platform: 'ios' });
      if (d === 'a2') now += 1_000;
    }
    const list = await storage.devices.listByUser('a', 'race');
    const cap = { maxPerUser: 2, policy: 'drop_oldest' as const };
    // b1 and b2 both read the four: both forget a1 and a2 (ties by id), neither is refused.
    await settleDeviceCap(storage, cap, 'a', 'race', 'b1', list);
    await settleDeviceCap(storage, cap, 'a', 'race', 'b2', list);
    expect((await storage.devices.listByUser('a', 'race')).map((d) => d.deviceId).sort()).toEqual([
      'b1',
      'b2',
    ]);
    // With a cap of 1 the older of two newcomers at the same instant is among the oldest: refused.
    const tied = await storage.devices.listByUser('a', 'race');
    await expect(
      settleDeviceCap(storage, { maxPerUser: 1, policy: 'drop_oldest' }, 'a', 'race', 'b1', tied),
    ).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
    });
    expect((await storage.devices.listByUser('a', 'race')).map((d) => d.deviceId)).toEqual(['b2']);
    // Under refuse, a new device that finds the list past the cap takes itself back.
    await storage.devices.signIn({ appId: 'a', userId: 'race', deviceId: 'c', platform: 'ios' });
    const refuse = { maxPerUser: 1, policy: 'refuse' as const };
    await expect(
      settleDeviceCap(storage, refuse, 'a', 'race', 'c', await storage.devices.listByUser('a', 'race')),
    ).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_LIMIT_EXCEEDED });
    expect((await storage.devices.listByUser('a', 'race')).map((d) => d.deviceId)).toEqual(['b2']);
    await settleDeviceCap(storage, refuse, 'a', 'race', 'b2', await storage.devices.listByUser('a', 'race'));
  });
});
