import { describe, expect, it } from 'vitest';
import { renderMetrics } from './metrics.js';
import { gateMetricFamilies } from './stats.js';
import { harness } from './test-fakes.js';
import { FakeTransport } from './test-fakes.js';

describe('metrics', () => {
  it('renders Prometheus text with escaped labels', () => {
    const text = renderMetrics([
      { name: 'x_total', help: 'Things.', type: 'counter', samples: [{ labels: { a: 'q"\\\n' }, value: 3 }] },
      { name: 'y', help: 'Gauge.', type: 'gauge', samples: [{ value: 1.5 }] },
    ]);
    expect(text).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="q\\"\\\\\\n"} 3\n' +
        '# HELP y Gauge.\n# TYPE y gauge\ny 1.5\n',
    );
  });

  it('exposes the gate counters', () => {
    const h = harness();
    h.core.open(new FakeTransport());
    const text = renderMetrics(gateMetricFamilies(h.core));
    expect(text).toContain('switchboard_gate_connections{gate="gate-test"} 1\n');
    expect(text).toContain('# TYPE switchboard_gate_slow_closes_total counter\n');
  });
});
