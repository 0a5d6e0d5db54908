import {
  TargetType,
  type Group as ApiGroup,
  type HistoryMessage,
  type User as ApiUser,
} from '@switchboard/proto/business';
import type { ConversationMessage, Group, User } from '@switchboard/storage';
import type { BusinessApi } from '../business-api/business-api.js';
import type { GroupAdmin } from '../groups/group-admin.js';
import { invalid } from './business-errors.js';
import type { BusinessMessaging, Target } from './business-messaging.js';
import type { Presence } from './presence.js';
import type { ServerStats } from './server-stats.js';
import type { UserAdmin } from './user-admin.js';

export interface BusinessServices {
  users: UserAdmin;
  messaging: BusinessMessaging;
  presence: Presence;
  groups: GroupAdmin;
  stats: ServerStats;
}

const targetTypes: Partial<Record<TargetType, Target['type']>> = {
  [TargetType.TARGET_TYPE_USER]: 'user',
  [TargetType.TARGET_TYPE_GROUP]: 'group',
  [TargetType.TARGET_TYPE_ROOM]: 'room',
};

/**
 * The business API over the domain services: generated request types in, generated responses out,
 * nothing decided here. The gRPC and HTTP transports both call these.
 */
export function businessHandlers({
  users,
  messaging,
  presence,
  groups,
  stats,
}: BusinessServices): BusinessApi {
  return {
    upsertUser: async ({ appId }, req) => {
      if (!req.user) throw invalid('user', 'user is required');
      const u = req.user;
      return {
        user: toApiUser(
          await users.upsert(appId, {
            userId: u.userId,
            nickname: u.nickname,
            avatarUrl: u.avatarUrl,
            extra: u.extra,
          }),
        ),
      };
    },
    getUser: async ({ appId }, req) => ({ user: toApiUser(await users.get(appId, req.userId)) }),
    setUserTags: async ({ appId }, req) => {
      const r = await users.setTags(appId, req.userId, req.tags);
      return { user: toApiUser(r.user), updatedConnections: r.updated };
    },
    revokeUserTokens: async ({ appId }, req) => {
      const r = await users.revokeTokens(appId, req.userId);
      return { revokedBefore: r.revokedBefore, kickedDevices: r.kicked };
    },
    listDevices: async ({ appId }, req) => ({
      devices: (await users.listDevices(appId, req.userId)).map((d) => ({
        deviceId: d.deviceId,
        platform: d.platform,
        online: d.online,
        ackedSeq: d.ackedSeq,
        lastSignInAt: d.lastSignInAt,
      })),
    }),
    kickDevice: async ({ appId }, req) => ({
      kicked: await users.kickDevice(appId, req.userId, req.deviceId, req.reason),
    }),
    sendMessage: async ({ appId }, req) => {
      const type = targetTypes[req.targetType];
      if (!type) throw invalid('target_type', 'target_type must be TARGET_TYPE_USER, _GROUP or _ROOM');
      const r = await messaging.send(appId, {
        senderUserId: req.senderUserId,
        target: { type, id: req.targetId },
        contentType: req.contentType,
        content: req.content,
        clientMsgId: req.clientMsgId,
      });
      return {
        messageId: r.messageId,
        conversationSeq: r.conversationSeq,
        sentAt: r.sentAt,
        duplicate: r.duplicate,
        delivered: r.delivered,
      };
    },
    broadcast: async ({ appId }, req) => ({
      delivered: await messaging.broadcast(appId, req.contentType, req.content),
    }),
    pushToTags: async ({ appId }, req) => {
      if (!req.expression) throw invalid('expression', 'expression is required');
      const { allOf, anyOf, noneOf } = req.expression;
      return {
        delivered: await messaging.pushToTags(appId, { allOf, anyOf, noneOf }, req.contentType, req.content),
      };
    },
    getHistory: async ({ appId }, req) => {
      const page = await messaging.history(appId, req.userId, req.peerUserId, req.beforeSeq, req.limit);
      return { messages: page.messages.map(toHistoryMessage), hasMore: page.hasMore };
    },
    isOnline: async ({ appId }, req) => {
      const found = await presence.ofUsers(appId, req.userIds);
      return {
        online: Object.fromEntries(found.map((u) => [u.userId, u.online])),
        users: found,
      };
    },
    getOnlineCounts: async ({ appId }, req) => presence.counts(appId, req.roomId, req.tag),
    createGroup: async ({ appId }, req) => ({
      group: toApiGroup(
        await groups.create(appId, {
          groupId: req.groupId,
          name: req.name,
          ownerUserId: req.ownerUserId,
          memberUserIds: req.memberUserIds,
          extra: req.extra,
        }),
      ),
    }),
    updateGroup: async ({ appId }, req) => ({
      group: toApiGroup(
        await groups.update(appId, req.groupId, {
          ...(req.name !== undefined ? { name: req.name } : {}),
          ...(req.extra !== undefined ? { extra: req.extra } : {}),
        }),
      ),
    }),
    dissolveGroup: async ({ appId }, req) => {
      await groups.dissolve(appId, req.groupId);
      return {};
    },
    addGroupMembers: async ({ appId }, req) => ({
      added: await groups.addMembers(appId, req.groupId, req.userIds),
    }),
    removeGroupMembers: async ({ appId }, req) => ({
      removed: await groups.removeMembers(appId, req.groupId, req.userIds),
    }),
    listGroups: async ({ appId }, req) => {
      const page = await groups.list(appId, req.userId, req.pageToken, req.limit);
      return { groups: page.items.map(toApiGroup), nextPageToken: page.nextCursor };
    },
    getTopConversations: async ({ appId }, req) => stats.topConversations(appId, req.limit),
    getServerStats: async ({ appId }) => stats.server(appId),
    listGroupMembers: async ({ appId }, req) => {
      const page = await groups.listMembers(appId, req.groupId, req.pageToken, req.limit);
      return {
        members: page.items.map((m) => ({
          userId: m.userId,
          role: m.role,
          readSeq: m.readSeq,
          joinedAt: m.joinedAt,
          joinSeq: m.joinSeq,
        })),
        nextPageToken: page.nextCursor,
      };
    },
  };
}

function toApiGroup(g: Group): ApiGroup {
  return {
    groupId: g.groupId,
    name: g.name,
    ownerUserId: g.ownerUserId,
    extra: g.extra,
    memberCount: g.memberCount,
    large: g.large,
    dissolved: g.dissolvedAt !== null,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

function toApiUser(u: User): ApiUser {
  return {
    userId: u.userId,
    nickname: u.nickname,
    avatarUrl: u.avatar,
    extra: u.extra,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    tags: u.tags,
  };
}

function toHistoryMessage(m: ConversationMessage): HistoryMessage {
  return {
    messageId: m.messageId,
    conversationSeq: m.conversationSeq,
    senderUserId: m.senderUserId,
    senderDeviceId: m.senderDeviceId,
    contentType: m.contentType,
    content: Buffer.from(m.content.buffer, m.content.byteOffset, m.content.byteLength),
    sentAt: m.sentAt,
    clientMsgId: m.clientMsgId,
  };
}
