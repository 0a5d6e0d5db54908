import type { Logger } from '@switchboard/log';
import { LogSummary } from '@switchboard/log';
import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import {
  MAX_GROUP_EXTRA_LENGTH,
  MAX_GROUP_NAME_LENGTH,
  type Group,
  type GroupMember,
  type Page,
  type Storage,
} from '@switchboard/storage';
import { invalid, requireCount, requireText } from '../business/business-errors.js';
import { requireId } from '../ids.js';
import { clampLimit, requireCursor } from '../paging.js';
import type { LogicCounter } from '../logic-metrics.js';
import type { LogicRoutePort } from '../route-port.js';
import type { GroupMessaging } from './group-messaging.js';
import { groupNotFound } from './group-messaging.js';
import { groupRoomId } from './group-rooms.js';
import { GroupEvent } from './member-events.js';

export interface GroupLimits {
  /** From this many members a group uses read fan-out (`logic.largeGroupMinMembers`). */
  largeGroupMinMembers: number;
  /** Most members of one group (`logic.maxGroupMembers`). */
  maxGroupMembers: number;
}

export interface NewGroupInput {
  /** Empty: the server picks one. */
  groupId: string;
  name: string;
  ownerUserId: string;
  memberUserIds: readonly string[];
  extra: string;
}

/** Users a member-change message names; past it, `count` says how many there were. */
export const EVENT_MAX_USER_IDS = 100;
/** Users one add or remove call may name: a bound on the work (and the system message) of one request. */
export const MAX_MEMBERS_PER_CALL = 1000;
const PAGE_MAX = 1000;

/**
 * Group management for the business API: the membership rules, the system messages that announce
 * each change in the group's conversation, the rooms of large groups, and the switch from write
 * fan-out to read fan-out when a group reaches `largeGroupMinMembers` (one way: a group that
 * shrinks stays large).
 */
export class GroupAdmin {
  private readonly roomFailures: LogSummary;

  constructor(
    private readonly storage: Storage,
    private readonly messaging: GroupMessaging,
    private readonly route: LogicRoutePort,
    private readonly limits: GroupLimits,
    private readonly counters: Counters<LogicCounter>,
    log: Logger,
  ) {
    this.roomFailures = new LogSummary(
      log,
      'group room change failed at route; members repair by SYNC_GROUP',
    );
  }

  async create(appId: string, input: NewGroupInput): Promise<Group> {
    const groupId = input.groupId === '' ? `g_${crypto.randomUUID().replaceAll('-', '')}` : input.groupId;
    requireId('group', groupId, 'group_id');
    requireId('user', input.ownerUserId, 'owner_user_id');
    requireText(input.name, 'name', MAX_GROUP_NAME_LENGTH);
    checkExtra(input.extra);
    const members = this.checkUsers(input.memberUserIds, 'member_user_ids');
    const everyone = new Set([input.ownerUserId, ...members]);
    if (everyone.size > this.limits.maxGroupMembers) throw this.tooMany(everyone.size);
    const large = everyone.size >= this.limits.largeGroupMinMembers;
    const created = await this.storage.groups.create({
      appId,
      groupId,
      name: input.name,
      ownerUserId: input.ownerUserId,
      extra: input.extra,
      memberUserIds: members,
      large,
      at: Date.now(),
    });
    const group = created.group;
    if (large) await this.moveUsers(appId, group.groupId, created.userIds, true);
    await this.messaging.announce(appId, group, GroupEvent.created, {
      name: group.name,
      owner_user_id: group.ownerUserId,
      ...named(created.userIds),
    });
    return group;
  }

  async get(appId: string, groupId: string): Promise<Group> {
    requireId('group', groupId, 'group_id');
    const group = await this.storage.groups.get(appId, groupId);
    if (!group) throw groupNotFound(groupId);
    return group;
  }

  async update(appId: string, groupId: string, change: { name?: string; extra?: string }): Promise<Group> {
    requireId('group', groupId, 'group_id');
    if (change.name !== undefined) requireText(change.name, 'name', MAX_GROUP_NAME_LENGTH);
    if (change.extra !== undefined) checkExtra(change.extra);
    await this.messaging.liveGroup(appId, groupId);
    if (change.name === undefined && change.extra === undefined) return this.get(appId, groupId);
    const group = await this.storage.groups.update(appId, groupId, { ...change, at: Date.now() });
    await this.messaging.announce(appId, group, GroupEvent.updated, { name: group.name, extra: group.extra });
    return group;
  }

  /** Dissolves the group: no more sends or changes; members keep its history. Idempotent. */
  async dissolve(appId: string, groupId: string): Promise<void> {
    const before = await this.get(appId, groupId);
    if (before.dissolvedAt !== null) return;
    const group = await this.storage.groups.dissolve(appId, groupId, Date.now());
    await this.messaging.announce(appId, group, GroupEvent.dissolved, {});
    if (group.large) {
      await this.moveUsers(appId, groupId, await this.storage.groups.memberIds(appId, groupId), false);
    }
  }

  /** Adds members; resolves with how many were not members before. */
  async addMembers(appId: string, groupId: string, userIds: readonly string[]): Promise<number> {
    requireId('group', groupId, 'group_id');
    const users = this.checkUsers(requireCount(userIds, 'user_ids', MAX_MEMBERS_PER_CALL), 'user_ids');
    const before = await this.messaging.liveGroup(appId, groupId);
    if (before.memberCount + users.length > this.limits.maxGroupMembers) {
      // Counting users already in as new may refuse a call that would fit: the safe side of a bound.
      const current = await this.storage.groups.memberIds(appId, groupId);
      const fresh = users.filter((u) => !current.includes(u)).length;
      if (current.length + fresh > this.limits.maxGroupMembers) throw this.tooMany(current.length + fresh);
    }
    const change = await this.storage.groups.addMembers(appId, groupId, users, 'member', Date.now());
    if (change.userIds.length === 0) return 0;
    let group = change.group;
    if (!group.large && group.memberCount >= this.limits.largeGroupMinMembers) {
      group = await this.switchToLarge(appId, group);
    } else if (group.large) {
      await this.moveUsers(appId, groupId, change.userIds, true);
    }
    await this.messaging.announce(appId, group, GroupEvent.memberAdded, named(change.userIds));
    return change.userIds.length;
  }

  /** Removes members (never the owner); resolves with how many were members. */
  async removeMembers(appId: string, groupId: string, userIds: readonly string[]): Promise<number> {
    requireId('group', groupId, 'group_id');
    const users = this.checkUsers(requireCount(userIds, 'user_ids', MAX_MEMBERS_PER_CALL), 'user_ids');
    const before = await this.messaging.liveGroup(appId, groupId);
    if (users.includes(before.ownerUserId)) {
      throw invalid('user_ids', 'the owner cannot be removed; dissolve the group instead');
    }
    const change = await this.storage.groups.removeMembers(appId, groupId, users, Date.now());
    if (change.userIds.length === 0) return 0;
    // The removed hear of it too (an inbox entry, and the room while they are still in it); then
    // they leave the room.
    await this.messaging.announce(
      appId,
      change.group,
      GroupEvent.memberRemoved,
      named(change.userIds),
      change.userIds,
    );
    if (change.group.large) await this.moveUsers(appId, groupId, change.userIds, false);
    return change.userIds.length;
  }

  /** The user's groups (or all the app's groups when `userId` is empty), by group id. */
  async list(appId: string, userId: string, cursor: string, limit: number): Promise<Page<Group>> {
    if (userId !== '') requireId('user', userId, 'user_id');
    return this.storage.groups.list(
      appId,
      userId === '' ? undefined : userId,
      requireCursor(cursor, 'page_token'),
      clampLimit(limit, PAGE_MAX),
    );
  }

  async listMembers(
    appId: string,
    groupId: string,
    cursor: string,
    limit: number,
  ): Promise<Page<GroupMember>> {
    await this.get(appId, groupId);
    return this.storage.groups.listMembers(
      appId,
      groupId,
      requireCursor(cursor, 'page_token'),
      clampLimit(limit, PAGE_MAX),
    );
  }

  /**
   * Read fan-out from now on: the flag first (sends after it store no inbox entries), then every
   * member's connections into the group's room, then an announcement. A message sent between the
   * flag and a member's room join reaches that member by SYNC_GROUP: the announcement comes after it
   * in the conversation, so a client sees the gap (docs/protocol.md §7).
   */
  private async switchToLarge(appId: string, group: Group): Promise<Group> {
    // Two adds crossing the threshold at once: the one that finds the switch made leaves it be.
    const now = await this.storage.groups.get(appId, group.groupId);
    if (now?.large) return now;
    const large = await this.storage.groups.setLarge(appId, group.groupId, true, Date.now());
    this.counters.add('group_switches');
    await this.moveUsers(
      appId,
      group.groupId,
      await this.storage.groups.memberIds(appId, group.groupId),
      true,
    );
    await this.messaging.announce(appId, large, GroupEvent.modeChanged, { large: true });
    return large;
  }

  /** Puts the users' live connections into the group's room, or takes them out. */
  private async moveUsers(
    appId: string,
    groupId: string,
    userIds: readonly string[],
    join: boolean,
  ): Promise<void> {
    if (userIds.length === 0) return;
    try {
      const r = await this.route.setUsersRoom(appId, groupRoomId(groupId), [...userIds], join);
      if (r.failedGates > 0)
        this.roomFailures.add({ app: appId, group: groupId, failedGates: r.failedGates });
    } catch (err) {
      // Committed already: the members reach the messages by SYNC_GROUP (and join at next sign-in).
      this.counters.add('group_room_change_failures');
      this.roomFailures.add({ app: appId, group: groupId, err: String(err) });
    }
  }

  private checkUsers(userIds: readonly string[], field: string): string[] {
    userIds.forEach((u) => requireId('user', u, field));
    return [...new Set(userIds)];
  }

  private tooMany(n: number): SwitchboardError {
    this.counters.add('group_limit_refusals');
    return new SwitchboardError(
      ErrorCode.ERROR_CODE_LIMIT_EXCEEDED,
      `a group holds at most ${this.limits.maxGroupMembers} members (this would make ${n})`,
      { field: 'user_ids' },
    );
  }
}

function checkExtra(extra: string): void {
  if (extra.length > MAX_GROUP_EXTRA_LENGTH) {
    throw invalid('extra', `extra is at most ${MAX_GROUP_EXTRA_LENGTH} characters`);
  }
}

/** The users a member-change message names: the first {@link EVENT_MAX_USER_IDS}, and how many in all. */
function named(userIds: readonly string[]): { user_ids: string[]; count: number } {
  return { user_ids: userIds.slice(0, EVENT_MAX_USER_IDS), count: userIds.length };
}
