import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { Device, Storage } from '@switchboard/storage';

/** How many devices one user may have (config `logic.devices`). */
export interface DeviceCap {
  /** Most devices one user keeps. */
  maxPerUser: number;
  /** At a new device past the cap: `refuse` it, or `drop_oldest` (the device signed in longest ago). */
  policy: 'refuse' | 'drop_oldest';
}

/**
 * Applies the cap before a device signs in. A device the user already has always signs in. A new
 * one past the cap is refused with LIMIT_EXCEEDED, or makes room by forgetting the devices that
 * signed in longest ago (their ack cursors go; such a device signing in again counts as new). New
 * devices signing in at the same time all pass this check (they read the same list, in one sign-in
 * batch or in overlapping ones): {@link settleDeviceCap}, once the new device is written, keeps the
 * cap against them. `devices`: the user's devices when the caller has read them already (a batch).
 */
export async function applyDeviceCap(
  storage: Storage,
  cap: DeviceCap,
  appId: string,
  userId: string,
  deviceId: string,
  known?: readonly Device[],
): Promise<string[]> {
  const devices = known ?? (await storage.devices.listByUser(appId, userId));
  if (devices.length < cap.maxPerUser || devices.some((d) => d.deviceId === deviceId)) return [];
  if (cap.policy === 'refuse') {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      `this user has ${devices.length} devices, the most allowed; remove one first`,
    );
  }
  const oldest = oldestDevices(devices, devices.length - cap.maxPerUser + 1);
  for (const id of oldest) await storage.devices.remove(appId, userId, id);
  return oldest;
}

/** The ids of the `count` devices signed in longest ago; ties by id, so that every caller picks alike. */
function oldestDevices(devices: readonly Device[], count: number): string[] {
  return [...devices]
    .sort((a, b) => a.lastSignInAt - b.lastSignInAt || (a.deviceId < b.deviceId ? -1 : 1))
    .slice(0, count)
    .map((d) => d.deviceId);
}

/**
 * Keeps the cap once a new device's sign-in is written: `devices` is the user's list read after
 * that write, so it holds every device written before, the racing new ones included. The user may
 * end with fewer devices than the cap, never more: of two new devices that both stay, the one read
 * later saw the other.
 * - `refuse`: past the cap the new device is taken back and refused (LIMIT_EXCEEDED). New devices
 *   that race at the cap's edge may all be refused; each may try again.
 * - `drop_oldest`: the devices signed in longest ago (ties by id, so racers reading the same list
 *   pick the same ones) are forgotten down to the cap; a new device that is itself among them, in a
 *   race of more new devices than the cap holds, is taken back and refused.
 * Resolves with the devices it forgot (gone already when another racer removed them: not listed);
 * when it refuses, it hands them to `forgotten` first.
 */
export async function settleDeviceCap(
  storage: Storage,
  cap: DeviceCap,
  appId: string,
  userId: string,
  deviceId: string,
  devices: readonly Device[],
  forgotten?: (deviceIds: string[]) => void,
): Promise<string[]> {
  if (devices.length <= cap.maxPerUser) return [];
  let refused = cap.policy === 'refuse';
  const removed: string[] = [];
  if (!refused) {
    for (const id of oldestDevices(devices, devices.length - cap.maxPerUser)) {
      if (id === deviceId) refused = true;
      else if (await storage.devices.remove(appId, userId, id)) removed.push(id);
    }
  }
  if (!refused) return removed;
  // Counted before the throw: what was forgotten stays forgotten.
  forgotten?.(removed);
  await storage.devices.remove(appId, userId, deviceId);
  throw new SwitchboardError(
    ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
    `more new devices of this user signed in at once than the ${cap.maxPerUser} allowed; try again`,
  );
}
