// Send throughput of 1:1 messages on MariaDB: one transaction per message against group commit
// (SendBatcher, the logic service's policy), then the whole logic service over gRPC.
// Run: npx tsx bench/send/run.ts   (about 100 s; results go in docs/benchmarks.md,
// "Send throughput (group commit)"). Needs MariaDB/MySQL at --server (root, no password by default).
// Flags: --only baseline,group-commit,e2e  --measure-ms 8000  --warmup-ms 1000  --users 1000
//        --sample-users 100  --pool-size 64. Exits non-zero when an inbox check fails.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import type { BenchDatabase } from './bench-database.js';
import { runEndToEndScenario } from './end-to-end-scenario.js';
import { formatTable } from './report.js';
import type { ScenarioContext, ScenarioResult } from './scenario.js';
import { GROUP_COMMIT_MAX_DELAY_MS, GROUP_COMMIT_MAX_SIZE, runStorageScenario } from './storage-scenarios.js';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    users: { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '1000' },
    'measure-ms': { type: 'string', default: '8000' },
    'sample-users': { type: 'string', default: '100' },
    'pool-size': { type: 'string', default: '64' },
    // Comma-separated subset of: baseline, group-commit, e2e.
    only: { type: 'string', default: 'baseline,group-commit,e2e' },
  },
});

const users = positiveInt('users', args.users);
const sampleSize = Math.min(users, positiveInt('sample-users', args['sample-users']));
const live = new Set<BenchDatabase>();
const ctx: ScenarioContext = {
  serverUri: args.server,
  poolSize: positiveInt('pool-size', args['pool-size']),
  users,
  phases: {
    warmupMs: positiveInt('warmup-ms', args['warmup-ms']),
    measureMs: positiveInt('measure-ms', args['measure-ms']),
  },
  // Spread over the population rather than the first N, which the generator treats no differently
  // but which makes the sample obviously unbiased to a reader.
  sampleUserIds: Array.from({ length: sampleSize }, (_, i) => `u${Math.floor((i * users) / sampleSize)}`),
  live,
  progress: (line) => console.log(line),
};

process.on('SIGINT', () => {
  console.log('interrupted: dropping benchmark databases');
  void Promise.allSettled([...live].map((db) => db.dispose())).then(() => process.exit(130));
});

const only = new Set(args.only.split(',').map((s) => s.trim()));
const plan: Array<() => Promise<ScenarioResult>> = [
  ...(only.has('baseline') ? [16, 64] : []).map((c) => () => runStorageScenario(ctx, 'baseline', c)),
  ...(only.has('group-commit') ? [16, 64, 256, 1024] : []).map(
    (c) => () => runStorageScenario(ctx, 'group commit', c),
  ),
  ...(only.has('e2e') ? [64, 256, 1024] : []).map((c) => () => runEndToEndScenario(ctx, c)),
  // The gRPC path with a storage that costs nothing: the ceiling the end-to-end rows approach.
  ...(only.has('e2e') ? [1024] : []).map((c) => () => runEndToEndScenario(ctx, c, 'stub')),
];

console.log(
  `send throughput: ${users} users, random pairs, 100-byte messages, ` +
    `${ctx.phases.warmupMs} ms warm-up + ${ctx.phases.measureMs} ms measured per run, ` +
    `pool ${ctx.poolSize}, group commit maxDelayMs ${GROUP_COMMIT_MAX_DELAY_MS} maxSize ${GROUP_COMMIT_MAX_SIZE}`,
);
const started = performance.now();
const loadAtStart = loadavg()[0]!;
const results: ScenarioResult[] = [];
try {
  for (const run of plan) {
    const r = await run();
    results.push(r);
    console.log(
      `  -> ${r.path} C=${r.concurrency}: ${Math.round(r.messagesPerSecond)} messages/s, ` +
        `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.failed} failed` +
        (r.meanBatch === undefined ? '' : `, ${r.meanBatch.toFixed(1)} sends/transaction`) +
        `, load average ${loadavg()[0]!.toFixed(1)}` +
        (r.firstError ? ` (first error: ${r.firstError})` : ''),
    );
    for (const p of r.inbox.problems) console.log(`  !! ${p}`);
  }
} finally {
  // A scenario disposes its own database; this only catches one left by a crash in between.
  await Promise.allSettled([...live].map((db) => db.dispose()));
}

console.log(
  `\n${await machine()}; ${new Date().toISOString().slice(0, 10)}; ` +
    `total ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
    // Other work on the box skews every figure; say how busy it was.
    `load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end\n`,
);
console.log(formatTable(results));
const corrupt = results.some((r) => r.inbox.problems.length > 0);
if (corrupt) console.log('\nINBOX CHECK FAILED: these numbers are not valid.');
process.exitCode = corrupt ? 1 : 0;

async function machine(): Promise<string> {
  const connection = await createConnection({ uri: ctx.serverUri });
  try {
    const [rows] = await connection.query('select version() as v');
    const version = (rows as Array<{ v: string }>)[0]?.v ?? 'unknown';
    return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, server ${version}`;
  } finally {
    await connection.end();
  }
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}
