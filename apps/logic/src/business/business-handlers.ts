import { ErrorCode } from '@switchboard/proto/client';
import { TargetType, type HistoryMessage, type User as ApiUser } from '@switchboard/proto/business';
import { SwitchboardError } from '@switchboard/protocol';
import type { ConversationMessage, User } from '@switchboard/storage';
import type { BusinessApi } from '../business-api/business-api.js';
import { invalid } from './business-errors.js';
import type { BusinessMessaging, Target } from './business-messaging.js';
import type { Presence } from './presence.js';
import type { UserAdmin } from './user-admin.js';

export interface BusinessServices {
  users: UserAdmin;
  messaging: BusinessMessaging;
  presence: Presence;
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
export function businessHandlers({ users, messaging, presence }: BusinessServices): BusinessApi {
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
    createGroup: groupsLater,
    updateGroup: groupsLater,
    dissolveGroup: groupsLater,
    addGroupMembers: groupsLater,
    removeGroupMembers: groupsLater,
    listGroups: groupsLater,
    listGroupMembers: groupsLater,
  };
}

// Group operations arrive with the groups issue; until then they say so with a stable code.
function groupsLater(): Promise<never> {
  return Promise.reject(
    new SwitchboardError(
      ErrorCode.ERROR_CODE_UNIMPLEMENTED,
      'groups are not available in this server version',
    ),
  );
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
