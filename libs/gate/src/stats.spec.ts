import { Registry } from '@switchboard/metrics';
import { describe, expect, it } from 'vitest';
import { registerGateMetrics } from './stats.js';
import { Fanout } from './fanout.js';
import { FakeTransport, harness, packetBytes, settle, signInBytes } from './test-fakes.js';
import { PacketType } from '@switchboard/proto/client';
import { encodePacket } from '@switchboard/protocol';

describe('gate metrics', () => {
  it('exposes the gate counters as they are when scraped', async () => {
    const h = harness();
    const registry = new Registry();
    registerGateMetrics(h.core, registry);
    h.core.open(new FakeTransport());
    let text = await registry.metrics();
    expect(text).toContain('switchboard_gate_connections{gate="gate-test"} 1\n');
    expect(text).toContain('switchboard_gate_connections_opened_total{gate="gate-test"} 1\n');
    expect(text).toContain('# TYPE switchboard_gate_slow_closes_total counter\n');
    expect(text).toContain('switchboard_gate_queued_bytes{gate="gate-test"} 0\n');
    h.core.open(new FakeTransport());
    text = await registry.metrics();
    expect(text).toContain('switchboard_gate_connections_opened_total{gate="gate-test"} 2\n');
  });

  it('counts packets in and out by type', async () => {
    const h = harness();
    const registry = new Registry();
    registerGateMetrics(h.core, registry);
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    await settle();
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 2));
    const push = encodePacket({
      type: PacketType.PACKET_TYPE_MESSAGE,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from('x'),
    });
    new Fanout(h.core).broadcast('app1', push);
    h.core.receive(conn, Buffer.from([0x08, 0x63])); // type 99: no such type
    const text = await registry.metrics();
    expect(text).toContain('switchboard_gate_packets_in_by_type_total{gate="gate-test",type="SIGN_IN"} 1\n');
    expect(text).toContain(
      'switchboard_gate_packets_in_by_type_total{gate="gate-test",type="HEARTBEAT"} 1\n',
    );
    expect(text).toContain('switchboard_gate_packets_in_by_type_total{gate="gate-test",type="INVALID"} 1\n');
    expect(text).toContain('switchboard_gate_packets_out_by_type_total{gate="gate-test",type="SIGN_IN"} 1\n');
    expect(text).toContain('switchboard_gate_packets_out_by_type_total{gate="gate-test",type="MESSAGE"} 1\n');
  });
});
