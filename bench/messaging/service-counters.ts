// What the services did during a benchmark step, from their /metrics before and after: logic's
// group-commit transactions and their size, SendBatch calls from the gates, database statements and
// how long the append's two requests took on MySQL,
// route's DeliverToUsers calls and the gates' Deliver calls, and sends refused and why. It says which bound a step hit (the database, the pushes, the
// queue) where the step's own figures only show that it did.

/** The counters read, by Prometheus series name (summed over label sets). */
const SERIES = {
  sends: 'switchboard_logic_sends_total',
  batches: 'switchboard_logic_send_batches_total',
  batchSends: 'switchboard_logic_send_batch_messages_total',
  rpcBatches: 'switchboard_logic_send_rpc_batches_total',
  rpcSends: 'switchboard_logic_send_rpc_batch_sends_total',
  statements: 'switchboard_db_seconds_count',
  // On MySQL a batch's transaction is two requests (append-pipelined.ts), counted by their first
  // statement: `start` (the counter upserts, with any wait for another transaction's row locks)
  // and `insert` (the rows and the commit; during a step nearly every insert is one of these).
  firstRequests: 'switchboard_db_seconds_count{operation="start"',
  firstRequestSeconds: 'switchboard_db_seconds_sum{operation="start"',
  inserts: 'switchboard_db_seconds_count{operation="insert"',
  insertSeconds: 'switchboard_db_seconds_sum{operation="insert"',
  refusedBusy: 'switchboard_logic_sends_refused_busy_total',
  refusedPushes: 'switchboard_logic_sends_refused_push_backlog_total',
  expired: 'switchboard_logic_sends_expired_total',
  pushCalls: 'switchboard_grpc_server_seconds_count{method="DeliverToUsers"',
  gateCalls: 'switchboard_grpc_server_seconds_count{method="Deliver"',
} as const;

export type ServiceCounts = Record<keyof typeof SERIES, number>;

/** The sum of every series of `metric` in Prometheus text (a `{label="x"` suffix narrows it). */
export function seriesTotal(text: string, metric: string): number {
  const brace = metric.indexOf('{');
  const name = brace < 0 ? metric : metric.slice(0, brace);
  const labels = brace < 0 ? '' : metric.slice(brace + 1);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labels && !rest.includes(labels)) continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export function parseServiceCounts(text: string): ServiceCounts {
  const out = {} as ServiceCounts;
  for (const [key, metric] of Object.entries(SERIES))
    out[key as keyof ServiceCounts] = seriesTotal(text, metric);
  return out;
}

/** The counters summed over the services that serve /metrics (the embedded suite: none, undefined). */
export async function readServiceCounts(
  metricsUrls: ReadonlyArray<string | undefined>,
): Promise<ServiceCounts | undefined> {
  const texts = await Promise.all(
    metricsUrls.map((url) =>
      url
        ? fetch(url, { signal: AbortSignal.timeout(10_000) })
            .then((r) => r.text())
            .catch(() => '')
        : '',
    ),
  );
  const served = texts.filter((t) => t.startsWith('#'));
  return served.length > 0 ? parseServiceCounts(served.join('\n')) : undefined;
}

/** One line on what happened between two readings. */
export function describeServiceCounts(before: ServiceCounts, after: ServiceCounts): string {
  const d = (k: keyof ServiceCounts) => after[k] - before[k];
  const per = (a: number, b: number) => (b > 0 ? (a / b).toFixed(1) : 'n/a');
  const sends = d('sends');
  const requests =
    d('firstRequests') > 0
      ? `; the append's requests took ${per(d('firstRequestSeconds') * 1000, d('firstRequests'))} ms (counters) ` +
        `and ${per(d('insertSeconds') * 1000, d('inserts'))} ms (rows, commit) on average`
      : '';
  return (
    `logic: ${d('batches')} transactions (${per(d('batchSends'), d('batches'))} sends each), ` +
    `${d('rpcBatches')} SendBatch calls (${per(d('rpcSends'), d('rpcBatches'))} each), ` +
    `per stored send ${per(d('statements'), sends)} statements, ${per(d('pushCalls'), sends)} DeliverToUsers ` +
    `and ${per(d('gateCalls'), sends)} Deliver calls; ` +
    `refused ${d('refusedBusy')} queue full, ${d('refusedPushes')} push backlog, ${d('expired')} expired` +
    requests
  );
}
