import { type ErrorCode } from '@switchboard/proto/client-errors';
import { isErrorCode } from './errors.js';

/**
 * WebSocket close codes 4000-4999 are reserved for applications (RFC 6455, section 7.4.2); a gateway
 * closes with 4000 + the ErrorCode, so `ERROR_CODE_FRAME_TOO_LARGE` (201) closes with 4201.
 */
export const WS_CLOSE_CODE_BASE = 4000;

/** The WebSocket close code for an ErrorCode. */
export function wsCloseCode(code: ErrorCode): number {
  return WS_CLOSE_CODE_BASE + code;
}

/**
 * The ErrorCode carried by a WebSocket close code, or `undefined` when it carries none (a standard
 * close code such as 1006, or a number outside the catalog).
 */
export function errorCodeFromWsClose(closeCode: number): ErrorCode | undefined {
  const code = closeCode - WS_CLOSE_CODE_BASE;
  return closeCode >= WS_CLOSE_CODE_BASE && closeCode < 5000 && isErrorCode(code) ? code : undefined;
}
