import type { Selectable } from 'kysely';
import { insertInChunks, type RowsStatement } from './append-sql.js';
import { chunks } from './chunks.js';
import type { DevicesTable } from './db-schema.js';
import { rowsOfIds } from './id-list-sql.js';
import type { RepositoryContext } from './repository-context.js';
import { checkId, checkSeq, checkText } from './limits.js';
import { parseTags, toDevice } from './row-mappers.js';
import { readUserMaxSeq } from './user-repository.js';
import type { DeviceRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import type { Device, DeviceSignIn, SignInResult } from './types.js';

export class SqlDeviceRepository implements DeviceRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async signIn(input: DeviceSignIn): Promise<SignInResult> {
    const [result] = await this.signInMany([input]);
    return result!;
  }

  async signInMany(inputs: readonly DeviceSignIn[]): Promise<SignInResult[]> {
    for (const input of inputs) {
      checkId('appId', input.appId);
      checkId('userId', input.userId);
      checkId('deviceId', input.deviceId);
      checkText('platform', input.platform, 32);
    }
    if (inputs.length === 0) return [];
    const now = this.ctx.now();
    await insertInChunks(this.ctx.db, this.ctx.dialect.kind, DEVICE_SIGN_IN, inputs.length, (i, out) => {
      const input = inputs[i]!;
      out.push(input.appId, input.userId, input.deviceId, input.platform, now, now);
    });
    // Read back per app by user: the (app, user) prefix of the key, and a user's few other devices
    // read along cost less than a row-value IN the optimiser may not use an index for.
    const results = new Map<string, SignInResult>();
    const usersByApp = new Map<string, Set<string>>();
    for (const input of inputs) {
      const users = usersByApp.get(input.appId);
      if (users) users.add(input.userId);
      else usersByApp.set(input.appId, new Set([input.userId]));
    }
    for (const [appId, userIds] of usersByApp) {
      for (const ids of chunks([...userIds])) {
        const rows = await rowsOfIds<SignInRow & { user_id: string; device_id: string }>(
          this.ctx.db,
          this.ctx.dialect.kind,
          'device sign-in read-back',
          (list) =>
            'select devices.user_id, devices.device_id, devices.acked_seq, user_seqs.max_seq, users.tags, ' +
            'users.tokens_valid_after from devices left join users on users.app_id = devices.app_id ' +
            'and users.user_id = devices.user_id left join user_seqs on user_seqs.app_id = devices.app_id ' +
            `and user_seqs.user_id = devices.user_id where devices.app_id = ? and devices.user_id in (${list})`,
          appId,
          ids,
        );
        for (const row of rows)
          results.set(deviceKey(appId, row.user_id, row.device_id), toSignInResult(row));
      }
    }
    return inputs.map((input) => {
      const result = results.get(deviceKey(input.appId, input.userId, input.deviceId));
      // Only a device removed between the upsert and the read: what signIn's read would throw.
      if (!result) throw new StorageError('NOT_FOUND', `device ${input.deviceId} vanished while signing in`);
      return result;
    });
  }

  async get(appId: string, userId: string, deviceId: string): Promise<Device | undefined> {
    const row = await this.ctx.db
      .selectFrom('devices')
      .selectAll()
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async listByUser(appId: string, userId: string): Promise<Device[]> {
    const rows = await this.ctx.db
      .selectFrom('devices')
      .selectAll()
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .orderBy('device_id')
      .execute();
    return rows.map(toDevice);
  }

  async listByUsers(appId: string, userIds: readonly string[]): Promise<Device[]> {
    const devices: Device[] = [];
    for (const ids of chunks([...new Set(userIds)].sort())) {
      const rows = await rowsOfIds<Selectable<DevicesTable>>(
        this.ctx.db,
        this.ctx.dialect.kind,
        'devices of users',
        (list) =>
          `select * from devices where app_id = ? and user_id in (${list}) order by user_id, device_id`,
        appId,
        ids,
      );
      for (const row of rows) devices.push(toDevice(row));
    }
    return devices;
  }

  async remove(appId: string, userId: string, deviceId: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('devices')
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async ack(appId: string, userId: string, deviceId: string, seq: number): Promise<number> {
    checkSeq('seq', seq);
    // The max seq only grows, so capping with a value read a moment ago is still a valid cap;
    // the `acked_seq <` condition makes concurrent acks keep the highest, never move back.
    const maxSeq = await readUserMaxSeq(this.ctx.db, appId, userId);
    const target = Math.min(seq, maxSeq);
    await this.ctx.db
      .updateTable('devices')
      .set({ acked_seq: target })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .where('acked_seq', '<', target)
      .execute();
    const device = await this.get(appId, userId, deviceId);
    if (!device) throw new StorageError('NOT_FOUND', `device ${deviceId} of user ${userId} is not signed in`);
    return device.ackedSeq;
  }
}

/** A sign-in's device upsert: a known device gets its platform and sign-in time updated. */
const DEVICE_SIGN_IN: RowsStatement = {
  name: 'device sign-in',
  table: 'devices',
  columns: ['app_id', 'user_id', 'device_id', 'platform', 'last_sign_in_at', 'created_at'],
  row: ['?', '?', '?', '?', '?', '?'],
  suffix: {
    mysql: 'on duplicate key update platform = values(platform), last_sign_in_at = values(last_sign_in_at)',
    sqlite:
      'on conflict (app_id, user_id, device_id) do update set platform = excluded.platform, ' +
      'last_sign_in_at = excluded.last_sign_in_at',
  },
};

/**
 * A device's row with its user's and its user's counter (left joins: the user's columns are null
 * without a users row, `max_seq` without a user_seqs row).
 */
interface SignInRow {
  acked_seq: number | bigint | string;
  max_seq: number | bigint | string | null;
  tags: string | null;
  tokens_valid_after: number | bigint | string | null;
}

// A user never written to has neither row yet: max seq 0, no tags, no revocation.
function toSignInResult(row: SignInRow): SignInResult {
  return {
    ackedSeq: Number(row.acked_seq),
    maxSeq: Number(row.max_seq ?? 0),
    tags: parseTags(row.tags),
    tokensValidAfter: Number(row.tokens_valid_after ?? 0),
  };
}

const deviceKey = (appId: string, userId: string, deviceId: string) => `${appId}\n${userId}\n${deviceId}`;
