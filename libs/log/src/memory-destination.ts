import type { DestinationStream } from 'pino';

/** A log destination that keeps every line in memory, parsed. */
export interface MemoryDestination extends DestinationStream {
  /** Lines written so far, oldest first, each parsed from its JSON. */
  readonly lines: Record<string, unknown>[];
}

/**
 * Returns a destination for tests that assert what was logged, e.g.
 * `createLogger({ level: 'debug', service: 'gate', destination: memoryDestination() })`.
 */
export function memoryDestination(): MemoryDestination {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    },
  };
}
