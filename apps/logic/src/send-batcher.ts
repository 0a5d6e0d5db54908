import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { AppendInput, AppendResult } from '@switchboard/storage';

/**
 * Writes a batch; calls `seqsTaken` once its transaction holds the seq counters it takes from
 * (again on a retry), as `MessageRepository.append` does.
 */
type Flush<In, Out> = (batch: readonly In[], seqsTaken: () => void) => Promise<Out[]>;

/** A batch being written: answered once no batch that took its seqs earlier is still unanswered. */
interface Writing {
  /** Order in which batches took their seqs (0: not yet, or never: answered as soon as done). */
  ticket: number;
  /** Set when the write has ended: answers the batch's sends. */
  answer: (() => void) | undefined;
  /** The rows its transaction locks (see SendBatcherLimits.lockKeys); empty without. */
  keys: readonly string[];
}

interface Pending<In, Out> {
  input: In;
  /** Unix ms after which the caller no longer waits (its RPC deadline); Infinity when none. */
  deadline: number;
  /** Unix ms when it was queued. */
  queuedAt: number;
  /** The rows it locks, once asked (lockKeys only). */
  keys: readonly string[] | undefined;
  resolve(result: Out): void;
  reject(err: unknown): void;
}

/** Admission control of the batcher. */
export interface SendBatcherLimits<In = unknown> {
  /** Sends waiting for a batch; past it a send is refused at once with RATE_LIMITED. */
  maxQueued: number;
  /**
   * Milliseconds the oldest waiting send has waited past which a send is refused at once with
   * RATE_LIMITED: the database falling behind ages the queue long before it holds `maxQueued`
   * sends (10,000 at 1,000 sends/s is ten seconds each). Default: no bound.
   */
  maxQueueWaitMs?: number;
  /**
   * Transactions written at once (default 1). A second one overlaps the first's round trips to the
   * database; where they share a counter row it waits for the first's commit (row locks), so seqs
   * stay gapless and in order.
   */
  maxInFlight?: number;
  /**
   * The rows a send's transaction locks until commit (its seq counters), as strings. With it, a
   * batch formed while another is being written leaves out the sends that would wait for that one's
   * locks (and every later send sharing a row with one left out, so that no send overtakes an earlier
   * one it shares a row with); they go in the next batch. When every waiting send would wait, the
   * batch is formed anyway, as without it: waiting at the database beats waiting here.
   */
  lockKeys?: (input: In) => readonly string[];
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * Group commit: sends that arrive within `maxDelayMs` of the first one (or until
 * `maxSize` are waiting) go to storage as one transaction; each caller is answered
 * only after that transaction commits. Up to `maxInFlight` batches are written at a time
 * (one by default), and sends arriving meanwhile form the next batch, so under load batches grow
 * by themselves while an idle server adds at most `maxDelayMs` to a send.
 *
 * Past saturation it refuses rather than queues: while `maxQueued` sends wait, or the oldest has
 * waited `maxQueueWaitMs`, new sends are answered RATE_LIMITED at once; and a send whose caller's deadline has passed by the time its batch forms is
 * dropped with TIMEOUT instead of written (the client retries it with the same client_msg_id, so
 * writing it for nobody would only cost the next caller time).
 */
export class SendBatcher<In = AppendInput, Out = AppendResult> {
  private queue: Pending<In, Out>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Batches being written or waiting for an earlier one's answer. */
  private readonly writing = new Set<Writing>();
  private tickets = 0;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly maxQueueWaitMs: number;
  private readonly now: () => number;
  private readonly lockKeys: ((input: In) => readonly string[]) | undefined;
  /** How many batches being written lock each row (lockKeys only). */
  private readonly locked = new Map<string, number>();
  /** Sends refused because the queue was full, and dropped because their caller had given up. */
  rejected = 0;
  expired = 0;

  constructor(
    private readonly flush: Flush<In, Out>,
    private readonly maxDelayMs: number,
    private readonly maxSize: number,
    limits: SendBatcherLimits<In> = { maxQueued: Number.MAX_SAFE_INTEGER },
  ) {
    this.maxQueued = limits.maxQueued;
    this.maxQueueWaitMs = limits.maxQueueWaitMs ?? Infinity;
    this.maxInFlight = Math.max(1, limits.maxInFlight ?? 1);
    this.now = limits.now ?? Date.now;
    this.lockKeys = limits.lockKeys;
  }

  /** Sends waiting for a batch (not counting the one being written). */
  get queued(): number {
    return this.queue.length;
  }

  send(input: In, deadline = Infinity): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const now = this.now();
      const oldest = this.queue[0];
      if (
        this.queue.length >= this.maxQueued ||
        (oldest !== undefined && now - oldest.queuedAt >= this.maxQueueWaitMs)
      ) {
        this.rejected++;
        reject(
          new SwitchboardError(
            ErrorCode.ERROR_CODE_RATE_LIMITED,
            'server busy; retry after a short back-off',
          ),
        );
        return;
      }
      this.queue.push({ input, deadline, queuedAt: now, keys: undefined, resolve, reject });
      if (this.inFlight >= this.maxInFlight) return;
      if (this.queue.length >= this.maxSize) this.run();
      else this.timer ??= setTimeout(() => this.run(), this.maxDelayMs);
    });
  }

  private run(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight >= this.maxInFlight) return;
    this.dropExpired();
    if (this.queue.length === 0) return;
    const { batch, keys } = this.take();
    this.inFlight++;
    const writing: Writing = { ticket: 0, answer: undefined, keys };
    for (const key of keys) this.locked.set(key, (this.locked.get(key) ?? 0) + 1);
    this.writing.add(writing);
    const written = this.flush(
      batch.map((p) => p.input),
      () => (writing.ticket = ++this.tickets),
    );
    written
      .then(
        (results) => {
          writing.answer = () => {
            for (let i = 0; i < batch.length; i++) {
              const r = results[i];
              const p = batch[i]!;
              if (r) p.resolve(r);
              else p.reject(new Error('storage returned fewer results than inputs'));
            }
          };
        },
        (err: unknown) => {
          writing.ticket = 0;
          writing.answer = () => {
            for (const p of batch) p.reject(err);
          };
        },
      )
      .then(() => {
        this.unlock(writing.keys);
        this.answerInOrder();
        this.inFlight--;
        // Whatever queued up while the transaction ran goes next, without waiting again.
        if (this.queue.length > 0) this.run();
      });
  }

  /** The next batch, and the rows it locks (lockKeys only). */
  private take(): { batch: Pending<In, Out>[]; keys: readonly string[] } {
    const lockKeys = this.lockKeys;
    if (lockKeys === undefined || this.locked.size === 0) {
      const batch = this.front();
      return { batch, keys: lockKeys ? keysOf(batch, lockKeys) : NO_KEYS };
    }
    const held = new Set<string>();
    const batch: Pending<In, Out>[] = [];
    const keys: string[] = [];
    let kept = 0;
    for (const p of this.queue) {
      if (batch.length >= this.maxSize) {
        this.queue[kept++] = p;
        continue;
      }
      const own = (p.keys ??= lockKeys(p.input));
      let waits = false;
      for (const key of own) {
        if (this.locked.has(key) || held.has(key)) {
          waits = true;
          break;
        }
      }
      if (waits) {
        for (const key of own) held.add(key);
        this.queue[kept++] = p;
      } else {
        batch.push(p);
        for (const key of own) keys.push(key);
      }
    }
    if (batch.length === 0) {
      // Every send waits for a batch being written: write them now all the same.
      const all = this.front();
      return { batch: all, keys: keysOf(all, lockKeys) };
    }
    this.queue.length = kept;
    return { batch, keys };
  }

  /** Takes the first `maxSize` waiting sends off the queue. */
  private front(): Pending<In, Out>[] {
    const batch = this.queue.length > this.maxSize ? this.queue.splice(0, this.maxSize) : this.queue;
    if (batch === this.queue) this.queue = [];
    return batch;
  }

  private unlock(keys: readonly string[]): void {
    for (const key of keys) {
      const n = this.locked.get(key)!;
      if (n <= 1) this.locked.delete(key);
      else this.locked.set(key, n - 1);
    }
  }

  /**
   * Answers the written batches that no unanswered batch took seqs before. A transaction sharing a
   * counter row with an earlier one took its seqs after that one committed, but can still finish
   * first (InnoDB frees row locks before the commit's log flush, and the later one's last round trip
   * may beat the earlier one's answer): answering it first would push a user's seq n+1 before n.
   */
  private answerInOrder(): void {
    for (;;) {
      // The written batch that took its seqs first (or took none: answered at once)...
      let next: Writing | undefined;
      for (const w of this.writing) if (w.answer && (!next || w.ticket < next.ticket)) next = w;
      if (!next) return;
      // ...waits while a batch still being written took its seqs before it.
      for (const w of this.writing) if (!w.answer && w.ticket > 0 && w.ticket < next.ticket) return;
      this.writing.delete(next);
      next.answer!();
    }
  }

  /** Answers TIMEOUT to the queued sends whose caller has stopped waiting, and forgets them. */
  private dropExpired(): void {
    const now = this.now();
    let kept = 0;
    for (const p of this.queue) {
      if (p.deadline <= now) {
        this.expired++;
        p.reject(
          new SwitchboardError(ErrorCode.ERROR_CODE_TIMEOUT, 'the send waited past its deadline; retry it'),
        );
      } else {
        this.queue[kept++] = p;
      }
    }
    this.queue.length = kept;
  }
}

const NO_KEYS: readonly string[] = [];

function keysOf<In, Out>(
  batch: readonly Pending<In, Out>[],
  lockKeys: (input: In) => readonly string[],
): string[] {
  const keys: string[] = [];
  for (const p of batch) for (const key of (p.keys ??= lockKeys(p.input))) keys.push(key);
  return keys;
}
