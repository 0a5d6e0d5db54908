import type { ConversationRef, Storage } from '@switchboard/storage';
import { messagePush } from '../client-message.js';
import { checkContent } from '../content-rules.js';
import type { ConversationTraffic } from '../conversation-traffic.js';
import type { HistoryPage } from '../domain.js';
import type { GroupMessaging } from '../groups/group-messaging.js';
import { requireClientRoomId, requireId } from '../ids.js';
import type { MessageService } from '../message-service.js';
import type { LogicRoutePort } from '../route-port.js';
import { isValidTag, type TagLimits } from '../tag-policy.js';
import { invalid } from './business-errors.js';

export type Target = { type: 'user' | 'group' | 'room'; id: string };

/** A message from the app's servers: as a user (`senderUserId`) or, with it empty, as the system. */
export interface BusinessMessage {
  senderUserId: string;
  target: Target;
  contentType: string;
  content: Uint8Array;
  /** Idempotency key of stored sends (1:1 and system); optional for room pushes. */
  clientMsgId: string;
}

export interface BusinessSendResult {
  /** 0 for a room message, which is not stored. */
  messageId: number;
  conversationSeq: number;
  sentAt: number;
  duplicate: boolean;
  /** Room messages: connections it was handed to. */
  delivered: number;
}

/** Connections that carry every `allOf` tag, at least one `anyOf` tag (if any) and no `noneOf` tag. */
export interface TagExpression {
  allOf: string[];
  anyOf: string[];
  noneOf: string[];
}

export interface BusinessMessagingLimits {
  maxContentBytes: number;
  historyLimitMax: number;
  historyMaxBytes: number;
  tags: TagLimits;
}

/**
 * Messages from an app's servers. A send to a user is stored and delivered exactly like a client's
 * SEND (the same MessageService path, idempotent on client_msg_id); room messages, broadcasts and tag
 * pushes are live only: MESSAGE packets with message_id 0 and seq 0, never stored.
 */
export class BusinessMessaging {
  constructor(
    private readonly storage: Storage,
    private readonly messages: MessageService,
    private readonly groups: GroupMessaging,
    private readonly route: LogicRoutePort,
    private readonly limits: BusinessMessagingLimits,
    private readonly traffic?: ConversationTraffic,
  ) {}

  async send(appId: string, m: BusinessMessage, deadline = Infinity): Promise<BusinessSendResult> {
    if (m.senderUserId !== '') requireId('user', m.senderUserId, 'sender_user_id');
    switch (m.target.type) {
      case 'user': {
        requireId('user', m.target.id, 'target_id');
        const r = await this.messages.sendDirect(
          appId,
          {
            senderUserId: m.senderUserId,
            senderDeviceId: '',
            recipientUserId: m.target.id,
            clientMsgId: m.clientMsgId,
            contentType: m.contentType,
            content: m.content,
          },
          deadline,
        );
        return storedResult(r);
      }
      case 'room': {
        requireClientRoomId(m.target.id, 'target_id');
        if (m.clientMsgId !== '') requireId('clientMsgId', m.clientMsgId, 'client_msg_id');
        const sentAt = Date.now();
        const packet = this.livePacket(m, { type: 'room', id: m.target.id }, sentAt);
        const stats = await this.route.deliverToRoom(appId, m.target.id, packet);
        this.traffic?.note(appId, 'room', m.target.id);
        return { messageId: 0, conversationSeq: 0, sentAt, duplicate: false, delivered: stats.delivered };
      }
      case 'group': {
        const r = await this.groups.send(
          appId,
          {
            senderUserId: m.senderUserId,
            senderDeviceId: '',
            groupId: m.target.id,
            clientMsgId: m.clientMsgId,
            contentType: m.contentType,
            content: m.content,
          },
          deadline,
          'target_id',
        );
        return storedResult(r);
      }
    }
  }

  /** Pushes to every connection of the app; resolves with the connections it was handed to. */
  async broadcast(appId: string, contentType: string, content: Uint8Array): Promise<number> {
    const packet = this.livePacket(
      { senderUserId: '', contentType, content, clientMsgId: '' },
      { type: 'system', id: '' },
      Date.now(),
    );
    return (await this.route.deliverToAll(appId, packet)).delivered;
  }

  /** Pushes to the app's connections whose tags match `expression`. */
  async pushToTags(
    appId: string,
    expression: TagExpression,
    contentType: string,
    content: Uint8Array,
  ): Promise<number> {
    const checked = this.checkExpression(expression);
    const packet = this.livePacket(
      { senderUserId: '', contentType, content, clientMsgId: '' },
      { type: 'system', id: '' },
      Date.now(),
    );
    return (await this.route.deliverToTags(appId, checked, packet)).delivered;
  }

  /** A page of `userId`'s 1:1 conversation with `peerUserId` (or the system, when empty), newest first. */
  async history(
    appId: string,
    userId: string,
    peerUserId: string,
    beforeSeq: number,
    limit: number,
  ): Promise<HistoryPage> {
    requireId('user', userId, 'user_id');
    if (peerUserId !== '') requireId('user', peerUserId, 'peer_user_id');
    const max = this.limits.historyLimitMax;
    return this.storage.messages.history({
      appId,
      userId,
      conversation: peerUserId === '' ? { type: 'system', id: '' } : { type: 'user', id: peerUserId },
      beforeSeq,
      limit: limit === 0 ? Math.min(100, max) : Math.max(1, Math.min(limit, max)),
      maxBytes: this.limits.historyMaxBytes,
    });
  }

  private checkExpression(e: TagExpression): TagExpression {
    if (e.allOf.length === 0 && e.anyOf.length === 0) {
      throw invalid('expression', 'a tag expression needs all_of or any_of');
    }
    const { maxPerConnection: maxTags, maxLength } = this.limits.tags;
    for (const [field, list] of [
      ['expression.all_of', e.allOf],
      ['expression.any_of', e.anyOf],
      ['expression.none_of', e.noneOf],
    ] as const) {
      if (list.length > maxTags) throw invalid(field, `${field} holds at most ${maxTags} tags`);
      for (const tag of list) {
        if (!isValidTag(tag, this.limits.tags)) {
          throw invalid(field, `tags must be 1-${maxLength} characters without control characters`);
        }
      }
    }
    return e;
  }

  /** A MESSAGE that is not stored (message_id 0, seq 0), encoded once for every connection. */
  private livePacket(
    m: Pick<BusinessMessage, 'senderUserId' | 'contentType' | 'content' | 'clientMsgId'>,
    conversation: ConversationRef,
    sentAt: number,
  ): Buffer {
    checkContent(m.contentType, m.content, this.limits.maxContentBytes);
    return messagePush(
      {
        messageId: 0,
        conversation,
        senderUserId: m.senderUserId,
        senderDeviceId: '',
        contentType: m.contentType,
        content: m.content,
        sentAt,
        conversationSeq: 0,
        clientMsgId: m.clientMsgId,
      },
      0,
    );
  }
}

/** What a stored send (1:1, system or group) answers: it is delivered by push, so `delivered` is 0. */
function storedResult(r: Omit<BusinessSendResult, 'delivered'>): BusinessSendResult {
  return {
    messageId: r.messageId,
    conversationSeq: r.conversationSeq,
    sentAt: r.sentAt,
    duplicate: r.duplicate,
    delivered: 0,
  };
}
