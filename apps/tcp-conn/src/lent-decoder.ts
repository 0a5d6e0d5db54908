import { FrameDecoder, type FrameSink, type ProtocolError } from '@switchboard/protocol';

/** A connection whose chunks a {@link LentDecoder} decodes. */
export interface FrameReader {
  /** The decoder this connection holds between chunks; undefined while it is at a frame boundary. */
  decoder: FrameDecoder | undefined;
}

/**
 * Frame decoding for every connection of one TCP gateway. Between chunks a connection at a frame
 * boundary (every idle one, and nearly every busy one) has no decoder state worth keeping, so the
 * gateway holds one spare FrameDecoder and lends it for each chunk; a connection keeps the decoder
 * only while a frame spans chunks (or once decoding failed, which is final), and gives it up at the
 * next boundary. An idle connection thus costs no decoder object.
 */
export class LentDecoder<R extends FrameReader> implements FrameSink {
  private spare: FrameDecoder;
  /** The connection whose chunk is being decoded; undefined between chunks. */
  private reading: R | undefined = undefined;

  /**
   * `deliver` gets every frame with its connection: one function for the gateway, so that a
   * connection needs no reference to where its frames go.
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly deliver: (reader: R, frame: Buffer) => void,
  ) {
    this.spare = this.fresh();
  }

  /** Decodes one chunk of `reader`'s stream, delivering its frames (see the constructor). */
  push(reader: R, chunk: Buffer): ProtocolError | undefined {
    const outer = this.reading;
    // Socket reads do not nest, but should one connection's chunk arrive while another's frame
    // is being handled, it must not share the spare in use: it gets a decoder of its own.
    if (outer !== undefined && reader.decoder === undefined) reader.decoder = this.fresh();
    const own = reader.decoder;
    const decoder = own ?? this.spare;
    this.reading = reader;
    let error: ProtocolError | undefined;
    // A sink that throws does so as a frame completes, when the decoder is at a boundary: the
    // spare stays fit to lend.
    try {
      error = decoder.push(chunk);
    } finally {
      this.reading = outer;
    }
    const atBoundary = error === undefined && decoder.bufferedBytes === 0;
    if (own === undefined && !atBoundary) {
      reader.decoder = decoder;
      this.spare = this.fresh();
    } else if (own !== undefined && atBoundary) {
      reader.decoder = undefined;
    }
    return error;
  }

  /** The stream of `reader` ended: an error when it ended inside a frame. */
  end(reader: R): ProtocolError | undefined {
    return reader.decoder?.end();
  }

  onFrame(frame: Buffer): void {
    this.deliver(this.reading!, frame);
  }

  private fresh(): FrameDecoder {
    return new FrameDecoder({ maxFrameBytes: this.maxFrameBytes }, this);
  }
}
