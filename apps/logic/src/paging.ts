import { ErrorCode, SwitchboardError } from '@switchboard/protocol';

/** Longest page cursor logic accepts: the ones storage issues are far shorter. */
const CURSOR_MAX = 512;

/**
 * A page size from a request: 0 asks for `fallback` (at most `max`), anything else is kept within
 * 1..max.
 */
export function clampLimit(requested: number, max: number, fallback = 100): number {
  if (!requested) return Math.min(fallback, max);
  return Math.max(1, Math.min(requested, max));
}

/** A page cursor from a request, refused (INVALID_ARGUMENT naming `field`) when no server issued it. */
export function requireCursor(cursor: string, field: string): string {
  if (cursor.length > CURSOR_MAX) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `${field} is not one this server issued`,
      {
        field,
      },
    );
  }
  return cursor;
}
