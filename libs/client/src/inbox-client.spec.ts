import {
  ConversationType,
  ErrorCode,
  Message,
  type Packet,
  PacketType,
  SendRequest,
  SendResponse,
  SignInResponse,
  SyncRequest,
  SyncResponse,
} from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import type { ClientTransport } from './client-transport.js';
import { InboxClient } from './inbox-client.js';

/**
 * A scripted server behind fake transports: it holds the user's inbox, answers SIGN_IN, SYNC and
 * SEND as the real one does, and lets a test push, drop pushes, or cut the connection.
 */
class FakeServer {
  readonly inbox: Message[] = [];
  readonly transports: FakeTransport[] = [];
  syncRequests: number[] = [];
  /** Answers the next SENDs with this code instead of storing them. */
  failSends: ErrorCode[] = [];

  connect = async (): Promise<ClientTransport> => {
    const t = new FakeTransport(this);
    this.transports.push(t);
    return t;
  };

  get current(): FakeTransport {
    return this.transports.at(-1) as FakeTransport;
  }

  /** Stores a message for the user and returns it (pushed or not, as the test decides). */
  store(text: string): Message {
    const m = message(this.inbox.length + 1, text);
    this.inbox.push(m);
    return m;
  }

  answer(t: FakeTransport, p: Packet): void {
    const reply = (data: Uint8Array, code = 0) =>
      t.deliver({ type: p.type, requestId: p.requestId, code, message: '', data: Buffer.from(data) });
    switch (p.type) {
      case PacketType.PACKET_TYPE_SIGN_IN:
        reply(
          SignInResponse.encode({
            userId: 'me',
            deviceId: 'd',
            maxSeq: this.inbox.length,
            ackedSeq: 0,
            heartbeatIntervalMs: 0,
            serverTime: 0,
          }).finish(),
        );
        return;
      case PacketType.PACKET_TYPE_SYNC: {
        const { afterSeq, limit } = SyncRequest.decode(p.data);
        this.syncRequests.push(afterSeq);
        const page = this.inbox.filter((m) => m.seq > afterSeq).slice(0, Math.min(limit, 2));
        const last = page.at(-1)?.seq ?? afterSeq;
        reply(
          SyncResponse.encode({
            messages: page,
            hasMore: last < this.inbox.length,
            maxSeq: this.inbox.length,
          }).finish(),
        );
        return;
      }
      case PacketType.PACKET_TYPE_SEND: {
        const failure = this.failSends.shift();
        if (failure !== undefined) {
          reply(new Uint8Array(), failure);
          return;
        }
        const req = SendRequest.decode(p.data);
        const existing = this.inbox.find((m) => m.clientMsgId === req.clientMsgId);
        const m = existing ?? this.store(Buffer.from(req.content).toString());
        m.clientMsgId = req.clientMsgId;
        reply(
          SendResponse.encode({
            messageId: m.messageId,
            seq: m.seq,
            sentAt: 0,
            conversationSeq: m.seq,
          }).finish(),
        );
        return;
      }
    }
  }
}

class FakeTransport implements ClientTransport {
  onPacket: (packet: Packet) => void = () => {};
  onClose: (code: number | undefined) => void = () => {};
  closed = false;
  constructor(private readonly server: FakeServer) {}
  send(packet: Packet): void {
    if (this.closed) return;
    queueMicrotask(() => this.server.answer(this, packet));
  }
  deliver(packet: Packet): void {
    if (!this.closed) this.onPacket(packet);
  }
  push(m: Message): void {
    this.deliver({
      type: PacketType.PACKET_TYPE_MESSAGE,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from(Message.encode(m).finish()),
    });
  }
  hint(): void {
    this.deliver({
      type: PacketType.PACKET_TYPE_SYNC_HINT,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.alloc(0),
    });
  }
  close(code?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(code);
  }
}

function message(seq: number, text: string): Message {
  return {
    messageId: 1000 + seq,
    seq,
    conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'peer' },
    sender: { userId: 'peer', deviceId: 'p' },
    contentType: 'text',
    content: Buffer.from(text),
    sentAt: 0,
    conversationSeq: seq,
    clientMsgId: `c${seq}`,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 10));
const seqs = (c: InboxClient) => c.inbox.map((m) => m.seq);

function client(server: FakeServer) {
  return new InboxClient({
    connect: server.connect,
    token: () => 'token',
    deviceId: 'd',
    backoff: { baseMs: 1, maxMs: 5 },
    gapGraceMs: 0,
  });
}

describe('InboxClient (docs/protocol.md §6)', () => {
  it('syncs what was stored while offline, then stores pushes in seq order, once', async () => {
    const server = new FakeServer();
    for (let i = 0; i < 5; i++) server.store(`old ${i}`);
    const c = client(server);
    await c.start();
    expect(seqs(c)).toEqual([1, 2, 3, 4, 5]); // paged: 2 per page in this fake
    const m6 = server.store('new');
    server.current.push(m6);
    server.current.push(m6);
    expect(seqs(c)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.stats.duplicatePushes).toBe(1);
    await c.stop();
  });

  it('syncs from the last seq held when a push skips one, and fills the gap', async () => {
    const server = new FakeServer();
    const c = client(server);
    await c.start();
    server.store('a');
    const lost = server.store('b'); // its push is lost
    const m3 = server.store('c');
    server.current.push(m3);
    await settle();
    expect(lost.seq).toBe(2);
    expect(seqs(c)).toEqual([1, 2, 3]);
    // On connect, then the gap sync: its first page (1, 2) joins the held 3, so it asks from 3 next.
    expect(server.syncRequests).toEqual([0, 0, 3]);
    expect(c.stats.gapSyncs).toBe(1);
    await c.stop();
  });

  it('gives a gap a grace to fill by late pushes before it syncs', async () => {
    const server = new FakeServer();
    const c = new InboxClient({
      connect: server.connect,
      token: () => 'token',
      deviceId: 'd',
      backoff: { baseMs: 1, maxMs: 5 },
      gapGraceMs: 50,
    });
    await c.start();
    const m1 = server.store('a');
    const m2 = server.store('b');
    server.current.push(m2);
    server.current.push(m1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seqs(c)).toEqual([1, 2]);
    expect(server.syncRequests).toEqual([0]);
    expect(c.stats.gapSyncs).toBe(0);
    await c.stop();
  });

  it('syncs on SYNC_HINT, and after a reconnect, without asking twice for what it holds', async () => {
    const server = new FakeServer();
    const c = client(server);
    await c.start();
    server.store('pushed nowhere');
    server.current.hint();
    await settle();
    expect(seqs(c)).toEqual([1]);
    expect(c.stats.syncHints).toBe(1);
    server.store('while disconnected');
    server.current.close();
    await settle();
    await settle();
    expect(server.transports).toHaveLength(2);
    expect(seqs(c)).toEqual([1, 2]);
    expect(server.syncRequests.at(-1)).toBe(1);
    await c.stop();
  });

  it('retries a send with the same client_msg_id until acknowledged and counts it into the inbox', async () => {
    const server = new FakeServer();
    const c = client(server);
    await c.start();
    server.failSends = [ErrorCode.ERROR_CODE_UNAVAILABLE, ErrorCode.ERROR_CODE_RATE_LIMITED];
    const res = await c.sendText('peer', 'hello', 'x1');
    expect(res.seq).toBe(1);
    expect(c.stats.sendRetries).toBe(2);
    expect(c.inbox.map((m) => [m.seq, m.clientMsgId, m.sender?.userId])).toEqual([[1, 'x1', 'me']]);
    // The next push is the next seq, not a gap.
    server.current.push(server.store('reply'));
    expect(seqs(c)).toEqual([1, 2]);
    expect(c.stats.gapSyncs).toBe(0);
    server.failSends = [ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE];
    await expect(c.sendText('peer', 'x', 'x2')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE,
    });
    await c.stop();
  });

  it('stops reconnecting after a give-up close reason such as SIGNED_IN_ELSEWHERE', async () => {
    const server = new FakeServer();
    const c = client(server);
    await c.start();
    server.current.deliver({
      type: PacketType.PACKET_TYPE_KICKED,
      requestId: 0,
      code: ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE,
      message: '',
      data: Buffer.alloc(0),
    });
    server.current.close();
    await settle();
    expect(c.stoppedWith).toBe(ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE);
    expect(server.transports).toHaveLength(1);
    await c.stop();
  });
});
