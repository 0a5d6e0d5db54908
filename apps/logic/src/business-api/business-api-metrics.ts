import { Counter, Histogram, LATENCY_BUCKETS, type Registry } from '@switchboard/metrics';

/** Which listener a call came in on. */
export type Transport = 'http' | 'grpc';

/** Records each answered business API call; `method` is the RPC name (`SendMessage`) or `none`. */
export interface BusinessApiMetrics {
  observe(transport: Transport, method: string, code: string, seconds: number): void;
  rateLimited(transport: Transport): void;
  /** Calls answered with an error (any code but OK) since start, for GetServerStats. */
  errors(): number;
}

/**
 * `business_api_requests_total{method,code,transport}` (code: `OK` or the catalog name),
 * `business_api_request_duration_seconds{method,transport}` and
 * `business_api_rate_limited_total{transport}`, registered in `registry`.
 */
export function businessApiMetrics(registry: Registry): BusinessApiMetrics {
  const requests = new Counter({
    name: 'business_api_requests_total',
    help: 'Business API calls answered, by RPC, result code (OK or ERROR_CODE_*) and transport.',
    labelNames: ['method', 'code', 'transport'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'business_api_request_duration_seconds',
    help: 'Time to answer a business API call, by RPC and transport.',
    labelNames: ['method', 'transport'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const limited = new Counter({
    name: 'business_api_rate_limited_total',
    help: 'Business API calls refused with RATE_LIMITED by the per-API-key limit (logic.api.ratePerKey).',
    labelNames: ['transport'] as const,
    registers: [registry],
  });
  let errors = 0;
  return {
    observe(transport, method, code, seconds) {
      requests.inc({ method, code, transport });
      if (code !== 'OK') errors++;
      latency.observe({ method, transport }, seconds);
    },
    rateLimited(transport) {
      limited.inc({ transport });
    },
    errors: () => errors,
  };
}
