import type { Logger } from '@switchboard/log';
import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { ConversationMessage, DirectSendResult, Storage } from '@switchboard/storage';
import { messagePush } from './client-message.js';
import type { HistoryInput, HistoryPage, SendInput, SendResult, SyncInput, SyncPage } from './domain.js';
import { requireId } from './ids.js';
import type { OfflineNotice, UserPacket } from './route-port.js';
import { checkContent } from './content-rules.js';
import type { LogicCounter } from './logic-metrics.js';
import type { PushBatcher } from './push-batcher.js';
import type { SendBatcher } from './send-batcher.js';

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

export interface MessageLimits {
  maxContentBytes: number;
  /** Most messages in one SYNC or HISTORY page. */
  syncLimitMax: number;
  /** Most bytes of messages in one SYNC or HISTORY page (one larger message still goes out alone). */
  syncMaxBytes: number;
  /**
   * Push packets accepted and not yet delivered (see PushBatcher.backlog) past which new sends are
   * refused with RATE_LIMITED: storing faster than route delivers only makes every push later.
   * Default: no bound.
   */
  maxPushBacklog?: number;
  /**
   * Age in ms of the oldest undelivered push (see PushBatcher.oldestWaitMs) past which new sends are
   * refused with RATE_LIMITED: a bound on how late pushes get whatever rate route manages. Default:
   * no bound.
   */
  maxPushLagMs?: number;
}

/**
 * 1:1 messaging with write fan-out. A send is persisted (through the group-commit
 * batcher) before it is answered; delivery to online devices happens after the
 * commit and never holds up the answer — a device that misses a push finds the
 * message by sync, because the inbox is the source of truth.
 */
export class MessageService {
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly storage: Storage,
    private readonly batcher: SendBatcher,
    private readonly pushes: PushBatcher,
    private readonly limits: MessageLimits,
    private readonly log: Logger,
    private readonly counters: Counters<LogicCounter>,
  ) {}

  /** A client's SEND: stores and delivers it; `deadline` (Unix ms) is when the caller stops waiting. */
  async send(caller: Caller, req: SendInput, deadline = Infinity): Promise<SendResult> {
    const conversation = req.to;
    if (!conversation.id) {
      throw new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_CONVERSATION, 'conversation is required', {
        field: 'conversation',
      });
    }
    if (conversation.type !== 'user') {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        'only 1:1 conversations (CONVERSATION_TYPE_USER) are supported by this server version',
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
    requireId('clientMsgId', m.clientMsgId, 'client_msg_id');
    checkContent(m.contentType, m.content, this.limits.maxContentBytes);
    // Refuse while pushes fall behind because route (or the CPU it shares) is slow; not while route
    // is failing: then the pushes end in SYNC_HINTs, and a stored message is still worth keeping.
    if (
      !this.pushes.routeFailing &&
      (this.pushes.backlog >= (this.limits.maxPushBacklog ?? Infinity) ||
        (this.limits.maxPushLagMs !== undefined && this.pushes.oldestWaitMs() >= this.limits.maxPushLagMs))
    ) {
      this.counters.add('sends_refused_push_backlog');
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_RATE_LIMITED,
        'server busy delivering earlier messages; retry after a short back-off',
      );
    }
    const result = await this.batcher
      .send({ appId, ...m, sentAt: Date.now() }, deadline)
      .catch((err: unknown) => {
        if (SwitchboardError.is(err, ErrorCode.ERROR_CODE_RATE_LIMITED))
          this.counters.add('sends_refused_busy');
        else if (SwitchboardError.is(err, ErrorCode.ERROR_CODE_TIMEOUT)) this.counters.add('sends_expired');
        throw err;
      });
    // A retried send was delivered the first time (or will be found by sync): don't push twice.
    if (result.duplicate) {
      this.counters.add('duplicate_sends');
    } else {
      this.counters.add('sends');
      this.track(this.deliver(appId, m, result));
    }
    return result;
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
    if (!c.id || c.type !== 'user') {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        'history needs a 1:1 conversation',
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

  /** Waits for deliveries already started (used on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  private async deliver(appId: string, m: DirectMessage, r: DirectSendResult): Promise<void> {
    const base: Omit<ConversationMessage, 'conversation'> = {
      messageId: r.messageId,
      conversationSeq: r.conversationSeq,
      senderUserId: m.senderUserId,
      senderDeviceId: m.senderDeviceId,
      clientMsgId: m.clientMsgId,
      contentType: m.contentType,
      content: m.content,
      sentAt: r.sentAt,
    };
    const peer = m.recipientUserId;
    // What the offline-push webhook says if the recipient has no device online.
    const offline: OfflineNotice = { messageId: r.messageId, ...m, sentAt: r.sentAt };
    if (m.senderUserId === '') {
      const push = messagePush({ ...base, conversation: { type: 'system', id: '' } }, r.recipientSeq);
      await this.pushes.push(appId, [{ userIds: [peer], packet: push, offline }]);
      return;
    }
    // The sender's device that sent it has the result as its response; a send made through the
    // business API has no sending device, so every device of the sender gets the push.
    const exclude = m.senderDeviceId ? { userId: m.senderUserId, deviceId: m.senderDeviceId } : undefined;
    const excluding = exclude ? { exclude } : {};
    // Each user gets the message with their own inbox seq; the sender's other devices see the peer as the conversation.
    const toSender = messagePush({ ...base, conversation: { type: 'user', id: peer } }, r.senderSeq);
    const packets: UserPacket[] =
      peer === m.senderUserId
        ? [{ userIds: [m.senderUserId], packet: toSender, ...excluding }]
        : [
            {
              userIds: [peer],
              packet: messagePush(
                { ...base, conversation: { type: 'user', id: m.senderUserId } },
                r.recipientSeq,
              ),
              offline,
            },
            { userIds: [m.senderUserId], packet: toSender, ...excluding },
          ];
    // Never rejects: a push route cannot take is retried, then its receivers are told to sync.
    await this.pushes.push(appId, packets);
  }

  private track(p: Promise<void>): void {
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }
}

function clampLimit(requested: number, max: number): number {
  if (!requested) return Math.min(100, max);
  return Math.max(1, Math.min(requested, max));
}
