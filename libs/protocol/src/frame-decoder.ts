import { ErrorCode } from '@switchboard/proto/client';
import { FRAME_HEADER_BYTES, MAX_FRAME_LENGTH } from './frame-encoder.js';
import { type ProtocolError } from './protocol-error.js';

/**
 * Receives the frames a {@link FrameDecoder} finds, in stream order.
 *
 * A gateway connection can implement this itself, so that a decoder costs no closure per connection.
 */
export interface FrameSink {
  /**
   * Called once per complete frame with exactly its body (the length prefix stripped).
   *
   * The buffer may be a view into the chunk given to `push` (when the frame lay inside one chunk) or a
   * buffer of exactly the frame's length (when it spanned chunks). The decoder never writes to it
   * afterwards, so it may be kept. A zero-length frame is delivered as an empty buffer: an empty body is
   * a valid protobuf Packet with every field at its default, and rejecting it is the packet layer's call.
   * The sink may call {@link FrameDecoder.close} to stop delivery of the rest of the current chunk; it
   * must not call `push` or `end` re-entrantly. It should not throw: an exception propagates out of
   * `push`, the rest of that chunk is lost, and the caller must close the connection.
   */
  onFrame(frame: Buffer): void;
}

export interface FrameDecoderOptions {
  /**
   * The largest body length accepted, in bytes (0 to 2^32 - 1). A larger declared length fails the
   * decoder as soon as its 4-byte header is read, before anything is allocated for it.
   */
  readonly maxFrameBytes: number;
}

const enum State {
  Header,
  Body,
  Failed,
  Closed,
}

/**
 * Splits a TCP byte stream into LV frames: a 4-byte unsigned big-endian length `L`, then `L` bytes.
 *
 * A pure state machine with no I/O, in the manner of the `ws` receiver: feed it socket chunks split
 * anywhere with {@link push} and it calls the sink for each frame. Failures are returned as values with
 * a stable code (`ERROR_CODE_FRAME_TOO_LARGE`, `ERROR_CODE_BAD_FRAME`) and are final: a failed decoder
 * returns the same error for every later call and delivers nothing more, because after a framing error
 * the stream has no trustworthy frame boundary left.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private state = State.Header;
  /** Header bytes seen so far when a header spans chunks, and their value. */
  private headerBytes = 0;
  private headerValue = 0;
  /** Body of a frame that spans chunks: allocated once at exactly its declared length. */
  private body: Buffer | undefined = undefined;
  private bodyFilled = 0;
  private error: ProtocolError | undefined = undefined;

  constructor(
    options: FrameDecoderOptions,
    private readonly sink: FrameSink,
  ) {
    const max = options.maxFrameBytes;
    if (!Number.isInteger(max) || max < 0 || max > MAX_FRAME_LENGTH) {
      throw new RangeError(`maxFrameBytes must be an integer from 0 to ${MAX_FRAME_LENGTH}, got ${max}`);
    }
    this.maxFrameBytes = max;
  }

  /** The error this decoder failed with, if it has. */
  get failure(): ProtocolError | undefined {
    return this.error;
  }

  /** Bytes held for an incomplete header or body; 0 when the stream is at a frame boundary. */
  get bufferedBytes(): number {
    return this.state === State.Body ? this.bodyFilled : this.headerBytes;
  }

  /**
   * Consumes one chunk, delivering every frame it completes. Returns `undefined`, or the error the
   * decoder has failed with (now or earlier). Does nothing after {@link close}.
   */
  push(chunk: Buffer): ProtocolError | undefined {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.state === State.Header) {
        let length: number;
        if (this.headerBytes === 0 && end - pos >= FRAME_HEADER_BYTES) {
          length = chunk.readUInt32BE(pos);
          pos += FRAME_HEADER_BYTES;
        } else {
          // A header split across chunks is accumulated as a number, so it costs no buffer.
          while (this.headerBytes < FRAME_HEADER_BYTES && pos < end) {
            this.headerValue = this.headerValue * 256 + chunk[pos++]!;
            this.headerBytes++;
          }
          if (this.headerBytes < FRAME_HEADER_BYTES) return undefined;
          length = this.headerValue;
          this.headerBytes = 0;
          this.headerValue = 0;
        }
        if (length > this.maxFrameBytes) {
          return this.fail(
            ErrorCode.ERROR_CODE_FRAME_TOO_LARGE,
            `frame declares ${length} bytes, more than the maximum of ${this.maxFrameBytes}`,
          );
        }
        if (end - pos >= length) {
          const frame = chunk.subarray(pos, pos + length);
          pos += length;
          this.sink.onFrame(frame);
        } else {
          const body = Buffer.allocUnsafe(length);
          this.bodyFilled = chunk.copy(body, 0, pos, end);
          this.body = body;
          this.state = State.Body;
          return undefined;
        }
      } else if (this.state === State.Body) {
        const body = this.body!;
        const copied = chunk.copy(body, this.bodyFilled, pos, end);
        this.bodyFilled += copied;
        pos += copied;
        if (this.bodyFilled === body.length) {
          this.body = undefined;
          this.bodyFilled = 0;
          this.state = State.Header;
          this.sink.onFrame(body);
        }
      } else {
        break;
      }
    }
    return this.error;
  }

  /**
   * Marks the end of the stream. Returns `ERROR_CODE_BAD_FRAME` when it ended inside a header or body
   * (a truncated frame), the earlier error if the decoder had failed, else `undefined`.
   */
  end(): ProtocolError | undefined {
    if (this.state === State.Failed) return this.error;
    if (this.state === State.Closed) return undefined;
    if (this.state === State.Body) {
      return this.fail(
        ErrorCode.ERROR_CODE_BAD_FRAME,
        `stream ended inside a frame: ${this.bodyFilled} of ${this.body!.length} body bytes received`,
      );
    }
    if (this.headerBytes > 0) {
      return this.fail(
        ErrorCode.ERROR_CODE_BAD_FRAME,
        `stream ended inside a frame header: ${this.headerBytes} of ${FRAME_HEADER_BYTES} bytes received`,
      );
    }
    this.state = State.Closed;
    return undefined;
  }

  /**
   * Stops decoding without an error, e.g. when the connection is being closed for a reason found in a
   * frame: the rest of the current chunk and every later chunk are ignored, and buffers are released.
   */
  close(): void {
    if (this.state === State.Failed) return;
    this.state = State.Closed;
    this.release();
  }

  private fail(code: ErrorCode, message: string): ProtocolError {
    this.state = State.Failed;
    this.release();
    this.error = { code, message };
    return this.error;
  }

  private release(): void {
    this.body = undefined;
    this.bodyFilled = 0;
    this.headerBytes = 0;
    this.headerValue = 0;
  }
}
