import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { statementCachingDatabase } from './sqlite-statement-cache.js';

interface Db {
  t: { id: number; v: string };
}

describe('the SQLite prepared-statement cache', () => {
  let db: Kysely<Db> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  function open(capacity?: number) {
    const raw = new BetterSqlite3(':memory:');
    raw.exec('create table t (id integer primary key, v text not null)');
    const prepare = vi.spyOn(raw, 'prepare');
    db = new Kysely<Db>({
      dialect: new SqliteDialect({ database: statementCachingDatabase(raw, capacity) }),
    });
    return { db, prepare };
  }

  it('prepares a query once, however often it runs, readers and writers alike', async () => {
    const { db, prepare } = open();
    for (let i = 1; i <= 5; i++) {
      await db
        .insertInto('t')
        .values({ id: i, v: `v${i}` })
        .execute();
      expect(await db.selectFrom('t').select('v').where('id', '=', i).executeTakeFirst()).toEqual({
        v: `v${i}`,
      });
    }
    const res = await db.updateTable('t').set({ v: 'x' }).where('id', '<=', 2).executeTakeFirst();
    expect(res.numUpdatedRows).toBe(2n);
    const inserted = await db.insertInto('t').values({ id: 9, v: 'r' }).returning('id').executeTakeFirst();
    expect(inserted).toEqual({ id: 9 });
    // The insert, the select, the update and the insert ... returning.
    expect(prepare).toHaveBeenCalledTimes(4);
  });

  it('keeps transactions working: begin and commit reused, a rollback undoes', async () => {
    const { db, prepare } = open();
    for (let i = 1; i <= 3; i++) {
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ id: i, v: 'ok' }).execute();
      });
    }
    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ id: 10, v: 'undone' }).execute();
        throw new Error('give up');
      }),
    ).rejects.toThrow('give up');
    const rows = await db.selectFrom('t').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    // begin, commit, rollback, the insert and the select.
    expect(prepare).toHaveBeenCalledTimes(5);
  });

  it('keeps at most `capacity` statements, dropping the least recently used', async () => {
    const { db, prepare } = open(2);
    const q = (n: number) => sql`select ${sql.lit(n)} as n`.execute(db);
    await q(1);
    await q(2);
    await q(1); // a hit: 2 is now the oldest
    await q(3); // evicts 2
    expect(prepare).toHaveBeenCalledTimes(3);
    await q(1);
    expect(prepare).toHaveBeenCalledTimes(3);
    await q(2);
    expect(prepare).toHaveBeenCalledTimes(4);
  });

  it('does not hand out a statement that is still iterating', () => {
    const raw = statementCachingDatabase(new BetterSqlite3(':memory:'));
    const first = raw.prepare('select 1 union all select 2');
    const open1 = first.iterate([]);
    open1.next();
    const second = raw.prepare('select 1 union all select 2');
    expect(second).not.toBe(first);
    expect(second.all([])).toHaveLength(2);
    open1.return?.();
    raw.close();
  });
});
