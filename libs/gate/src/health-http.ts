import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveHealth as serveHealthOf } from '@switchboard/metrics';
import type { Gate } from './gate.js';

/**
 * Serves `/healthz` (200 while running, 503 while draining) and `/metrics` (Prometheus text) for a
 * gate. Returns false for any other path so the caller can answer it.
 */
export function serveHealth(gate: Gate, req: IncomingMessage, res: ServerResponse): boolean {
  return serveHealthOf({ healthy: () => !gate.core.isDraining, metrics: () => gate.metricsText() }, req, res);
}
