// Load generator process: opens its share of clients against one server, then counts each pushed
// burst and the latency of every message (send stamp in the payload, hrtime on both sides: the
// same monotonic clock, since every process runs on this machine). Started by run.ts.
import { carriesPayload, connectClient, type BenchClient } from './load-clients.js';
import type { LoadCommand, LoadOptions, LoadReport } from './ipc.js';
import { tailSeq, tailStamp } from './payload.js';
import { Round } from './round-counter.js';

const PROGRESS_EVERY_MS = 1000;

function report(message: LoadReport): void {
  process.send!(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('start this through bench/fanout/run.ts (needs an IPC channel)');
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  const clients: BenchClient[] = [];
  let round: Round | undefined;
  let roundTimer: NodeJS.Timeout | undefined;

  const finishRound = () => {
    const r = round;
    if (!r) return;
    round = undefined;
    clearTimeout(roundTimer);
    report(r.report());
  };

  process.on('message', (command: LoadCommand) => {
    if (command.t === 'stop') {
      for (const c of clients) c.close();
      process.exit(0);
    }
    round = new Round(clients.length, command.messages, finishRound);
    roundTimer = setTimeout(finishRound, command.timeoutMs);
    report({ t: 'armed' });
  });
  process.on('disconnect', () => process.exit(0));

  let failed = 0;
  let next = 0;
  const progress = setInterval(
    () => report({ t: 'progress', connected: clients.length, failed }),
    PROGRESS_EVERY_MS,
  );
  const worker = async () => {
    while (next < options.clients) {
      const userId = `${options.name}-${next++}`;
      try {
        // Slots are numbered by successful connections, so a round's per-client arrays stay dense.
        const slot = { index: -1 };
        const client = await connectClient(options.kind, options.url, userId, (data) =>
          round?.record(slot.index, tailSeq(data), tailStamp(data), () => carriesPayload(options.kind, data)),
        );
        slot.index = clients.length;
        clients.push(client);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearInterval(progress);
  report({ t: 'connected', connected: clients.length, failed });
}

await main();
