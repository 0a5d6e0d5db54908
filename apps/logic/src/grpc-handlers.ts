import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import type { Counters } from '@switchboard/metrics';
import type {
  LogicServiceServer,
  SendRequest,
  SendResponse,
  SendResult,
  Session,
  SignInRequest,
  SignInResponse,
  SignInResult,
} from '@switchboard/proto/logic';
import { SwitchboardError } from '@switchboard/protocol';
import {
  deadlineOf,
  INTERNAL_LIMITS,
  isCodedError,
  toErrorOutcome,
  unary,
  type ErrorOutcome,
} from '@switchboard/rpc';
import { fromClientConversation, toClientMessage, toClientSummary } from './client-message.js';
import type { ConversationList } from './conversation-list.js';
import type { GroupMessaging } from './groups/group-messaging.js';
import { requireClientRoomId } from './ids.js';
import type { ReadReceipts } from './read-receipts.js';
import type { Caller, MessageService } from './message-service.js';
import type { LogicCounter } from './logic-metrics.js';
import type { SignInService } from './sign-in-service.js';
import { fromStorageError } from './storage-errors.js';

function callerOf(session: Session | undefined): Caller {
  if (!session || !session.appId || !session.userId || !session.deviceId) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_NOT_SIGNED_IN,
      'the request carries no signed-in session',
    );
  }
  return { appId: session.appId, userId: session.userId, deviceId: session.deviceId };
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, `${name} is required`);
  return value;
}

export interface LogicServices {
  signIn: SignInService;
  messages: MessageService;
  groups: GroupMessaging;
  reads: ReadReceipts;
  conversations: ConversationList;
}

/** Translates LogicService gRPC calls to the domain services; no decisions here. */
export function logicHandlers(
  { signIn, messages, groups, reads, conversations }: LogicServices,
  log: Logger,
  counters: Counters<LogicCounter>,
): LogicServiceServer {
  const onError = (err: unknown) => log.error({ err }, 'logic call failed');
  /** A storage error as its catalog code (see storage-errors.ts); anything else as it is. */
  const mapStorage = (err: unknown): unknown => {
    const mapped = fromStorageError(err);
    // Kept visible in the logs, as an outage is: the database kept refusing this transaction.
    if (SwitchboardError.is(mapped, ErrorCode.ERROR_CODE_UNAVAILABLE) && mapped !== err)
      log.warn({ err }, 'logic call failed: storage conflict');
    return mapped;
  };
  /** A unary handler whose storage errors answer with their catalog code. */
  const handle = <Req, Res>(
    fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  ): handleUnaryCall<Req, Res> =>
    unary(async (request: Req, call: ServerUnaryCall<Req, Res>) => {
      try {
        return await fn(request, call);
      } catch (err) {
        throw mapStorage(err);
      }
    }, onError);
  const send = async (req: SendRequest, deadline: number): Promise<SendResponse> => {
    const caller = callerOf(req.session);
    const q = need(req.request, 'request');
    const to = fromClientConversation(q.conversation);
    const r = await messages.send(
      caller,
      { clientMsgId: q.clientMsgId, to, contentType: q.contentType, content: q.content },
      deadline,
    );
    return {
      response: { messageId: r.messageId, seq: r.seq, sentAt: r.sentAt, conversationSeq: r.conversationSeq },
    };
  };
  /** One sign-in, as SignIn answers it (and counts it); none is written once `call` is cancelled. */
  const signInOne = async (
    req: SignInRequest,
    call: ServerUnaryCall<unknown, unknown>,
  ): Promise<SignInResponse> => {
    try {
      const q = need(req.request, 'request');
      const r = await signIn.signIn(
        {
          token: q.token,
          appId: q.appId,
          userId: q.userId,
          deviceId: q.deviceId,
          platform: q.platform,
          tags: q.tags,
        },
        { gateId: req.gateId, gateBootId: req.gateBootId, connId: req.connId },
        call,
      );
      counters.add('sign_ins');
      return {
        response: {
          userId: r.userId,
          deviceId: r.deviceId,
          maxSeq: r.maxSeq,
          ackedSeq: r.ackedSeq,
          heartbeatIntervalMs: r.heartbeatIntervalMs,
          serverTime: r.serverTime,
        },
        epoch: r.epoch,
        appId: r.appId,
        tags: r.tags,
        serverTags: r.serverTags,
        rooms: r.rooms,
      };
    } catch (err) {
      counters.add('sign_in_failures');
      throw err;
    }
  };
  const signedIn = (response: SignInResponse): SignInResult => ({ response });
  const sent = (response: SendResponse): SendResult => ({ response });
  /** One item's failure as its unary call would have answered it (and logged it). */
  const failed = (err: unknown): { error: ErrorOutcome } => {
    const mapped = mapStorage(err);
    if (!isCodedError(mapped)) onError(mapped);
    return { error: toErrorOutcome(mapped) };
  };
  return {
    signIn: handle(signInOne),
    signInBatch: unary(async (req, call) => {
      if (req.signIns.length > INTERNAL_LIMITS.signInsPerBatch) {
        throw new SwitchboardError(
          ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
          `a SignInBatch carries at most ${INTERNAL_LIMITS.signInsPerBatch} sign-ins`,
        );
      }
      counters.add('sign_in_rpc_batches');
      counters.add('sign_in_rpc_batch_sign_ins', req.signIns.length);
      // Each sign-in goes its own way as SignIn's does, so the tick's device upserts and binds are
      // batched with other gates' sign-ins and fail one by one.
      const results = await Promise.all(req.signIns.map((s) => signInOne(s, call).then(signedIn, failed)));
      return { results };
    }, onError),
    send: handle((req, call) => send(req, deadlineOf(call))),
    sendBatch: unary(async (req, call) => {
      if (req.sends.length > INTERNAL_LIMITS.sendsPerBatch) {
        throw new SwitchboardError(
          ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
          `a SendBatch carries at most ${INTERNAL_LIMITS.sendsPerBatch} sends`,
        );
      }
      counters.add('send_rpc_batches');
      counters.add('send_rpc_batch_sends', req.sends.length);
      // Each send goes its own way through the same path as Send (one group-commit batcher), so a
      // batch's sends can share a transaction with other gates' and fail one by one.
      const deadline = deadlineOf(call);
      const results = await Promise.all(req.sends.map((s) => send(s, deadline).then(sent, failed)));
      return { results };
    }, onError),
    sync: handle(async (req) => {
      const caller = callerOf(req.session);
      const q = need(req.request, 'request');
      const page = await messages.sync(caller, { afterSeq: q.afterSeq, limit: q.limit });
      return {
        response: {
          messages: page.messages.map((m) => toClientMessage(m, m.seq)),
          hasMore: page.hasMore,
          maxSeq: page.maxSeq,
        },
      };
    }),
    syncGroup: handle(async (req) => {
      const caller = callerOf(req.session);
      const q = need(req.request, 'request');
      const page = await groups.sync(caller, q.groupId, q.afterSeq, messages.pageSize(q.limit));
      // Read from the group's conversation, not an inbox: seq 0, conversation_seq says where.
      return {
        response: {
          messages: page.messages.map((m) => toClientMessage(m, 0)),
          hasMore: page.hasMore,
          maxSeq: page.maxSeq,
        },
      };
    }),
    history: handle(async (req) => {
      const caller = callerOf(req.session);
      const q = need(req.request, 'request');
      const page = await messages.history(caller, {
        conversation: fromClientConversation(q.conversation),
        beforeSeq: q.beforeSeq,
        limit: q.limit,
      });
      // History is a conversation's view, not an inbox: its messages carry no per-user seq.
      return {
        response: { messages: page.messages.map((m) => toClientMessage(m, 0)), hasMore: page.hasMore },
      };
    }),
    ack: handle(async (req) => ({
      ackedSeq: await messages.ack(callerOf(req.session), need(req.request, 'request').seq),
    })),
    read: handle(async (req) => {
      const caller = callerOf(req.session);
      const q = need(req.request, 'request');
      await reads.read(caller, fromClientConversation(q.conversation), q.conversationSeq);
      return {};
    }),
    conversations: handle(async (req) => {
      const caller = callerOf(req.session);
      const q = need(req.request, 'request');
      const page = await conversations.page(caller.appId, caller.userId, q.cursor, q.limit);
      return { response: { conversations: page.items.map(toClientSummary), nextCursor: page.nextCursor } };
    }),
    subscribeRoom: handle(async (req) => {
      callerOf(req.session);
      // Rooms are open to every signed-in user of the app (live channels, goim-style), except the
      // server's own (the rooms of large groups).
      requireClientRoomId(req.roomId, 'room_id');
      return {};
    }),
    disconnect: handle(async (req) => {
      const s = req.session;
      log.debug(
        { appId: s?.appId, userId: s?.userId, deviceId: s?.deviceId, code: req.code },
        'device disconnected',
      );
      return {};
    }),
  };
}
