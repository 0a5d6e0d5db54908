import { Registry } from '@switchboard/metrics';
import { describe, expect, it } from 'vitest';
import { registerGateMetrics } from './stats.js';
import { FakeTransport, harness } from './test-fakes.js';

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
});
