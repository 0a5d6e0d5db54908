/** A call waiting for its batch. */
interface Waiting<In, Out> {
  input: In;
  resolve(result: Out): void;
  reject(err: unknown): void;
}

/**
 * Turns many single calls into batch calls: the calls made until the event loop next checks
 * (`setImmediate`, so every request read from the sockets in this turn) go to `many` together, and
 * each caller gets the result at its own position. One batch runs at a time; calls arriving
 * meanwhile form the next, so batches grow with the load by themselves and an idle server adds no
 * timer to a call.
 *
 * When `many` fails and `one` is given, each input of the batch is tried alone, so that one bad
 * input fails only its own caller; without `one` every caller of the batch gets the error.
 */
export class TickBatcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private scheduled = false;
  private running = false;

  constructor(
    private readonly many: (inputs: In[]) => Promise<Out[]>,
    private readonly one?: (input: In) => Promise<Out>,
    private readonly maxSize = 500,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.scheduled || this.running) return;
      this.scheduled = true;
      setImmediate(this.run);
    });
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.length > this.maxSize ? this.queue.splice(0, this.maxSize) : this.queue;
    if (batch === this.queue) this.queue = [];
    this.running = true;
    const inputs = batch.map((w) => w.input);
    this.many(inputs)
      .then(
        (results) => {
          for (let i = 0; i < batch.length; i++) {
            if (i < results.length) batch[i]!.resolve(results[i]!);
            else batch[i]!.reject(new Error('a batch call returned fewer results than inputs'));
          }
        },
        (err: unknown) => {
          const one = this.one;
          if (one === undefined || batch.length === 1) for (const w of batch) w.reject(err);
          else for (const w of batch) one(w.input).then(w.resolve, w.reject);
        },
      )
      .finally(() => {
        this.running = false;
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
