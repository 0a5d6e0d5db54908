import { ErrorCode } from '@switchboard/proto/client-errors';
import { errorInfo } from './errors.js';

/**
 * An error with a stable catalog code, for throwing inside a service and mapping to a Packet, a gRPC
 * status or an HTTP body at the boundary.
 *
 * `temporary` says whether retrying can help; it defaults to the catalog's `retryable` for the code.
 * `field` names the request field at fault as a proto field path (`user.user_id`), when known; the
 * boundary carries it to the caller (`sb-field` trailer over gRPC, `field` in an HTTP error body).
 * The message is shown to the caller: what went wrong in the caller's terms, never addresses,
 * internal limits or stack traces (put those in `cause`, for logs).
 *
 * Only INTERNAL records a stack: every other code is an outcome the service expected (a refused
 * send, a bad field), and capturing a stack costs microseconds, more with source maps on, paid per
 * refusal exactly when a server sheds load.
 */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  readonly code: ErrorCode;
  readonly temporary: boolean;
  /** The request field the error is about, as a proto field path, when known. */
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { temporary?: boolean; cause?: unknown; field?: string | undefined },
  ) {
    const info = errorInfo(code);
    const limit = Error.stackTraceLimit;
    if (code !== ErrorCode.ERROR_CODE_INTERNAL) Error.stackTraceLimit = 0;
    super(
      message ?? info?.meaning ?? `error code ${code}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    Error.stackTraceLimit = limit;
    this.code = code;
    this.temporary = options?.temporary ?? info?.retryable ?? false;
    this.field = options?.field;
  }

  /** True for a SwitchboardError, optionally with the given code. */
  static is(value: unknown, code?: ErrorCode): value is SwitchboardError {
    return value instanceof SwitchboardError && (code === undefined || value.code === code);
  }

  /** Wraps anything thrown: a SwitchboardError stays itself, everything else becomes INTERNAL. */
  static from(value: unknown): SwitchboardError {
    if (value instanceof SwitchboardError) return value;
    return new SwitchboardError(ErrorCode.ERROR_CODE_INTERNAL, undefined, { cause: value });
  }
}
