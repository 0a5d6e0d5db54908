import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConversationType,
  ErrorCode,
  type Message,
  type SendRequest,
  type SendResponse,
} from '@switchboard/proto/client';
import { closeActionFor, isRetryable, SwitchboardError } from '@switchboard/protocol';
import type { ClientTransport } from './client-transport.js';
import { InboxSync } from './inbox-sync.js';
import { sentMessage } from './sent-message.js';
import { SwitchboardClient } from './switchboard-client.js';
import { withTimeout } from './with-timeout.js';

/** Options of {@link InboxClient}. */
export interface InboxClientOptions {
  /** Opens a new transport; called for every (re)connect, so it may pick another gateway each time. */
  connect: () => Promise<ClientTransport>;
  /** The sign-in token (called on every sign-in, so it can be refreshed). */
  token: () => Promise<string> | string;
  deviceId: string;
  platform?: string;
  /** Reconnect and retry back-off: `baseMs` doubling up to `maxMs`, with full jitter. Default 100 / 3,000. */
  backoff?: { baseMs: number; maxMs: number };
  /** A request unanswered this long counts the connection as dead. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * How long a gap may wait for the pushes that fill it before the client syncs (pushes may arrive
   * out of order: docs/protocol.md §6). Default 200 ms.
   */
  gapGraceMs?: number;
}

/** What happened to the client so far. */
export interface InboxClientStats {
  connects: number;
  /** Pushes (or responses) carrying a seq the inbox already held: dropped, as docs/protocol.md says. */
  duplicatePushes: number;
  /** Syncs started because a push skipped a seq. */
  gapSyncs: number;
  syncHints: number;
  /** Sends sent again after an error or a lost connection (same client_msg_id). */
  sendRetries: number;
}

/**
 * A client that keeps a device's inbox complete by the algorithm of docs/protocol.md §6, across
 * reconnects: it signs in (again) whenever its connection ends, syncs from the highest seq it holds,
 * stores pushes in seq order (dropping duplicates, syncing on a gap or a SYNC_HINT), counts its own
 * sends into its inbox from their responses, and retries sends with the same client_msg_id until they
 * are acknowledged. The chaos test and the chaos bench drive it; an application can use it as is.
 */
export class InboxClient {
  /** The inbox: messages by seq, always 1..lastSeq with no gap. */
  readonly inbox: Message[] = [];
  private readonly counts = { connects: 0, syncHints: 0, sendRetries: 0 };
  private readonly sequencer: InboxSync<Message>;
  /** Set when the server closed with a give-up or re-authenticate reason: the client stopped. */
  stoppedWith: number | undefined;
  /** The signed-in user (from the first SignInResponse). */
  userId = '';
  private client: SwitchboardClient | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private connectedWaiters: Array<(client: SwitchboardClient | undefined) => void> = [];
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: InboxClientOptions) {
    this.baseMs = options.backoff?.baseMs ?? 100;
    this.maxMs = options.backoff?.maxMs ?? 3_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.sequencer = new InboxSync<Message>({
      onStored: (m) => this.inbox.push(m),
      gapGraceMs: options.gapGraceMs ?? 200,
    });
  }

  get stats(): InboxClientStats {
    return {
      ...this.counts,
      duplicatePushes: this.sequencer.stats.duplicates,
      gapSyncs: this.sequencer.stats.gapSyncs,
    };
  }

  /** The highest seq held with no gap below it. */
  get lastSeq(): number {
    return this.sequencer.lastSeq;
  }

  /** Starts the connect loop; resolves once signed in and synced the first time. */
  async start(): Promise<void> {
    this.running ??= this.loop();
    await this.connected();
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sequencer.dispose();
    this.client?.close();
    this.wake(undefined);
    await this.running;
  }

  /**
   * Sends a 1:1 text message and resolves with its acknowledgement, retrying (same client_msg_id)
   * through errors that a retry can fix and through reconnects. Rejects on a code that retrying
   * cannot fix, or when the client stops.
   */
  async sendText(to: string, text: string, clientMsgId: string): Promise<SendResponse> {
    const request: SendRequest = {
      clientMsgId,
      conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: to },
      contentType: 'text',
      content: Buffer.from(text, 'utf8'),
    };
    for (let attempt = 0; ; attempt++) {
      const client = await this.connected();
      if (client === undefined) throw new Error('client stopped');
      try {
        const res = await this.timed(client, client.send(request));
        this.sequencer.accept(
          sentMessage(request, res, { userId: this.userId, deviceId: this.options.deviceId }),
        );
        return res;
      } catch (err) {
        if (err instanceof SwitchboardError && !isRetryable(err.code)) throw err;
        this.counts.sendRetries++;
        await sleep(this.delay(attempt));
      }
    }
  }

  /** Syncs until the server has nothing more (e.g. at the end of a test, to compare with the truth). */
  async syncToEnd(): Promise<void> {
    const client = await this.connected();
    if (client === undefined) throw new Error('client stopped');
    await this.sequencer.idle();
    await this.sync(client);
  }

  private async loop(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      let client: SwitchboardClient | undefined;
      try {
        client = new SwitchboardClient(await this.options.connect());
        if (this.stopped) {
          client.close();
          break;
        }
        client.onPush((m) => this.sequencer.accept(m));
        client.onSyncHint(() => {
          this.counts.syncHints++;
          this.sequencer.requestSync();
        });
        const signedIn = await this.timed(
          client,
          client.signIn({
            token: await this.options.token(),
            deviceId: this.options.deviceId,
            platform: this.options.platform ?? 'inbox-client',
          }),
        );
        this.userId = signedIn.userId;
        this.counts.connects++;
        await this.sequencer.idle(); // one left over from the previous connection
        await this.sync(client);
        this.client = client;
        const live = client;
        this.sequencer.setSource((after) => this.timed(live, live.sync(after, 100)));
        attempt = -1;
        this.wake(client);
        const closed = await client.closed;
        if (closed.code !== undefined && closeActionFor(closed.code) !== 'reconnect') {
          this.stoppedWith = closed.code;
          this.stopped = true;
        }
      } catch {
        client?.close();
      }
      this.client = undefined;
      this.sequencer.setSource(undefined);
      if (!this.stopped) await sleep(this.delay(Math.max(attempt, 0)));
    }
    this.wake(undefined);
  }

  private sync(client: SwitchboardClient): Promise<void> {
    return this.sequencer.sync((after) => this.timed(client, client.sync(after, 100)));
  }

  /** A signed-in client, once there is one (undefined when stopped). */
  private connected(): Promise<SwitchboardClient | undefined> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  private wake(client: SwitchboardClient | undefined): void {
    const waiters = this.connectedWaiters;
    this.connectedWaiters = [];
    for (const w of waiters) w(client);
  }

  /** Rejects when `p` takes longer than the request timeout, and drops that connection. */
  private timed<T>(client: SwitchboardClient, p: Promise<T>): Promise<T> {
    return withTimeout(p, this.requestTimeoutMs, () => {
      client.close();
      return new SwitchboardError(ErrorCode.ERROR_CODE_TIMEOUT, 'no answer; reconnecting');
    });
  }

  private delay(attempt: number): number {
    return Math.random() * Math.min(this.maxMs, this.baseMs * 2 ** Math.min(attempt, 16));
  }
}
