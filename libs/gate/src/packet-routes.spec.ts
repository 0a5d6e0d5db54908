import { describe, expect, it } from 'vitest';
import { PacketType } from '@switchboard/proto/client';
import { isKnownPacketType, payloadCodecFor } from '@switchboard/protocol';
import { PACKET_ROUTES } from './packet-routes.js';

const knownTypes = Object.values(PacketType).filter(
  (t): t is PacketType => typeof t === 'number' && isKnownPacketType(t),
);

describe('the dispatch table', () => {
  it('decodes each request with the payload type the protocol names for it', () => {
    for (const type of knownTypes) {
      const row = PACKET_ROUTES[type];
      expect(row?.decoder, PacketType[type]).toBe(payloadCodecFor(type, 'to-server'));
    }
  });

  it('has a row for each request type a client may send, and none for server pushes', () => {
    const routed = knownTypes.filter((t) => PACKET_ROUTES[t] !== undefined).map((t) => PacketType[t]);
    expect(routed.sort()).toEqual([
      'PACKET_TYPE_ACK',
      'PACKET_TYPE_CONVERSATIONS',
      'PACKET_TYPE_HEARTBEAT',
      'PACKET_TYPE_HISTORY',
      'PACKET_TYPE_READ',
      'PACKET_TYPE_SEND',
      'PACKET_TYPE_SIGN_IN',
      'PACKET_TYPE_SUBSCRIBE_ROOM',
      'PACKET_TYPE_SYNC',
      'PACKET_TYPE_SYNC_GROUP',
      'PACKET_TYPE_UNSUBSCRIBE_ROOM',
    ]);
  });

  it('keeps each row at the index of its own type', () => {
    PACKET_ROUTES.forEach((row, index) => {
      if (row !== undefined) expect(row.type).toBe(index);
    });
  });
});
