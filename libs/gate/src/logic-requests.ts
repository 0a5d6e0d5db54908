import {
  type AckRequest,
  ConversationType,
  type ConversationsRequest,
  ErrorCode,
  ConversationsResponse,
  type HistoryRequest,
  HistoryResponse,
  type ReadRequest,
  type SendRequest,
  SendResponse,
  type SyncGroupRequest,
  type SyncRequest,
  SyncResponse,
} from '@switchboard/proto/client';
import { encodeToBuffer } from '@switchboard/proto/codec';
import { errorPacket } from '@switchboard/protocol';
import { Admit, forwardingTo } from './forward-to-logic.js';
import type { RequestHandler } from './request-handler.js';

// The requests the gate only forwards to logic: each maps the client payload to one logic RPC and
// the RPC's answer back to the client's response payload. Handlers translate; logic decides.

const EMPTY = new Uint8Array(0);

const sendToLogic = forwardingTo<SendRequest>(async (logic, session, request) => {
  const res = await logic.send({ session, request });
  return encodeToBuffer(SendResponse, res.response ?? SendResponse.create());
}, Admit.Send);

/**
 * SEND: refused at the gate while logic is saturated (see Admission.admitSend), and, to a room, unless
 * the connection is in that room (subscribed or server-assigned): NOT_ROOM_SUBSCRIBER without asking
 * logic. Logic decides the rest (whether the app lets clients send to rooms at all).
 */
export const forwardSend: RequestHandler<SendRequest> = (host, conn, packet, request) => {
  const to = request.conversation;
  if (to?.type === ConversationType.CONVERSATION_TYPE_ROOM && !host.rooms.has(conn.appId, to.id, conn)) {
    host.reply(
      conn,
      errorPacket(
        packet,
        ErrorCode.ERROR_CODE_NOT_ROOM_SUBSCRIBER,
        'subscribe to the room before sending to it',
      ),
    );
    return;
  }
  sendToLogic(host, conn, packet, request);
};

export const forwardSync = forwardingTo<SyncRequest>(async (logic, session, request) => {
  const res = await logic.sync({ session, request });
  return encodeToBuffer(SyncResponse, res.response ?? SyncResponse.create());
});

export const forwardSyncGroup = forwardingTo<SyncGroupRequest>(async (logic, session, request) => {
  const res = await logic.syncGroup({ session, request });
  return encodeToBuffer(SyncResponse, res.response ?? SyncResponse.create());
});

export const forwardHistory = forwardingTo<HistoryRequest>(async (logic, session, request) => {
  const res = await logic.history({ session, request });
  return encodeToBuffer(HistoryResponse, res.response ?? HistoryResponse.create());
});

export const forwardConversations = forwardingTo<ConversationsRequest>(async (logic, session, request) => {
  const res = await logic.conversations({ session, request });
  return encodeToBuffer(ConversationsResponse, res.response ?? ConversationsResponse.create());
});

/** ACK: answered with an empty payload once logic has recorded it. */
export const forwardAck = forwardingTo<AckRequest>(async (logic, session, request) => {
  await logic.ack({ session, request });
  return EMPTY;
});

/** READ: answered with an empty payload once logic has recorded it. */
export const forwardRead = forwardingTo<ReadRequest>(async (logic, session, request) => {
  await logic.read({ session, request });
  return EMPTY;
});
