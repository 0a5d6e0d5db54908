import { StorageError } from './storage-error.js';

/** Longest app, user, device, group and client message id, in UTF-16 code units (the columns hold 64 characters). */
export const MAX_ID_LENGTH = 64;
/** Largest page `syncInbox` and `history` return. */
export const MAX_PAGE_SIZE = 1000;
/** Smallest byte bound of a `syncInbox` or `history` page (one small message always fits). */
export const MIN_PAGE_BYTES = 1024;

/*
 * Limits are checked here rather than left to the database because SQLite would store an
 * over-long value that MySQL rejects: both dialects must answer the same input the same way.
 */

export function checkId(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new StorageError('INVALID_ARGUMENT', `${field} must be 1 to ${MAX_ID_LENGTH} characters`);
  }
}

export function checkText(field: string, value: string, maxLength: number): void {
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new StorageError('INVALID_ARGUMENT', `${field} must be at most ${maxLength} characters`);
  }
}

export function checkSeq(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StorageError('INVALID_ARGUMENT', `${field} must be a non-negative integer`);
  }
}

export function checkPageSize(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StorageError('INVALID_ARGUMENT', `limit must be 1 to ${MAX_PAGE_SIZE}`);
  }
}

export function checkPageBytes(maxBytes: number): void {
  if (maxBytes !== Infinity && (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_PAGE_BYTES)) {
    throw new StorageError(
      'INVALID_ARGUMENT',
      `maxBytes must be a whole number of at least ${MIN_PAGE_BYTES}`,
    );
  }
}

/** Most server-side tags one user carries. */
export const MAX_USER_TAGS = 128;
/** Longest tag, in characters (the largest `logic.tags.maxLength` the config accepts). */
export const MAX_TAG_LENGTH = 256;
/** Longest stored JSON tag list, in characters (the MySQL column holds 8192). */
const MAX_TAGS_JSON_LENGTH = 8192;

/** Checks a user's tag list and returns it as stored: JSON, duplicates dropped, order kept. */
export function tagsToJson(tags: readonly string[]): string {
  if (!Array.isArray(tags) || tags.length > MAX_USER_TAGS) {
    throw new StorageError('INVALID_ARGUMENT', `tags must be a list of at most ${MAX_USER_TAGS}`);
  }
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
      throw new StorageError('INVALID_ARGUMENT', `each tag must be 1 to ${MAX_TAG_LENGTH} characters`);
    }
  }
  const json = JSON.stringify([...new Set(tags)]);
  if (json.length > MAX_TAGS_JSON_LENGTH) {
    throw new StorageError(
      'INVALID_ARGUMENT',
      `tags must take at most ${MAX_TAGS_JSON_LENGTH} characters as JSON`,
    );
  }
  return json;
}
