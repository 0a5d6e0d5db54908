/** A call waiting for its batch. */
interface Waiting<In, Out> {
  input: In;
  resolve(result: Out): void;
  reject(err: unknown): void;
}

/** How a TickBatcher cuts and runs its batches. */
export interface TickBatcherOptions<In, Out> {
  /** When `many` fails, each input of the batch is tried alone with this, so a bad input fails only itself. */
  one?: (input: In) => Promise<Out>;
  /** Most inputs per batch (default 500). */
  maxSize?: number;
  /** Batches run at the same time (default 1). */
  concurrency?: number;
}

/**
 * Turns many single calls into batch calls: the calls made until the event loop next checks
 * (`setImmediate`, so every request read from the sockets in this turn) go to `many` together, and
 * each caller gets the result at its own position.
 * At most `concurrency` batches run at a time; calls arriving meanwhile form the next, so batches
 * grow with the load by themselves and an idle server adds no timer to a call.
 *
 * When `many` fails and `one` is given, each input of the batch is tried alone, so that one bad
 * input fails only its own caller; without `one` every caller of the batch gets the error.
 *
 * The same per-tick gathering as libs/rpc's TickGatherer, for storage rather than a peer: no
 * deadlines to carry, no message size to stay under, no older server to fall back from, and a
 * failed batch is retried item by item instead of answered per item by the peer.
 */
export class TickBatcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private scheduled = false;
  private running = 0;
  private readonly one: ((input: In) => Promise<Out>) | undefined;
  private readonly maxSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly many: (inputs: In[]) => Promise<Out[]>,
    options: TickBatcherOptions<In, Out> = {},
  ) {
    this.one = options.one;
    this.maxSize = options.maxSize ?? 500;
    this.concurrency = options.concurrency ?? 1;
  }

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.scheduled || this.running >= this.concurrency) return;
      this.scheduled = true;
      setImmediate(this.run);
    });
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    const batch = this.queue.length > this.maxSize ? this.queue.splice(0, this.maxSize) : this.queue;
    if (batch === this.queue) this.queue = [];
    this.running++;
    const inputs = batch.map((w) => w.input);
    this.many(inputs)
      .then(
        (results) => {
          for (let i = 0; i < batch.length; i++) {
            const r = results[i];
            if (i >= results.length)
              batch[i]!.reject(new Error('a batch call returned fewer results than inputs'));
            else batch[i]!.resolve(r!);
          }
        },
        (err: unknown) => {
          const one = this.one;
          if (one === undefined || batch.length === 1) for (const w of batch) w.reject(err);
          else for (const w of batch) one(w.input).then(w.resolve, w.reject);
        },
      )
      .finally(() => {
        this.running--;
        // What queued up meanwhile goes next, without waiting for another turn.
        this.run();
      });
  };
}

/** Inputs grouped by app, each group's positions in `inputs` kept for putting results back. */
export function byApp<T extends { appId: string }>(inputs: readonly T[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < inputs.length; i++) {
    const appId = inputs[i]!.appId;
    const at = groups.get(appId);
    if (at) at.push(i);
    else groups.set(appId, [i]);
  }
  return groups;
}
