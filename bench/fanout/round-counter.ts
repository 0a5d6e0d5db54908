// Counts one round of pushes in a load-generator process: every client should get `messages`
// messages, numbered 0..messages-1, each once and in order. The latency of each is taken from the
// send stamp the message carries (hrtime nanoseconds: the same monotonic clock in every process on
// this machine).
import type { LoadReport } from './ipc.js';
import { cpuMicros } from './proc-stats.js';

export class Round {
  received = 0;
  duplicated = 0;
  lastNs = 0n;
  outOfOrder = 0;
  invalid = 0;
  readonly latenciesMs: Float64Array;
  readonly cpuStart = cpuMicros();
  /** Next sequence number expected per client. */
  private readonly nextSeq: Uint32Array;
  /** Highest `order` seen per client, when the caller orders messages by its own key. */
  private readonly lastOrder: Float64Array;
  /** One byte per client and message: seen already. */
  private readonly seen: Uint8Array;
  private unique = 0;

  constructor(
    readonly clients: number,
    readonly messages: number,
    private readonly onDone: () => void,
  ) {
    this.latenciesMs = new Float64Array(clients * messages);
    this.nextSeq = new Uint32Array(clients);
    this.lastOrder = new Float64Array(clients);
    this.seen = new Uint8Array(clients * messages);
  }

  get expected(): number {
    return this.clients * this.messages;
  }

  /**
   * Records message `seq` at client slot `client`, stamped `stampNs` when sent. `valid` is called
   * once per client per round (on message 0): a full decode of every message would make the
   * client, not the server, the bottleneck; one per client shows the fast path reads the payload.
   * `order`, when given, is the key the server orders messages by (a group's conversation_seq,
   * when the round's messages were sent concurrently): out of order then means not increasing;
   * `null` when nothing orders them (concurrent sends to a room), so order is not judged.
   */
  record(client: number, seq: number, stampNs: bigint, valid: () => boolean, order?: number | null): void {
    const now = process.hrtime.bigint();
    if (seq >= this.messages || client >= this.clients) {
      this.invalid++;
      return;
    }
    const slot = client * this.messages + seq;
    if (this.seen[slot]) {
      this.duplicated++;
      this.received++;
      return;
    }
    this.seen[slot] = 1;
    if (order === undefined) {
      if (seq !== this.nextSeq[client]) this.outOfOrder++;
    } else if (order !== null) {
      if (order <= this.lastOrder[client]!) this.outOfOrder++;
      this.lastOrder[client] = Math.max(this.lastOrder[client]!, order);
    }
    if (seq === 0 && !valid()) this.invalid++;
    this.nextSeq[client] = seq + 1;
    this.latenciesMs[this.unique++] = Number(now - stampNs) / 1e6;
    this.received++;
    this.lastNs = now;
    if (this.unique === this.expected) this.onDone();
  }

  /** The round's report to run.ts. */
  report(): Extract<LoadReport, { t: 'round' }> {
    return {
      t: 'round',
      received: this.received,
      duplicated: this.duplicated,
      lastNs: this.lastNs,
      latenciesMs: this.latenciesMs.subarray(0, this.unique),
      outOfOrder: this.outOfOrder,
      cpuMicros: cpuMicros() - this.cpuStart,
      invalid: this.invalid,
    };
  }
}
