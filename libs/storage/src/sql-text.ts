import type { Statement } from './append-sql.js';
import { sqlLiteral } from './mysql-literal.js';

/*
 * A MySQL request of several statements as one SQL text with the values written in
 * (`mysql-literal.ts`), for `append-pipelined.ts`. The statement texts come from `append-sql.ts`
 * (built once per batch shape); each is checked once, and its values are written at its `?` as it
 * is scanned. mysql2 is then told not to format the text (`PRE_ESCAPED`).
 *
 * Why not keep each text split at its `?`: a batch of n messages has a text of its own per n, and
 * its pieces (`, ` between values) are thousands of tiny strings per text: keeping them grew logic's
 * heap by tens of MiB as batch sizes varied under load, each new text's pieces surviving young
 * collections to be copied and promoted (scavenges of 10-30 ms on the services' shared core).
 */

/** Texts checked, with their placeholder counts; past this many the map starts over. */
const MAX_CHECKED_TEXTS = 4096;

const placeholders = new Map<string, number>();

/** How many `?` `text` holds, once it is checked to hold none inside a literal or a comment. */
export function placeholderCount(text: string): number {
  let count = placeholders.get(text);
  if (count === undefined) {
    const split = text.split('?');
    for (let p = 0; p < split.length; p++) checkPiece(split[p]!, p < split.length - 1, text);
    count = split.length - 1;
    if (placeholders.size >= MAX_CHECKED_TEXTS) placeholders.clear();
    placeholders.set(text, count);
  }
  return count;
}

/**
 * Refuses a text where a `?` could be inside a literal, an identifier or a comment: the texts are
 * constants of this library and hold only simple literals (`''`, `'user'`), but splitting one that
 * did would write a value into its literal. Nor may a value follow a `-` (`-?` with -1 would read
 * `--1`, one step from a comment).
 */
function checkPiece(piece: string, beforeValue: boolean, text: string): void {
  let quotes = 0;
  for (let i = 0; i < piece.length; i++) {
    const code = piece.charCodeAt(i);
    if (code === 0x27) quotes++;
    else if (code === 0x22 || code === 0x60 || code === 0x5c || code === 0x23) {
      throw new Error(`unexpected ${piece[i]} in an SQL text to fill in: ${text}`);
    }
  }
  if (
    quotes % 2 !== 0 ||
    piece.includes('--') ||
    piece.includes('/*') ||
    (beforeValue && piece.endsWith('-'))
  ) {
    throw new Error(`a placeholder may stand inside a literal or a comment of: ${text}`);
  }
}

/**
 * The statements' texts joined by `; `, each `?` replaced by its parameter as an SQL literal.
 * Throws when a statement's parameters do not match its placeholders.
 */
export function writeStatements(statements: readonly Statement[]): string {
  let sql = '';
  for (let s = 0; s < statements.length; s++) {
    const { text, parameters } = statements[s]!;
    const count = placeholderCount(text);
    if (parameters.length !== count) {
      throw new Error(`${parameters.length} parameters for ${count} placeholders in: ${text}`);
    }
    if (s > 0) sql += '; ';
    let from = 0;
    for (let p = 0; p < count; p++) {
      const at = text.indexOf('?', from);
      sql += text.slice(from, at) + sqlLiteral(parameters[p]);
      from = at + 1;
    }
    sql += text.slice(from);
  }
  return sql;
}

/**
 * The parameters of a query whose text has its values written in already: mysql2 (whose
 * `queryFormat` the MySQL dialect sets, see `mysql-dialect.ts`) sends such a text as it is instead of
 * scanning it for placeholders. Compared by identity; frozen, so that nothing can add a value to it.
 */
export const PRE_ESCAPED: readonly unknown[] = Object.freeze([]);
