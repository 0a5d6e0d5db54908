import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { isTransientError } from './transient-error.js';

/** Metadata key that carries a switchboard ErrorCode across a gRPC hop. */
export const CODE_METADATA_KEY = 'sb-code';

/**
 * An error with a stable switchboard code. Services throw it; the RPC layer
 * carries the code to the caller in the `sb-code` trailer so a gateway can put it
 * in the client's Packet unchanged.
 */
export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RpcError';
  }
}

const grpcStatusOf: Partial<Record<ErrorCode, status>> = {
  [ErrorCode.ERROR_CODE_INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [ErrorCode.ERROR_CODE_NOT_FOUND]: status.NOT_FOUND,
  [ErrorCode.ERROR_CODE_PERMISSION_DENIED]: status.PERMISSION_DENIED,
  [ErrorCode.ERROR_CODE_ALREADY_EXISTS]: status.ALREADY_EXISTS,
  [ErrorCode.ERROR_CODE_RATE_LIMITED]: status.RESOURCE_EXHAUSTED,
  [ErrorCode.ERROR_CODE_UNAVAILABLE]: status.UNAVAILABLE,
  [ErrorCode.ERROR_CODE_TIMEOUT]: status.DEADLINE_EXCEEDED,
  [ErrorCode.ERROR_CODE_UNAUTHENTICATED]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_TOKEN_INVALID]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_TOKEN_EXPIRED]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_INVALID_API_KEY]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_APP_NOT_FOUND]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER]: status.PERMISSION_DENIED,
};

/** What callers see for an outage of a store or service (its own message stays in the logs). */
export const UNAVAILABLE_MESSAGE = 'a service this request needs is unavailable; retry later';

/**
 * Turns anything a handler threw into a gRPC status carrying the switchboard code: an RpcError as
 * it is, an outage of a database, Redis or the network ({@link isTransientError}) as UNAVAILABLE,
 * anything else as INTERNAL. Only RpcError messages reach the caller; others are replaced.
 */
export function toStatus(err: unknown): Partial<StatusObject> {
  const metadata = new Metadata();
  if (err instanceof RpcError) {
    metadata.set(CODE_METADATA_KEY, String(err.code));
    return { code: grpcStatusOf[err.code] ?? status.FAILED_PRECONDITION, details: err.message, metadata };
  }
  if (isTransientError(err)) {
    metadata.set(CODE_METADATA_KEY, String(ErrorCode.ERROR_CODE_UNAVAILABLE));
    return { code: status.UNAVAILABLE, details: UNAVAILABLE_MESSAGE, metadata };
  }
  metadata.set(CODE_METADATA_KEY, String(ErrorCode.ERROR_CODE_INTERNAL));
  return { code: status.INTERNAL, details: 'internal error', metadata };
}

const codeOfGrpcStatus: Partial<Record<status, ErrorCode>> = {
  [status.UNAVAILABLE]: ErrorCode.ERROR_CODE_UNAVAILABLE,
  [status.DEADLINE_EXCEEDED]: ErrorCode.ERROR_CODE_TIMEOUT,
  [status.CANCELLED]: ErrorCode.ERROR_CODE_UNAVAILABLE,
  [status.RESOURCE_EXHAUSTED]: ErrorCode.ERROR_CODE_RATE_LIMITED,
};

/** Messages for failures the transport reports itself; grpc-js's own text (addresses, errno) stays in `cause`. */
const messageOfGrpcStatus: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.ERROR_CODE_UNAVAILABLE]: UNAVAILABLE_MESSAGE,
  [ErrorCode.ERROR_CODE_TIMEOUT]: 'the request did not complete in time',
  [ErrorCode.ERROR_CODE_RATE_LIMITED]: 'too many requests',
  [ErrorCode.ERROR_CODE_INTERNAL]: 'internal error',
};

/**
 * Turns an error from a gRPC call back into an RpcError: the `sb-code` trailer (and the
 * server's message) when the server set one, else a code derived from the transport status
 * (unreachable service → UNAVAILABLE, deadline → TIMEOUT, anything else → INTERNAL) with a
 * generic message, since the transport's text names internal addresses; it is kept as `cause`.
 */
export function fromServiceError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  const e = err as Partial<ServiceError>;
  const raw = e.metadata?.get(CODE_METADATA_KEY)[0];
  if (raw !== undefined) {
    const code = Number(raw) as ErrorCode;
    return new RpcError(code, e.details ?? 'error');
  }
  const code = (e.code !== undefined && codeOfGrpcStatus[e.code]) || ErrorCode.ERROR_CODE_INTERNAL;
  return new RpcError(code, messageOfGrpcStatus[code] ?? 'rpc failed', { cause: err });
}
