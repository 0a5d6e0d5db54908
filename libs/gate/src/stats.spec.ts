import { renderMetrics } from '@switchboard/metrics';
import { describe, expect, it } from 'vitest';
import { gateMetricFamilies } from './stats.js';
import { FakeTransport, harness } from './test-fakes.js';

describe('gate metrics', () => {
  it('exposes the gate counters', () => {
    const h = harness();
    h.core.open(new FakeTransport());
    const text = renderMetrics(gateMetricFamilies(h.core));
    expect(text).toContain('switchboard_gate_connections{gate="gate-test"} 1\n');
    expect(text).toContain('# TYPE switchboard_gate_slow_closes_total counter\n');
  });
});
