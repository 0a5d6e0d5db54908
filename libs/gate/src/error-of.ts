import { ErrorCode } from '@switchboard/proto/client';

/** Code and message of a failure from a port: an RpcError (or any error carrying a numeric code). */
export function errorOf(err: unknown): { code: ErrorCode; message: string; expected: boolean } {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'number') {
    return { code: (err as unknown as { code: ErrorCode }).code, message: err.message, expected: true };
  }
  return { code: ErrorCode.ERROR_CODE_INTERNAL, message: 'internal error', expected: false };
}
