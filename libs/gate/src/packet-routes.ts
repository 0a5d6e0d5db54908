import {
  AckRequest,
  ConversationsRequest,
  HistoryRequest,
  type Packet,
  PacketType,
  ReadRequest,
  SendRequest,
  SignInRequest,
  SubscribeRoomRequest,
  SyncGroupRequest,
  SyncRequest,
  UnsubscribeRoomRequest,
} from '@switchboard/proto/client';
import type { MessageDecoder } from '@switchboard/protocol';
import type { Connection } from './connection.js';
import { answerHeartbeat } from './heartbeat.js';
import {
  forwardAck,
  forwardConversations,
  forwardHistory,
  forwardRead,
  forwardSend,
  forwardSync,
  forwardSyncGroup,
} from './logic-requests.js';
import type { RequestHandler } from './request-handler.js';
import { subscribeRoom, unsubscribeRoom } from './room-subscriptions.js';
import type { SessionHost } from './session-host.js';
import { signIn } from './sign-in.js';

/** In which session state a request is accepted (see dispatchPacket for what a refusal does). */
export const Access = {
  /** In any state. */
  Always: 0,
  /** Only before sign-in has begun; otherwise answered with ALREADY_SIGNED_IN. */
  BeforeSignIn: 1,
  /** Only once signed in; otherwise the connection is closed with NOT_SIGNED_IN. */
  SignedIn: 2,
} as const;
export type Access = (typeof Access)[keyof typeof Access];

/** One row of the dispatch table: everything the gate needs to know about one client request type. */
export interface PacketRoute<Req = unknown> {
  readonly type: PacketType;
  readonly access: Access;
  /** Decoder of the request payload (docs/protocol.md §2); undefined when the data is ignored. */
  readonly decoder: MessageDecoder<Req> | undefined;
  /** Reason of the INVALID_PACKET close when the payload does not decode. */
  readonly invalidPayload: string;
  /** Method syntax on purpose: a row for one payload type is stored as a row for any. */
  handle(host: SessionHost, conn: Connection, packet: Packet, request: Req): void;
}

/** A row whose decoder and handler agree on the request type. */
function route<Req>(
  type: PacketType,
  access: Access,
  decoder: MessageDecoder<Req> | undefined,
  handle: RequestHandler<Req>,
  invalidPayload = `invalid payload for packet type ${type}`,
): PacketRoute {
  return { type, access, decoder, invalidPayload, handle };
}

/**
 * Every packet type a client may send, and what the gate does with it. Types not listed (MESSAGE,
 * KICKED, DISCONNECT, SYNC_HINT) are server-to-client only. Adding a request type is one row here
 * plus its handler; libs/protocol's payload-types.ts names the same decoders for the JSON mapping
 * (packet-routes.spec.ts keeps the two in step).
 */
const ROUTES: readonly PacketRoute[] = [
  route(PacketType.PACKET_TYPE_HEARTBEAT, Access.Always, undefined, answerHeartbeat),
  route(
    PacketType.PACKET_TYPE_SIGN_IN,
    Access.BeforeSignIn,
    SignInRequest,
    signIn,
    'invalid SignInRequest payload',
  ),
  route(PacketType.PACKET_TYPE_SEND, Access.SignedIn, SendRequest, forwardSend),
  route(PacketType.PACKET_TYPE_SYNC, Access.SignedIn, SyncRequest, forwardSync),
  route(PacketType.PACKET_TYPE_SYNC_GROUP, Access.SignedIn, SyncGroupRequest, forwardSyncGroup),
  route(PacketType.PACKET_TYPE_HISTORY, Access.SignedIn, HistoryRequest, forwardHistory),
  route(PacketType.PACKET_TYPE_CONVERSATIONS, Access.SignedIn, ConversationsRequest, forwardConversations),
  route(PacketType.PACKET_TYPE_ACK, Access.SignedIn, AckRequest, forwardAck),
  route(PacketType.PACKET_TYPE_READ, Access.SignedIn, ReadRequest, forwardRead),
  route(
    PacketType.PACKET_TYPE_SUBSCRIBE_ROOM,
    Access.SignedIn,
    SubscribeRoomRequest,
    subscribeRoom,
    'invalid SubscribeRoomRequest payload',
  ),
  route(
    PacketType.PACKET_TYPE_UNSUBSCRIBE_ROOM,
    Access.SignedIn,
    UnsubscribeRoomRequest,
    unsubscribeRoom,
    'invalid UnsubscribeRoomRequest payload',
  ),
];

/** The rows indexed by packet type, a dense array so that a lookup is one indexed load. */
export const PACKET_ROUTES: readonly (PacketRoute | undefined)[] = indexByType(ROUTES);

function indexByType(routes: readonly PacketRoute[]): (PacketRoute | undefined)[] {
  const byType: (PacketRoute | undefined)[] = [];
  for (const row of routes) {
    while (byType.length <= row.type) byType.push(undefined);
    if (byType[row.type] !== undefined) throw new Error(`two dispatch rows for packet type ${row.type}`);
    byType[row.type] = row;
  }
  return byType;
}
