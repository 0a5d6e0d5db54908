import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { isTransientError } from './transient-error.js';

/** Metadata key that carries a switchboard ErrorCode across a gRPC hop. */
export const CODE_METADATA_KEY = 'sb-code';

/** Metadata key that carries the request field an error is about (`user.user_id`), when known. */
export const FIELD_METADATA_KEY = 'sb-field';

/** A field path fits a gRPC metadata value (printable ASCII) and stays short. */
function isCarriableField(field: string): boolean {
  return field.length > 0 && field.length <= 256 && /^[\x20-\x7e]*$/.test(field);
}

/**
 * An error with a stable switchboard code raised by the RPC layer itself (a call that failed, a
 * refused internal credential) or by a transport. Services throw the transport-neutral
 * `SwitchboardError` instead; {@link toStatus} maps both the same way, carrying the code to the
 * caller in the `sb-code` trailer so a gateway can put it in the client's Packet unchanged.
 */
export class RpcError extends Error {
  /** The request field the error is about, as a proto field path (`user.user_id`), when known. */
  readonly field: string | undefined;

  /**
   * @param message Safe to show to a client: what went wrong in the caller's terms, never
   *   addresses, internal limits or stack traces. Put those in `options.cause` for logs.
   * @param options `field`: the request field at fault, carried to the caller (`sb-field`
   *   trailer over gRPC, `field` in the HTTP error body).
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string | undefined },
  ) {
    // A stack only for INTERNAL, as SwitchboardError: the rest are expected outcomes (a refusal,
    // an unavailable peer, whose cause keeps its own stack), created per call when load is shed.
    const limit = Error.stackTraceLimit;
    if (code !== ErrorCode.ERROR_CODE_INTERNAL) Error.stackTraceLimit = 0;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = 'RpcError';
    this.field = options?.field;
  }
}

/**
 * Trailer set when the internal-auth check (not a handler) refused a call: the caller's own
 * internal credential is wrong, a misconfiguration of the suite rather than anything its client did.
 */
export const INTERNAL_AUTH_REFUSED_KEY = 'sb-internal-auth-refused';

/**
 * A call refused for want of the right internal secret (UNAUTHENTICATED, code 300, to the service
 * that made it). Passed further up it becomes UNAVAILABLE (see {@link toStatus}; the gate does the
 * same for its clients), so that a client never reads a broken deployment as its own bad token.
 */
export class InternalAuthRefusedError extends RpcError {
  constructor(options?: { cause?: unknown }) {
    super(ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'unauthenticated', options);
    this.name = 'InternalAuthRefusedError';
  }
}

const grpcStatusOf: Partial<Record<ErrorCode, status>> = {
  [ErrorCode.ERROR_CODE_INTERNAL]: status.INTERNAL,
  [ErrorCode.ERROR_CODE_INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [ErrorCode.ERROR_CODE_NOT_FOUND]: status.NOT_FOUND,
  [ErrorCode.ERROR_CODE_PERMISSION_DENIED]: status.PERMISSION_DENIED,
  [ErrorCode.ERROR_CODE_ALREADY_EXISTS]: status.ALREADY_EXISTS,
  [ErrorCode.ERROR_CODE_RATE_LIMITED]: status.RESOURCE_EXHAUSTED,
  [ErrorCode.ERROR_CODE_UNIMPLEMENTED]: status.UNIMPLEMENTED,
  [ErrorCode.ERROR_CODE_UNAVAILABLE]: status.UNAVAILABLE,
  [ErrorCode.ERROR_CODE_TIMEOUT]: status.DEADLINE_EXCEEDED,
  [ErrorCode.ERROR_CODE_UNAUTHENTICATED]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_TOKEN_INVALID]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_TOKEN_EXPIRED]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_INVALID_API_KEY]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_APP_NOT_FOUND]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER]: status.PERMISSION_DENIED,
  [ErrorCode.ERROR_CODE_USER_NOT_FOUND]: status.NOT_FOUND,
  [ErrorCode.ERROR_CODE_GROUP_NOT_FOUND]: status.NOT_FOUND,
  [ErrorCode.ERROR_CODE_INVALID_CONVERSATION]: status.INVALID_ARGUMENT,
  [ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE]: status.INVALID_ARGUMENT,
  [ErrorCode.ERROR_CODE_TOKEN_REVOKED]: status.UNAUTHENTICATED,
  [ErrorCode.ERROR_CODE_GROUP_DISSOLVED]: status.FAILED_PRECONDITION,
  [ErrorCode.ERROR_CODE_ROOM_SEND_NOT_ALLOWED]: status.PERMISSION_DENIED,
  [ErrorCode.ERROR_CODE_NOT_ROOM_SUBSCRIBER]: status.FAILED_PRECONDITION,
};

/** What callers see for an outage of a store or service (its own message stays in the logs). */
export const UNAVAILABLE_MESSAGE = 'a service this request needs is unavailable; retry later';

/** An error whose code, message and field go to the caller as they are. */
export type CodedError = RpcError | SwitchboardError;

/** True for an RpcError or a SwitchboardError: a deliberate answer, not a failure to log. */
export function isCodedError(err: unknown): err is CodedError {
  return err instanceof RpcError || err instanceof SwitchboardError;
}

/** What a caller is told about a failure: a switchboard code, a message safe to show, the field at fault. */
export interface ErrorAnswer {
  code: ErrorCode;
  message: string;
  field: string | undefined;
}

const unavailableAnswer: ErrorAnswer = {
  code: ErrorCode.ERROR_CODE_UNAVAILABLE,
  message: UNAVAILABLE_MESSAGE,
  field: undefined,
};
const internalAnswer: ErrorAnswer = {
  code: ErrorCode.ERROR_CODE_INTERNAL,
  message: 'internal error',
  field: undefined,
};

/**
 * What the caller is told about anything a handler threw: an RpcError or a SwitchboardError as it
 * is, an outage of a database, Redis or the network ({@link isTransientError}) as UNAVAILABLE,
 * anything else as INTERNAL. Only the messages of those two error types reach the caller; others
 * are replaced. {@link toStatus} carries it as a gRPC status; a batch RPC carries one per item.
 */
export function answerOf(err: unknown): ErrorAnswer {
  // This service's own call was refused downstream: to its caller, a dependency is unavailable.
  if (err instanceof InternalAuthRefusedError) return unavailableAnswer;
  if (isCodedError(err)) {
    const field = err.field !== undefined && isCarriableField(err.field) ? err.field : undefined;
    return { code: err.code, message: err.message, field };
  }
  return isTransientError(err) ? unavailableAnswer : internalAnswer;
}

/**
 * Turns anything a handler threw into a gRPC status carrying the switchboard code of
 * {@link answerOf} in the `sb-code` trailer (and the field in `sb-field`).
 */
export function toStatus(err: unknown): Partial<StatusObject> {
  const answer = answerOf(err);
  const metadata = new Metadata();
  metadata.set(CODE_METADATA_KEY, String(answer.code));
  if (answer.field !== undefined) metadata.set(FIELD_METADATA_KEY, answer.field);
  return {
    code: grpcStatusOf[answer.code] ?? status.FAILED_PRECONDITION,
    details: answer.message,
    metadata,
  };
}

/**
 * An error answered inside a reply (one item of a batch call: SendBatch, BindMany) rather than as
 * the call's status, in the fields of the reply's message.
 */
export interface ErrorOutcome {
  code: ErrorCode;
  message: string;
  /** Empty when not known. */
  field: string;
}

/**
 * What {@link toStatus} would send for `err`, as fields of a reply: a batch call answers each item
 * with the code, message and field a call of its own would have failed with.
 */
export function toErrorOutcome(err: unknown): ErrorOutcome {
  const answer = answerOf(err);
  return { code: answer.code, message: answer.message, field: answer.field ?? '' };
}

/** The error a call of its own would have rejected with, for an item a batch reply failed. */
export function fromErrorOutcome(outcome: { code: number; message: string; field: string }): RpcError {
  return new RpcError(outcome.code as ErrorCode, outcome.message || 'error', {
    field: outcome.field || undefined,
  });
}

/**
 * Codes for failures of the call itself (no `sb-code` trailer: the service never answered, or
 * grpc-js refused the message), each with a message that is safe to pass on to a client.
 */
const transportFailures: Partial<Record<status, readonly [ErrorCode, string]>> = {
  [status.UNAVAILABLE]: [ErrorCode.ERROR_CODE_UNAVAILABLE, UNAVAILABLE_MESSAGE],
  [status.CANCELLED]: [ErrorCode.ERROR_CODE_UNAVAILABLE, UNAVAILABLE_MESSAGE],
  // Our services always send INTERNAL with an `sb-code`; without one it is the HTTP/2 session
  // failing under the call (e.g. "RST_STREAM with code 2 ... Session closed"): the peer or the link
  // broke, so the call's outcome is unknown and retrying (idempotent sends) is the right move.
  [status.INTERNAL]: [ErrorCode.ERROR_CODE_UNAVAILABLE, UNAVAILABLE_MESSAGE],
  [status.DEADLINE_EXCEEDED]: [ErrorCode.ERROR_CODE_TIMEOUT, 'the request timed out'],
  // Our services signal rate limits with an `sb-code`; without one, RESOURCE_EXHAUSTED is grpc-js
  // refusing a message over GRPC_MAX_MESSAGE_BYTES. Sending the same request again would fail the
  // same way, so it must not read as a retryable RATE_LIMITED.
  [status.RESOURCE_EXHAUSTED]: [
    ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE,
    'the request or its reply is larger than the server handles',
  ],
};

/**
 * Turns an error from a gRPC call back into an RpcError: the `sb-code` trailer and message when
 * the server set one, else a code and a generic message derived from the transport status
 * (unreachable service → UNAVAILABLE, deadline → TIMEOUT, message over the size limit →
 * PAYLOAD_TOO_LARGE, anything else → INTERNAL). grpc-js's own text (addresses, limits) is kept
 * only as the `cause`, for logs.
 */
export function fromServiceError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  const e = err as Partial<ServiceError>;
  if (e.metadata?.get(INTERNAL_AUTH_REFUSED_KEY).length) return new InternalAuthRefusedError({ cause: err });
  const raw = e.metadata?.get(CODE_METADATA_KEY)[0];
  if (raw !== undefined) {
    const code = Number(raw) as ErrorCode;
    const field = e.metadata?.get(FIELD_METADATA_KEY)[0];
    return new RpcError(code, e.details ?? 'error', {
      cause: err,
      field: typeof field === 'string' ? field : undefined,
    });
  }
  const [code, message] = (e.code !== undefined && transportFailures[e.code]) || [
    ErrorCode.ERROR_CODE_INTERNAL,
    'internal error',
  ];
  return new RpcError(code, message, { cause: err });
}
