import type { Statement } from './append-sql.js';
import { Buffer } from 'node:buffer';
import { SqlTextWriter } from './mysql-literal.js';

/*
 * A MySQL request of several statements as one SQL text with the values written in
 * (`mysql-literal.ts`), for `append-pipelined.ts`. The statement texts come from `append-sql.ts`
 * (built once per batch shape); each is checked once and kept as bytes with its `?` positions, and
 * per request the bytes between them and the values are written into one buffer (`SqlTextWriter`).
 * mysql2 is then told not to format the text (`PRE_ESCAPED`).
 *
 * Why bytes: building the text by string concatenation made about eight times its size in
 * short-lived strings (5.4 KiB per stored 1:1 message for 655 bytes of text), and keeping each text
 * split at its `?` held thousands of tiny strings per batch size (12 MiB once sizes 1-256 were
 * seen); the templates' bytes are outside the JS heap, and a request allocates its text once.
 */

/** A statement text as bytes, and where its placeholders stand. */
interface Template {
  bytes: Buffer;
  marks: Int32Array;
}

/** Texts checked, as templates; past this many the map starts over. */
const MAX_CHECKED_TEXTS = 4096;

const templates = new Map<string, Template>();

/** `text` checked to hold no `?` inside a literal or a comment, as bytes (ASCII) and `?` positions. */
function templateOf(text: string): Template {
  let template = templates.get(text);
  if (template === undefined) {
    const split = text.split('?');
    for (let p = 0; p < split.length; p++) checkPiece(split[p]!, p < split.length - 1, text);
    if (!/^[\x20-\x7e]*$/.test(text))
      throw new Error(`an SQL text to fill in must be printable ASCII: ${text}`);
    const marks = new Int32Array(split.length - 1);
    for (let p = 0, at = -1; p < marks.length; p++) marks[p] = at = text.indexOf('?', at + 1);
    template = { bytes: Buffer.from(text, 'latin1'), marks };
    if (templates.size >= MAX_CHECKED_TEXTS) templates.clear();
    templates.set(text, template);
  }
  return template;
}

/** How many `?` `text` holds, once it is checked (see {@link templateOf}). */
export function placeholderCount(text: string): number {
  return templateOf(text).marks.length;
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
  const out = writer;
  out.reset();
  for (let s = 0; s < statements.length; s++) {
    const { text, parameters } = statements[s]!;
    const { bytes, marks } = templateOf(text);
    if (parameters.length !== marks.length) {
      throw new Error(`${parameters.length} parameters for ${marks.length} placeholders in: ${text}`);
    }
    if (s > 0) out.template(SEPARATOR, 0, SEPARATOR.length);
    let from = 0;
    for (let p = 0; p < marks.length; p++) {
      const at = marks[p]!;
      out.template(bytes, from, at);
      out.value(parameters[p]);
      from = at + 1;
    }
    out.template(bytes, from, bytes.length);
  }
  return out.text();
}

const SEPARATOR = Buffer.from('; ', 'latin1');

/** One for the process: a text is written and read back before the next one starts. */
const writer = new SqlTextWriter();

/**
 * The parameters of a query whose text has its values written in already: mysql2 (whose
 * `queryFormat` the MySQL dialect sets, see `mysql-dialect.ts`) sends such a text as it is instead of
 * scanning it for placeholders. Compared by identity; frozen, so that nothing can add a value to it.
 */
export const PRE_ESCAPED: readonly unknown[] = Object.freeze([]);
