/*
 * Rows per multi-row statement: far below SQLite's 32,766 bound parameters and MySQL's 65,535
 * placeholders at the widest row (messages, 11 columns).
 */
export const ROWS_PER_STATEMENT = 500;

/** Splits rows into groups small enough for one statement each. */
export function* chunks<T>(items: readonly T[], size: number = ROWS_PER_STATEMENT): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
