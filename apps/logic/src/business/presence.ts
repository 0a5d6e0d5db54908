import type { LogicRoutePort } from '../route-port.js';
import { requireClientRoomId, requireId } from '../ids.js';
import { requireCount, requireText } from './business-errors.js';

export interface UserPresence {
  userId: string;
  online: boolean;
  /** One entry per online device. */
  platforms: string[];
}

export interface OnlineCounts {
  onlineDevices: number;
  roomSubscribers: number;
  tagConnections: number;
  /** Gates that did not answer: when not 0 the counts are low. */
  unreachableGates: number;
}

/** Most users one IsOnline asks about. */
export const PRESENCE_MAX_USERS = 1000;

/** Who is online, from route's bindings (not stored: a restart of route starts empty, gates re-bind). */
export class Presence {
  constructor(private readonly route: LogicRoutePort) {}

  async ofUsers(appId: string, userIds: readonly string[]): Promise<UserPresence[]> {
    requireCount(userIds, 'user_ids', PRESENCE_MAX_USERS);
    userIds.forEach((id, i) => requireId('user', id, `user_ids[${i}]`));
    const found = new Map(
      (await this.route.presence(appId, [...new Set(userIds)])).map((u) => [u.userId, u.devices]),
    );
    return userIds.map((userId) => {
      const devices = found.get(userId) ?? [];
      return { userId, online: devices.length > 0, platforms: devices.map((d) => d.platform) };
    });
  }

  async counts(appId: string, roomId: string, tag: string): Promise<OnlineCounts> {
    if (roomId !== '') requireClientRoomId(roomId, 'room_id');
    if (tag !== '') requireText(tag, 'tag', 64);
    const c = await this.route.counts(appId, roomId, tag);
    return {
      onlineDevices: c.onlineDevices,
      roomSubscribers: c.roomSubscribers,
      tagConnections: c.tagConnections,
      unreachableGates: c.failedGates,
    };
  }
}
