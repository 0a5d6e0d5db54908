import { describe, expect, it } from 'vitest';
import { renderMetrics } from './render-metrics.js';

describe('renderMetrics', () => {
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

  it('writes special values as Prometheus expects', () => {
    const text = renderMetrics([
      {
        name: 'z',
        help: 'h',
        type: 'gauge',
        samples: [{ value: NaN }, { value: Infinity }, { value: -Infinity }],
      },
    ]);
    expect(text.split('\n').slice(2, 5)).toEqual(['z NaN', 'z +Inf', 'z -Inf']);
  });
});
