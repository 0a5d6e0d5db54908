import {
  type AckRequest,
  type ConversationsRequest,
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
import { Admit, forwardingTo } from './forward-to-logic.js';

// The requests the gate only forwards to logic: each maps the client payload to one logic RPC and
// the RPC's answer back to the client's response payload. Handlers translate; logic decides.

const EMPTY = new Uint8Array(0);

/** SEND: refused at the gate while logic is saturated (see Admission.admitSend). */
export const forwardSend = forwardingTo<SendRequest>(async (logic, session, request) => {
  const res = await logic.send({ session, request });
  return SendResponse.encode(res.response ?? SendResponse.create()).finish();
}, Admit.Send);

export const forwardSync = forwardingTo<SyncRequest>(async (logic, session, request) => {
  const res = await logic.sync({ session, request });
  return SyncResponse.encode(res.response ?? SyncResponse.create()).finish();
});

export const forwardSyncGroup = forwardingTo<SyncGroupRequest>(async (logic, session, request) => {
  const res = await logic.syncGroup({ session, request });
  return SyncResponse.encode(res.response ?? SyncResponse.create()).finish();
});

export const forwardHistory = forwardingTo<HistoryRequest>(async (logic, session, request) => {
  const res = await logic.history({ session, request });
  return HistoryResponse.encode(res.response ?? HistoryResponse.create()).finish();
});

export const forwardConversations = forwardingTo<ConversationsRequest>(async (logic, session, request) => {
  const res = await logic.conversations({ session, request });
  return ConversationsResponse.encode(res.response ?? ConversationsResponse.create()).finish();
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
