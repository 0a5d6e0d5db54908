import { CompiledQuery, type Kysely } from 'kysely';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import type { DialectKind } from './storage-dialect.js';

/*
 * The statements of the group-commit write path as SQL text with `?` placeholders, built once per
 * dialect and batch shape (rows per INSERT, keys per lookup) and then reused: building them through
 * kysely on every batch (operation trees, frozen nodes, compilation) took about a quarter of logic's
 * CPU at 1,000 persisted sends/s. Values travel as parameters, never in these texts. Column and
 * table names below are constants of this file. MySQL runs them with `query` (mysql2 escapes the
 * values), or, in the two-request append, with the values written in by `sql-text.ts`; SQLite finds
 * them in its prepared-statement cache by text.
 */

/** Texts kept per dialect; past this many shapes the cache starts over (shapes are few in practice). */
const MAX_CACHED_SHAPES = 4096;

const caches: Record<DialectKind, Map<string, string>> = { mysql: new Map(), sqlite: new Map() };

/** The text of statement `shape` for `kind`, built by `build` the first time. */
export function cachedSql(kind: DialectKind, shape: string, build: () => string): string {
  const cache = caches[kind];
  let text = cache.get(shape);
  if (text === undefined) {
    if (cache.size >= MAX_CACHED_SHAPES) cache.clear();
    text = build();
    cache.set(shape, text);
  }
  return text;
}

/** Runs one statement of the append path in the transaction and resolves with its rows. */
export async function runSql<R>(
  trx: Kysely<Database>,
  text: string,
  parameters: readonly unknown[],
): Promise<R[]> {
  const result = await trx.executeQuery<R>(CompiledQuery.raw(text, parameters as unknown[]));
  return result.rows;
}

/**
 * `insert into table (columns) values (row), (row)...` for `rows` rows. `template` is one row: `?`
 * for a parameter or an SQL literal (a constant of the caller).
 */
export function insertRows(
  table: string,
  columns: readonly string[],
  template: readonly string[],
  rows: number,
): string {
  const row = `(${template.join(', ')})`;
  let values = row;
  for (let i = 1; i < rows; i++) values += `, ${row}`;
  return `insert into ${table} (${columns.join(', ')}) values ${values}`;
}

/** `?, ?, ...`: n placeholders. */
export function placeholders(n: number): string {
  let text = '?';
  for (let i = 1; i < n; i++) text += ', ?';
  return text;
}

/**
 * Keys grouped by their leading columns (one to three), for {@link KeyGroups.sql}: one group per
 * distinct prefix, with the last column's values. The statement lists the groups by size, so that
 * its text depends only on how many groups of each size there are: batches of 1:1 sends from
 * random senders (groups of one or two) then share a handful of texts instead of one per order.
 */
export class KeyGroups {
  private readonly groups: KeyGroup[] = [];
  private readonly index = new Map<string, KeyGroup>();
  private bySize: KeyGroup[] | undefined;

  constructor(private readonly prefixWidth: 1 | 2 | 3) {}

  /** Adds the key (a, b, c..., last), where the prefix is the first `prefixWidth` of a, b, c. */
  add(last: string, a: string, b = '', c = ''): void {
    const width = this.prefixWidth;
    const id = width === 1 ? a : width === 2 ? tupleKey(a, b, '') : tupleKey(a, b, c);
    let group = this.index.get(id);
    if (group === undefined) {
      group = { a, b, c, lasts: [] };
      this.index.set(id, group);
      this.groups.push(group);
      this.bySize = undefined;
    }
    group.lasts.push(last);
  }

  private ordered(): KeyGroup[] {
    return (this.bySize ??= this.groups.length === 1 ? this.groups : [...this.groups].sort(bySize));
  }

  /** The statement's shape: how many groups of each size, smallest first ("1x60 2x2"). */
  get shape(): string {
    let shape = '';
    let size = 0;
    let run = 0;
    for (const group of this.ordered()) {
      if (group.lasts.length !== size) {
        if (run > 0) shape += `${size}x${run} `;
        size = group.lasts.length;
        run = 0;
      }
      run++;
    }
    return `${shape}${size}x${run}`;
  }

  /** The parameters of {@link sql}, in its order, appended to `out`. */
  parametersInto(out: unknown[]): unknown[] {
    const width = this.prefixWidth;
    for (const group of this.ordered()) {
      out.push(group.a);
      if (width > 1) out.push(group.b);
      if (width > 2) out.push(group.c);
      for (const value of group.lasts) out.push(value);
    }
    return out;
  }

  /**
   * `(p1 = ? and p2 = ? and last in (?, ...)) or ...`, one branch per group. Why not one
   * `(a = ? and b = ?) or ...` branch per key: past about 200 branches MariaDB stops planning them
   * as index ranges and scans the app's rows instead (measured in bench/send: 14.9 ms against
   * 1.1 ms for 415 users), while an IN list on the last key column stays an index lookup. A batch
   * usually shares its prefix (one app, often one sender), so this is one or a few branches.
   */
  sql(prefixColumns: readonly string[], lastColumn: string): string {
    const prefix = prefixColumns.map((column) => `${column} = ?`).join(' and ');
    return this.ordered()
      .map((group) => `(${prefix} and ${lastColumn} in (${placeholders(group.lasts.length)}))`)
      .join(' or ');
  }
}

interface KeyGroup {
  a: string;
  b: string;
  c: string;
  lasts: string[];
}

function bySize(x: KeyGroup, y: KeyGroup): number {
  return x.lasts.length - y.lasts.length;
}

/**
 * One string per triple of ids, distinct for distinct triples whatever characters the ids hold (the
 * lengths written in front delimit them): a Map key without building an array.
 */
export function tupleKey(a: string, b: string, c: string): string {
  return `${a.length}:${a}${b.length}:${b}${c}`;
}

/** One multi-row INSERT (or upsert) kind of the append path. */
export interface RowsStatement {
  /** Names the statement in the text cache. */
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** One row: `?` for a parameter, or an SQL literal (a constant). */
  readonly row: readonly string[];
  /** What follows the rows (an upsert's update part), per dialect; empty for a plain INSERT. */
  readonly suffix?: Readonly<Record<DialectKind, string>>;
}

/** One statement of the append path: SQL text with `?` placeholders and its parameters. */
export interface Statement {
  readonly text: string;
  readonly parameters: unknown[];
  /** Rows it inserts (for an INSERT of {@link insertStatements}). */
  readonly rows?: number;
}

/**
 * The INSERTs (or upserts) of `rows` rows, at most `ROWS_PER_STATEMENT` per statement, in order;
 * `fill(i, out)` appends row i's parameters (as many as the row's `?`) to `out`.
 */
export function insertStatements(
  kind: DialectKind,
  statement: RowsStatement,
  rows: number,
  fill: (row: number, out: unknown[]) => void,
): Statement[] {
  const statements: Statement[] = [];
  for (let at = 0; at < rows; at += ROWS_PER_STATEMENT) {
    const count = Math.min(ROWS_PER_STATEMENT, rows - at);
    const parameters: unknown[] = [];
    for (let i = at; i < at + count; i++) fill(i, parameters);
    const text = cachedSql(kind, `${statement.name} ${count}`, () => {
      const insert = insertRows(statement.table, statement.columns, statement.row, count);
      const suffix = statement.suffix?.[kind];
      return suffix ? `${insert} ${suffix}` : insert;
    });
    statements.push({ text, parameters, rows: count });
  }
  return statements;
}

/** Runs `statements` one after the other in the transaction; resolves with each one's rows. */
export async function runEach<R>(trx: Kysely<Database>, statements: readonly Statement[]): Promise<R[][]> {
  const results: R[][] = [];
  for (const { text, parameters } of statements) results.push(await runSql<R>(trx, text, parameters));
  return results;
}

/**
 * Inserts `rows` rows with {@link insertStatements}, one statement after the other; resolves with
 * each statement's insert id.
 */
export async function insertInChunks(
  trx: Kysely<Database>,
  kind: DialectKind,
  statement: RowsStatement,
  rows: number,
  fill: (row: number, out: unknown[]) => void,
): Promise<InsertedChunk[]> {
  const chunks: InsertedChunk[] = [];
  for (const chunk of insertStatements(kind, statement, rows, fill)) chunks.push(await runInsert(trx, chunk));
  return chunks;
}

/** Runs one INSERT of {@link insertStatements}; resolves with its rows and insert id. */
export async function runInsert(trx: Kysely<Database>, statement: Statement): Promise<InsertedChunk> {
  const result = await trx.executeQuery(CompiledQuery.raw(statement.text, statement.parameters));
  return {
    rows: statement.rows ?? 0,
    insertId: result.insertId === undefined ? undefined : Number(result.insertId),
  };
}

/** What one INSERT of {@link runInsert} reports: its rows and the driver's insert id. */
export interface InsertedChunk {
  rows: number;
  /** MySQL: the first auto-increment id the statement took; SQLite: the last rowid it inserted. */
  insertId: number | undefined;
}
