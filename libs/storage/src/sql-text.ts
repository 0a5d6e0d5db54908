import type { Statement } from './append-sql.js';
import { sqlLiteral } from './mysql-literal.js';

/*
 * A MySQL request of several statements as one SQL text with the values written in
 * (`mysql-literal.ts`), for `append-pipelined.ts`. The statement texts come from `append-sql.ts`
 * (built once per batch shape), so each is split at its `?` once and the pieces reused: per batch
 * only the values are written. mysql2 is then told not to format the text (`PRE_ESCAPED`).
 */

/** Texts split per statement text; past this many the cache starts over (texts are few in practice). */
const MAX_CACHED_TEXTS = 4096;

const pieces = new Map<string, readonly string[]>();

/** `text` split at its placeholders: one more piece than it has `?`. */
export function piecesOf(text: string): readonly string[] {
  let split = pieces.get(text);
  if (split === undefined) {
    split = text.split('?');
    for (let p = 0; p < split.length; p++) checkPiece(split[p]!, p < split.length - 1, text);
    if (pieces.size >= MAX_CACHED_TEXTS) pieces.clear();
    pieces.set(text, split);
  }
  return split;
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
    const split = piecesOf(text);
    const count = split.length - 1;
    if (parameters.length !== count) {
      throw new Error(`${parameters.length} parameters for ${count} placeholders in: ${text}`);
    }
    if (s > 0) sql += '; ';
    for (let p = 0; p < count; p++) sql += split[p]! + sqlLiteral(parameters[p]);
    sql += split[count]!;
  }
  return sql;
}

/**
 * The parameters of a query whose text has its values written in already: mysql2 (whose
 * `queryFormat` the MySQL dialect sets, see `mysql-dialect.ts`) sends such a text as it is instead of
 * scanning it for placeholders. Compared by identity; frozen, so that nothing can add a value to it.
 */
export const PRE_ESCAPED: readonly unknown[] = Object.freeze([]);
