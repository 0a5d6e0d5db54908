import {
  AckRequest,
  ConversationsRequest,
  ConversationsResponse,
  ReadReceipt,
  HistoryRequest,
  HistoryResponse,
  Message,
  PacketType,
  ReadRequest,
  SendRequest,
  SendResponse,
  SignInRequest,
  SignInResponse,
  SubscribeRoomRequest,
  SyncGroupRequest,
  SyncRequest,
  SyncResponse,
  UnsubscribeRoomRequest,
} from '@switchboard/proto/client';

/** Which way a Packet travels: requests go to the server, responses and pushes to the client. */
export type PacketDirection = 'to-server' | 'to-client';

/** The generated functions of one payload message that the JSON mapping needs. */
export interface PayloadCodec {
  encode(message: never): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromJSON(object: unknown): unknown;
  toJSON(message: never): unknown;
}

const TO_SERVER: Partial<Record<PacketType, PayloadCodec>> = {
  [PacketType.PACKET_TYPE_SIGN_IN]: SignInRequest,
  [PacketType.PACKET_TYPE_SEND]: SendRequest,
  [PacketType.PACKET_TYPE_ACK]: AckRequest,
  [PacketType.PACKET_TYPE_SYNC]: SyncRequest,
  [PacketType.PACKET_TYPE_SYNC_GROUP]: SyncGroupRequest,
  [PacketType.PACKET_TYPE_READ]: ReadRequest,
  [PacketType.PACKET_TYPE_SUBSCRIBE_ROOM]: SubscribeRoomRequest,
  [PacketType.PACKET_TYPE_UNSUBSCRIBE_ROOM]: UnsubscribeRoomRequest,
  [PacketType.PACKET_TYPE_HISTORY]: HistoryRequest,
  [PacketType.PACKET_TYPE_CONVERSATIONS]: ConversationsRequest,
};

const TO_CLIENT: Partial<Record<PacketType, PayloadCodec>> = {
  [PacketType.PACKET_TYPE_SIGN_IN]: SignInResponse,
  [PacketType.PACKET_TYPE_SEND]: SendResponse,
  [PacketType.PACKET_TYPE_MESSAGE]: Message,
  [PacketType.PACKET_TYPE_SYNC]: SyncResponse,
  [PacketType.PACKET_TYPE_SYNC_GROUP]: SyncResponse,
  [PacketType.PACKET_TYPE_HISTORY]: HistoryResponse,
  [PacketType.PACKET_TYPE_CONVERSATIONS]: ConversationsResponse,
  [PacketType.PACKET_TYPE_READ_RECEIPT]: ReadReceipt,
};

/**
 * The message type of a Packet's `data` for its type and direction (docs/protocol.md §2), or
 * undefined when that packet carries no payload (HEARTBEAT, ACK and READ responses, KICKED, ...).
 */
export function payloadCodecFor(type: PacketType, direction: PacketDirection): PayloadCodec | undefined {
  return (direction === 'to-server' ? TO_SERVER : TO_CLIENT)[type];
}
