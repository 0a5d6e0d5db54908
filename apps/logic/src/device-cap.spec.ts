import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@switchboard/proto/client';
import { createStorage, type Storage } from '@switchboard/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDeviceCap } from './device-cap.js';

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
});
