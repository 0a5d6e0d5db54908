// The IPC side every benchmark server shares: report readiness, answer memory and CPU probes,
// and push stamped messages (a burst, or paced) when run.ts says so. Servers run with --expose-gc.
import type { ServerCommand, ServerReport } from './ipc.js';
import { makePayload } from './payload.js';
import { cpuMicros } from './proc-stats.js';

/** What one server kind offers the host. */
export interface BenchServer {
  readonly port: number;
  /** URL path clients connect to. */
  readonly path: string;
  /** Connections the server currently holds ready for a push (signed in, joined...). */
  connections(): number;
  /**
   * Pushes every payload, in order, to every connection; the payload's tail holds its sequence
   * number (see payload.ts). May return before the bytes are written (Switchboard flushes on the
   * next tick); the round ends when clients have them.
   */
  push(payloads: readonly Buffer[]): void;
  stop(): Promise<void>;
}

function report(message: ServerReport): void {
  process.send!(message);
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass can leave objects that only the second finds unreachable.
  gc?.();
  gc?.();
}

/** All messages at once, as a business server pushing a batch: one stamp for the whole burst. */
function pushBurst(server: BenchServer, messages: number, bytes: number): void {
  const cpuStart = cpuMicros();
  const startNs = process.hrtime.bigint();
  const payloads = Array.from({ length: messages }, (_, seq) => makePayload(seq, bytes, startNs));
  server.push(payloads);
  report({ t: 'pushed', startNs, pushedNs: process.hrtime.bigint(), cpuMicros: cpuStart });
}

/** One message every `paceMs`, each stamped when it is pushed: nothing to batch per socket. */
function pushPaced(server: BenchServer, messages: number, bytes: number, paceMs: number): void {
  const cpuStart = cpuMicros();
  let startNs = 0n;
  let seq = 0;
  const pushOne = () => {
    const stampNs = process.hrtime.bigint();
    if (seq === 0) startNs = stampNs;
    server.push([makePayload(seq, bytes, stampNs)]);
    if (++seq < messages) setTimeout(pushOne, paceMs);
    else report({ t: 'pushed', startNs, pushedNs: process.hrtime.bigint(), cpuMicros: cpuStart });
  };
  pushOne();
}

/** Serves run.ts's commands until `stop`, then exits. */
export function hostServer(server: BenchServer): void {
  if (!process.send) throw new Error('start this through bench/fanout/run.ts (needs an IPC channel)');
  process.on('message', (command: ServerCommand) => {
    switch (command.t) {
      case 'mem':
        collectGarbage();
        report({ t: 'mem', heapUsed: process.memoryUsage().heapUsed, connections: server.connections() });
        return;
      case 'push':
        if (command.paceMs > 0) pushPaced(server, command.messages, command.bytes, command.paceMs);
        else pushBurst(server, command.messages, command.bytes);
        return;
      case 'cpu':
        report({ t: 'cpu', cpuMicros: cpuMicros() });
        return;
      case 'stop':
        void server.stop().finally(() => process.exit(0));
        return;
    }
  });
  // The parent going away must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  report({ t: 'ready', port: server.port, path: server.path });
}
