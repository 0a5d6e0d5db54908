import {
  FRAME_HEADER_BYTES,
  messagePushLength,
  messagePushWithSeq,
  seqOffset,
  writeMessagePush,
} from '@switchboard/protocol';
import { EncodedPacket } from './encoded-packet.js';
import { WireFormat, type WireChunk } from './transport.js';
import { wsHeaderBytes, writeWsHeader } from './ws-frame.js';

/**
 * One receiver's MESSAGE push of a Delivery's `message` (encoded without a seq) carrying `seq`, as
 * the chunk a connection of `format` writes: the same bytes as framing `messagePushWithSeq`'s
 * Packet (EncodedPacket.chunkFor), built in one allocation with one copy of the message (frame
 * header, then the Packet with the seq spliced in), where splicing then framing copied it twice.
 * Each receiver's seq differs, so this runs once per receiver; JSON connections (rare, and decoded
 * anyway) take the general path.
 */
export function messagePushChunk(
  format: WireFormat,
  message: Buffer,
  seq: number,
  seqAt = seqOffset(message),
): WireChunk | undefined {
  switch (format) {
    case WireFormat.Framed: {
      const length = messagePushLength(message.length, seq);
      const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
      frame.writeUInt32BE(length, 0);
      writeMessagePush(frame, FRAME_HEADER_BYTES, message, seq, seqAt);
      return frame;
    }
    case WireFormat.WsBinary: {
      const length = messagePushLength(message.length, seq);
      const header = wsHeaderBytes(length);
      const frame = Buffer.allocUnsafe(header + length);
      writeWsHeader(frame, length, false);
      writeMessagePush(frame, header, message, seq, seqAt);
      return frame;
    }
    case WireFormat.Binary:
      return messagePushWithSeq(message, seq, seqAt);
    default:
      return EncodedPacket.fromBytes(messagePushWithSeq(message, seq, seqAt)).chunkFor(format);
  }
}
