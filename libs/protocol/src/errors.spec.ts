import { ErrorCode } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { closeActionFor, ERROR_CATALOG, errorInfo, isErrorCode, isRetryable } from './errors.js';
import { SwitchboardError } from './switchboard-error.js';
import { errorCodeFromWsClose, wsCloseCode } from './ws-close-code.js';

const ENUM_CODES = Object.values(ErrorCode)
  .filter((v): v is ErrorCode => typeof v === 'number' && v !== ErrorCode.UNRECOGNIZED)
  .sort((a, b) => a - b);

describe('error catalog', () => {
  it('covers every ErrorCode value exactly once, in order', () => {
    expect(ERROR_CATALOG.map((e) => e.code)).toEqual(ENUM_CODES);
  });

  it('names each entry after its enum value and explains it in one sentence', () => {
    for (const entry of ERROR_CATALOG) {
      expect(entry.name).toBe(ErrorCode[entry.code]);
      expect(entry.meaning).toMatch(/^[A-Z].*\.$/);
      expect(entry.meaning).not.toContain('|');
    }
  });

  it('marks exactly the 200-399 codes as close reasons', () => {
    for (const entry of ERROR_CATALOG) {
      expect(entry.closesConnection, entry.name).toBe(entry.code >= 200 && entry.code < 400);
    }
  });

  // A failed sign-in closes the connection with whatever code logic answered (INTERNAL,
  // UNAVAILABLE, INVALID_ARGUMENT, USER_NOT_FOUND, ...), so every error needs a close action.
  it('gives every error code a client action for when a connection closes with it', () => {
    for (const entry of ERROR_CATALOG) {
      expect(entry.closeAction !== undefined, entry.name).toBe(
        entry.code !== ErrorCode.ERROR_CODE_UNSPECIFIED,
      );
    }
    expect(closeActionFor(ErrorCode.ERROR_CODE_INTERNAL)).toBe('reconnect');
    expect(closeActionFor(ErrorCode.ERROR_CODE_UNAVAILABLE)).toBe('reconnect');
    expect(closeActionFor(ErrorCode.ERROR_CODE_TIMEOUT)).toBe('reconnect');
    expect(closeActionFor(ErrorCode.ERROR_CODE_RATE_LIMITED)).toBe('reconnect');
    expect(closeActionFor(ErrorCode.ERROR_CODE_INVALID_ARGUMENT)).toBe('give_up');
    expect(closeActionFor(ErrorCode.ERROR_CODE_USER_NOT_FOUND)).toBe('give_up');
  });

  it('reconnects after exactly the retryable codes', () => {
    for (const entry of ERROR_CATALOG.filter((e) => e.closeAction !== undefined)) {
      if (entry.retryable) expect(entry.closeAction, entry.name).toBe('reconnect');
    }
  });

  it('looks entries up by code', () => {
    expect(errorInfo(ErrorCode.ERROR_CODE_TOKEN_EXPIRED)?.closeAction).toBe('reauthenticate');
    expect(errorInfo(999)).toBeUndefined();
    expect(isErrorCode(201)).toBe(true);
    expect(isErrorCode(199)).toBe(false);
    expect(isRetryable(ErrorCode.ERROR_CODE_UNAVAILABLE)).toBe(true);
    expect(isRetryable(ErrorCode.ERROR_CODE_INVALID_ARGUMENT)).toBe(false);
    expect(isRetryable(999)).toBe(false);
    expect(closeActionFor(ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE)).toBe('give_up');
    expect(closeActionFor(ErrorCode.ERROR_CODE_SERVER_SHUTDOWN)).toBe('reconnect');
    expect(closeActionFor(999)).toBe('reconnect');
  });
});

describe('WebSocket close codes', () => {
  it('are 4000 + the ErrorCode and map back', () => {
    expect(wsCloseCode(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE)).toBe(4201);
    for (const code of ENUM_CODES) expect(errorCodeFromWsClose(wsCloseCode(code))).toBe(code);
  });

  it('carry no ErrorCode outside the catalog', () => {
    for (const close of [1000, 1006, 3999, 4199, 4999, 5201])
      expect(errorCodeFromWsClose(close)).toBeUndefined();
  });
});

describe('SwitchboardError', () => {
  it('takes its message and temporary flag from the catalog by default', () => {
    const error = new SwitchboardError(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SwitchboardError');
    expect(error.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(error.temporary).toBe(true);
    expect(error.message).toBe(errorInfo(ErrorCode.ERROR_CODE_UNAVAILABLE)?.meaning);
  });

  it('accepts an explicit message, temporary flag and cause', () => {
    const cause = new Error('db down');
    const error = new SwitchboardError(ErrorCode.ERROR_CODE_NOT_FOUND, 'no such user', {
      temporary: true,
      cause,
    });
    expect(error.message).toBe('no such user');
    expect(error.temporary).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.field).toBeUndefined();
  });

  it('names the request field at fault when given one', () => {
    const error = new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'bad id', {
      field: 'user.user_id',
    });
    expect(error.field).toBe('user.user_id');
  });

  it('records a stack only for INTERNAL: other codes are expected outcomes, made per refused call', () => {
    const limit = Error.stackTraceLimit;
    const refused = new SwitchboardError(ErrorCode.ERROR_CODE_RATE_LIMITED, 'busy');
    expect(refused.stack).toBe('SwitchboardError: busy');
    const fault = new SwitchboardError(ErrorCode.ERROR_CODE_INTERNAL, 'bug');
    expect(fault.stack?.split('\n').length).toBeGreaterThan(1);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('wraps foreign errors as INTERNAL and recognises its own', () => {
    const own = new SwitchboardError(ErrorCode.ERROR_CODE_FLOOD);
    expect(SwitchboardError.from(own)).toBe(own);
    const wrapped = SwitchboardError.from(new TypeError('boom'));
    expect(wrapped.code).toBe(ErrorCode.ERROR_CODE_INTERNAL);
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(SwitchboardError.is(own, ErrorCode.ERROR_CODE_FLOOD)).toBe(true);
    expect(SwitchboardError.is(own, ErrorCode.ERROR_CODE_INTERNAL)).toBe(false);
    expect(SwitchboardError.is(new Error('x'))).toBe(false);
  });
});
