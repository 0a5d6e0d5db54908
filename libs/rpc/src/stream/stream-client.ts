import {
  Metadata,
  status,
  type CallOptions,
  type Client,
  type ClientUnaryCall,
  type Deadline,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { MAX_ATTEMPTS } from '../balanced-channel.js';
import { retryBackoffMs } from '../retry-backoff.js';
import { CODE_METADATA_KEY } from '../rpc-error.js';
import { ClientStream, type StreamOwner } from './client-stream.js';
import { DeadlineSweep } from './deadline-sweep.js';
import type { ReplyFrame } from './frame-codec.js';
import { ReopenBackoff, type ReopenBackoffOptions } from './reopen-backoff.js';
import { type Callback, encodeFrame, Frame, type StreamedMethod, type UnaryMethod } from './request-frame.js';
import { serviceError } from './service-error.js';
import { streamStats, type FrameOutcome } from './stream-stats.js';
import { WaitingFrames } from './waiting-frames.js';

/** The parts of a ts-proto method definition a streamed call uses. */
interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: never): Buffer;
  responseDeserialize(bytes: Buffer): unknown;
}

export interface StreamedClientOptions {
  /**
   * Methods safe to send again (RETRYABLE_LOGIC_METHODS...): a request of theirs that was sent on a
   * stream that then ended unanswered goes again on another, up to MAX_ATTEMPTS within its deadline
   * and after the channel's retry back-off (retry-backoff.ts). Others fail UNAVAILABLE, as a unary
   * call to a server that died would.
   */
  retryable?: ReadonlyArray<{ readonly path: string }>;
  /**
   * Streams kept open; frames are spread round-robin over them. Over a round-robin channel each
   * new stream lands on the next instance, so as many streams as instances spread the load.
   * Default 2.
   */
  streams?: number;
  /**
   * Entries of the channel's address list. While the open streams sit on fewer distinct instances
   * than this (an instance was down when they opened), one of them is replaced every
   * `rebalanceMs`, so an instance that comes back gets its share again within seconds rather than
   * at the next drain. Default 1 (no rebalancing: a DNS name's instances are not counted).
   */
  backends?: number;
  /** Default 1 s. */
  rebalanceMs?: number;
  /** Requests encoded larger than this go as unary calls. Default 1 MiB. */
  maxFrameBytes?: number;
  /** How long calls go unary after a server turned the stream down as unknown. Default 60 s. */
  retryStreamsAfterMs?: number;
  /** How often overdue requests are failed. Default 25 ms. */
  sweepMs?: number;
  /** The wait before opening a stream after streams ended unanswered (see ReopenBackoff). */
  backoff?: ReopenBackoffOptions;
}

/**
 * One HTTP/2 stream's worth of window: a larger request would hold up every frame behind it, so it
 * goes as a call of its own.
 */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

const CALL_STUB = { cancel: () => undefined } as unknown as ClientUnaryCall;

/**
 * A stand-in for a ts-proto grpc-js client (`new LogicServiceClient(...)`) that carries its unary
 * calls as frames on a few long-lived InternalStreamService streams opened on that client's own
 * channel, instead of one HTTP/2 stream, header block and credential check per call. Code written
 * against the client (`call(client, client.sendBatch, ...)`, TickGatherer) works unchanged: each
 * method answers its callback with the response, or the ServiceError the unary call would have
 * given (same code, details and trailers, so `fromServiceError` makes the same RpcError).
 *
 * A stream stays on the instance it was opened on until it ends: a server drains its streams at
 * `internal.streams.maxAgeSeconds` (and when it stops), which also spreads them again over
 * instances started since; while the streams sit on fewer instances than the address list has
 * entries (`backends`), the client replaces one a second so that an instance back from an outage
 * gets traffic again soon. Each frame carries its deadline; overdue calls fail DEADLINE_EXCEEDED
 * from one sweep timer. A stream that ends unanswered sends its requests again on another stream
 * when they never left, or when their method is `retryable`, after a back-off; streams that end
 * without answering anything also hold back the next stream's opening (ReopenBackoff), so that a
 * backend that is down or drops every stream costs a bounded number of streams, not one per
 * attempt of every call. A server without the stream service
 * (an older version during a rolling upgrade) gets unary calls for `retryStreamsAfterMs`.
 * Per-call metadata is not carried on frames (the credential rides on the stream): a call given
 * any goes unary. Memory: unanswered requests are bounded by the callers' own admission
 * control, as they are for unary calls (which grpc-js would hold the same way).
 */
export function streamedClient<C extends Client>(
  definition: Record<string, MethodDefinition>,
  unary: C,
  options: StreamedClientOptions = {},
): C {
  const channel = new StreamedChannel(unary, options);
  const out: Record<string, unknown> = {
    close: () => channel.close(),
    getChannel: () => unary.getChannel(),
    waitForReady: (deadline: Deadline, callback: (err?: Error) => void) =>
      unary.waitForReady(deadline, callback),
  };
  const retryable = new Set((options.retryable ?? []).map((m) => m.path));
  for (const [key, m] of Object.entries(definition)) {
    if (m.requestStream || m.responseStream) continue;
    const method: StreamedMethod = {
      path: Buffer.from(m.path),
      retryable: retryable.has(m.path),
      serialize: m.requestSerialize as (value: unknown) => Buffer,
      deserialize: m.responseDeserialize,
      unary: (unary as unknown as Record<string, UnaryMethod>)[key]!.bind(unary),
    };
    out[key] = (
      request: unknown,
      a?: Metadata | Partial<CallOptions> | Callback,
      b?: Partial<CallOptions> | Callback,
      c?: Callback,
    ): ClientUnaryCall => {
      // ts-proto's overloads: (request, cb), (request, metadata, cb), (request, metadata, options, cb).
      if (typeof a === 'function') return channel.call(method, request, undefined, {}, a);
      if (typeof b === 'function') return channel.call(method, request, a as Metadata, {}, b);
      return channel.call(method, request, a as Metadata, b ?? {}, c!);
    };
  }
  return out as C;
}

/** The streams of one client and the calls in flight on them. */
class StreamedChannel implements StreamOwner {
  private readonly streams: ClientStream[] = [];
  private readonly pending = new Map<number, Frame>();
  private readonly target: number;
  private readonly maxFrameBytes: number;
  private readonly retryAfterMs: number;
  /** Distinct instances the streams should be on. */
  private readonly spread: number;
  private readonly rebalanceMs: number;
  private nextBalanceAt = 0;
  private lastId = 0;
  private next = 0;
  private unaryUntil = 0;
  private closed = false;
  private readonly deadlines: DeadlineSweep;
  private readonly reopen: ReopenBackoff;
  private readonly waiting = new WaitingFrames((frame) => this.dispatch(frame));

  constructor(
    private readonly client: Client,
    options: StreamedClientOptions,
  ) {
    this.target = Math.max(1, options.streams ?? 2);
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.retryAfterMs = options.retryStreamsAfterMs ?? 60_000;
    this.deadlines = new DeadlineSweep(options.sweepMs ?? 25, () => this.pending.size === 0, this.sweep);
    this.spread = Math.min(this.target, options.backends ?? 1);
    this.rebalanceMs = options.rebalanceMs ?? 1_000;
    this.reopen = new ReopenBackoff(options.backoff);
  }

  call(
    method: StreamedMethod,
    request: unknown,
    metadata: Metadata | undefined,
    options: Partial<CallOptions>,
    callback: Callback,
  ): ClientUnaryCall {
    const md = metadata ?? new Metadata();
    if (this.closed || Date.now() < this.unaryUntil) {
      if (!this.closed) streamStats.unary.unimplemented++;
      return method.unary(request, md, options, callback) as ClientUnaryCall;
    }
    // Frames carry no per-call metadata (the credential rides on the stream): a call that has some
    // goes unary rather than reaching its handler without it.
    if (metadata !== undefined && hasEntries(metadata)) {
      streamStats.unary.metadata++;
      return method.unary(request, md, options, callback) as ClientUnaryCall;
    }
    const payload = method.serialize(request);
    if (payload.length > this.maxFrameBytes) {
      streamStats.unary.large++;
      return method.unary(request, md, options, callback) as ClientUnaryCall;
    }
    const d = options.deadline;
    const deadline = d === undefined ? Infinity : d instanceof Date ? d.getTime() : d;
    // Ids only need to be unique among this client's unanswered frames; 2^53 is never reached.
    const id = ++this.lastId;
    const bytes = encodeFrame(id, method, payload, deadline);
    const frame = new Frame(id, method, bytes, deadline, callback, request, md, options);
    this.pending.set(id, frame);
    this.deadlines.add(deadline);
    this.dispatch(frame);
    return CALL_STUB;
  }

  /** Ends the streams once their calls are answered, and closes the channel (nothing is resent after). */
  close(): void {
    this.closed = true;
    for (const s of this.streams) s.finish();
    for (const f of this.waiting.takeAll()) {
      this.settle(f, 'failed', serviceError(status.UNAVAILABLE, 'the client was closed'));
    }
    this.client.close();
  }

  /** Hands a frame to the next usable stream, opening streams up to the target count. */
  private dispatch(frame: Frame): void {
    if (this.spread > 1) {
      const now = Date.now();
      if (now >= this.nextBalanceAt) {
        this.nextBalanceAt = now + this.rebalanceMs;
        this.rebalance();
      }
    }
    if (this.streams.length < this.target) {
      const now = Date.now();
      if (now >= this.reopen.until) {
        while (this.streams.length < this.target) this.streams.push(new ClientStream(this.client, this));
      } else if (this.streams.length === 0) {
        this.hold(frame, this.reopen.until, 'no internal stream: backing off after failed streams');
        return;
      }
    }
    const stream = this.streams[this.next++ % this.streams.length]!;
    stream.send(frame);
  }

  /**
   * Replaces one stream that shares its instance with another while the streams are on fewer
   * instances than they should be: the new one goes to the next instance whose connection is up.
   */
  private rebalance(): void {
    const peers = new Set<string>();
    let duplicate: ClientStream | undefined;
    for (const s of this.streams) {
      if (!s.opened) return; // still opening: look again later
      if (peers.has(s.peer)) duplicate ??= s;
      else peers.add(s.peer);
    }
    if (duplicate && peers.size < this.spread) {
      this.forget(duplicate);
      duplicate.finish();
    }
  }

  reply(stream: ClientStream, reply: ReplyFrame): void {
    if (!stream.replied) {
      stream.replied = true;
      this.reopen.succeeded();
    }
    const frame = this.pending.get(reply.id);
    // An answer to a frame that timed out, or was moved to another stream.
    if (!frame || frame.stream !== stream) return;
    if (reply.status === 0) {
      let response: unknown;
      try {
        response = frame.method.deserialize(reply.payload);
      } catch {
        this.settle(frame, 'failed', serviceError(status.INTERNAL, 'Failed to parse server response'));
        return;
      }
      this.settle(frame, 'ok', null, response);
    } else {
      this.settle(frame, 'error', serviceError(reply.status, reply.details, reply.metadata));
    }
  }

  drained(stream: ClientStream): void {
    this.forget(stream);
  }

  ended(stream: ClientStream, end: StatusObject, opened: boolean): void {
    this.forget(stream);
    // Queued frames are pending too (handed to the stream, not yet written).
    stream.dropQueue();
    const frames: Frame[] = [];
    for (const f of this.pending.values()) if (f.stream === stream) frames.push(f);
    // The server refused the stream with a code of its own (a wrong internal credential): every
    // call on it is answered so, as each unary call would have been.
    const refusal = end.code !== status.OK && end.metadata?.get(CODE_METADATA_KEY).length;
    const missing = !opened && end.code === status.UNIMPLEMENTED && !refusal;
    const now = Date.now();
    if (missing) this.unaryUntil = now + this.retryAfterMs;
    else if (!refusal && !stream.replied && (frames.length > 0 || !opened)) {
      streamStats.clientStreamsFailed++;
      this.reopen.failed(now);
    }
    for (const f of frames) {
      f.stream = undefined;
      if (refusal) this.settle(f, 'error', serviceError(end.code, end.details, end.metadata));
      else if (missing) {
        this.pending.delete(f.id);
        f.done = true;
        streamStats.unary.unimplemented++;
        f.method.unary(f.request, f.metadata, f.options, f.callback);
      } else if (
        !this.closed &&
        (!f.written || f.method.retryable) &&
        f.attempts < MAX_ATTEMPTS &&
        f.deadline > now
      ) {
        const at = now + retryBackoffMs(f.attempts);
        f.attempts++;
        streamStats.framesResent++;
        this.hold(f, at, end.details || 'stream ended');
      } else {
        this.settle(f, 'failed', serviceError(status.UNAVAILABLE, end.details || 'stream ended'));
      }
    }
  }

  /**
   * Sends `frame` at `at` (Unix ms), or fails it UNAVAILABLE when that is not before its deadline:
   * waiting would only turn the failure into a TIMEOUT later (the in-process channel does the same).
   */
  private hold(frame: Frame, at: number, details: string): void {
    if (at < frame.deadline) {
      streamStats.framesHeld++;
      this.waiting.add(frame, at);
    } else {
      // Not from within call(): its callback is not expected before call() returns.
      process.nextTick(this.fail, frame, details);
    }
  }

  private readonly fail = (frame: Frame, details: string): void => {
    if (!frame.done) this.settle(frame, 'failed', serviceError(status.UNAVAILABLE, details));
  };

  /** Takes a stream out of the rotation: new frames go to a new one. */
  private forget(stream: ClientStream): void {
    const i = this.streams.indexOf(stream);
    if (i >= 0) this.streams.splice(i, 1);
  }

  private settle(frame: Frame, outcome: FrameOutcome, err: ServiceError | null, response?: unknown): void {
    this.pending.delete(frame.id);
    frame.done = true;
    const stream = frame.stream;
    frame.stream = undefined;
    stream?.release();
    streamStats.answered[outcome]++;
    if (err) frame.callback(err);
    else frame.callback(null, response);
  }

  /** Fails the overdue calls, as grpc-js's deadline timer would have; returns the next deadline. */
  private readonly sweep = (now: number): number => {
    let earliest = Infinity;
    for (const f of this.pending.values()) {
      if (f.deadline <= now)
        this.settle(f, 'deadline', serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
      else if (f.deadline < earliest) earliest = f.deadline;
    }
    return earliest;
  };
}

/** True when a call's metadata has any entry (the internal credential is added later, by the channel). */
function hasEntries(metadata: Metadata): boolean {
  for (const _ in metadata.getMap()) return true;
  return false;
}
