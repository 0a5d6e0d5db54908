import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import {
  directAppendInput,
  directSendResult,
  type ConversationMessage,
  type ConversationRef,
  type DirectSendInput,
  type DirectSendResult,
  type Storage,
} from '@switchboard/storage';
import { messagePush } from './client-message.js';
import type { HistoryInput, HistoryPage, SendInput, SendResult, SyncInput, SyncPage } from './domain.js';
import { requireId } from './ids.js';
import { clampLimit } from './paging.js';
import type { OfflineNotice, UserPacket } from './route-port.js';
import type { GroupMessaging } from './groups/group-messaging.js';
import type { MessageStore } from './message-store.js';
import type { RoomMessaging } from './room-messaging.js';
import type { LogicCounter } from './logic-metrics.js';
import type { PushBatcher } from './push-batcher.js';

/** A 1:1 message to store and deliver; an empty sender (and sender device) is the system. */
export interface DirectMessage {
  senderUserId: string;
  /** Empty for a send made through the business API on the user's behalf. */
  senderDeviceId: string;
  recipientUserId: string;
  clientMsgId: string;
  contentType: string;
  content: Uint8Array;
}

/** Who is asking: filled by the gate from its sign-in state, never from client input. */
export interface Caller {
  appId: string;
  userId: string;
  deviceId: string;
}

/** The bounds of a page read from an inbox or a conversation (SYNC, SYNC_GROUP, HISTORY). */
export interface PageLimits {
  /** Most messages in one page. */
  syncLimitMax: number;
  /** Most bytes of messages in one page (one larger message still goes out alone). */
  syncMaxBytes: number;
}

/**
 * A client's messaging requests. 1:1 messages use write fan-out: a send is persisted (through the
 * group-commit store) before it is answered; delivery to online devices happens after the commit and
 * never holds up the answer — a device that misses a push finds the message by sync, because the
 * inbox is the source of truth. Group and room sends go to their own services.
 */
export class MessageService {
  constructor(
    private readonly storage: Storage,
    private readonly store: MessageStore,
    private readonly pushes: PushBatcher,
    private readonly limits: PageLimits,
    private readonly counters: Counters<LogicCounter>,
    private readonly groups: GroupMessaging,
    private readonly rooms: RoomMessaging,
  ) {}

  /** A client's SEND: stores and delivers it; `deadline` (Unix ms) is when the caller stops waiting. */
  async send(caller: Caller, req: SendInput, deadline = Infinity): Promise<SendResult> {
    const conversation = req.to;
    if (!conversation.id) {
      throw new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_CONVERSATION, 'conversation is required', {
        field: 'conversation',
      });
    }
    if (conversation.type === 'group') {
      const r = await this.groups.send(
        caller.appId,
        {
          senderUserId: caller.userId,
          senderDeviceId: caller.deviceId,
          groupId: conversation.id,
          clientMsgId: req.clientMsgId,
          contentType: req.contentType,
          content: req.content,
        },
        deadline,
      );
      return { messageId: r.messageId, seq: r.seq, sentAt: r.sentAt, conversationSeq: r.conversationSeq };
    }
    if (conversation.type === 'room') {
      const sentAt = await this.rooms.sendFromClient(caller, conversation.id, req);
      return { messageId: 0, seq: 0, sentAt, conversationSeq: 0 };
    }
    if (conversation.type !== 'user') {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        'a SEND goes to a user, a group or a room (CONVERSATION_TYPE_USER, _GROUP or _ROOM)',
        { field: 'conversation.type' },
      );
    }
    requireId('user', conversation.id, 'conversation.id', ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    const result = await this.sendDirect(
      caller.appId,
      {
        senderUserId: caller.userId,
        senderDeviceId: caller.deviceId,
        recipientUserId: conversation.id,
        clientMsgId: req.clientMsgId,
        contentType: req.contentType,
        content: req.content,
      },
      deadline,
    );
    return {
      messageId: result.messageId,
      seq: result.senderSeq,
      sentAt: result.sentAt,
      conversationSeq: result.conversationSeq,
    };
  }

  /**
   * Stores a 1:1 message (or one from the system: empty sender) and delivers it to the online devices
   * of both parties, as every send does; idempotent on (app, sender, client_msg_id). The recipient id
   * is the caller's to check (its field name depends on the API). `deadline` as in {@link send}.
   */
  async sendDirect(appId: string, m: DirectMessage, deadline = Infinity): Promise<DirectSendResult> {
    const input: DirectSendInput = {
      appId,
      senderUserId: m.senderUserId,
      senderDeviceId: m.senderDeviceId,
      recipientUserId: m.recipientUserId,
      clientMsgId: m.clientMsgId,
      contentType: m.contentType,
      content: m.content,
      sentAt: Date.now(),
    };
    const result = directSendResult(input, await this.store.append(directAppendInput(input), deadline));
    // A retried send was delivered the first time (or will be found by sync): don't push twice.
    if (!result.duplicate) this.store.track(this.deliver(appId, m, result));
    return result;
  }

  /** The page size of a SYNC-like request: 0 asks for the default, anything else within 1..syncLimitMax. */
  pageSize(requested: number): number {
    return clampLimit(requested, this.limits.syncLimitMax);
  }

  async sync(caller: Caller, req: SyncInput): Promise<SyncPage> {
    const limit = clampLimit(req.limit, this.limits.syncLimitMax);
    const r = await this.storage.messages.syncInbox(
      caller.appId,
      caller.userId,
      req.afterSeq,
      limit,
      this.limits.syncMaxBytes,
    );
    this.counters.add('syncs');
    return { messages: r.messages, hasMore: r.hasMore, maxSeq: r.maxSeq };
  }

  async history(caller: Caller, req: HistoryInput): Promise<HistoryPage> {
    const c = req.conversation;
    if (c.type === 'group') {
      return this.groups.history(
        caller,
        c.id,
        req.beforeSeq,
        clampLimit(req.limit, this.limits.syncLimitMax),
      );
    }
    if (!c.id || c.type !== 'user') {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        'history needs a 1:1 or a group conversation',
      );
    }
    const r = await this.storage.messages.history({
      appId: caller.appId,
      userId: caller.userId,
      conversation: {
        type: 'user',
        id: requireId('user', c.id, 'conversation.id', ErrorCode.ERROR_CODE_INVALID_CONVERSATION),
      },
      beforeSeq: req.beforeSeq,
      limit: clampLimit(req.limit, this.limits.syncLimitMax),
      maxBytes: this.limits.syncMaxBytes,
    });
    return { messages: r.messages, hasMore: r.hasMore };
  }

  async ack(caller: Caller, seq: number): Promise<number> {
    this.counters.add('acks');
    return this.storage.devices.ack(caller.appId, caller.userId, caller.deviceId, seq);
  }

  private async deliver(appId: string, m: DirectMessage, r: DirectSendResult): Promise<void> {
    const peer = m.recipientUserId;
    // Stored as the sender's conversation with the peer; each party's push shows the other.
    const message: ConversationMessage = {
      messageId: r.messageId,
      conversation: { type: 'user', id: peer },
      conversationSeq: r.conversationSeq,
      senderUserId: m.senderUserId,
      senderDeviceId: m.senderDeviceId,
      clientMsgId: m.clientMsgId,
      contentType: m.contentType,
      content: m.content,
      sentAt: r.sentAt,
    };
    // What the offline-push webhook says if the recipient has no device online.
    const offline: OfflineNotice = {
      messageId: r.messageId,
      senderUserId: m.senderUserId,
      recipientUserId: peer,
      contentType: m.contentType,
      content: m.content,
      sentAt: r.sentAt,
    };
    if (m.senderUserId === '') {
      const push = messagePush(message, r.recipientSeq, SYSTEM_CONVERSATION);
      await this.pushes.push(appId, [{ userIds: [peer], packet: push, offline }]);
      return;
    }
    // The sender's device that sent it has the result as its response; a send made through the
    // business API has no sending device, so every device of the sender gets the push.
    const exclude = m.senderDeviceId ? { userId: m.senderUserId, deviceId: m.senderDeviceId } : undefined;
    const excluding = exclude ? { exclude } : {};
    // Each user gets the message with their own inbox seq.
    const toSender = messagePush(message, r.senderSeq);
    const packets: UserPacket[] =
      peer === m.senderUserId
        ? [{ userIds: [m.senderUserId], packet: toSender, ...excluding }]
        : [
            {
              userIds: [peer],
              packet: messagePush(message, r.recipientSeq, { type: 'user', id: m.senderUserId }),
              offline,
            },
            { userIds: [m.senderUserId], packet: toSender, ...excluding },
          ];
    // Never rejects: a push route cannot take is retried, then its receivers are told to sync.
    await this.pushes.push(appId, packets);
  }
}

const SYSTEM_CONVERSATION: ConversationRef = { type: 'system', id: '' };
