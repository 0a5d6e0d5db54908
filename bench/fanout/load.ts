// Load generator process: opens its share of clients against one server, then counts each pushed
// burst and the latency of every message (send stamp in the payload, hrtime on both sides: the
// same monotonic clock, since every process runs on this machine). Started by run.ts.
import { carriesPayload, connectClient, type BenchClient } from './load-clients.js';
import type { LoadCommand, LoadOptions, LoadReport } from './ipc.js';
import { tailSeq, tailStamp } from './payload.js';
import { cpuMicros } from './proc-stats.js';

const PROGRESS_EVERY_MS = 1000;

function report(message: LoadReport): void {
  process.send!(message);
}

/** Counts one burst: every client should get `messages` messages, in order. */
class Round {
  received = 0;
  lastNs = 0n;
  outOfOrder = 0;
  invalid = 0;
  readonly latenciesMs: Float64Array;
  readonly cpuStart = cpuMicros();
  /** Next sequence number expected per client. */
  private readonly nextSeq: Uint32Array;

  constructor(
    readonly clients: number,
    readonly messages: number,
    private readonly checkPayload: (data: Buffer) => boolean,
    private readonly onDone: () => void,
  ) {
    this.latenciesMs = new Float64Array(clients * messages);
    this.nextSeq = new Uint32Array(clients);
  }

  get expected(): number {
    return this.clients * this.messages;
  }

  record(client: number, data: Buffer): void {
    const now = process.hrtime.bigint();
    const seq = tailSeq(data);
    if (seq !== this.nextSeq[client]) this.outOfOrder++;
    // A full decode of every message would make the client, not the server, the bottleneck;
    // one per client per burst shows the tail really is the payload.
    if (seq === 0 && !this.checkPayload(data)) this.invalid++;
    this.nextSeq[client] = seq + 1;
    if (this.received < this.latenciesMs.length)
      this.latenciesMs[this.received] = Number(now - tailStamp(data)) / 1e6;
    this.received++;
    this.lastNs = now;
    if (this.received === this.expected) this.onDone();
  }
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
    report({
      t: 'round',
      received: r.received,
      lastNs: r.lastNs,
      latenciesMs: r.latenciesMs.subarray(0, Math.min(r.received, r.latenciesMs.length)),
      outOfOrder: r.outOfOrder,
      cpuMicros: cpuMicros() - r.cpuStart,
      invalid: r.invalid,
    });
  };

  process.on('message', (command: LoadCommand) => {
    if (command.t === 'stop') {
      for (const c of clients) c.close();
      process.exit(0);
    }
    round = new Round(
      clients.length,
      command.messages,
      (data) => carriesPayload(options.kind, data),
      finishRound,
    );
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
          round?.record(slot.index, data),
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
