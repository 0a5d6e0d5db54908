/**
 * Stable codes of errors that leave the storage library. Callers map them to their own
 * boundary (gRPC status, client `ErrorCode`) by code, never by message text.
 */
export type StorageErrorCode =
  /** An argument breaks a documented limit (empty or too long id, bad page size). Retrying cannot help. */
  | 'INVALID_ARGUMENT'
  /** The row to change does not exist. */
  | 'NOT_FOUND'
  /** A row with the same key already exists (creating an app twice). */
  | 'ALREADY_EXISTS'
  /** The transaction kept losing to concurrent writers (deadlock, lock wait) past the retry budget. Retrying later can help. */
  | 'CONFLICT'
  /** A schema migration failed; the database is at the last migration that succeeded. */
  | 'MIGRATION_FAILED';

/** The one error type the storage library throws on purpose; driver errors are kept as `cause`. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  /** True when retrying later can help (`CONFLICT`); RPC boundaries answer such errors with UNAVAILABLE. */
  readonly transient: boolean;

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.transient = code === 'CONFLICT';
  }
}
