import { messagePushWithSeq } from '@switchboard/protocol';
import type {
  DeliveryStats,
  GateState,
  LogicRoutePort,
  OnlineCounts,
  TagExpression,
  UserPacket,
  UserPresence,
} from './route-port.js';

/**
 * A LogicRoutePort for tests and benchmarks with no gate behind it: binds succeed with epoch 1, nobody is
 * online, every delivery reaches nobody (DeliverToUsers reports every user offline), kicks find
 * nothing. It records each call in {@link stubCalls} by method name; a fake subclasses it and overrides
 * only what its test is about.
 */
export class StubLogicRoutePort implements LogicRoutePort {
  readonly stubCalls: Record<string, unknown[][]> = {};

  async bind(input: Parameters<LogicRoutePort['bind']>[0]): Promise<{ epoch: number }> {
    this.record('bind', input);
    return { epoch: 1 };
  }

  async deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    this.record('deliverToUsers', appId, packets);
    const offline = [...new Set(packets.flatMap((p) => p.userIds))];
    return { ...noStats(), offlineUserIds: offline };
  }

  async deliverToRoom(appId: string, roomId: string, packet: Buffer): Promise<DeliveryStats> {
    this.record('deliverToRoom', appId, roomId, packet);
    return noStats();
  }

  async deliverToTags(appId: string, expression: TagExpression, packet: Buffer): Promise<DeliveryStats> {
    this.record('deliverToTags', appId, expression, packet);
    return noStats();
  }

  async deliverToAll(appId: string, packet: Buffer): Promise<DeliveryStats> {
    this.record('deliverToAll', appId, packet);
    return noStats();
  }

  async presence(appId: string, userIds: string[]): Promise<UserPresence[]> {
    this.record('presence', appId, userIds);
    return userIds.map((userId) => ({ userId, devices: [] }));
  }

  async counts(appId: string, roomId: string, tag: string): Promise<OnlineCounts> {
    this.record('counts', appId, roomId, tag);
    return { onlineDevices: 0, roomSubscribers: 0, tagConnections: 0, failedGates: 0 };
  }

  async kickDevice(
    appId: string,
    userId: string,
    deviceId: string,
    code: number,
    reason: string,
  ): Promise<boolean> {
    this.record('kickDevice', appId, userId, deviceId, code, reason);
    return false;
  }

  async setUserTags(
    appId: string,
    userId: string,
    tags: string[],
  ): Promise<{ updated: number; failedGates: number }> {
    this.record('setUserTags', appId, userId, tags);
    return { updated: 0, failedGates: 0 };
  }

  async setUsersRoom(
    appId: string,
    roomId: string,
    userIds: string[],
    join: boolean,
  ): Promise<{ updated: number; failedGates: number }> {
    this.record('setUsersRoom', appId, roomId, userIds, join);
    return { updated: 0, failedGates: 0 };
  }

  async listGates(): Promise<{ gates: GateState[]; now: number }> {
    this.record('listGates');
    return { gates: [], now: Date.now() };
  }

  close(): void {}

  private record(method: string, ...args: unknown[]): void {
    (this.stubCalls[method] ??= []).push(args);
  }
}

function noStats(): DeliveryStats {
  return { delivered: 0, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };
}

/**
 * Packets as the gates end up writing them, for fakes that look at each user's push: a `message`
 * packet becomes one packet per user carrying that user's MESSAGE push (its offline template naming
 * the user, except for the sender's); others are kept as they are.
 */
export function perUserPackets(packets: readonly UserPacket[]): UserPacket[] {
  const out: UserPacket[] = [];
  for (const p of packets) {
    if (!p.message || !p.seqs) {
      out.push(p);
      continue;
    }
    for (let i = 0; i < p.userIds.length; i++) {
      const userId = p.userIds[i]!;
      const one: UserPacket = { userIds: [userId], packet: messagePushWithSeq(p.message, p.seqs[i]!) };
      if (p.exclude && p.exclude.userId === userId) one.exclude = p.exclude;
      if (p.offline && p.offline.senderUserId !== userId)
        one.offline = { ...p.offline, recipientUserId: userId };
      out.push(one);
    }
  }
  return out;
}
