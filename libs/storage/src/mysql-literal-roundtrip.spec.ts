import fc from 'fast-check';
import { CompiledQuery, Kysely } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDialect, SESSION_SETUP } from './mysql-dialect.js';
import { awkwardString } from './mysql-literal-arbitraries.js';
import { createScratchMysqlDatabase, type ScratchMysqlDatabase } from './mysql-scratch-database.js';
import { PRE_ESCAPED, writeStatements } from './sql-text.js';
import { MYSQL_SERVER_URI } from './storage-test-harness.js';

/*
 * Values written into the SQL text by mysql-literal.ts, stored by a real server and read back: they
 * must come back byte for byte as sent, and as mysql2 stores the same values as parameters.
 */

interface Row {
  s: string;
  b: Uint8Array;
}

describe('SQL literals on a real server', () => {
  let scratch: ScratchMysqlDatabase;
  let db: Kysely<unknown>;
  let nextId = 0;

  beforeAll(async () => {
    scratch = await createScratchMysqlDatabase(MYSQL_SERVER_URI);
    db = new Kysely<unknown>({ dialect: createMysqlDialect({ uri: scratch.uri, poolSize: 1 }).kysely });
    await db.executeQuery(
      CompiledQuery.raw(
        'create table t (id int primary key, via char(6) not null, s longtext character set utf8mb4 ' +
          'collate utf8mb4_bin not null, b longblob not null)',
      ),
    );
  });
  afterAll(async () => {
    await db.destroy();
    await scratch.drop();
  });

  /** Reads rows `ids` back: each string as the bytes the server holds, each blob as stored. */
  async function readBack(ids: number[]): Promise<{ id: number; via: string; s: string; b: Buffer }[]> {
    const { rows } = await db.executeQuery<{ id: number; via: string; s: string; b: Buffer }>(
      CompiledQuery.raw(`select id, via, hex(s) as s, b from t where id in (${ids.join(', ')}) order by id`),
    );
    return rows;
  }

  it('stores arbitrary strings and bytes byte for byte, as mysql2 stores them as parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ s: awkwardString, b: fc.uint8Array({ maxLength: 300 }) }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (rows: Row[]) => {
          const ids: number[] = [];
          const literal = [];
          const parameters: unknown[] = [];
          for (const row of rows) {
            const id = ++nextId;
            ids.push(id, id + 1_000_000);
            literal.push({
              text: 'insert into t (id, via, s, b) values (?, ?, ?, ?)',
              parameters: [id, 'text', row.s, row.b],
            });
            parameters.push(id + 1_000_000, 'mysql2', row.s, row.b);
          }
          // Written in, several statements in one request (as the append sends them).
          await db.executeQuery(CompiledQuery.raw(writeStatements(literal), PRE_ESCAPED as unknown[]));
          // Escaped by mysql2.
          const values = rows.map(() => '(?, ?, ?, ?)').join(', ');
          await db.executeQuery(
            CompiledQuery.raw(`insert into t (id, via, s, b) values ${values}`, parameters),
          );

          const stored = await readBack(ids);
          expect(stored).toHaveLength(2 * rows.length);
          for (let r = 0; r < rows.length; r++) {
            const text = stored[r]!;
            const viaMysql2 = stored[rows.length + r]!;
            // Lone surrogates leave Node's UTF-8 encoder as U+FFFD, in either path.
            const sent = Buffer.from(rows[r]!.s, 'utf8').toString('hex').toUpperCase();
            expect([text.via, text.s, Buffer.from(text.b)]).toEqual(['text', sent, Buffer.from(rows[r]!.b)]);
            expect([viaMysql2.s, Buffer.from(viaMysql2.b)]).toEqual([text.s, Buffer.from(text.b)]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps an injection attempt inside its literal', async () => {
    const id = ++nextId;
    const attempts = [
      "x'); drop table t; -- ",
      "\\'); drop table t; #",
      "\\\\'); drop table t; /*",
      '\0\x1a\\',
    ];
    const statements = attempts.map((s, i) => ({
      text: 'insert into t (id, via, s, b) values (?, ?, ?, ?)',
      parameters: [id * 100 + i + 2_000_000, 'text', s, new Uint8Array([39, 92, 0])],
    }));
    await db.executeQuery(CompiledQuery.raw(writeStatements(statements), PRE_ESCAPED as unknown[]));
    const { rows } = await db.executeQuery<{ s: string }>(
      CompiledQuery.raw(`select s from t where id >= ${id * 100 + 2_000_000} order by id`),
    );
    expect(rows.map((row) => row.s)).toEqual(attempts);
  });

  it('turns NO_BACKSLASH_ESCAPES off on every connection, whatever the server default', async () => {
    const connection = await createConnection({ uri: scratch.uri });
    try {
      await connection.query("set session sql_mode = 'NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES'");
      for (const statement of SESSION_SETUP) await connection.query(statement);
      const [rows] = await connection.query('select @@session.sql_mode as mode, ? as s', ["a'\\b"]);
      expect(rows).toEqual([{ mode: 'STRICT_TRANS_TABLES', s: "a'\\b" }]);
      await connection.query("set session sql_mode = 'NO_BACKSLASH_ESCAPES'");
      for (const statement of SESSION_SETUP) await connection.query(statement);
      const [empty] = await connection.query('select @@session.sql_mode as mode');
      expect(empty).toEqual([{ mode: '' }]);
    } finally {
      await connection.end();
    }
  });
});
