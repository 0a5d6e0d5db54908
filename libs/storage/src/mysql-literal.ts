import { Buffer } from 'node:buffer';

/*
 * SQL literals for the values of the MySQL append requests (`sql-text.ts`), written by us instead of
 * by mysql2's client-side `format`, which scanned every request for placeholders and looked at the
 * type of every value through a dozen checks (about 7% of logic's CPU at 3,000 sends/s). The output
 * is byte for byte what mysql2 sends for the same value (sql-escaper's `escape` as mysql2 calls it),
 * so the server sees the same request; it takes only the types the append path passes and throws on
 * anything else rather than guess.
 *
 * Why escaping by UTF-16 code unit is enough: the connection's charset is utf8mb4
 * (`mysql-dialect.ts`), where no byte of a multi-byte character is below 0x80, so no character can
 * hide a quote or a backslash from the server (the GBK/SJIS attack needs such a charset). The escapes
 * assume the server treats backslash as an escape character, as mysql2 does: every connection turns
 * NO_BACKSLASH_ESCAPES off when it is created (`mysql-dialect.ts`). A lone surrogate is sent as
 * U+FFFD, as mysql2 sends it (Node's UTF-8 encoder replaces it).
 */

/** What follows the backslash for each character that must be escaped; 0 for the others. */
const ESCAPED = new Uint8Array(128);
ESCAPED[0] = 0x30; // \0
ESCAPED[8] = 0x62; // \b
ESCAPED[9] = 0x74; // \t
ESCAPED[10] = 0x6e; // \n
ESCAPED[13] = 0x72; // \r
ESCAPED[26] = 0x5a; // \Z
ESCAPED[34] = 0x22; // \"
ESCAPED[39] = 0x27; // \'
ESCAPED[92] = 0x5c; // \\

/** `value` as a quoted MySQL string literal. */
export function stringLiteral(value: string): string {
  const length = value.length;
  let at = 0;
  while (at < length) {
    const code = value.charCodeAt(at);
    if (code < 128 && ESCAPED[code] !== 0) break;
    at++;
  }
  if (at === length) return `'${value}'`;
  let literal = "'";
  let from = 0;
  for (; at < length; at++) {
    const code = value.charCodeAt(at);
    if (code >= 128 || ESCAPED[code] === 0) continue;
    literal += value.slice(from, at) + '\\' + String.fromCharCode(ESCAPED[code]!);
    from = at + 1;
  }
  return `${literal}${value.slice(from)}'`;
}

/** `bytes` as a hexadecimal literal (`X'0aff'`), without copying them. */
export function bytesLiteral(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return `X'${buffer.toString('hex')}'`;
}

/**
 * `value` as an SQL literal: a string, a safe integer, or bytes. Anything else throws: a fraction
 * or an unsafe integer would not be stored as the caller meant, and other types are not expected.
 */
export function sqlLiteral(value: unknown): string {
  if (typeof value === 'string') return stringLiteral(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    throw new TypeError(`not a safe integer for an SQL literal: ${value}`);
  }
  if (value instanceof Uint8Array) return bytesLiteral(value);
  throw new TypeError(`no SQL literal for a value of type ${value === null ? 'null' : typeof value}`);
}
