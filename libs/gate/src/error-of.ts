import { ErrorCode } from '@switchboard/proto/client';

/** Code and message of a failure from a port: an RpcError (or any error carrying a numeric code). */
export function errorOf(err: unknown): { code: ErrorCode; message: string; expected: boolean } {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'number') {
    return { code: (err as unknown as { code: ErrorCode }).code, message: err.message, expected: true };
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
