/**
 * Monotonic counters of a gate. Plain fields, bumped inline on hot paths; gauges (connections,
 * signed in, rooms) are read from the indexes when rendered.
 */
export class GateCounters {
  packetsIn = 0;
  packetsOut = 0;
  bytesOut = 0;
  connectionsOpened = 0;
  signIns = 0;
  signInFailures = 0;
  slowCloses = 0;
  floodCloses = 0;
  /** Server-initiated closes by ErrorCode. */
  readonly closesByCode = new Map<number, number>();

  countClose(code: number): void {
    this.closesByCode.set(code, (this.closesByCode.get(code) ?? 0) + 1);
  }
}

/** One sample of a metric family. */
export interface MetricSample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** A metric family in the Prometheus text exposition format. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: readonly MetricSample[];
}

/** Renders metric families as Prometheus text (version 0.0.4), the body of a `/metrics` endpoint. */
export function renderMetrics(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of families) {
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      out += `${family.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}\n`;
    }
  }
  return out;
}

function renderLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
