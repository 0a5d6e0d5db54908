import { ErrorCode } from '@switchboard/proto/client';
import { InternalAuthRefusedError, UNAVAILABLE_MESSAGE } from '@switchboard/rpc';

/**
 * Codes that, coming back from logic or route, say the suite failed rather than the client (the
 * gate checks a client's own sizes before forwarding, so PAYLOAD_TOO_LARGE from upstream means an
 * internal message limit was hit): the gate logs them.
 */
const UPSTREAM_FAULTS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.ERROR_CODE_INTERNAL,
  ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE,
]);

/**
 * Code and message of a failure from a port: an RpcError (or any error carrying a numeric code).
 * The message is client-safe; `expected` is false for failures worth a log line.
 */
export function errorOf(err: unknown): { code: ErrorCode; message: string; expected: boolean } {
  // The gate's own internal secret was refused (a misconfigured deployment): not the client's doing.
  if (err instanceof InternalAuthRefusedError) {
    return { code: ErrorCode.ERROR_CODE_UNAVAILABLE, message: UNAVAILABLE_MESSAGE, expected: false };
  }
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'number') {
    const code = (err as unknown as { code: ErrorCode }).code;
    return { code, message: err.message, expected: !UPSTREAM_FAULTS.has(code) };
  }
  return { code: ErrorCode.ERROR_CODE_INTERNAL, message: 'internal error', expected: false };
}

/**
 * The fuller story of a failure for the gate's own logs: the client-safe message plus what the
 * transport said underneath (`cause`: grpc-js's status text with addresses and limits), which a
 * client never sees.
 */
export function logDetailOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof Error && cause.message !== message ? `${message} (${cause.message})` : message;
}
