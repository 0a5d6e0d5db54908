import { PacketType } from '@switchboard/proto/client';
import { decodePacket } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { dispatchPacket } from './dispatch-packet.js';
import { FakeTransport, harness, settle, signInBytes } from './test-fakes.js';

describe('dispatchPacket', () => {
  it('drops the payload, a view into the socket read, once decoded, so a request waiting on logic does not pin that read', async () => {
    const h = harness();
    let release!: () => void;
    h.logic.signInGate = new Promise<void>((resolve) => (release = resolve));
    const transport = new FakeTransport();
    const conn = h.core.open(transport);
    const read = signInBytes(3, 'd1');
    const result = decodePacket(read);
    if (!result.ok) throw new Error('bad test packet');
    const packet = result.packet;
    expect(packet.data.buffer).toBe(read.buffer);

    dispatchPacket(h.core, conn, packet);

    // Logic has not answered: the handler still holds the packet, but not the read it came in.
    expect(packet.data.length).toBe(0);
    expect(packet.data.buffer).not.toBe(read.buffer);
    release();
    await settle();
    h.scheduler.run();
    expect(transport.packets()).toMatchObject([
      { type: PacketType.PACKET_TYPE_SIGN_IN, requestId: 3, code: 0 },
    ]);
    expect(conn.signedIn).toBe(true);
  });
});
