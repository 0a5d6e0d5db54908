import {
  ConversationType,
  ErrorCode,
  type HistoryRequest,
  type HistoryResponse,
  type SendRequest,
  type SendResponse,
  type SyncRequest,
  type SyncResponse,
} from '@switchboard/proto/client';
import type { Logger } from '@switchboard/log';
import { RpcError } from '@switchboard/rpc';
import type { DirectSendResult, Storage } from '@switchboard/storage';
import { encodeMessagePush, toClientMessage } from './client-message.js';
import type { Counters } from '@switchboard/metrics';
import { requireId } from './ids.js';
import type { LogicCounter } from './logic-metrics.js';
import type { PushBatcher } from './push-batcher.js';
import type { SendBatcher } from './send-batcher.js';

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

const CONTENT_TYPE_MAX = 64;

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

  /** Stores and delivers a send; `deadline` (Unix ms) is when the caller stops waiting. */
  async send(caller: Caller, req: SendRequest, deadline = Infinity): Promise<SendResponse> {
    const conversation = req.conversation;
    requireId('clientMsgId', req.clientMsgId, 'client_msg_id');
    if (!conversation || !conversation.id) {
      throw new RpcError(ErrorCode.ERROR_CODE_INVALID_CONVERSATION, 'conversation is required');
    }
    if (conversation.type !== ConversationType.CONVERSATION_TYPE_USER) {
      throw new RpcError(
        ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        'only 1:1 conversations (CONVERSATION_TYPE_USER) are supported by this server version',
      );
    }
    requireId('user', conversation.id, 'conversation.id', ErrorCode.ERROR_CODE_INVALID_CONVERSATION);
    if (req.content.length > this.limits.maxContentBytes) {
      throw new RpcError(
        ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE,
        `content is ${req.content.length} bytes; the limit is ${this.limits.maxContentBytes}`,
      );
    }
    if (req.contentType.length > CONTENT_TYPE_MAX) {
      throw new RpcError(
        ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
        `content_type is at most ${CONTENT_TYPE_MAX} characters`,
      );
    }
    // Refuse while pushes fall behind because route (or the CPU it shares) is slow; not while route
    // is failing: then the pushes end in SYNC_HINTs, and a stored message is still worth keeping.
    if (
      !this.pushes.routeFailing &&
      (this.pushes.backlog >= (this.limits.maxPushBacklog ?? Infinity) ||
        (this.limits.maxPushLagMs !== undefined && this.pushes.oldestWaitMs() >= this.limits.maxPushLagMs))
    ) {
      this.counters.add('sends_refused_push_backlog');
      throw new RpcError(
        ErrorCode.ERROR_CODE_RATE_LIMITED,
        'server busy delivering earlier messages; retry after a short back-off',
      );
    }
    const result = await this.batcher
      .send(
        {
          appId: caller.appId,
          senderUserId: caller.userId,
          senderDeviceId: caller.deviceId,
          recipientUserId: conversation.id,
          clientMsgId: req.clientMsgId,
          contentType: req.contentType,
          content: req.content,
          sentAt: Date.now(),
        },
        deadline,
      )
      .catch((err: unknown) => {
        if (err instanceof RpcError && err.code === ErrorCode.ERROR_CODE_RATE_LIMITED)
          this.counters.add('sends_refused_busy');
        else if (err instanceof RpcError && err.code === ErrorCode.ERROR_CODE_TIMEOUT)
          this.counters.add('sends_expired');
        throw err;
      });
    // A retried send was delivered the first time (or will be found by sync): don't push twice.
    if (result.duplicate) {
      this.counters.add('duplicate_sends');
    } else {
      this.counters.add('sends');
      this.track(this.deliver(caller, conversation.id, req, result));
    }
    return {
      messageId: result.messageId,
      seq: result.senderSeq,
      sentAt: result.sentAt,
      conversationSeq: result.conversationSeq,
    };
  }

  async sync(caller: Caller, req: SyncRequest): Promise<SyncResponse> {
    const limit = clampLimit(req.limit, this.limits.syncLimitMax);
    const r = await this.storage.messages.syncInbox(
      caller.appId,
      caller.userId,
      req.afterSeq,
      limit,
      this.limits.syncMaxBytes,
    );
    this.counters.add('syncs');
    return {
      messages: r.messages.map((m) => toClientMessage(m, m.seq)),
      hasMore: r.hasMore,
      maxSeq: r.maxSeq,
    };
  }

  async history(caller: Caller, req: HistoryRequest): Promise<HistoryResponse> {
    const c = req.conversation;
    if (!c || !c.id || c.type !== ConversationType.CONVERSATION_TYPE_USER) {
      throw new RpcError(ErrorCode.ERROR_CODE_INVALID_CONVERSATION, 'history needs a 1:1 conversation');
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
    return { messages: r.messages.map((m) => toClientMessage(m, 0)), hasMore: r.hasMore };
  }

  async ack(caller: Caller, seq: number): Promise<number> {
    this.counters.add('acks');
    return this.storage.devices.ack(caller.appId, caller.userId, caller.deviceId, seq);
  }

  /** Waits for deliveries already started (used on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  private async deliver(caller: Caller, peer: string, req: SendRequest, r: DirectSendResult): Promise<void> {
    const base = {
      messageId: r.messageId,
      conversationSeq: r.conversationSeq,
      senderUserId: caller.userId,
      senderDeviceId: caller.deviceId,
      clientMsgId: req.clientMsgId,
      contentType: req.contentType,
      content: req.content,
      sentAt: r.sentAt,
    };
    const exclude = { userId: caller.userId, deviceId: caller.deviceId };
    // Each user gets the message with their own inbox seq; the sender's other devices see the peer as the conversation.
    const toSender = encodeMessagePush(
      toClientMessage({ ...base, conversation: { type: 'user', id: peer } }, r.senderSeq),
    );
    const packets =
      peer === caller.userId
        ? [{ userIds: [caller.userId], packet: toSender, exclude }]
        : [
            {
              userIds: [peer],
              packet: encodeMessagePush(
                toClientMessage(
                  { ...base, conversation: { type: 'user', id: caller.userId } },
                  r.recipientSeq,
                ),
              ),
            },
            { userIds: [caller.userId], packet: toSender, exclude },
          ];
    // Never rejects: a push route cannot take is retried, then its receivers are told to sync.
    await this.pushes.push(caller.appId, packets);
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
