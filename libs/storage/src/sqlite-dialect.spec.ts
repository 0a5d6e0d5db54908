import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { createSqliteDialect } from './sqlite-dialect.js';

describe('sqlite storage file', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the missing data folder and runs in WAL mode', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-sqlite-'));
    const file = join(dir, 'nested', 'data', 'switchboard.db');
    const storage = await createStorage({ dialect: 'sqlite', file });
    await storage.migrate();
    await storage.close();
    expect((await stat(file)).isFile()).toBe(true);
    const reader = new BetterSqlite3(file, { readonly: true });
    try {
      expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      reader.close();
    }
  });

  it('keeps the data to its owner: a new folder 0700, the file and its WAL 0600', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-sqlite-'));
    const file = join(dir, 'data', 'switchboard.db');
    const storage = await createStorage({ dialect: 'sqlite', file });
    await storage.migrate();
    await storage.apps.create({ appId: 'a', name: 'A', tokenSecret: 'secret' });
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(join(dir, 'data'))).toBe(0o700);
    expect(await mode(file)).toBe(0o600);
    expect(await mode(`${file}-wal`)).toBe(0o600);
    await storage.close();
  });

  it('works in memory', async () => {
    const storage = await createStorage({ dialect: 'sqlite', file: ':memory:' });
    await storage.migrate();
    await storage.apps.create({ appId: 'a', name: 'A', tokenSecret: 's' });
    expect((await storage.apps.list()).map((app) => app.appId)).toEqual(['a']);
    await storage.close();
  });

  it('syncs every commit (synchronous = FULL), also once the log is in use', async () => {
    // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: a connection in WAL mode falls
    // back to NORMAL at its first write, which syncs only at checkpoints, so an acknowledged send
    // could be lost with the machine (not with the process).
    dir = await mkdtemp(join(tmpdir(), 'sb-sqlite-'));
    const db = new Kysely<unknown>({ dialect: createSqliteDialect({ file: join(dir, 'db.sqlite') }).kysely });
    try {
      await sql`create table t (a integer primary key)`.execute(db);
      await sql`insert into t (a) values (1)`.execute(db);
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      expect(rows).toEqual([{ synchronous: 2 }]);
    } finally {
      await db.destroy();
    }
  });

  it('keeps statement journals and temporary tables in memory, not in files', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-sqlite-'));
    const db = new Kysely<unknown>({ dialect: createSqliteDialect({ file: join(dir, 'db.sqlite') }).kysely });
    try {
      // 2 = MEMORY (0, SQLite's default, leaves it to a compile-time choice: files here).
      const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(db);
      expect(rows).toEqual([{ temp_store: 2 }]);
    } finally {
      await db.destroy();
    }
  });
});
