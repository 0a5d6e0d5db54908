import type { DirectSendInput } from '@switchboard/storage';

/** The app every scenario sends in; each scenario has a database of its own. */
export const BENCH_APP_ID = 'bench';

/** Bytes of every message body: a short chat line. */
export const CONTENT_BYTES = 100;

/** One send between two users of the population, before it is given to storage or gRPC. */
export interface PlannedSend {
  senderUserId: string;
  recipientUserId: string;
  clientMsgId: string;
}

/**
 * The recipient of a 1:1 send from user `from` of `users`, given a uniform draw in [0, 1): any other
 * user, or with `contacts` > 0 one of the sender's `contacts` fixed contacts, so that conversations
 * repeat as in a chat app (users x contacts conversations in all). The contacts are spread over the
 * population, not the users next to the sender: neighbours' rows share database pages (keys start
 * with the user id), which would make a send look cheaper than it is.
 */
export function recipientOf(from: number, users: number, contacts: number, draw: number): number {
  if (contacts > 0 && contacts < users - 1) {
    const spacing = Math.floor((users - 1) / contacts);
    return (from + (1 + Math.floor(draw * contacts)) * spacing) % users;
  }
  const other = Math.floor(draw * (users - 1));
  return other >= from ? other + 1 : other;
}

/**
 * Random 1:1 traffic among a fixed population: the sender is drawn uniformly, the recipient by
 * {@link recipientOf} (never the sender). The generator is seeded, so two runs send between the
 * same pairs.
 */
export class Workload {
  /** A Buffer, because the generated gRPC types want one; storage takes any Uint8Array. */
  readonly content: Buffer;
  private state: number;

  constructor(
    readonly users: number,
    private readonly runId: string,
    seed = 1,
    /** Each sender's fixed contacts ({@link recipientOf}); 0: anyone. */
    private readonly contacts = 0,
  ) {
    this.content = Buffer.alloc(CONTENT_BYTES, 'x');
    this.state = seed >>> 0 || 1;
  }

  userId(index: number): string {
    return `u${index}`;
  }

  /** The n-th send of this run; `clientMsgId` is unique per run, so no send is a retry. */
  plan(n: number): PlannedSend {
    const sender = this.nextInt(this.users);
    const recipient = recipientOf(sender, this.users, this.contacts, this.nextFraction());
    return {
      senderUserId: this.userId(sender),
      recipientUserId: this.userId(recipient),
      clientMsgId: `${this.runId}-${n}`,
    };
  }

  /** The storage input of a planned send, as the logic service would build it. */
  toInput(send: PlannedSend): DirectSendInput {
    return {
      appId: BENCH_APP_ID,
      senderUserId: send.senderUserId,
      senderDeviceId: 'd1',
      recipientUserId: send.recipientUserId,
      clientMsgId: send.clientMsgId,
      contentType: 'text',
      content: this.content,
      sentAt: Date.now(),
    };
  }

  // xorshift32: cheap and reproducible; statistical quality is irrelevant here.
  private nextInt(bound: number): number {
    return this.next() % bound;
  }

  /** In [0, 1). */
  private nextFraction(): number {
    return this.next() / 2 ** 32;
  }

  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}
