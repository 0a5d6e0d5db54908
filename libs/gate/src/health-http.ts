import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gate } from './gate.js';

/**
 * Serves `/healthz` (200 while running, 503 while draining) and `/metrics` (Prometheus text) for a
 * gate. Returns false for any other path so the caller can answer it.
 */
export function serveHealth(gate: Gate, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path === '/healthz') {
    const draining = gate.core.isDraining;
    res.writeHead(draining ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(draining ? 'draining\n' : 'ok\n');
    return true;
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(gate.metricsText());
    return true;
  }
  return false;
}
