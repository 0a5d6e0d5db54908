import { status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { GRPC_BATCH_TARGET_BYTES } from './channel-options.js';
import { CODE_METADATA_KEY, fromErrorOutcome, RpcError } from './rpc-error.js';

/**
 * One item's answer in a batch reply (logic.v1 SendResult, SignInResult): its response, or the
 * error a call of its own would have failed with (see toErrorOutcome).
 */
export interface BatchItemResult<Res> {
  response?: Res | undefined;
  error?: { code: number; message: string; field: string } | undefined;
}

/** Options of {@link TickGatherer}. */
export interface TickGathererOptions<Req, Res> {
  /**
   * One batch call carrying `items` with a deadline (Unix ms), resolving with one result per item
   * in their order; rejects with an RpcError carrying the code the call failed with, as `single`.
   */
  batch: (items: Req[], deadline: number) => Promise<readonly BatchItemResult<Res>[]>;
  /** The unary call of one item, made while the server does not know the batch method. */
  single: (item: Req, deadline: number) => Promise<Res>;
  /** About what an item adds to a batch request, in bytes. */
  sizeOf: (item: Req) => number;
  /** Each item's deadline is this long after it was handed over, as its unary call's was. */
  timeoutMs: number;
  /** Most items in one call. Default 256. */
  maxItems?: number;
  /** Most bytes of items in one call (about: see sizeOf), well inside the gRPC message limit. */
  maxBytes?: number;
  /**
   * Most batch calls in flight at once; a tick's requests beyond them wait for the next call to
   * end and go with it. Default unbounded: nothing waits.
   */
  maxInFlight?: number;
  /** Told the size of each batch call made (the items-per-call histogram). */
  onBatch?: (items: number) => void;
  /** How long after a server answered UNIMPLEMENTED to the batch method it is tried again. Default 60 s. */
  retryBatchAfterMs?: number;
  /** Unix ms; injectable for tests. */
  now?: () => number;
}

interface Waiting<Req, Res> {
  request: Req;
  /** Unix ms after which the caller's request has timed out. */
  deadline: number;
  resolve(response: Res): void;
  reject(err: unknown): void;
}

/** Answered when the server returns fewer results than the call carried items (a broken peer). */
const missingResult = new RpcError(ErrorCode.ERROR_CODE_INTERNAL, 'internal error');

/**
 * Gathers the requests made in one tick into one batch call (SendBatch, SignInBatch), like logic's
 * PushBatcher does on the way out: a busy gate makes one call per tick instead of one per request.
 * Each request is answered exactly as its unary call would have answered it: its own response, or
 * its own error code, message and field; a call that fails as a whole (server unreachable,
 * deadline) fails its requests only, each with the code the unary call would have had. A call
 * carries at most `maxItems` requests and about `maxBytes`; a larger tick goes as several calls at
 * once. Its deadline is the earliest of its requests' (they differ by less than a tick), so
 * timeouts come when they came before.
 *
 * A server that does not know the batch method yet (a rolling upgrade: gRPC UNIMPLEMENTED without
 * a switchboard code) gets unary calls, and the batch method again `retryBatchAfterMs` later.
 *
 * By default nothing waits for an earlier call: the caller's admission control already bounds the
 * requests in flight. With `maxInFlight`, requests that find that many calls in flight wait for one
 * to end and then go together: an idle server sees no delay, a busy one fewer, larger calls.
 * Their deadlines run from when they were handed over, so waiting never stretches them.
 */
export class TickGatherer<Req, Res> {
  private waiting: Array<Waiting<Req, Res>> = [];
  private scheduled = false;
  private inFlight = 0;
  /** Unix ms until which the batch method is known missing on the server. */
  private batchMissingUntil = 0;
  private readonly batch: TickGathererOptions<Req, Res>['batch'];
  private readonly single: TickGathererOptions<Req, Res>['single'];
  private readonly sizeOf: (item: Req) => number;
  private readonly timeoutMs: number;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly onBatch: ((items: number) => void) | undefined;
  private readonly retryBatchAfterMs: number;
  private readonly now: () => number;

  constructor(options: TickGathererOptions<Req, Res>) {
    this.batch = options.batch;
    this.single = options.single;
    this.sizeOf = options.sizeOf;
    this.timeoutMs = options.timeoutMs;
    this.maxItems = options.maxItems ?? 256;
    this.maxBytes = options.maxBytes ?? GRPC_BATCH_TARGET_BYTES;
    this.maxInFlight = options.maxInFlight ?? Infinity;
    this.onBatch = options.onBatch;
    this.retryBatchAfterMs = options.retryBatchAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  call(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.waiting.push({ request, deadline: this.now() + this.timeoutMs, resolve, reject });
      if (this.inFlight < this.maxInFlight) this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Sends what the tick gathered, cut into calls by count and bytes. */
  private readonly flush = (): void => {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    if (this.now() < this.batchMissingUntil) {
      this.callEach(all);
      return;
    }
    let start = 0;
    while (start < all.length && this.inFlight < this.maxInFlight) {
      let end = start + 1;
      let bytes = this.sizeOf(all[start]!.request);
      while (end < all.length && end - start < this.maxItems) {
        const size = this.sizeOf(all[end]!.request);
        if (bytes + size > this.maxBytes) break;
        bytes += size;
        end++;
      }
      this.callBatch(start === 0 && end === all.length ? all : all.slice(start, end));
      start = end;
    }
    // What found every call slot taken goes when the next call ends.
    if (start < all.length) this.waiting = all.slice(start);
  };

  private callBatch(items: Array<Waiting<Req, Res>>): void {
    this.inFlight++;
    this.onBatch?.(items.length);
    const requests = new Array<Req>(items.length);
    let deadline = Infinity;
    for (let i = 0; i < items.length; i++) {
      const w = items[i]!;
      requests[i] = w.request;
      if (w.deadline < deadline) deadline = w.deadline;
    }
    this.batch(requests, deadline).then(
      (results) => {
        this.ended();
        answer(items, results);
      },
      (err: unknown) => {
        this.ended();
        if (isMethodMissing(err)) {
          this.batchMissingUntil = this.now() + this.retryBatchAfterMs;
          this.callEach(items);
          return;
        }
        for (const w of items) w.reject(err);
      },
    );
  }

  /** A call ended: what waited for a slot goes now. */
  private ended(): void {
    this.inFlight--;
    if (this.waiting.length > 0) this.schedule();
  }

  private callEach(items: ReadonlyArray<Waiting<Req, Res>>): void {
    for (const w of items) this.single(w.request, w.deadline).then(w.resolve, w.reject);
  }
}

/** Hands each request its own result. */
function answer<Req, Res>(
  items: ReadonlyArray<Waiting<Req, Res>>,
  results: readonly BatchItemResult<Res>[],
): void {
  for (let i = 0; i < items.length; i++) {
    const w = items[i]!;
    const r = results[i];
    if (r?.response !== undefined) w.resolve(r.response);
    else if (r?.error !== undefined) w.reject(fromErrorOutcome(r.error));
    else w.reject(missingResult);
  }
}

/**
 * Whether a call failed because the server has no such method (an older version), rather than a
 * handler answering UNIMPLEMENTED with a switchboard code of its own.
 */
export function isMethodMissing(err: unknown): boolean {
  const cause = (err as { cause?: Partial<ServiceError> } | undefined)?.cause;
  return cause?.code === status.UNIMPLEMENTED && !cause.metadata?.get(CODE_METADATA_KEY).length;
}
