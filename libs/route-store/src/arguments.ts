import { RouteStoreError } from './route-store-error.js';

/** Rejects an empty id: an empty user or device id would silently alias every other empty one. */
export function requireId(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RouteStoreError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  }
}

/** Rejects a lease TTL that is not a positive whole number of milliseconds. */
export function requireTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RouteStoreError('INVALID_ARGUMENT', 'ttlMs must be a positive integer');
  }
}

/** Epochs are positive integers; anything else cannot name a binding. */
export function isEpoch(epoch: number): boolean {
  return Number.isSafeInteger(epoch) && epoch > 0;
}

/** Checks every id of a binding a caller offers to `bind`. */
export function requireNewBinding(b: {
  appId: string;
  userId: string;
  deviceId: string;
  gateId: string;
  gateBootId: string;
  connId: string;
}): void {
  requireId('appId', b.appId);
  requireId('userId', b.userId);
  requireId('deviceId', b.deviceId);
  requireId('gateId', b.gateId);
  requireBootId(b.gateBootId);
  requireId('connId', b.connId);
}

const BOOT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Boot ids are short tokens: the Redis store keeps them inside `|`-separated records. */
export function requireBootId(bootId: string): void {
  if (typeof bootId !== 'string' || !BOOT_ID.test(bootId)) {
    throw new RouteStoreError('INVALID_ARGUMENT', 'bootId must be 1-64 characters of [A-Za-z0-9_-]');
  }
}
