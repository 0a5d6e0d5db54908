import {
  ConversationsRequest,
  ConversationsResponse,
  HistoryRequest,
  HistoryResponse,
  Message,
  PacketType,
  ReadReceipt,
  ReadRequest,
  SendRequest,
  SendResponse,
  SignInRequest,
  SignInResponse,
  SubscribeRoomRequest,
  SyncGroupRequest,
  SyncRequest,
  SyncResponse,
  AckRequest,
  UnsubscribeRoomRequest,
  type Conversation,
  type Packet,
} from '@switchboard/proto/client-web';
import { SwitchboardError } from '@switchboard/protocol/catalog';
import type { Transport } from './transport.js';

/** A request that got no answer because its connection ended: sending it again on the next one is safe. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

/** What the server pushes, without a request. */
export interface PushHandlers {
  message(m: Message): void;
  receipt(r: ReadReceipt): void;
  syncHint(): void;
}

/** How a connection ended: the server's reason code (KICKED / DISCONNECT / WS close) when it gave one. */
export interface ConnectionClose {
  code: number | undefined;
  message: string;
  /** True when the server sent KICKED (another sign-in of the device, a kick, a revoked token). */
  kicked: boolean;
}

const EMPTY = new Uint8Array(0);

/** One signed-in (or signing-in) connection: requests by request_id, pushes to the handlers. */
export class Connection {
  private nextRequestId = 1;
  private readonly waiting = new Map<number, { resolve(p: Packet): void; reject(e: Error): void }>();
  private reason: ConnectionClose | undefined;
  readonly closed: Promise<ConnectionClose>;

  constructor(
    private readonly transport: Transport,
    private readonly pushes: PushHandlers,
  ) {
    this.closed = new Promise((resolve) => {
      transport.onClose = (code) => {
        this.failAll();
        resolve(this.reason ?? { code, message: '', kicked: false });
      };
    });
    transport.onPacket = (p) => this.onPacket(p);
  }

  private onPacket(p: Packet): void {
    if (p.requestId === 0) {
      switch (p.type) {
        case PacketType.PACKET_TYPE_MESSAGE:
          return this.pushes.message(Message.decode(p.data));
        case PacketType.PACKET_TYPE_READ_RECEIPT:
          return this.pushes.receipt(ReadReceipt.decode(p.data));
        case PacketType.PACKET_TYPE_SYNC_HINT:
          return this.pushes.syncHint();
        case PacketType.PACKET_TYPE_KICKED:
        case PacketType.PACKET_TYPE_DISCONNECT:
          // The server is closing: requests in flight get no answer; this is why.
          this.reason = {
            code: p.code,
            message: p.message,
            kicked: p.type === PacketType.PACKET_TYPE_KICKED,
          };
          return this.failAll();
        default:
          return; // a push of a type this client does not know (docs/protocol.md §2)
      }
    }
    const w = this.waiting.get(p.requestId);
    if (!w) return;
    this.waiting.delete(p.requestId);
    if (p.code !== 0) w.reject(new SwitchboardError(p.code, p.message));
    else w.resolve(p);
  }

  private failAll(): void {
    for (const w of this.waiting.values()) w.reject(new ConnectionLostError('connection closed'));
    this.waiting.clear();
  }

  private request(type: PacketType, data: Uint8Array = EMPTY): Promise<Packet> {
    const requestId = this.nextRequestId++;
    return new Promise<Packet>((resolve, reject) => {
      this.waiting.set(requestId, { resolve, reject });
      this.transport.send({ type, requestId, code: 0, message: '', data });
    });
  }

  async signIn(req: SignInRequest): Promise<SignInResponse> {
    const p = await this.request(PacketType.PACKET_TYPE_SIGN_IN, SignInRequest.encode(req).finish());
    return SignInResponse.decode(p.data);
  }

  async heartbeat(): Promise<void> {
    await this.request(PacketType.PACKET_TYPE_HEARTBEAT);
  }

  async send(req: SendRequest): Promise<SendResponse> {
    const p = await this.request(PacketType.PACKET_TYPE_SEND, SendRequest.encode(req).finish());
    return SendResponse.decode(p.data);
  }

  async sync(afterSeq: number, limit = 100): Promise<SyncResponse> {
    const p = await this.request(
      PacketType.PACKET_TYPE_SYNC,
      SyncRequest.encode({ afterSeq, limit }).finish(),
    );
    return SyncResponse.decode(p.data);
  }

  async syncGroup(groupId: string, afterSeq: number, limit = 100): Promise<SyncResponse> {
    const p = await this.request(
      PacketType.PACKET_TYPE_SYNC_GROUP,
      SyncGroupRequest.encode({ groupId, afterSeq, limit }).finish(),
    );
    return SyncResponse.decode(p.data);
  }

  async ack(seq: number): Promise<void> {
    await this.request(PacketType.PACKET_TYPE_ACK, AckRequest.encode({ seq }).finish());
  }

  async read(conversation: Conversation, conversationSeq: number): Promise<void> {
    await this.request(
      PacketType.PACKET_TYPE_READ,
      ReadRequest.encode({ conversation, conversationSeq }).finish(),
    );
  }

  async conversations(cursor: string, limit: number): Promise<ConversationsResponse> {
    const p = await this.request(
      PacketType.PACKET_TYPE_CONVERSATIONS,
      ConversationsRequest.encode({ cursor, limit }).finish(),
    );
    return ConversationsResponse.decode(p.data);
  }

  async history(conversation: Conversation, beforeSeq: number, limit: number): Promise<HistoryResponse> {
    const p = await this.request(
      PacketType.PACKET_TYPE_HISTORY,
      HistoryRequest.encode({ conversation, beforeSeq, limit }).finish(),
    );
    return HistoryResponse.decode(p.data);
  }

  async subscribeRoom(roomId: string): Promise<void> {
    await this.request(
      PacketType.PACKET_TYPE_SUBSCRIBE_ROOM,
      SubscribeRoomRequest.encode({ roomId }).finish(),
    );
  }

  async unsubscribeRoom(roomId: string): Promise<void> {
    await this.request(
      PacketType.PACKET_TYPE_UNSUBSCRIBE_ROOM,
      UnsubscribeRoomRequest.encode({ roomId }).finish(),
    );
  }

  close(): void {
    this.transport.close();
  }
}
