import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where {@link freePort} looks: below the kernel's ephemeral range. A port taken with `listen(0)` is
 * an ephemeral one, and in the seconds before the child process listens on it any outgoing
 * connection on the machine (the other test files open thousands) may be given it as its local port:
 * the child then fails with EADDRINUSE. No outgoing connection is ever given a port below the range.
 */
function candidateRange(): readonly [number, number] | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const first = Number(low);
    if (Number.isInteger(first) && first > 11_000) return [10_000, first - 1];
  } catch {
    // Not Linux: fall back to the kernel's choice.
  }
  return undefined;
}

const range = candidateRange();
/** Ports this process handed out already: never twice, even once the child that used one is gone. */
const handedOut = new Set<number>();

/**
 * A TCP port that was free a moment ago on 127.0.0.1, for child processes that need a fixed port:
 * on Linux, one below the ephemeral range (see {@link candidateRange}), picked at random so that
 * parallel test processes rarely try the same one, and checked by listening on it.
 */
export async function freePort(): Promise<number> {
  if (range !== undefined) {
    const [low, high] = range;
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if (handedOut.has(port)) continue;
      // Taken before the check, so that concurrent calls in this process never both get it.
      handedOut.add(port);
      if (await canListen(port)) return port;
    }
  }
  return listenOnAnyPort();
}

/** The ephemeral port the kernel picks (where no range below it is known). */
function listenOnAnyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
