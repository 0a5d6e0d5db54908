import { ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { requireId } from './ids.js';

function failure(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (err) {
    return err as SwitchboardError;
  }
  throw new Error('expected a failure');
}

describe('requireId', () => {
  it('returns a valid id', () => {
    expect(requireId('user', 'alice', 'user_id')).toBe('alice');
  });

  it('names a field path as the error field', () => {
    const err = failure(() => requireId('user', '', 'user.user_id'));
    expect(err).toBeInstanceOf(SwitchboardError);
    expect(err.code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    expect(err.field).toBe('user.user_id');
  });

  it('keeps a phrase in the message only', () => {
    const err = failure(() => requireId('user', '', 'the token sub', ErrorCode.ERROR_CODE_TOKEN_INVALID));
    expect(err.code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(err.field).toBeUndefined();
    expect(err.message).toContain('the token sub');
  });
});
