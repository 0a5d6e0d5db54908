import { ErrorCode } from '@switchboard/proto/client';
import { errorInfo } from './errors.js';

/**
 * An error with a stable catalog code, for throwing inside a service and mapping to a Packet, a gRPC
 * status or an HTTP body at the boundary.
 *
 * `temporary` says whether retrying can help; it defaults to the catalog's `retryable` for the code.
 */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  readonly code: ErrorCode;
  readonly temporary: boolean;

  constructor(code: ErrorCode, message?: string, options?: { temporary?: boolean; cause?: unknown }) {
    const info = errorInfo(code);
    super(message ?? info?.meaning ?? `error code ${code}`, { cause: options?.cause });
    this.code = code;
    this.temporary = options?.temporary ?? info?.retryable ?? false;
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
