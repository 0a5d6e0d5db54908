import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthSource {
  /** False while the service is stopping or cannot serve (answers 503). */
  healthy(): boolean;
  /** Prometheus text for `/metrics`. */
  metrics(): string;
}

/**
 * Answers `/healthz` (200 "ok", or 503 "unavailable") and `/metrics` (Prometheus text).
 * Returns false for any other path so that a server with other routes can answer it.
 */
export function serveHealth(source: HealthSource, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path === '/healthz') {
    const ok = source.healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : 'unavailable\n');
    return true;
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(source.metrics());
    return true;
  }
  return false;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** A small HTTP server with only `/healthz` and `/metrics` (404 elsewhere). */
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
