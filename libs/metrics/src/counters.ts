import type { MetricFamily } from './render-metrics.js';

/**
 * A set of named monotonic counters for a service, rendered as Prometheus
 * counter families with the same constant labels. Counting is a Map lookup and
 * an add: cheap enough for per-request paths (not per-byte ones).
 */
export class Counters<Name extends string> {
  private readonly values = new Map<Name, number>();

  constructor(
    private readonly prefix: string,
    private readonly help: Readonly<Record<Name, string>>,
    private readonly labels: Readonly<Record<string, string>> = {},
  ) {
    for (const name of Object.keys(help) as Name[]) this.values.set(name, 0);
  }

  add(name: Name, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: Name): number {
    return this.values.get(name) ?? 0;
  }

  families(): MetricFamily[] {
    return [...this.values].map(([name, value]) => ({
      name: `${this.prefix}_${name}_total`,
      help: this.help[name],
      type: 'counter' as const,
      samples: [{ labels: this.labels, value }],
    }));
  }
}
