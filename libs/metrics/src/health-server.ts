import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './readiness.js';

export interface HealthSource {
  /** False while the service is stopping or cannot serve (answers 503). */
  healthy(): boolean;
  /**
   * Whether the service's upstreams are reachable (`/readyz`); without it `/readyz` follows
   * `/healthz`.
   */
  readiness?: Pick<Readiness, 'ready' | 'problems'>;
  /** Prometheus text for `/metrics` (a prom-client registry's `metrics()`). */
  metrics(): string | Promise<string>;
}

/** The path of a request, without its query string. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0]!;
}

/**
 * Answers `/healthz` (200 "ok", or 503 "unavailable": the process is stopping), `/readyz` (200
 * "ready", or 503 with the unreachable upstreams, one a line) and `/metrics` (Prometheus text;
 * only when `withMetrics`, the default).
 * Returns false for any other path so that a server with other routes can answer it.
 */
export function serveHealth(
  source: HealthSource,
  req: IncomingMessage,
  res: ServerResponse,
  withMetrics = true,
): boolean {
  const path = requestPath(req);
  if (path === '/readyz') {
    const problems = !source.healthy()
      ? ['stopping']
      : !source.readiness || source.readiness.ready
        ? []
        : source.readiness.problems().map((p) => `${p.upstream} unreachable: ${p.reason}`);
    if (problems.length === 0 && source.readiness && !source.readiness.ready) problems.push('starting');
    res.writeHead(problems.length === 0 ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(problems.length === 0 ? 'ready\n' : `not ready\n${problems.join('\n')}\n`);
    return true;
  }
  if (path === '/healthz') {
    const ok = source.healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : 'unavailable\n');
    return true;
  }
  if (path === '/metrics' && withMetrics) {
    Promise.resolve()
      .then(() => source.metrics())
      .then(
        (text) => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
    return true;
  }
  return false;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** A small HTTP server with only `/healthz`, `/readyz` and `/metrics` (404 elsewhere). */
export async function startHealthServer(
  host: string,
  port: number,
  source: HealthSource,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (!serveHealth(source, req, res)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
