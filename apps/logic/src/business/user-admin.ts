import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { Device, Storage, User } from '@switchboard/storage';
import { requireId } from '../ids.js';
import type { LogicRoutePort } from '../route-port.js';
import { isValidTag, type TagLimits } from '../tag-policy.js';
import { invalid, requireText } from './business-errors.js';

/** A user's profile as the business API writes it: every field is replaced (empty clears). */
export interface ProfileInput {
  userId: string;
  nickname: string;
  avatarUrl: string;
  /** Application-defined JSON, or empty. */
  extra: string;
}

/** A device of a user and whether it is connected now. */
export interface DeviceStatus extends Device {
  online: boolean;
}

const NICKNAME_MAX = 128;
const AVATAR_MAX = 1024;
/** What a TEXT column holds in MySQL (bytes; a UTF-8 character takes up to 4). */
const EXTRA_MAX_BYTES = 65_535;
const KICK_REASON_MAX = 256;

/**
 * Users and their devices, as an app's servers manage them: profiles, the tags the app grants a user
 * (applied to live connections at once), token revocation and kicking. Every method acts inside one
 * app, the one the API key belongs to.
 */
export class UserAdmin {
  constructor(
    private readonly storage: Storage,
    private readonly route: LogicRoutePort,
    private readonly tagLimits: TagLimits,
    private readonly now: () => number = Date.now,
  ) {}

  async upsert(appId: string, p: ProfileInput): Promise<User> {
    requireId('user', p.userId, 'user.user_id');
    requireText(p.nickname, 'user.nickname', NICKNAME_MAX);
    requireText(p.avatarUrl, 'user.avatar_url', AVATAR_MAX);
    if (Buffer.byteLength(p.extra) > EXTRA_MAX_BYTES) {
      throw invalid('user.extra', `user.extra is at most ${EXTRA_MAX_BYTES} bytes`);
    }
    if (p.extra !== '' && !isJson(p.extra)) throw invalid('user.extra', 'user.extra must be JSON (or empty)');
    return this.storage.users.upsert({
      appId,
      userId: p.userId,
      nickname: p.nickname,
      avatar: p.avatarUrl,
      extra: p.extra,
    });
  }

  async get(appId: string, userId: string): Promise<User> {
    requireId('user', userId, 'user_id');
    const user = await this.storage.users.get(appId, userId);
    if (!user) throw notFound(userId);
    return user;
  }

  /**
   * Replaces the tags the app grants this user (on top of each token's `tags` claim) and applies them
   * to the user's live connections at once; new connections get them at sign-in.
   */
  async setTags(
    appId: string,
    userId: string,
    tags: readonly string[],
  ): Promise<{ user: User; updated: number }> {
    requireId('user', userId, 'user_id');
    const unique = [...new Set(tags)];
    if (unique.length > this.tagLimits.maxPerConnection) {
      throw invalid(
        'tags',
        `a user has at most ${this.tagLimits.maxPerConnection} tags (got ${unique.length})`,
      );
    }
    for (const tag of unique) {
      if (!isValidTag(tag, this.tagLimits)) {
        throw invalid(
          'tags',
          `tags must be 1-${this.tagLimits.maxLength} characters without control characters`,
        );
      }
    }
    const user = await this.storage.users.setTags(appId, userId, unique);
    const { updated } = await this.route.setUserTags(appId, userId, unique);
    return { user, updated };
  }

  /**
   * Refuses every token of the user issued up to now (by its `iat`, whole seconds: tokens issued in the
   * same second as the revocation are refused too) and kicks the user's connected devices.
   */
  async revokeTokens(appId: string, userId: string): Promise<{ revokedBefore: number; kicked: number }> {
    requireId('user', userId, 'user_id');
    const user = await this.storage.users.revokeTokens(appId, userId, this.now());
    const devices = await this.storage.devices.listByUser(appId, userId);
    // One kick per device, all at once: a user's devices are bounded (logic.devices.maxPerUser).
    const kicks = await Promise.all(
      devices.map((d) =>
        this.route.kickDevice(
          appId,
          userId,
          d.deviceId,
          ErrorCode.ERROR_CODE_TOKEN_REVOKED,
          'the user’s tokens were revoked',
        ),
      ),
    );
    return { revokedBefore: user.tokensValidAfter, kicked: kicks.filter(Boolean).length };
  }

  async listDevices(appId: string, userId: string): Promise<DeviceStatus[]> {
    requireId('user', userId, 'user_id');
    const [devices, presence] = await Promise.all([
      this.storage.devices.listByUser(appId, userId),
      this.route.presence(appId, [userId]),
    ]);
    const online = new Set(presence.flatMap((u) => u.devices.map((d) => d.deviceId)));
    return devices.map((d) => ({ ...d, online: online.has(d.deviceId) }));
  }

  /** Closes the device's connection with KICKED_BY_ADMIN and the reason; false when it is not connected. */
  async kickDevice(appId: string, userId: string, deviceId: string, reason: string): Promise<boolean> {
    requireId('user', userId, 'user_id');
    requireId('device', deviceId, 'device_id');
    requireText(reason, 'reason', KICK_REASON_MAX);
    return this.route.kickDevice(
      appId,
      userId,
      deviceId,
      ErrorCode.ERROR_CODE_KICKED_BY_ADMIN,
      reason || 'kicked by the app',
    );
  }
}

function notFound(userId: string): SwitchboardError {
  return new SwitchboardError(ErrorCode.ERROR_CODE_USER_NOT_FOUND, `no user "${userId}" in this app`, {
    field: 'user_id',
  });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
