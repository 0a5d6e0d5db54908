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
