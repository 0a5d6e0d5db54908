import {
  ConversationType,
  type Conversation,
  type ConversationsResponse,
  type HistoryResponse,
  type Message,
  type ReadReceipt,
  type SendRequest,
  type SignInResponse,
} from '@switchboard/proto/client-web';
import { closeActionFor, ErrorCode, isRetryable, SwitchboardError } from '@switchboard/protocol/catalog';
import { GroupTracker } from '../group-tracker.js';
import { InboxSync } from '../inbox-sync.js';
import { sentMessage } from '../sent-message.js';
import { withTimeout } from '../with-timeout.js';
import { Connection, ConnectionLostError, type ConnectionClose } from './connection.js';
import { Emitter } from './emitter.js';
import { MemoryStorage, type ClientStorage, type SyncState } from './storage.js';
import { TokenKeeper, type TokenSource } from './token.js';
import { webSocketConnector, type Connector } from './transport.js';

/** Where the client is: `online` means signed in and synced, so the messages shown are complete. */
export type ClientState = 'idle' | 'connecting' | 'syncing' | 'online' | 'reconnecting' | 'closed';

/** Whom a message goes to: a user (1:1), a group or a room, or a protocol Conversation. */
export type Target = { user: string } | { group: string } | { room: string } | Conversation;

/** Options of {@link Switchboard}. */
export interface SwitchboardOptions {
  /** A `ws://`/`wss://` URL (the global WebSocket), or a connector (`@switchboard/client/node` has TCP). */
  url: string | Connector;
  /** A token, or an async function returning a fresh one (called before the last one expires and when refused). */
  token: TokenSource;
  deviceId: string;
  platform?: string;
  /** Where seqs and messages survive restarts. Default: memory. */
  storage?: ClientStorage;
  /** Reconnect back-off: `baseMs` doubling up to `maxMs`, full jitter (docs/protocol.md §3.7). Default 500 / 30,000. */
  backoff?: { baseMs: number; maxMs: number };
  /** A request unanswered this long counts the connection as dead. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** Overrides the server's `heartbeat_interval_ms`. */
  heartbeatIntervalMs?: number;
  /** Grace before an inbox gap is synced (§6). Default 200 ms. */
  gapGraceMs?: number;
  /** Grace before a group gap is synced (§7). Default 250 ms. */
  groupGapGraceMs?: number;
  /** A token expiring within this is replaced before signing in. Default 60,000 ms. */
  tokenRefreshMarginMs?: number;
  /** ACK at most this long after a message was stored, or after `ackEvery` messages. Default 1,000 ms / 50. */
  ackDelayMs?: number;
  ackEvery?: number;
}

/** Why the client stopped for good. */
export interface CloseReason {
  /** The server's ErrorCode, when the close carried one. */
  code: number | undefined;
  message: string;
}

/** The events of {@link Switchboard}. */
export type SwitchboardEvents = {
  /** A message joined the local store (a push, a sync, or this device's own send), or a live one arrived. */
  message: [Message];
  receipt: [ReadReceipt];
  /** The server closed with KICKED (signed in elsewhere, kicked, token revoked); the state change follows. */
  kicked: [CloseReason];
  state: [ClientState, CloseReason | undefined];
};

const GROUP = ConversationType.CONVERSATION_TYPE_GROUP;

/**
 * A Switchboard client that stays complete on its own: it signs in, keeps the connection alive,
 * reconnects with jittered exponential back-off as each close code says (reconnect, get a new
 * token, or give up), and runs the whole sync algorithm of docs/protocol.md §6-§7 (inbox by seq,
 * groups by conversation_seq, pushes held during a catch-up, gaps repaired after a grace, ACKs
 * batched). Sends are idempotent and survive reconnects. Runs in browsers and in Node.
 */
export class Switchboard extends Emitter<SwitchboardEvents> {
  private currentState: ClientState = 'idle';
  private closeReason: CloseReason | undefined;
  private conn: Connection | undefined;
  private readonly tokens: TokenKeeper;
  private readonly storage: ClientStorage;
  private readonly connector: Connector;
  private inbox: InboxSync<Message> | undefined;
  private readonly groups: GroupTracker<Message>;
  private readonly rooms = new Set<string>();
  /** Pushes that arrived while catching up: applied afterwards, in arrival order (§7 step 3). */
  private held: Message[] | undefined;
  private toSave: Message[] = [];
  private saving: Promise<void> = Promise.resolve();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private acked = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private waiters: Array<{ resolve(c: Connection): void; reject(e: Error): void }> = [];
  private running: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  /** The signed-in user (from the SignInResponse). */
  userId = '';
  /** The last SignInResponse. */
  signedIn: SignInResponse | undefined;
  /** Connections that reached `online`. */
  connects = 0;

  constructor(private readonly options: SwitchboardOptions) {
    super();
    this.tokens = new TokenKeeper(options.token, options.tokenRefreshMarginMs ?? 60_000);
    this.storage = options.storage ?? new MemoryStorage();
    this.connector = typeof options.url === 'string' ? webSocketConnector(options.url) : options.url;
    this.groups = new GroupTracker<Message>(() => this.liveConnection(), options.groupGapGraceMs ?? 250, {
      keepMessages: false,
      onHeld: (m) => this.stored(m),
    });
  }

  get state(): ClientState {
    return this.currentState;
  }

  get deviceId(): string {
    return this.options.deviceId;
  }

  /** The highest inbox seq held with no gap below it. */
  get lastSeq(): number {
    return this.inbox?.lastSeq ?? 0;
  }

  /** Per group, the highest conversation_seq held with no gap below it. */
  get groupSeqs(): Record<string, number> {
    return this.groups.groupSeqs();
  }

  /** Why the client closed for good (undefined while it runs, or after {@link close}). */
  get closedWith(): CloseReason | undefined {
    return this.closeReason;
  }

  /**
   * Loads the stored state, connects, signs in and syncs; resolves once online the first time.
   * Rejects when the client gives up before that (a refused token, an unknown app).
   */
  async start(): Promise<void> {
    if (this.running === undefined) {
      const state = await this.storage.load();
      this.inbox = new InboxSync<Message>({
        lastSeq: state?.inboxSeq ?? 0,
        gapGraceMs: this.options.gapGraceMs ?? 200,
        onStored: (m) => this.storedInInbox(m),
      });
      for (const [groupId, seq] of Object.entries(state?.groupSeqs ?? {})) this.groups.restore(groupId, seq);
      this.acked = state?.inboxSeq ?? 0;
      this.running = this.loop();
    }
    await this.online();
  }

  /** Closes the connection and stops; pending requests reject. Saves what is left to save. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.setState('closed', undefined);
    this.conn?.close();
    for (const wake of this.wakers) wake();
    await this.running;
    await this.flush();
  }

  /**
   * Sends a message and resolves once, with the stored message, when the server has stored it. A
   * lost connection or a retryable error sends it again with the same `client_msg_id` (the server
   * dedupes), after the reconnect; a code retrying cannot fix rejects with its SwitchboardError.
   */
  async send(
    to: Target,
    content: string | Uint8Array,
    options: { contentType?: string; clientMsgId?: string } = {},
  ): Promise<Message> {
    const request: SendRequest = {
      clientMsgId: options.clientMsgId ?? newClientMsgId(),
      conversation: toConversation(to),
      contentType: options.contentType ?? 'text',
      content: typeof content === 'string' ? new TextEncoder().encode(content) : content,
    };
    const res = await this.retrying((c) => c.send(request));
    const m: Message = sentMessage(request, res, { userId: this.userId, deviceId: this.options.deviceId });
    this.accept(m);
    return m;
  }

  /** Marks a conversation read up to a conversation_seq (the other side gets a `receipt`). */
  async markRead(conversation: Target, conversationSeq: number): Promise<void> {
    await this.retrying((c) => c.read(toConversation(conversation), conversationSeq));
  }

  /** One page of a conversation's history, newest first (`beforeSeq` 0: from the newest). */
  async history(
    conversation: Target,
    options: { beforeSeq?: number; limit?: number } = {},
  ): Promise<HistoryResponse> {
    return this.retrying((c) =>
      c.history(toConversation(conversation), options.beforeSeq ?? 0, options.limit ?? 50),
    );
  }

  /** One page of the user's conversations, most recently active first. */
  async conversations(options: { cursor?: string; limit?: number } = {}): Promise<ConversationsResponse> {
    return this.retrying((c) => c.conversations(options.cursor ?? '', options.limit ?? 20));
  }

  /** Subscribes to a room, now and after every reconnect, until {@link unsubscribe}. */
  async subscribe(roomId: string): Promise<void> {
    await this.retrying((c) => c.subscribeRoom(roomId));
    this.rooms.add(roomId);
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    await this.retrying((c) => c.unsubscribeRoom(roomId));
  }

  /** The newest messages stored locally of a conversation, oldest first. */
  async recent(conversation: Target, limit = 50): Promise<Message[]> {
    await this.flush();
    return this.storage.recent(toConversation(conversation), limit);
  }

  /** Resolves when everything stored so far is saved. */
  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const messages = this.toSave;
    this.toSave = [];
    const state: SyncState = { inboxSeq: this.lastSeq, groupSeqs: this.groups.groupSeqs() };
    this.saving = this.saving.then(() => this.storage.save(messages, state)).catch(() => {});
    await this.saving;
  }

  // ---- the connect loop ----

  private async loop(): Promise<void> {
    let reauths = 0;
    // Why the last attempt failed, for the next `reconnecting`: an app learns that its token
    // provider throws, or that the server is unreachable, while the client keeps retrying.
    let failure: CloseReason | undefined;
    for (let attempt = 0; this.currentState !== 'closed'; attempt++) {
      this.setState(this.connects === 0 && attempt === 0 ? 'connecting' : 'reconnecting', failure);
      failure = undefined;
      let conn: Connection | undefined;
      let close: ConnectionClose | undefined;
      try {
        conn = new Connection(await this.connector(), {
          message: (m) => (this.held ? this.held.push(m) : this.accept(m)),
          receipt: (r) => this.emit('receipt', r),
          syncHint: () => this.inbox?.requestSync(),
        });
        if (this.isClosed()) {
          conn.close();
          break;
        }
        const signedIn = await this.timed(
          conn,
          conn.signIn({
            token: await this.tokens.get(),
            appId: '',
            userId: '',
            deviceId: this.options.deviceId,
            platform: this.options.platform ?? 'sdk',
            tags: [],
          }),
        );
        this.signedIn = signedIn;
        this.userId = signedIn.userId;
        reauths = 0;
        await this.catchUp(conn);
        this.conn = conn;
        this.connects++;
        attempt = -1;
        this.startHeartbeats(conn, signedIn.heartbeatIntervalMs);
        this.setState('online', undefined);
        for (const w of this.waiters.splice(0)) w.resolve(conn);
        close = await conn.closed;
      } catch (err) {
        conn?.close();
        close = conn
          ? await withTimeout(conn.closed, 2_000, () => new Error('no close')).catch(() => undefined)
          : undefined;
        if (close?.code === undefined && err instanceof SwitchboardError && !isRetryable(err.code))
          close = { code: err.code, message: err.message, kicked: false };
        // Our own close after a failed step carries no code: the step's error says more.
        if (close?.code === undefined)
          failure = { code: err instanceof SwitchboardError ? err.code : undefined, message: errorText(err) };
      } finally {
        this.held = undefined;
        this.stopHeartbeats();
        this.conn = undefined;
        this.inbox?.setSource(undefined);
      }
      if (close && !failure) failure = { code: close.code, message: close.message };
      if (this.isClosed()) break;
      if (close?.kicked) this.emit('kicked', { code: close.code, message: close.message });
      const action = close?.code === undefined ? 'reconnect' : closeActionFor(close.code);
      if (action === 'reauthenticate' && this.tokens.refreshable && reauths++ < 3) {
        this.tokens.invalidate();
        attempt = -1;
        continue;
      }
      if (action !== 'reconnect') {
        this.giveUp({ code: close?.code, message: close?.message ?? '' });
        break;
      }
      await this.backoff(Math.max(attempt, 0));
    }
    this.failWaiters();
  }

  /** After sign-in: sync the inbox, then every group behind (§7 step 3), rooms again, then the held pushes. */
  private async catchUp(conn: Connection): Promise<void> {
    this.setState('syncing', undefined);
    this.held = [];
    const inbox = this.inbox!;
    await inbox.idle();
    await inbox.sync((after) => this.timed(conn, conn.sync(after, 100)));
    this.catchingUpOn = conn;
    try {
      await this.timed(conn, this.groups.catchUp());
    } finally {
      this.catchingUpOn = undefined;
    }
    for (const room of this.rooms) await this.timed(conn, conn.subscribeRoom(room));
    const held = this.held;
    this.held = undefined;
    for (const m of held) this.accept(m);
    inbox.setSource((after) => this.timed(conn, conn.sync(after, 100)));
    this.scheduleAck();
  }

  /** The connection the group tracker uses: the one catching up, or the live one. */
  private catchingUpOn: Connection | undefined;
  private liveConnection(): Connection {
    const conn = this.catchingUpOn ?? this.conn;
    if (!conn) throw new ConnectionLostError('not connected');
    return conn;
  }

  // ---- the algorithm ----

  private accept(m: Message): void {
    if (m.seq > 0) this.inbox?.accept(m);
    else if (m.conversation?.type === GROUP && m.conversationSeq > 0) this.groups.offer(m);
    else if (m.conversationSeq === 0) this.emit('message', m); // live: a room, a broadcast
  }

  private storedInInbox(m: Message): void {
    // A small group's message counts in its group too; the group tracker says whether it is new there.
    if (m.conversation?.type === GROUP && m.conversationSeq > 0) this.groups.offer(m);
    else this.stored(m);
    this.scheduleAck();
  }

  private stored(m: Message): void {
    this.toSave.push(m);
    this.saveTimer ??= setTimeout(() => void this.flush(), 50);
    this.emit('message', m);
  }

  private scheduleAck(): void {
    const pending = this.lastSeq - this.acked;
    if (pending <= 0) return;
    if (pending >= (this.options.ackEvery ?? 50)) this.ackNow();
    else this.ackTimer ??= setTimeout(() => this.ackNow(), this.options.ackDelayMs ?? 1_000);
  }

  private ackNow(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const conn = this.conn;
    const seq = this.lastSeq;
    if (!conn || seq <= this.acked) return;
    this.acked = seq;
    conn.ack(seq).catch(() => {
      // Not acknowledged: the cursor stays behind, which only costs a longer sync on a new device.
    });
  }

  // ---- plumbing ----

  private async retrying<T>(call: (c: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.online();
      try {
        return await this.timed(conn, call(conn));
      } catch (err) {
        if (err instanceof SwitchboardError && !isRetryable(err.code)) throw err;
        if (this.isClosed()) throw this.closedError();
        // A lost connection or a retryable code: again after a back-off, on the next connection if needed.
        await this.backoff(attempt);
      }
    }
  }

  /** The live connection, once online; rejects when the client is closed for good. */
  private online(): Promise<Connection> {
    if (this.conn && this.currentState === 'online') return Promise.resolve(this.conn);
    if (this.isClosed()) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private failWaiters(): void {
    for (const w of this.waiters.splice(0)) w.reject(this.closedError());
  }

  private closedError(): Error {
    const r = this.closeReason;
    if (r?.code !== undefined) return new SwitchboardError(r.code, r.message || undefined);
    return new SwitchboardError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'the client is closed');
  }

  private isClosed(): boolean {
    return this.currentState === 'closed';
  }

  private giveUp(reason: CloseReason): void {
    this.closeReason = reason;
    this.setState('closed', reason);
    void this.flush();
  }

  private setState(state: ClientState, reason: CloseReason | undefined): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit('state', state, reason);
  }

  private startHeartbeats(conn: Connection, serverIntervalMs: number): void {
    const every = this.options.heartbeatIntervalMs ?? (serverIntervalMs || 30_000);
    this.heartbeatTimer = setInterval(() => {
      this.timed(conn, conn.heartbeat()).catch(() => conn.close());
    }, every);
  }

  private stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  /** Rejects when `p` takes longer than the request timeout, and drops that connection. */
  private timed<T>(conn: Connection, p: Promise<T>): Promise<T> {
    return withTimeout(p, this.options.requestTimeoutMs ?? 10_000, () => {
      conn.close();
      return new ConnectionLostError('no answer; reconnecting');
    });
  }

  /** Waits a jittered back-off; {@link close} cuts it short. */
  private backoff(attempt: number): Promise<void> {
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 30_000 };
    const ms = Math.random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

/** The protocol Conversation for a target. */
export function toConversation(to: Target): Conversation {
  if ('user' in to) return { type: ConversationType.CONVERSATION_TYPE_USER, id: to.user };
  if ('group' in to) return { type: ConversationType.CONVERSATION_TYPE_GROUP, id: to.group };
  if ('room' in to) return { type: ConversationType.CONVERSATION_TYPE_ROOM, id: to.room };
  return to;
}

/** A random client_msg_id (crypto.getRandomValues works in browsers outside secure contexts too). */
export function newClientMsgId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A {@link Switchboard} (in browsers `url` is a ws:// or wss:// URL, opened with the global WebSocket). */
export function createClient(options: SwitchboardOptions): Switchboard {
  return new Switchboard(options);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
