// Load process of the sign-in storm (run.ts starts several, so that none holds more than a few
// thousand sockets): opens its share of the connections, `inflight` at a time, and keeps them
// open until told to close them. Switchboard: a SwitchboardClient over TCP or WebSocket signs user
// `u<i>` in on device `d<i>` with a token minted beforehand, and the SignInResponse must name that
// user. Baseline: a raw `net` or `ws` connection to the bare server sends 8 bytes (its index) and
// must get them back. Latency is connect start -> that answer.
import { withTimeout } from '@switchboard/client/node';
import { ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { testToken } from '@switchboard/testing';
import { cpuMicros } from '../fanout/proc-stats.js';
import { openGateClient } from '../groups/members.js';
import type { LoadCommand, LoadReport, StormSpec } from './ipc.js';
import { rawConnect, WrongAnswer } from './raw-clients.js';

const ANSWER_TIMEOUT_MS = 60_000;
const report = (m: LoadReport) => process.send!(m);
let spec: StormSpec | undefined;
let tokens: string[] = [];
let open: Array<{ close(): void; closed(): boolean }> = [];

async function signIn(url: string, index: number): Promise<{ close(): void; closed(): boolean }> {
  const client = await openGateClient(url);
  let closed = false;
  void client.closed.then(() => (closed = true));
  try {
    const r = await client.signIn({
      token: tokens[index - spec!.offset]!,
      deviceId: `d${index}`,
      platform: 'bench',
    });
    if (r.userId !== `u${index}`) throw new WrongAnswer(`signed in as '${r.userId}', not u${index}`);
  } catch (err) {
    client.close();
    throw err;
  }
  return { close: () => client.close(), closed: () => closed };
}

function cause(err: unknown): string {
  if (err instanceof SwitchboardError) return ErrorCode[err.code] ?? `code ${err.code}`;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return String((err as Error).message ?? err).slice(0, 80);
}

async function storm(s: StormSpec): Promise<void> {
  const tcpMs: number[] = [];
  const wsMs: number[] = [];
  const errors: Record<string, number> = {};
  let [next, failed, wrong] = [0, 0, 0];
  const progress = setInterval(
    () => report({ t: 'progress', done: tcpMs.length + wsMs.length, failed }),
    1000,
  );
  const cpu0 = cpuMicros();
  const startMs = Date.now();
  const worker = async () => {
    while (next < s.count) {
      const index = s.offset + next++;
      const url = s.urls[index % s.urls.length]!;
      const t0 = performance.now();
      try {
        const c = await withTimeout(
          s.kind === 'switchboard' ? signIn(url, index) : rawConnect(url, index),
          ANSWER_TIMEOUT_MS,
          () => new Error(`no answer in ${ANSWER_TIMEOUT_MS} ms`),
        );
        (url.startsWith('tcp:') ? tcpMs : wsMs).push(performance.now() - t0);
        open.push(c);
      } catch (err) {
        failed++;
        if (err instanceof WrongAnswer) wrong++;
        const key = err instanceof WrongAnswer ? 'WRONG_ANSWER' : cause(err);
        errors[key] = (errors[key] ?? 0) + 1;
        if (failed <= 3) console.error(`[signin-load] u${index} at ${url}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: s.inflight }, worker));
  const endMs = Date.now();
  clearInterval(progress);
  report({
    t: 'done',
    result: {
      tcpMs: Float64Array.from(tcpMs),
      wsMs: Float64Array.from(wsMs),
      errors,
      wrong,
      startMs,
      endMs,
      cpuSeconds: (cpuMicros() - cpu0) / 1e6,
    },
  });
}

process.on('message', (command: LoadCommand) => {
  switch (command.t) {
    case 'prepare': {
      const s = (spec = command.spec);
      void (async () => {
        tokens =
          s.kind === 'switchboard'
            ? await Promise.all(
                Array.from({ length: s.count }, (_, i) =>
                  testToken(s.appId, `u${s.offset + i}`, s.secret, '2h', `d${s.offset + i}`),
                ),
              )
            : [];
        report({ t: 'ready' });
      })();
      return;
    }
    case 'go':
      void storm(spec!);
      return;
    case 'close': {
      const closedEarly = open.filter((c) => c.closed()).length;
      for (const c of open) c.close();
      open = [];
      report({ t: 'closed', closedEarly });
      return;
    }
    case 'stop':
      for (const c of open) c.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
