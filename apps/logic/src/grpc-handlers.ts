import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import type { Counters } from '@switchboard/metrics';
import type { LogicServiceServer, Session } from '@switchboard/proto/logic';
import { SwitchboardError } from '@switchboard/protocol';
import { unary } from '@switchboard/rpc';
import { fromClientConversation, toClientMessage } from './client-message.js';
import { requireClientRoomId } from './ids.js';
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

/** The caller's deadline in Unix ms (Infinity when it set none). */
function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}

/** Translates LogicService gRPC calls to the domain services; no decisions here. */
export function logicHandlers(
  signIn: SignInService,
  messages: MessageService,
  log: Logger,
  counters: Counters<LogicCounter>,
): LogicServiceServer {
  const onError = (err: unknown) => log.error({ err }, 'logic call failed');
  /** A unary handler whose storage errors answer with their catalog code (see storage-errors.ts). */
  const handle = <Req, Res>(
    fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  ): handleUnaryCall<Req, Res> =>
    unary(async (request: Req, call: ServerUnaryCall<Req, Res>) => {
      try {
        return await fn(request, call);
      } catch (err) {
        const mapped = fromStorageError(err);
        // Kept visible in the logs, as an outage is: the database kept refusing this transaction.
        if (SwitchboardError.is(mapped, ErrorCode.ERROR_CODE_UNAVAILABLE) && mapped !== err)
          log.warn({ err }, 'logic call failed: storage conflict');
        throw mapped;
      }
    }, onError);
  return {
    signIn: handle(async (req) => {
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
          rooms: [],
        };
      } catch (err) {
        counters.add('sign_in_failures');
        throw err;
      }
    }),
    send: handle(async (req, call) => {
      const caller = callerOf(req.session);
      const q = need(req.request, 'request');
      const to = fromClientConversation(q.conversation);
      const r = await messages.send(
        caller,
        { clientMsgId: q.clientMsgId, to, contentType: q.contentType, content: q.content },
        deadlineOf(call),
      );
      return {
        response: {
          messageId: r.messageId,
          seq: r.seq,
          sentAt: r.sentAt,
          conversationSeq: r.conversationSeq,
        },
      };
    }),
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
      callerOf(req.session);
      // Groups arrive with the group-messaging issue; until then no group id names a group.
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_GROUP_NOT_FOUND,
        `group "${req.request?.groupId ?? ''}" not found`,
      );
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
      callerOf(req.session);
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_INVALID_CONVERSATION,
        'read receipts are not supported by this server version',
      );
    }),
    conversations: handle(async () => {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_UNIMPLEMENTED,
        'the conversation list is not implemented yet',
      );
    }),
    subscribeRoom: handle(async (req) => {
      callerOf(req.session);
      // Rooms are open to every signed-in user of the app (live channels, goim-style).
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
