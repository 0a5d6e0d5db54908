// The MESSAGE push of a Message stored in several inboxes, each receiver's with its own inbox seq,
// from the Message encoded once without a seq: logic builds pushes this way for a small group, and
// a gate does for a Delivery that carries the Message rather than a packet per member
// (switchboard.conn.v1.Delivery.message).
import { PacketType } from '@switchboard/proto/client';
import { asBuffer } from './packet-builders.js';
import { varintLength, writeVarint } from './varint.js';

/** Packet.type (field 1, varint) and Packet.data (field 5, length-delimited), as keys on the wire. */
export const PACKET_TYPE_TAG = (1 << 3) | 0;
export const PACKET_DATA_TAG = (5 << 3) | 2;
/** Message.message_id (field 1) and Message.seq (field 2), varints, as keys on the wire. */
const MESSAGE_ID_TAG = (1 << 3) | 0;
const MESSAGE_SEQ_TAG = (2 << 3) | 0;

/**
 * Where Message.seq belongs in `message` (a Message encoded without one): after message_id, which
 * is field 1 and so written first by Message.encode; 0 when the message has no message_id.
 */
export function seqOffset(message: Uint8Array): number {
  if (message.length === 0 || message[0] !== MESSAGE_ID_TAG) return 0;
  let at = 1;
  while (at < message.length && (message[at]! & 0x80) !== 0) at++;
  return Math.min(at + 1, message.length);
}

/**
 * The MESSAGE push Packet (request id 0) of `message` carrying `seq` (0: none): the bytes encoding
 * the Message with that seq would give, as one copy of `message` with the seq field spliced in at
 * `seqAt` (see {@link seqOffset}; pass it when pushing one message to many receivers).
 */
export function messagePushWithSeq(message: Uint8Array, seq: number, seqAt = seqOffset(message)): Buffer {
  const body = asBuffer(message);
  const out = Buffer.allocUnsafe(messagePushLength(body.length, seq));
  writeMessagePush(out, 0, body, seq, seqAt);
  return out;
}

/** The length of {@link messagePushWithSeq}'s Packet for a message of `messageLength` bytes. */
export function messagePushLength(messageLength: number, seq: number): number {
  const data = messageLength + (seq !== 0 ? 1 + varintLength(seq) : 0);
  return 3 + varintLength(data) + data;
}

/**
 * Writes {@link messagePushWithSeq}'s Packet into `out` at `at` (room for
 * {@link messagePushLength} bytes), behind a header its caller wrote (a gate's frame header: one
 * allocation and one copy of the message per receiver); returns where the Packet ends.
 */
export function writeMessagePush(
  out: Buffer,
  at: number,
  message: Buffer,
  seq: number,
  seqAt: number,
): number {
  const data = message.length + (seq !== 0 ? 1 + varintLength(seq) : 0);
  out[at++] = PACKET_TYPE_TAG;
  out[at++] = PacketType.PACKET_TYPE_MESSAGE;
  out[at++] = PACKET_DATA_TAG;
  at = writeVarint(out, at, data);
  at += message.copy(out, at, 0, seqAt);
  if (seq !== 0) {
    out[at++] = MESSAGE_SEQ_TAG;
    at = writeVarint(out, at, seq);
  }
  return at + message.copy(out, at, seqAt);
}
