import type {
  SendBatchRequest,
  SendBatchResponse,
  SendRequest,
  SendResponse,
} from '@switchboard/proto/logic';
import { ErrorCode } from '@switchboard/proto/client';
import { fromErrorAnswer, GRPC_BATCH_TARGET_BYTES, RpcError } from '@switchboard/rpc';

/**
 * Makes one SendBatch call with a deadline (Unix ms); rejects with an RpcError carrying the code
 * the call failed with, as the unary call does.
 */
export type SendBatchCall = (request: SendBatchRequest, deadline: number) => Promise<SendBatchResponse>;

/** Options of {@link SendGatherer}. */
export interface SendGathererOptions {
  /** Each send's deadline is this long after it was handed over, as the unary Send's was. */
  timeoutMs: number;
  /** Most sends in one call. Default 256. */
  maxSends?: number;
  /** Most bytes of sends in one call (about: see sendBytes), well inside the gRPC message limit. */
  maxBytes?: number;
  /** Told the size of each call made (the sends-per-call histogram). */
  onBatch?: (sends: number) => void;
  /** Unix ms; injectable for tests. */
  now?: () => number;
}

interface Waiting {
  request: SendRequest;
  /** Unix ms after which the client's send has timed out. */
  deadline: number;
  resolve(response: SendResponse): void;
  reject(err: unknown): void;
}

/** Answered when logic returns fewer results than the call carried sends (a broken peer). */
const missingResult = new RpcError(ErrorCode.ERROR_CODE_INTERNAL, 'internal error');

/**
 * Gathers the sends made in one tick into one SendBatch call, like logic's PushBatcher does on the
 * way out: a busy gate makes one call per tick instead of one per send. Each send is answered
 * exactly as the unary Send would have answered it: its own response, or its own error code,
 * message and field; a call that fails as a whole (logic unreachable, deadline) fails its sends
 * only, each with the code the unary call would have had. A call carries at most `maxSends` sends
 * and about `maxBytes`; a larger tick goes as several calls at once. Its deadline is the earliest
 * of its sends' (they differ by less than a tick), so timeouts come when they came before.
 *
 * Nothing waits for an earlier call: the gate's admission control already bounds the sends in
 * flight, and holding a tick's sends back would only add latency.
 */
export class SendGatherer {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private readonly timeoutMs: number;
  private readonly maxSends: number;
  private readonly maxBytes: number;
  private readonly onBatch: ((sends: number) => void) | undefined;
  private readonly now: () => number;

  constructor(
    private readonly batch: SendBatchCall,
    options: SendGathererOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.maxSends = options.maxSends ?? 256;
    this.maxBytes = options.maxBytes ?? GRPC_BATCH_TARGET_BYTES;
    this.onBatch = options.onBatch;
    this.now = options.now ?? Date.now;
  }

  send(request: SendRequest): Promise<SendResponse> {
    return new Promise<SendResponse>((resolve, reject) => {
      this.waiting.push({ request, deadline: this.now() + this.timeoutMs, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(this.flush);
    });
  }

  /** Sends what the tick gathered, cut into calls by count and bytes. */
  private readonly flush = (): void => {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < all.length; i++) {
      const size = sendBytes(all[i]!.request);
      if (i > start && (i - start >= this.maxSends || bytes + size > this.maxBytes)) {
        this.call(all.slice(start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (all.length > 0) this.call(start === 0 ? all : all.slice(start));
  };

  private call(sends: Waiting[]): void {
    this.onBatch?.(sends.length);
    const requests = new Array<SendRequest>(sends.length);
    let deadline = Infinity;
    for (let i = 0; i < sends.length; i++) {
      const w = sends[i]!;
      requests[i] = w.request;
      if (w.deadline < deadline) deadline = w.deadline;
    }
    this.batch({ sends: requests }, deadline).then(
      (response) => answer(sends, response),
      (err: unknown) => {
        for (const w of sends) w.reject(err);
      },
    );
  }
}

/** Hands each send its own result. */
function answer(sends: readonly Waiting[], response: SendBatchResponse): void {
  const results = response.results;
  for (let i = 0; i < sends.length; i++) {
    const w = sends[i]!;
    const r = results[i];
    if (r?.response) w.resolve(r.response);
    else if (r?.error) w.reject(fromErrorAnswer(r.error));
    else w.reject(missingResult);
  }
}

/** About what a send adds to a SendBatch request: its content and ids, plus framing. */
function sendBytes(send: SendRequest): number {
  const q = send.request;
  if (!q) return 64;
  return (
    q.content.length + q.clientMsgId.length + q.contentType.length + (q.conversation?.id.length ?? 0) + 160
  );
}
