import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveHealth as serveHealthOf, type Readiness } from '@switchboard/metrics';
import type { Gate } from './gate.js';

/**
 * Serves `/healthz` (200 while running, 503 while draining) and `/readyz` for a gate on a
 * client-facing port (the WebSocket one). `/metrics` is served there only when `withMetrics`:
 * operators expose metrics on the health port instead.
 * Returns false for any other path so the caller can answer it.
 */
export function serveHealth(
  gate: Gate,
  readiness: Readiness,
  req: IncomingMessage,
  res: ServerResponse,
  withMetrics = false,
): boolean {
  return serveHealthOf(
    { healthy: () => !gate.core.isDraining, readiness, metrics: () => gate.metricsText() },
    req,
    res,
    withMetrics,
  );
}
