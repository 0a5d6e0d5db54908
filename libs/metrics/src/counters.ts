import { Counter, Registry } from 'prom-client';

/**
 * A set of named monotonic counters for a service, as prom-client counters named
 * `<prefix>_<name>_total` with the same constant labels, in `registry`. Counting is a Map lookup
 * and an add: cheap enough for per-request paths (not per-byte ones).
 */
export class Counters<Name extends string> {
  private readonly counters = new Map<Name, Counter>();
  private readonly values = new Map<Name, number>();

  constructor(
    prefix: string,
    help: Readonly<Record<Name, string>>,
    private readonly labels: Readonly<Record<string, string>> = {},
    /** Where the counters are registered; the service serves it (merged with its others) on `/metrics`. */
    readonly registry: Registry = new Registry(),
  ) {
    for (const name of Object.keys(help) as Name[]) {
      const counter = new Counter({
        name: `${prefix}_${name}_total`,
        help: help[name],
        labelNames: Object.keys(labels),
        registers: [registry],
      });
      counter.inc(this.labels, 0);
      this.counters.set(name, counter);
      this.values.set(name, 0);
    }
  }

  add(name: Name, by = 1): void {
    this.counters.get(name)?.inc(this.labels, by);
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: Name): number {
    return this.values.get(name) ?? 0;
  }
}
