import { ErrorCode } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { RpcError } from './rpc-error.js';

describe('RpcError', () => {
  it('records a stack only for INTERNAL: a refusal or an outage is made per call when load is shed', () => {
    const limit = Error.stackTraceLimit;
    const cause = new Error('connect ECONNREFUSED');
    const refused = new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'route unavailable', { cause });
    expect(refused.stack?.split('\n')).toHaveLength(1);
    // The cause keeps its own stack for the logs.
    expect(cause.stack?.split('\n').length).toBeGreaterThan(1);
    expect(new RpcError(ErrorCode.ERROR_CODE_INTERNAL, 'bug').stack?.split('\n').length).toBeGreaterThan(1);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
