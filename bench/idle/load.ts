// Load process of the idle-memory benchmark: holds its share of the connections (one process
// holds at most ~20,000 open files here), each from one of many 127.0.0.x source addresses, and
// churns sign-ins (connect, sign in, close) when told. Started by run.ts.
import { withTimeout } from '@switchboard/client/node';
import { testToken } from '@switchboard/testing';
import { rawConnect } from '../signin/raw-clients.js';
import { signInFrom, sourceAddress, type HeldConnection } from './gate-clients.js';
import type { LoadCommand, LoadReport, OpenSpec } from './ipc.js';

const ANSWER_TIMEOUT_MS = 60_000;
const report = (m: LoadReport) => process.send!(m);
let held: HeldConnection[] = [];

async function connectOne(spec: OpenSpec, url: string, index: number): Promise<HeldConnection> {
  const from = sourceAddress(index);
  if (spec.kind === 'raw') return rawConnect(url, index, from);
  const userId = `${spec.prefix}${index}`;
  const deviceId = `d${index}`;
  const token = await testToken(spec.appId, userId, spec.secret, '2h', deviceId);
  return signInFrom(url, { appId: spec.appId, userId, deviceId, token }, from);
}

/** Runs `count` connections, `inflight` at a time; `keep` decides what to do with each. */
async function each(
  spec: OpenSpec,
  keep: (c: HeldConnection) => void,
): Promise<{ done: number; failed: number; errors: Record<string, number> }> {
  const urls = spec.url.split(' ');
  const errors: Record<string, number> = {};
  let [next, done, failed] = [0, 0, 0];
  const progress = setInterval(() => report({ t: 'progress', done, failed }), 1000);
  const worker = async () => {
    while (next < spec.count) {
      const index = spec.offset + next++;
      try {
        const c = await withTimeout(
          connectOne(spec, urls[index % urls.length]!, index),
          ANSWER_TIMEOUT_MS,
          () => new Error(`no answer in ${ANSWER_TIMEOUT_MS} ms`),
        );
        keep(c);
        done++;
      } catch (err) {
        failed++;
        const key = String((err as { code?: unknown }).code ?? (err as Error).message).slice(0, 60);
        errors[key] = (errors[key] ?? 0) + 1;
        if (failed <= 3) console.error(`[idle-load] connection ${index}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.inflight }, worker));
  clearInterval(progress);
  return { done, failed, errors };
}

process.on('message', (command: LoadCommand) => {
  switch (command.t) {
    case 'open':
      void each(command.spec, (c) => held.push(c)).then((r) =>
        report({ t: 'opened', opened: r.done, failed: r.failed, errors: r.errors }),
      );
      return;
    case 'churn':
      void each(command.spec, (c) => c.close()).then((r) => report({ t: 'churned', ...r }));
      return;
    case 'close': {
      const closedEarly = held.filter((c) => c.closed()).length;
      for (const c of held) c.close();
      held = [];
      report({ t: 'closed', closedEarly });
      return;
    }
    case 'stop':
      for (const c of held) c.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
