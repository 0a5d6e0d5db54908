import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { Storage } from '@switchboard/storage';
import type { LogicRoutePort } from './route-port.js';
import { applyDeviceCap, settleDeviceCap, type DeviceCap } from './device-cap.js';
import { groupRoomId } from './groups/group-rooms.js';
import { requireId } from './ids.js';
import type { LogicCounter } from './logic-metrics.js';
import { SignInBatches } from './sign-in-batches.js';
import { connectionTags, type TagLimits } from './tag-policy.js';
import type { TokenVerifier } from './token-verifier.js';

export interface SignInContext {
  gateId: string;
  /** The gate process (route refuses a bind for a process that is not the gate's live one). */
  gateBootId: string;
  connId: number;
}

/** A client's SIGN_IN: the token decides; the other fields may only repeat what it says. */
export interface SignInInput {
  token: string;
  /** Empty, or the token's app. */
  appId: string;
  /** Empty, or the token's user. */
  userId: string;
  /** Required unless the token is bound to a device (then empty, or that device). */
  deviceId: string;
  /** The client's platform (`ios`, `web`…), kept to 32 characters. */
  platform: string;
  /** Tags the client declares for its connection (refused unless the app allows them). */
  tags: string[];
}

export interface SignedIn {
  appId: string;
  userId: string;
  deviceId: string;
  /** The user's highest inbox seq, and the highest this device acknowledged. */
  maxSeq: number;
  ackedSeq: number;
  heartbeatIntervalMs: number;
  /** Unix ms at the sign-in. */
  serverTime: number;
  epoch: number;
  /** The connection's tags (see tag-policy.ts), the server-granted ones included. */
  tags: string[];
  /** The tags the business API granted the user (SetUserTags replaces these on live connections). */
  serverTags: string[];
  /** The rooms logic puts the connection in: one per large group of the user. */
  rooms: string[];
}

/**
 * Sign-in: the token decides who the connection is. Request fields may only
 * repeat what the token says (a token bound to a device signs in only that
 * device). The device is recorded, then bound at route, which kicks any older
 * connection of the same device. Storage is read and written per tick (SignInBatches), not per
 * sign-in.
 */
export class SignInService {
  private readonly batches: SignInBatches;

  constructor(
    private readonly storage: Storage,
    private readonly tokens: TokenVerifier,
    private readonly route: LogicRoutePort,
    private readonly heartbeatIntervalMs: number,
    private readonly tagLimits: TagLimits,
    private readonly deviceCap: DeviceCap,
    private readonly counters?: Counters<LogicCounter>,
  ) {
    this.batches = new SignInBatches(storage);
  }

  /**
   * @param call The RPC it answers (grpc-js's, or a stream frame's): once it is `cancelled` (its
   * deadline passed, its caller went away), nothing is written, since nobody would get the answer
   * and the gate has given the connection up.
   */
  async signIn(
    req: SignInInput,
    ctx: SignInContext,
    call?: { readonly cancelled: boolean },
  ): Promise<SignedIn> {
    const claims = await this.tokens.verify(req.token);
    if (req.appId && req.appId !== claims.appId) {
      throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'app_id does not match the token');
    }
    if (req.userId && req.userId !== claims.userId) {
      throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'user_id does not match the token');
    }
    if (claims.deviceId && req.deviceId && req.deviceId !== claims.deviceId) {
      throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'device_id does not match the token');
    }
    requireId('user', claims.userId, 'the token sub', ErrorCode.ERROR_CODE_TOKEN_INVALID);
    if (claims.deviceId !== undefined) {
      requireId('device', claims.deviceId, 'the token device_id', ErrorCode.ERROR_CODE_TOKEN_INVALID);
    }
    const deviceId = claims.deviceId ?? req.deviceId;
    if (!deviceId) throw new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'device_id is required');
    requireId('device', deviceId, 'device_id');
    const allowClientDeclared = claims.allowClientTags ?? this.tagLimits.allowClientDeclared;
    const tags = connectionTags(claims.tags, req.tags, { ...this.tagLimits, allowClientDeclared });
    const key = { appId: claims.appId, userId: claims.userId };
    // Read before anything is written: a revoked token must not even push out another device.
    const [user, devices] = await Promise.all([this.batches.user.call(key), this.batches.devices.call(key)]);
    if (user && claims.issuedAt * 1000 <= user.tokensValidAfter) {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_TOKEN_REVOKED,
        'the token was issued before the user’s tokens were revoked',
      );
    }
    // Only the tags nothing else at this sign-in gave are the server's: a later SetUserTags replaces
    // those on the gate and must not take away a tag the token grants too.
    const serverTags = (user?.tags ?? []).filter((t) => !tags.includes(t));
    for (const t of serverTags) tags.push(t);
    const platform = req.platform.slice(0, 32);
    if (call?.cancelled) {
      throw new SwitchboardError(ErrorCode.ERROR_CODE_TIMEOUT, 'the caller stopped waiting for the sign-in');
    }
    const isNew = !devices.some((d) => d.deviceId === deviceId);
    if (isNew)
      await this.capDevices(() =>
        applyDeviceCap(this.storage, this.deviceCap, claims.appId, claims.userId, deviceId, devices),
      );
    const cursor = await this.batches.record.call({
      appId: claims.appId,
      userId: claims.userId,
      deviceId,
      platform,
    });
    if (isNew) {
      // Others may have signed in beside it past the check above (a read made now joins the next
      // batch, which starts after this write).
      const now = await this.batches.devices.call(key);
      await this.capDevices((forgotten) =>
        settleDeviceCap(this.storage, this.deviceCap, claims.appId, claims.userId, deviceId, now, forgotten),
      );
    }
    const { epoch } = await this.route.bind({
      appId: claims.appId,
      userId: claims.userId,
      deviceId,
      gateId: ctx.gateId,
      gateBootId: ctx.gateBootId,
      connId: ctx.connId,
      platform,
    });
    // Read after the bind: a large group joined from now on finds this connection bound at route
    // (SetUsersRoom), and one joined before is in this list.
    const rooms = (await this.batches.largeGroupIds.call(key)).map(groupRoomId);
    return {
      appId: claims.appId,
      userId: claims.userId,
      deviceId,
      maxSeq: cursor.maxSeq,
      ackedSeq: cursor.ackedSeq,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      serverTime: Date.now(),
      epoch,
      tags,
      serverTags,
      rooms,
    };
  }

  /** Runs a device-cap step and counts what it forgot and whether it refused. */
  private async capDevices(step: (forgotten: (ids: string[]) => void) => Promise<string[]>): Promise<void> {
    const count = (ids: string[]) => {
      if (ids.length > 0) this.counters?.add('device_cap_evictions', ids.length);
    };
    try {
      count(await step(count));
    } catch (err) {
      if (err instanceof SwitchboardError && err.code === ErrorCode.ERROR_CODE_LIMIT_EXCEEDED) {
        this.counters?.add('device_cap_refusals');
      }
      throw err;
    }
  }
}
