import { ErrorCode } from '@switchboard/proto/client';
import { RpcError } from '@switchboard/rpc';
import type { Authenticate, BusinessCaller } from './business-api.js';
import type { BusinessApiMetrics, Transport } from './business-api-metrics.js';
import type { KeyRateLimiter } from './rate-limiter.js';

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/** The key of an `Authorization: Bearer <key>` value; undefined when absent or malformed. */
export function bearerKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length > 1024) return undefined;
  return BEARER.exec(authorization)?.[1];
}

function invalidKey(): RpcError {
  return new RpcError(
    ErrorCode.ERROR_CODE_INVALID_API_KEY,
    'missing or invalid API key (Authorization: Bearer <key>)',
  );
}

/**
 * What every business API call passes before its handler, on either transport: a well-formed
 * bearer key, which `authenticate` accepts, and a token of that key's rate-limit bucket.
 */
export class CallGuard {
  constructor(
    private readonly authenticate: Authenticate,
    private readonly limiter: KeyRateLimiter,
    private readonly metrics: BusinessApiMetrics,
  ) {}

  /** The caller of a call with this `Authorization` value, or an RpcError to answer with. */
  async admit(authorization: string | undefined, transport: Transport): Promise<BusinessCaller> {
    const key = bearerKey(authorization);
    if (key === undefined) throw invalidKey();
    const caller = await this.authenticate(key);
    if (!this.limiter.take(caller.keyId)) {
      this.metrics.rateLimited(transport);
      throw new RpcError(ErrorCode.ERROR_CODE_RATE_LIMITED, 'too many calls with this API key; retry later');
    }
    return caller;
  }
}
