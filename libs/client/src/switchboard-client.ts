import {
  AckRequest,
  ConversationType,
  HistoryRequest,
  HistoryResponse,
  Message,
  PacketType,
  SendRequest,
  SendResponse,
  SignInRequest,
  SignInResponse,
  SubscribeRoomRequest,
  SyncRequest,
  SyncResponse,
  UnsubscribeRoomRequest,
  type Packet,
} from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import type { ClientTransport } from './client-transport.js';

interface Waiter {
  resolve(packet: Packet): void;
  reject(err: Error): void;
}

/** How a connection ended: the server's reason code (KICKED / DISCONNECT / WS close), if any. */
export interface CloseInfo {
  code: number | undefined;
  message: string;
}

/**
 * A minimal Switchboard client over one transport: request/response by
 * request_id, pushes as events, and the close reason the server gave. It keeps
 * `lastSeq` by the sync algorithm of docs/protocol.md when used through
 * `catchUp` and `accept`.
 */
export class SwitchboardClient {
  private nextRequestId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private closeReason: { code: number; message: string } | undefined;
  /** Every MESSAGE push received, in arrival order. */
  readonly pushes: Message[] = [];
  /** Resolves when the connection is closed. */
  readonly closed: Promise<CloseInfo>;
  private onPushListeners: Array<(m: Message) => void> = [];
  private onSyncHintListeners: Array<() => void> = [];
  /** SYNC_HINT pushes received: the server may have lost pushes to this connection. */
  syncHints = 0;

  constructor(readonly transport: ClientTransport) {
    this.closed = new Promise<CloseInfo>((resolve) => {
      transport.onClose = (code) => {
        for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
        this.waiting.clear();
        resolve({
          code: this.closeReason?.code ?? code,
          message: this.closeReason?.message ?? '',
        });
      };
    });
    transport.onPacket = (p) => this.onPacket(p);
  }

  onPush(listener: (m: Message) => void): void {
    this.onPushListeners.push(listener);
  }

  /** Called on every SYNC_HINT push; a client then syncs from the highest seq it holds. */
  onSyncHint(listener: () => void): void {
    this.onSyncHintListeners.push(listener);
  }

  private onPacket(p: Packet): void {
    if (p.type === PacketType.PACKET_TYPE_MESSAGE && p.requestId === 0) {
      const m = Message.decode(p.data);
      this.pushes.push(m);
      for (const l of this.onPushListeners) l(m);
      return;
    }
    // Server-initiated packets carry request id 0; anything else answers one of our requests (even
    // one of a type only the server should send, which it refuses).
    if (p.type === PacketType.PACKET_TYPE_SYNC_HINT && p.requestId === 0) {
      this.syncHints++;
      for (const l of this.onSyncHintListeners) l();
      return;
    }
    if (
      p.requestId === 0 &&
      (p.type === PacketType.PACKET_TYPE_KICKED || p.type === PacketType.PACKET_TYPE_DISCONNECT)
    ) {
      // The server is closing: requests in flight will get no answer, and this is why.
      this.closeReason = { code: p.code, message: p.message };
      for (const w of this.waiting.values()) w.reject(new SwitchboardError(p.code, p.message));
      this.waiting.clear();
      return;
    }
    const w = this.waiting.get(p.requestId);
    if (!w) return;
    this.waiting.delete(p.requestId);
    if (p.code !== 0) w.reject(new SwitchboardError(p.code, p.message));
    else w.resolve(p);
  }

  /** Sends a request and resolves with the response packet (rejects with SwitchboardError on a non-zero code). */
  request(type: PacketType, data: Uint8Array = new Uint8Array()): Promise<Packet> {
    const requestId = this.nextRequestId++;
    return new Promise<Packet>((resolve, reject) => {
      this.waiting.set(requestId, { resolve, reject });
      this.transport.send({ type, requestId, code: 0, message: '', data: Buffer.from(data) });
    });
  }

  async signIn(req: Partial<SignInRequest> & { token: string }): Promise<SignInResponse> {
    const full: SignInRequest = { appId: '', userId: '', deviceId: '', platform: '', tags: [], ...req };
    const p = await this.request(PacketType.PACKET_TYPE_SIGN_IN, SignInRequest.encode(full).finish());
    return SignInResponse.decode(p.data);
  }

  async heartbeat(): Promise<void> {
    await this.request(PacketType.PACKET_TYPE_HEARTBEAT);
  }

  /** Sends a 1:1 text message (content as UTF-8). */
  async sendText(to: string, text: string, clientMsgId: string): Promise<SendResponse> {
    return this.send({
      clientMsgId,
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: to },
      contentType: 'text',
      content: Buffer.from(text, 'utf8'),
    });
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

  /** Syncs until has_more is false and returns every message after `afterSeq`. */
  async syncAll(afterSeq: number, limit = 100): Promise<Message[]> {
    const out: Message[] = [];
    let after = afterSeq;
    for (;;) {
      const page = await this.sync(after, limit);
      out.push(...page.messages);
      const last = page.messages.at(-1);
      if (!page.hasMore || !last) return out;
      after = last.seq;
    }
  }

  async ack(seq: number): Promise<void> {
    await this.request(PacketType.PACKET_TYPE_ACK, AckRequest.encode({ seq }).finish());
  }

  async history(peer: string, beforeSeq = 0, limit = 50): Promise<HistoryResponse> {
    const p = await this.request(
      PacketType.PACKET_TYPE_HISTORY,
      HistoryRequest.encode({
        conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: peer },
        beforeSeq,
        limit,
      }).finish(),
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
