import { Metadata, type Client, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { RawInternalStreamService } from './raw-service.js';
import { decodeReply, type ReplyFrame } from './frame-codec.js';
import { streamStats } from './stream-stats.js';

const { path: EXCHANGE_PATH, requestSerialize, responseDeserialize } = RawInternalStreamService.exchange;

/** One request sent (or to be sent) on a stream, as its owner tracks it. */
export interface StreamFrame {
  readonly id: number;
  /**
   * The encoded request frame, to be written now. The frame does not keep it once taken: a call
   * waits for its answer far longer than a write takes, and bytes held that long are promoted to
   * V8's old space and their native memory only freed at its next full GC. A resend encodes again.
   */
  takeBytes(): Buffer;
  /** The stream it was handed to; undefined once settled or while being moved. */
  stream: ClientStream | undefined;
  /** Whether it went out on that stream (queued ones did not). */
  written: boolean;
  /** Settled (answered, failed or timed out): a queued copy is skipped. */
  done: boolean;
}

/** What a {@link ClientStream} tells the client that owns it. */
export interface StreamOwner {
  /** A reply frame for one of its requests. */
  reply(stream: ClientStream, reply: ReplyFrame): void;
  /** The server asked for new requests to go to a new stream. */
  drained(stream: ClientStream): void;
  /** The stream is over; `opened` tells whether the server had accepted it. */
  ended(stream: ClientStream, status: StatusObject, opened: boolean): void;
}

/**
 * One Exchange stream, opened on a client's channel (its credentials, TLS and the internal-auth
 * interceptor apply, and its load balancer picks the instance). Frames handed to it before the
 * server accepted the stream (its response headers) or while the write buffer is full wait in a
 * queue; those were never sent, so they can go to another stream whatever their method.
 */
export class ClientStream {
  /** Frames handed to it and not settled: the stream is ended when it drains to 0. */
  pending = 0;
  opened = false;
  /** It answered a frame (set by its owner): it did not fail, whatever ends it. */
  replied = false;
  draining = false;
  private ended = false;
  private halfClosed = false;
  private blocked = false;
  private queue: StreamFrame[] = [];
  private status: StatusObject | undefined;
  private readonly call: ClientDuplexStream<Buffer, Buffer>;

  constructor(
    client: Client,
    private readonly owner: StreamOwner,
  ) {
    this.call = client.makeBidiStreamRequest(
      EXCHANGE_PATH,
      requestSerialize,
      responseDeserialize,
      new Metadata(),
      {},
    );
    this.call.on('metadata', this.onOpen);
    this.call.on('data', this.onData);
    this.call.on('drain', this.onWritable);
    // The status comes right after the end of the replies is pushed; replies still buffered in
    // the readable side are delivered before 'end', so the stream is closed out then.
    this.call.on('status', this.onStatus);
    this.call.on('error', noop);
    this.call.on('end', this.onEnd);
  }

  /** The instance it is on (`host:port`), once open. */
  get peer(): string {
    return this.call.getPeer();
  }

  send(frame: StreamFrame): void {
    frame.stream = this;
    frame.written = false;
    this.pending++;
    // Once the stream's status is in, nothing more goes out: the frame waits to be moved.
    if (this.opened && !this.blocked && !this.status) this.write(frame);
    else this.queue.push(frame);
  }

  /** A frame of this stream was settled elsewhere (answered, or past its deadline). */
  release(): void {
    this.pending--;
    if (this.draining && this.pending === 0) this.finish();
  }

  /** Ends the client's side once its frames are answered (close, drain). */
  finish(): void {
    if (this.ended) return;
    this.draining = true;
    if (this.pending === 0 && !this.halfClosed) {
      this.halfClosed = true;
      this.call.end();
    }
  }

  /**
   * Forgets the frames waiting to be written, once the stream has ended: the owner still has them
   * (they are pending with this stream) and moves or fails them.
   */
  dropQueue(): void {
    this.queue = [];
  }

  private write(frame: StreamFrame): void {
    frame.written = true;
    streamStats.framesSent++;
    if (!this.call.write(frame.takeBytes())) this.blocked = true;
  }

  private flush(): void {
    const queue = this.queue;
    let i = 0;
    while (i < queue.length && !this.blocked) {
      const frame = queue[i++]!;
      if (!frame.done) this.write(frame);
    }
    this.queue = i === queue.length ? [] : queue.slice(i);
  }

  private readonly onOpen = (): void => {
    if (this.opened) return;
    this.opened = true;
    streamStats.clientStreams++;
    streamStats.clientStreamsOpened++;
    this.flush();
  };

  private readonly onWritable = (): void => {
    this.blocked = false;
    this.flush();
  };

  private readonly onData = (bytes: Buffer): void => {
    let reply: ReplyFrame;
    try {
      reply = decodeReply(bytes);
    } catch {
      return; // its id is unknown: the frame's deadline fails it
    }
    if (reply.id !== 0) this.owner.reply(this, reply);
    else if (reply.drain && !this.draining) {
      this.draining = true;
      this.owner.drained(this);
      if (this.pending === 0) this.finish();
    }
  };

  private readonly onStatus = (status: StatusObject): void => {
    this.status = status;
    if (this.call.readableEnded) this.onEnd();
  };

  private readonly onEnd = (): void => {
    if (this.ended || !this.status) return;
    this.ended = true;
    if (this.opened) streamStats.clientStreams--;
    this.owner.ended(this, this.status, this.opened);
  };
}

function noop(): void {}
