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
 * signed in longest ago (their ack cursors go; such a device signing in again counts as new). Two
 * new devices signing in at the same instant may both pass: the cap is kept within one.
 * `devices`: the user's devices when the caller has read them already (a sign-in batch).
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
  const oldest = [...devices]
    .sort((a, b) => a.lastSignInAt - b.lastSignInAt)
    .slice(0, devices.length - cap.maxPerUser + 1)
    .map((d) => d.deviceId);
  for (const id of oldest) await storage.devices.remove(appId, userId, id);
  return oldest;
}
