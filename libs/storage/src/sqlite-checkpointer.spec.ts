import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';

describe('SQLite checkpoints off the event loop', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a worker copies the log into the database file while the writer never checkpoints itself', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-checkpoint-'));
    const file = join(dir, 'db.sqlite');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    const stop = startCheckpointer(db, file);
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      db.exec('create table t (id integer primary key, body blob)');
      const insert = db.prepare('insert into t (body) values (?)');
      // About 2,000 pages of 4 KiB: past SQLite's own threshold (1,000), short of the fallback.
      const write = db.transaction(() => {
        for (let i = 0; i < 100; i++) insert.run(Buffer.alloc(3000, i));
      });
      for (let round = 0; round < 25; round++) write();
      // The writer has not copied anything into the file; the worker does within its ticks.
      const deadline = Date.now() + 15_000;
      while ((await stat(file)).size < 6 * 1024 * 1024) {
        if (Date.now() > deadline) throw new Error('the checkpointer did not fill the database file');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const reader = new BetterSqlite3(file, { readonly: true });
      try {
        expect(reader.prepare('select count(*) as n from t').get()).toEqual({ n: 2500 });
      } finally {
        reader.close();
      }
    } finally {
      await stop();
      db.close();
    }
  });

  it("a file database's storage runs it, an in-memory one does not need it", async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-checkpoint-'));
    const file = join(dir, 'switchboard.db');
    const storage = await createStorage({ dialect: 'sqlite', file });
    await storage.migrate();
    await storage.apps.create({ appId: 'a', name: 'A', tokenSecret: 'secret' });
    await storage.close();
    // Closed cleanly, worker included: the data is there for the next process.
    const again = await createStorage({ dialect: 'sqlite', file });
    expect((await again.apps.get('a'))?.name).toBe('A');
    await again.close();
    const memory = await createStorage({ dialect: 'sqlite', file: ':memory:' });
    await memory.migrate();
    await memory.close();
  });

  it('close() returns only once the worker has closed its connection: nothing touches the folder after', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-checkpoint-'));
    const folder = dir;
    // Closed at once, before the worker has started: its late open created the -wal and -shm files
    // after close() had returned (a test's cleanup then failed on a folder that refilled, ENOTEMPTY);
    // and a storage never used was not closed at all (kysely closes only a database it has opened).
    for (let round = 0; round < 5; round++) {
      const storage = await createStorage({ dialect: 'sqlite', file: join(folder, `db${round}.sqlite`) });
      if (round % 2 === 1) await storage.migrate();
      await storage.close();
    }
    const changes: string[] = [];
    const watcher = watch(folder, (event, name) => changes.push(`${event} ${name}`));
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      watcher.close();
    }
    expect(changes).toEqual([]);
    expect((await readdir(folder)).sort()).toEqual([0, 1, 2, 3, 4].map((round) => `db${round}.sqlite`));
  });

  it('lets a process whose last step is closing the storage end normally', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-checkpoint-'));
    // What a CLI command does: open, use, close, and nothing after. Awaiting the worker's exit
    // with the worker unreferenced ended such a process with an unsettled top-level await (13).
    const script = join(dir, 'close-last.mts');
    const storageModule = fileURLToPath(new URL('./create-storage.ts', import.meta.url));
    await writeFile(
      script,
      `import { createStorage } from ${JSON.stringify(storageModule)};\n` +
        `const storage = await createStorage({ dialect: 'sqlite', file: ${JSON.stringify(join(dir, 'db.sqlite'))} });\n` +
        'await storage.migrate();\n' +
        'await storage.close();\n' +
        "console.log('closed');\n",
    );
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const { stdout } = await promisify(execFile)(tsx, [script]);
    expect(stdout).toBe('closed\n');
  });
});
