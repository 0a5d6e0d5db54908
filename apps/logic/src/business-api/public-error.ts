import { ErrorCode } from '@switchboard/proto/client';
import {
  InternalAuthRefusedError,
  isCodedError,
  isTransientError,
  RpcError,
  UNAVAILABLE_MESSAGE,
  type CodedError,
} from '@switchboard/rpc';
import { fromStorageError } from '../storage-errors.js';

/** What a failed call tells its caller, and whether the failure is a bug to log with its stack. */
export interface PublicError {
  error: CodedError;
  bug: boolean;
}

/**
 * Sorts what a business API call threw, the same way `toStatus` does for gRPC: a SwitchboardError
 * (what services throw) or an RpcError as it is; a refused internal call or an outage of a store or
 * the network as UNAVAILABLE; anything else is a bug, answered INTERNAL with a generic message. A
 * storage error first gets its catalog code from `fromStorageError`.
 */
export function publicErrorOf(thrown: unknown): PublicError {
  const err = fromStorageError(thrown);
  if (err instanceof InternalAuthRefusedError || (!isCodedError(err) && isTransientError(err))) {
    return {
      error: new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, UNAVAILABLE_MESSAGE, { cause: err }),
      bug: false,
    };
  }
  if (isCodedError(err)) return { error: err, bug: err.code === ErrorCode.ERROR_CODE_INTERNAL };
  return { error: new RpcError(ErrorCode.ERROR_CODE_INTERNAL, 'internal error', { cause: err }), bug: true };
}
