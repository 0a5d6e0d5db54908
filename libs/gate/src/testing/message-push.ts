import { PacketType } from '@switchboard/proto/client';
import { encodePacket } from '@switchboard/protocol';

/**
 * The bytes of a MESSAGE push as route hands them to a gate: `seq` in the Packet's message field
 * and `size` bytes of data, each byte `seq % 256`, so a client can check order and contents.
 */
export function messagePush(seq: number, size: number): Buffer {
  return Buffer.from(
    encodePacket({
      type: PacketType.PACKET_TYPE_MESSAGE,
      requestId: 0,
      code: 0,
      message: `${seq}`,
      data: Buffer.alloc(size, seq % 256),
    }),
  );
}
