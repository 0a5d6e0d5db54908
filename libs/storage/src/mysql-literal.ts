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

/** Refuses a value {@link SqlTextWriter} does not write. */
function notALiteral(value: unknown): never {
  if (typeof value === 'number') throw new TypeError(`not a safe integer for an SQL literal: ${value}`);
  throw new TypeError(`no SQL literal for a value of type ${value === null ? 'null' : typeof value}`);
}

const HEX = new Uint8Array(Buffer.from('0123456789abcdef', 'latin1'));
const INITIAL_BYTES = 64 * 1024;
const MAX_KEPT_BYTES = 1024 * 1024;

/**
 * SQL text written as UTF-8 bytes into one reused buffer, each value as mysql2 formats it (a string
 * quoted and escaped, a safe integer in decimal, bytes as `X'0aff'`; anything else throws: a
 * fraction or an unsafe integer would not be stored as the caller meant, and other types are not
 * expected), and read back as one string at the end: building the text by string concatenation made
 * about eight times its size in short-lived strings (5 KiB per stored 1:1 message for 655 bytes
 * of text), a large share of logic's young-generation collections.
 */
export class SqlTextWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private at = 0;

  /** Starts a new text. */
  reset(): void {
    this.at = 0;
  }

  /**
   * Bytes `from` to `to` of an SQL template (`sql-text.ts`). A loop: `Buffer#copy` of part of a
   * buffer makes a typed-array view per call, here one per value written.
   */
  template(bytes: Uint8Array, from: number, to: number): void {
    this.reserve(to - from);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = from; i < to; i++) buffer[at++] = bytes[i]!;
    this.at = at;
  }

  /** `value` as a literal (see the class). */
  value(value: unknown): void {
    if (typeof value === 'string') this.string(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value)) this.integer(value);
    else if (value instanceof Uint8Array) this.bytes(value);
    else notALiteral(value);
  }

  /**
   * The text written since {@link reset}. A buffer grown past 1 MiB for a large request (bodies of
   * up to 64 KiB in a batch of 256) is let go once read, not kept for the life of the process.
   */
  text(): string {
    const text = this.buffer.toString('utf8', 0, this.at);
    if (this.buffer.length > MAX_KEPT_BYTES) this.buffer = Buffer.allocUnsafe(INITIAL_BYTES);
    return text;
  }

  private string(value: string): void {
    const length = value.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 128) ascii = false;
      // Node's UTF-8 encoder writes a lone surrogate as U+FFFD, as mysql2 sends it.
      else if (ESCAPED[code] !== 0) return this.utf8(stringLiteral(value));
    }
    this.reserve(length * 3 + 2);
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = 0x27;
    // Ids are mostly ASCII: a loop rather than a native call per value.
    if (ascii) for (let i = 0; i < length; i++) buffer[at++] = value.charCodeAt(i);
    else at += buffer.write(value, at, 'utf8');
    buffer[at++] = 0x27;
    this.at = at;
  }

  /**
   * A safe integer in decimal, as `String(value)`. Digits come from 32-bit integer arithmetic: a
   * value past 2^31 (a millisecond timestamp) as two halves, the last eight digits padded; about
   * three times faster than dividing doubles with `Math.floor` digit by digit.
   */
  private integer(value: number): void {
    this.reserve(17);
    const buffer = this.buffer;
    let at = this.at;
    if (value < 0) {
      buffer[at++] = 0x2d;
      value = -value;
    }
    if (value <= 0x7fffffff) {
      this.at = writeInt32(buffer, at, value);
      return;
    }
    const high = Math.floor(value / 1e8);
    let low = value - high * 1e8;
    at = writeInt32(buffer, at, high);
    for (let i = 7; i >= 0; i--) {
      const rest = (low / 10) | 0;
      buffer[at + i] = 0x30 + (low - rest * 10);
      low = rest;
    }
    this.at = at + 8;
  }

  private bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length * 2 + 3);
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = 0x58; // X
    buffer[at++] = 0x27;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      buffer[at++] = HEX[byte >> 4]!;
      buffer[at++] = HEX[byte & 15]!;
    }
    buffer[at++] = 0x27;
    this.at = at;
  }

  /** `text` as UTF-8 (a string literal with escapes, written by {@link stringLiteral}). */
  private utf8(text: string): void {
    this.reserve(text.length * 3);
    this.at += this.buffer.write(text, this.at, 'utf8');
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

/** `value` (0 to 2^31 - 1) in decimal at `at`; returns where it ends. */
function writeInt32(buffer: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  const end = at + digits;
  at = end;
  do {
    const rest = (value / 10) | 0;
    buffer[--at] = 0x30 + (value - rest * 10);
    value = rest;
  } while (value > 0);
  return end;
}
