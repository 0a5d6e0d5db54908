import type { DirectSendInput, DirectSendResult } from '@switchboard/storage';

type Flush = (batch: readonly DirectSendInput[]) => Promise<DirectSendResult[]>;

interface Pending {
  input: DirectSendInput;
  resolve(result: DirectSendResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit: sends that arrive within `maxDelayMs` of the first one (or until
 * `maxSize` are waiting) go to storage as one transaction; each caller is answered
 * only after that transaction commits. One batch is in flight at a time, and sends
 * arriving meanwhile form the next batch, so under load batches grow by themselves
 * while an idle server adds at most `maxDelayMs` to a send.
 */
export class SendBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly flush: Flush,
    private readonly maxDelayMs: number,
    private readonly maxSize: number,
  ) {}

  send(input: DirectSendInput): Promise<DirectSendResult> {
    return new Promise<DirectSendResult>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.inFlight) return;
      if (this.queue.length >= this.maxSize) this.run();
      else this.timer ??= setTimeout(() => this.run(), this.maxDelayMs);
    });
  }

  private run(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.length > this.maxSize ? this.queue.splice(0, this.maxSize) : this.queue;
    if (batch === this.queue) this.queue = [];
    this.inFlight = true;
    this.flush(batch.map((p) => p.input))
      .then(
        (results) => {
          for (let i = 0; i < batch.length; i++) {
            const r = results[i];
            const p = batch[i]!;
            if (r) p.resolve(r);
            else p.reject(new Error('storage returned fewer results than inputs'));
          }
        },
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      )
      .finally(() => {
        this.inFlight = false;
        // Whatever queued up while the transaction ran goes next, without waiting again.
        if (this.queue.length > 0) this.run();
      });
  }
}
