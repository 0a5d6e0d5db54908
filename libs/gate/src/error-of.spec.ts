import { ErrorCode } from '@switchboard/proto/client';
import { InternalAuthRefusedError, RpcError, UNAVAILABLE_MESSAGE } from '@switchboard/rpc';
import { describe, expect, it } from 'vitest';
import { errorOf } from './error-of.js';

describe('errorOf', () => {
  it("passes a service's own codes to the client", () => {
    expect(errorOf(new RpcError(ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'no token'))).toEqual({
      code: ErrorCode.ERROR_CODE_UNAUTHENTICATED,
      message: 'no token',
      expected: true,
    });
  });

  it("tells a client UNAVAILABLE, and logs, when the gate's own internal secret was refused", () => {
    expect(errorOf(new InternalAuthRefusedError())).toEqual({
      code: ErrorCode.ERROR_CODE_UNAVAILABLE,
      message: UNAVAILABLE_MESSAGE,
      expected: false,
    });
  });
});
