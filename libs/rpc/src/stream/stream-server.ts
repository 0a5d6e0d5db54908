import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type StatusObject,
} from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { DetachedCall } from '../detached-call.js';
import { RpcError, toStatus } from '../rpc-error.js';
import type { ServiceRegistration } from '../server.js';
import { DeadlineSweep } from './deadline-sweep.js';
import { decodeRequest, encodeReply, FrameError } from './frame-codec.js';
import { streamStats } from './stream-stats.js';

/** How long a stream lives before the server asks the client to move to a new one. */
export const DEFAULT_STREAM_MAX_AGE_MS = 5 * 60_000;

/** How long after a drain the server waits for the client to end the stream before ending it. */
const DRAIN_GRACE_MS = 30_000;

/** How often handlers past their frame's deadline are cancelled (as often as clients fail them). */
const SWEEP_MS = 25;

type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

interface Method {
  handler: UnaryHandler;
  deserialize(bytes: Buffer): unknown;
  serialize(value: unknown): Buffer;
}

export interface StreamServerOptions {
  /** Age after which a stream is drained (the credential it was opened with is re-checked on the next). */
  maxAgeMs?: number;
}

const EMPTY = Buffer.alloc(0);

/** The frame answers grpc-js itself would give as the unary call's status. */
function unimplemented(path: string): Partial<StatusObject> {
  return { code: status.UNIMPLEMENTED, details: `The server does not implement the method ${path}` };
}
const DEADLINE_EXCEEDED: Partial<StatusObject> = {
  code: status.DEADLINE_EXCEEDED,
  details: 'Deadline exceeded',
};
/** grpc-js's answer to a handler that throws (without GRPC_NODE_DEBUG_SEND_ERROR_DETAILS). */
const HANDLER_THREW: Partial<StatusObject> = { code: status.UNKNOWN, details: 'Unknown error' };
const MALFORMED = toStatus(
  new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'the request could not be decoded'),
);

/**
 * Serves switchboard.rpc.v1.InternalStreamService for one gRPC server: each request frame goes to
 * the handler its unary call would reach (the services given, with their latency observer), and
 * its answer goes back as a reply frame carrying what the unary call's status would have carried.
 * The internal credential is checked by the caller of {@link handle} once per stream.
 *
 * A handler's call is cancelled as grpc-js cancels a unary call's (`cancelled` set, 'cancelled'
 * emitted, its answer dropped) when its frame's deadline passes, from one sweep timer for the
 * whole server, and when its stream ends.
 */
export class StreamServer {
  private readonly methods = new Map<string, Method>();
  private readonly streams = new Set<ServedStream>();
  readonly maxAgeMs: number;
  /** Handlers running, on every stream. */
  private running = 0;
  private readonly deadlines: DeadlineSweep;

  /** @param services Implementations as the unary server runs them (observed, not authenticated). */
  constructor(services: readonly ServiceRegistration[], options: StreamServerOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_STREAM_MAX_AGE_MS;
    this.deadlines = new DeadlineSweep(SWEEP_MS, () => this.running === 0, this.sweep);
    for (const { definition, implementation } of services) {
      for (const [name, handler] of Object.entries(implementation)) {
        const m = definition[name];
        if (!m || m.requestStream || m.responseStream) continue;
        this.methods.set(m.path, {
          handler: handler as UnaryHandler,
          deserialize: m.requestDeserialize,
          serialize: m.responseSerialize,
        });
      }
    }
  }

  /** The Exchange handler. */
  readonly handle = (call: ServerDuplexStream<Buffer, Buffer>): void => {
    this.streams.add(new ServedStream(this, call));
  };

  /** @internal */
  method(path: string): Method | undefined {
    return this.methods.get(path);
  }

  /** @internal */
  forget(stream: ServedStream): void {
    this.streams.delete(stream);
  }

  /** @internal A handler started for a frame due at `deadline`. */
  started(deadline: number): void {
    this.running++;
    this.deadlines.add(deadline);
  }

  /** @internal A handler answered, or was cancelled. */
  stopped(): void {
    this.running--;
  }

  /** Cancels the handlers whose frame's deadline has passed; returns the next deadline. */
  private readonly sweep = (now: number): number => {
    let earliest = Infinity;
    for (const stream of this.streams) earliest = Math.min(earliest, stream.cancelOverdue(now));
    return earliest;
  };

  /**
   * Asks every client to move its new requests elsewhere (the server is stopping): each stream is
   * ended once its client ended it and its requests are answered, so a graceful stop does not
   * wait for the streams' age.
   */
  drainAll(): void {
    for (const s of this.streams) s.drain();
  }
}

/** One request frame being handled: the call object its handler gets, and its callback. */
class FrameCall extends DetachedCall {
  private answered = false;

  constructor(
    private readonly stream: ServedStream,
    readonly id: number,
    readonly method: Method,
    request: unknown,
    deadline: number,
    peer: string,
  ) {
    super(request, deadline, peer);
  }

  // One closure per frame: grpc-js's handler API answers through a callback, and the callback
  // must know which frame it answers.
  readonly callback: sendUnaryData<unknown> = (err, value, trailer) => {
    if (this.answered) return;
    this.answered = true;
    this.stream.answer(this, err, value, trailer);
  };
}

/** One open Exchange stream. */
class ServedStream {
  /** Frames whose handler has not answered (nor been cancelled). */
  private readonly running = new Set<FrameCall>();
  private draining = false;
  private clientEnded = false;
  private closed = false;
  private graceOver = false;
  /** Replies held while the stream's write buffer is full. */
  private queue: Buffer[] = [];
  private blocked = false;
  private readonly peer: string;
  private ageTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: StreamServer,
    private readonly call: ServerDuplexStream<Buffer, Buffer>,
  ) {
    this.peer = call.getPeer();
    streamStats.serverStreams++;
    call.on('data', this.onData);
    call.on('end', this.onEnd);
    call.on('drain', this.onDrain);
    // A client that goes away cancels the handlers still running (onGone).
    call.on('cancelled', this.onGone);
    call.on('error', this.onGone);
    call.on('close', this.onGone);
    // Tells the client the stream is open (it holds its frames until then).
    call.sendMetadata(new Metadata());
    this.ageTimer = setTimeout(this.drain, server.maxAgeMs);
    this.ageTimer.unref();
  }

  private readonly onData = (bytes: Buffer): void => {
    let id = 0;
    try {
      const frame = decodeRequest(bytes);
      id = frame.id;
      if (id === 0) return; // nothing to answer it with
      const method = this.server.method(frame.method);
      if (!method) return this.reject(id, unimplemented(frame.method));
      const deadline = frame.deadline === 0 ? Infinity : frame.deadline;
      if (deadline <= Date.now()) return this.reject(id, DEADLINE_EXCEEDED);
      let request: unknown;
      try {
        request = method.deserialize(frame.payload);
      } catch {
        return this.reject(id, MALFORMED);
      }
      this.run(new FrameCall(this, id, method, request, deadline, this.peer));
    } catch (err) {
      // A frame whose envelope is not a request: answered when it named its id, else dropped.
      if (err instanceof FrameError && err.id !== 0) this.reject(err.id, MALFORMED);
    }
  };

  private run(call: FrameCall): void {
    this.running.add(call);
    this.server.started(call.deadline);
    try {
      call.method.handler(call as unknown as ServerUnaryCall<unknown, unknown>, call.callback);
    } catch {
      call.callback(HANDLER_THREW as ServerErrorResponse);
    }
  }

  /** @internal A handler answered `call`. */
  answer(call: FrameCall, err: unknown, value: unknown, trailer: Metadata | undefined): void {
    // Cancelled (past its deadline, or the stream ended): the answer is dropped, as grpc-js drops it.
    if (!this.running.delete(call)) return;
    this.server.stopped();
    if (!this.closed) {
      if (err) this.write(errorReply(call.id, err, trailer));
      else this.write(okReply(call, value));
    }
    this.maybeEnd();
  }

  /**
   * @internal Cancels the handlers whose deadline is at or before `now`, answering their frames
   * DEADLINE_EXCEEDED as grpc-js answers a unary call's; returns the earliest deadline left.
   */
  cancelOverdue(now: number): number {
    let earliest = Infinity;
    for (const call of this.running) {
      if (call.deadline > now) {
        if (call.deadline < earliest) earliest = call.deadline;
        continue;
      }
      this.running.delete(call);
      this.server.stopped();
      this.reject(call.id, DEADLINE_EXCEEDED);
      call.notifyCancelled();
    }
    this.maybeEnd();
    return earliest;
  }

  private reject(id: number, answer: Partial<StatusObject>): void {
    this.write(errorReply(id, answer));
  }

  private write(bytes: Buffer): void {
    if (this.closed) return;
    if (this.blocked) this.queue.push(bytes);
    else if (!this.call.write(bytes)) this.blocked = true;
  }

  private readonly onDrain = (): void => {
    this.blocked = false;
    const queue = this.queue;
    let i = 0;
    while (i < queue.length && !this.blocked) {
      if (!this.call.write(queue[i++]!)) this.blocked = true;
    }
    this.queue = i === queue.length ? [] : queue.slice(i);
    this.maybeEnd();
  };

  /** Asks the client to open a new stream for new requests (max age, or the server stopping). */
  readonly drain = (): void => {
    if (this.draining || this.closed) return;
    this.draining = true;
    this.write(encodeReply(0, EMPTY, 0, '', [], true));
    this.graceTimer = setTimeout(() => {
      this.graceOver = true;
      this.maybeEnd();
    }, DRAIN_GRACE_MS);
    this.graceTimer.unref();
  };

  private readonly onEnd = (): void => {
    this.clientEnded = true;
    this.maybeEnd();
  };

  /**
   * Ends the stream once nothing is left to answer and the client has ended its side (after a
   * drain it does so once its own requests here are answered), or the drain's grace is over. Not at
   * the drain itself: a frame the client wrote before it read the drain would be lost.
   */
  private maybeEnd(): void {
    if (this.closed || this.running.size !== 0 || this.queue.length !== 0) return;
    if (!this.clientEnded && !this.graceOver) return;
    this.call.end();
    this.onGone();
  }

  private readonly onGone = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    clearTimeout(this.ageTimer);
    clearTimeout(this.graceTimer);
    streamStats.serverStreams--;
    this.server.forget(this);
    // Nobody is left to answer: the handlers still running are cancelled, as grpc-js cancels the
    // calls of a client that went away.
    const running = [...this.running];
    this.running.clear();
    for (const call of running) {
      this.server.stopped();
      call.notifyCancelled();
    }
  };
}

/** The reply frame of a handler's response, or INTERNAL as grpc-js answers one it cannot serialise. */
function okReply(call: FrameCall, value: unknown): Buffer {
  let payload: Buffer;
  try {
    payload = call.method.serialize(value);
  } catch {
    return errorReply(call.id, { code: status.INTERNAL, details: 'Failed to serialize response' });
  }
  streamStats.servedOk++;
  return encodeReply(call.id, payload);
}

/** The reply frame carrying what grpc-js would have sent as the unary call's status and trailers. */
function errorReply(id: number, err: unknown, trailer?: Metadata): Buffer {
  streamStats.servedError++;
  // As grpc-js's serverErrorToStatus: a numeric code with its details, else UNKNOWN and the message.
  const e = err as Partial<ServerErrorResponse & StatusObject>;
  const hasCode = typeof e.code === 'number' && Number.isInteger(e.code);
  const code = hasCode ? e.code! : status.UNKNOWN;
  const details =
    hasCode && typeof e.details === 'string'
      ? e.details
      : typeof e.message === 'string'
        ? e.message
        : 'Unknown Error';
  const metadata = trailer ?? e.metadata;
  const entries: Array<[string, string]> = [];
  if (metadata) {
    // String values only: the suite's trailers (sb-code, sb-field, sb-internal-auth-refused) are.
    for (const [k, v] of Object.entries(metadata.getMap())) if (typeof v === 'string') entries.push([k, v]);
  }
  return encodeReply(id, EMPTY, code, details, entries);
}
