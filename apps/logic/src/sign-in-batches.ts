import type { Device, DeviceSignIn, SignInResult, Storage, User } from '@switchboard/storage';
import { byApp, TickBatcher } from './tick-batcher.js';

/** A user of an app. */
export interface UserKey {
  appId: string;
  userId: string;
}

/**
 * The storage reads and the write of a sign-in, each batched per tick (TickBatcher): in a sign-in
 * storm a batch of N sign-ins of one app costs 5 statements instead of 5 × N, and each caller gets
 * what the single call would have given it.
 */
export class SignInBatches {
  /** The user's row (revocation, server tags); undefined for a user never written to. */
  readonly user: TickBatcher<UserKey, User | undefined>;
  /** The user's devices (the device cap). */
  readonly devices: TickBatcher<UserKey, Device[]>;
  /** Records the sign-in (`devices.signInMany`); a batch that fails is retried one by one. */
  readonly record: TickBatcher<DeviceSignIn, SignInResult>;
  /** The user's live large groups (the connection's rooms). */
  readonly largeGroupIds: TickBatcher<UserKey, string[]>;

  constructor(storage: Storage) {
    this.user = new TickBatcher((keys) =>
      perUser(
        keys,
        () => undefined,
        async (appId, userIds) => {
          const users = await storage.users.getMany(appId, userIds);
          return new Map(users.map((u) => [u.userId, u]));
        },
      ),
    );
    this.devices = new TickBatcher((keys) =>
      perUser(
        keys,
        () => [],
        async (appId, userIds) => groupBy(await storage.devices.listByUsers(appId, userIds)),
      ),
    );
    this.record = new TickBatcher((inputs) => storage.devices.signInMany(inputs), {
      one: (input) => storage.devices.signIn(input),
    });
    this.largeGroupIds = new TickBatcher((keys) =>
      perUser(
        keys,
        () => [],
        (appId, userIds) => storage.groups.largeGroupIdsOfUsers(appId, userIds),
      ),
    );
  }
}

/** One read per app of the batch; each key gets its user's value, or a `none()` of its own. */
async function perUser<V, D extends V | undefined>(
  keys: readonly UserKey[],
  none: () => D,
  read: (appId: string, userIds: string[]) => Promise<Map<string, V>>,
): Promise<Array<V | D>> {
  const out = new Array<V | D>(keys.length);
  for (const [appId, at] of byApp(keys)) {
    const found = await read(
      appId,
      at.map((i) => keys[i]!.userId),
    );
    for (const i of at) {
      out[i] = found.get(keys[i]!.userId) ?? none();
    }
  }
  return out;
}

function groupBy(devices: readonly Device[]): Map<string, Device[]> {
  const byUser = new Map<string, Device[]>();
  for (const d of devices) {
    const list = byUser.get(d.userId);
    if (list) list.push(d);
    else byUser.set(d.userId, [d]);
  }
  return byUser;
}
