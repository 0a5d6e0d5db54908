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
 * Random 1:1 traffic among a fixed population: sender and recipient are drawn uniformly and are
 * never the same user. The generator is seeded, so two runs send between the same pairs.
 */
export class Workload {
  /** A Buffer, because the generated gRPC types want one; storage takes any Uint8Array. */
  readonly content: Buffer;
  private state: number;

  constructor(
    readonly users: number,
    private readonly runId: string,
    seed = 1,
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
    // Draw among the other users only, so every message has two distinct parties.
    const other = this.nextInt(this.users - 1);
    const recipient = other >= sender ? other + 1 : other;
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
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state % bound;
  }
}
