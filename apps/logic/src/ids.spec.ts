import { ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { requireClientRoomId, requireId } from './ids.js';

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

describe('requireClientRoomId', () => {
  it('accepts a valid room id outside the reserved prefix', () => {
    expect(requireClientRoomId('lobby', 'room_id')).toBe('lobby');
    expect(requireClientRoomId('sbx:lobby', 'room_id')).toBe('sbx:lobby');
  });

  it('refuses the reserved sb: prefix and invalid ids with INVALID_ARGUMENT naming the field', () => {
    for (const id of ['sb:group:1', 'sb:', '', 'r'.repeat(129)]) {
      const err = failure(() => requireClientRoomId(id, 'target_id'));
      expect(err.code, id).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
      expect(err.field).toBe('target_id');
    }
    expect(failure(() => requireClientRoomId('sb:x', 'room_id')).message).toContain('reserved');
  });
});
