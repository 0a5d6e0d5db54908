import BetterSqlite3 from 'better-sqlite3';
import { vi } from 'vitest';

/*
 * What the SQLite query-plan specs share: the statements a storage prepares while some code runs,
 * and SQLite's plan of each (EXPLAIN QUERY PLAN; SQLite keeps no statistics here, so a plan follows
 * the statement's shape, not its parameters).
 */

/**
 * Every SQL text prepared through better-sqlite3 while `run` runs. The storage prepares each text
 * once per connection (its statement cache), so only texts it had not yet run are seen.
 */
export async function statementsPreparedDuring(run: () => Promise<void>): Promise<Set<string>> {
  const prepare = vi.spyOn(BetterSqlite3.prototype, 'prepare');
  try {
    await run();
    return new Set(prepare.mock.calls.map((call) => String(call[0])));
  } finally {
    prepare.mockRestore();
  }
}

/** The steps of SQLite's plan for `text` on `db`, every `?` bound to null. */
export function queryPlan(db: BetterSqlite3.Database, text: string): string[] {
  const parameters = (text.match(/\?/g) ?? []).map(() => null);
  const steps = db.prepare(`explain query plan ${text}`).all(...parameters) as { detail: string }[];
  return steps.map((step) => step.detail);
}
