import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { UNAVAILABLE_MESSAGE } from '@switchboard/rpc';
import { StorageError, type StorageErrorCode } from '@switchboard/storage';

/**
 * The catalog code each StorageError code reaches callers with. CONFLICT (a transaction that kept
 * losing to concurrent writers, rolled back) is UNAVAILABLE: retryable, and nothing was written, so
 * not TIMEOUT ("may or may not have taken effect"). MIGRATION_FAILED has no entry: a request never
 * causes it, so it stays a bug (INTERNAL).
 */
export const STORAGE_ERROR_CODES: Readonly<Partial<Record<StorageErrorCode, ErrorCode>>> = {
  CONFLICT: ErrorCode.ERROR_CODE_UNAVAILABLE,
  NOT_FOUND: ErrorCode.ERROR_CODE_NOT_FOUND,
  ALREADY_EXISTS: ErrorCode.ERROR_CODE_ALREADY_EXISTS,
  INVALID_ARGUMENT: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
};

/**
 * The one place a storage failure gets its catalog code: a StorageError with an entry in
 * {@link STORAGE_ERROR_CODES} becomes a SwitchboardError (the storage error kept as `cause`);
 * anything else is returned as it is. A CONFLICT answers with the generic UNAVAILABLE message, as an
 * outage does; the other messages are the storage library's, written for callers (they name the argument
 * and its documented limit, or the missing row; never addresses or driver text). Both transports of logic (its gRPC service and the business API) pass
 * what a call threw through this before they answer.
 */
export function fromStorageError(err: unknown): unknown {
  if (!(err instanceof StorageError)) return err;
  const code = STORAGE_ERROR_CODES[err.code];
  if (code === undefined) return err;
  const message = code === ErrorCode.ERROR_CODE_UNAVAILABLE ? UNAVAILABLE_MESSAGE : err.message;
  return new SwitchboardError(code, message, { cause: err });
}
