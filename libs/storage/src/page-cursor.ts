import { StorageError } from './storage-error.js';

/*
 * Opaque page cursors: base64url of a JSON value. Callers hand them back unchanged; anything that
 * does not decode to the shape a repository expects is refused with INVALID_ARGUMENT.
 */

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The JSON value inside a cursor; throws INVALID_ARGUMENT for anything that is not one. */
export function decodeCursor(cursor: string): unknown {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw malformedCursor();
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw malformedCursor(error);
  }
}

/** The id inside a cursor made by `encodeCursor(id)`, or '' for the empty cursor (the first page). */
export function decodeIdCursor(cursor: string): string {
  if (cursor === '') return '';
  const id = decodeCursor(cursor);
  if (typeof id !== 'string' || id === '') throw malformedCursor();
  return id;
}

export function malformedCursor(cause?: unknown): StorageError {
  return new StorageError('INVALID_ARGUMENT', 'malformed page cursor', { cause });
}
