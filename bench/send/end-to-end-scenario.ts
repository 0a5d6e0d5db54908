import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@switchboard/config';
import { createLogger } from '@switchboard/log';
import type { Storage } from '@switchboard/storage';
// Benchmarks may reach into an app: this is the logic service exactly as main.ts builds it.
import { startLogic } from '../../apps/logic/src/server.js';
import { BatchCounter } from './batch-counter.js';
import { openBenchDatabase, type BenchDatabase } from './bench-database.js';
import type { LoadResult } from './closed-loop.js';
import { CountingRoute } from './counting-route.js';
import { CpuMeter, type CpuUse } from './cpu-meter.js';
import type { GrpcLoadMessage, GrpcLoadRequest } from './grpc-load-protocol.js';
import { InboxLedger, type InboxReport } from './inbox-check.js';
import { toResult, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { GROUP_COMMIT_MAX_DELAY_MS, GROUP_COMMIT_MAX_SIZE } from './storage-scenarios.js';
import { stubStorage } from './stub-storage.js';
import { BENCH_APP_ID, Workload } from './workload.js';

type Done = Extract<GrpcLoadMessage, { kind: 'done' }>;

/**
 * The whole send path: a load generator process calls LogicService.Send over gRPC with
 * `concurrency` calls in flight, the way gates forward client sends; logic validates, group-commits
 * through its SendBatcher, answers, and hands each message to a route that only counts.
 * With `storage: 'stub'` nothing is written: the run measures the gRPC path's own ceiling.
 */
export async function runEndToEndScenario(
  ctx: ScenarioContext,
  concurrency: number,
  storage: 'mariadb' | 'stub' = 'mariadb',
): Promise<ScenarioResult> {
  const path = storage === 'stub' ? 'end to end, stub storage' : 'end to end (gRPC)';
  const label = `${path}, C=${concurrency}`;
  const runId = `e2e-${concurrency}`;
  const db =
    storage === 'stub'
      ? undefined
      : await openBenchDatabase(ctx.serverUri, ctx.poolSize, new Workload(ctx.users, runId), ctx.live);
  try {
    const batches = new BatchCounter();
    const route = new CountingRoute();
    const { done, cpu } = await withLogic(
      batches.wrapStorage(db?.storage ?? stubStorage()),
      route,
      (address, internalSecret) => {
        ctx.progress(`${label}: ${db ? `database ${db.name}, ` : ''}logic at ${address}, running`);
        return measureGenerator(ctx, label, {
          address,
          internalSecret,
          appId: BENCH_APP_ID,
          users: ctx.users,
          runId,
          concurrency,
          phases: ctx.phases,
          sampleUserIds: db ? [...ctx.sampleUserIds] : [],
        });
      },
    );
    ctx.progress(`${label}: ${done.load.completed} measured sends, ${route.packets} pushes handed to route`);
    const inbox = db ? await verify(ctx, db, done) : { users: 0, entries: 0, problems: [] };
    const load: LoadResult = { ...done.load, firstError: done.load.firstError };
    return toResult(path, load, cpu, inbox, { loadGeneratorCpu: done.cpu, meanBatch: batches.meanBatch });
  } finally {
    await db?.dispose();
  }
}

/** Starts logic on a free port over `storage`, runs `work` against it, and stops it. */
async function withLogic<T>(
  storage: Storage,
  route: CountingRoute,
  work: (address: string, internalSecret: string) => Promise<T>,
): Promise<T> {
  const config = loadConfig({
    profile: 'production',
    configDir: fileURLToPath(new URL('../../config', import.meta.url)),
    env: {},
    overrides: {
      // A secret for this run only; the load generator gets it with its request.
      internal: { secret: randomBytes(32).toString('base64url') },
      logic: {
        host: '127.0.0.1',
        grpcPort: 0,
        storage: 'mysql',
        sendBatchMaxDelayMs: GROUP_COMMIT_MAX_DELAY_MS,
        sendBatchMaxSize: GROUP_COMMIT_MAX_SIZE,
      },
    },
  });
  const logic = await startLogic({
    config,
    logger: createLogger({ level: 'silent', service: 'bench' }),
    storage,
    route,
  });
  try {
    return await work(`127.0.0.1:${logic.grpcPort}`, config.internal.secret);
  } finally {
    // Waits for pushes still being handed to route, so the inbox check sees a quiet database.
    await logic.stop();
  }
}

/** Runs the load generator, measuring this process's CPU (logic) over its measured phase. */
async function measureGenerator(
  ctx: ScenarioContext,
  label: string,
  request: GrpcLoadRequest,
): Promise<{ done: Done; cpu: CpuUse }> {
  const meter = new CpuMeter();
  let stopMeter: (() => CpuUse) | undefined;
  const timer = setTimeout(() => (stopMeter = meter.start()), ctx.phases.warmupMs);
  try {
    const done = await runLoadGenerator(request, (started, elapsedMs) =>
      ctx.progress(`  ${label}: ${started} sends started, ${(elapsedMs / 1000).toFixed(0)} s`),
    );
    return { done, cpu: stopMeter?.() ?? { node: NaN, mariadb: undefined, machine: undefined } };
  } finally {
    clearTimeout(timer);
  }
}

function verify(ctx: ScenarioContext, db: BenchDatabase, done: Done): Promise<InboxReport> {
  const ledger = new InboxLedger(ctx.sampleUserIds);
  for (const a of done.acked) ledger.acknowledged(a.send, a.messageId, a.seq);
  for (const f of done.failed) ledger.failed(f);
  ctx.progress(`  checking ${ctx.sampleUserIds.length} inboxes`);
  return ledger.verify(db.storage);
}

function runLoadGenerator(
  request: GrpcLoadRequest,
  onProgress: (started: number, elapsedMs: number) => void,
): Promise<Done> {
  return new Promise<Done>((resolve, reject) => {
    // Inherits this process's execArgv, which carries tsx's loader, so the child runs TypeScript too.
    const child = fork(fileURLToPath(new URL('./grpc-load.ts', import.meta.url)), { stdio: 'inherit' });
    let result: Done | undefined;
    child.on('message', (message: GrpcLoadMessage) => {
      if (message.kind === 'progress') onProgress(message.started, message.elapsedMs);
      else result = message;
    });
    child.once('error', reject);
    // 'close', not 'exit': the IPC channel may still hold the report when the process exits.
    child.once('close', (code) => {
      if (result) resolve(result);
      else reject(new Error(`the gRPC load generator exited with code ${String(code)} before reporting`));
    });
    child.send(request);
  });
}
