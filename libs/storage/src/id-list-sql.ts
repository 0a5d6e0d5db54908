import { CompiledQuery, type Kysely } from 'kysely';
import { cachedSql, placeholders } from './append-sql.js';
import type { Database } from './db-schema.js';
import type { DialectKind } from './storage-dialect.js';

/**
 * Runs a read of one app's rows for a list of ids, `text(list)` taking the `?, ?, ...` of the ids'
 * IN list; parameters are the app id, then the ids, `times` over (a text of several parts, each
 * with its own app id and IN list). The text is built once per dialect and list
 * length, not through kysely on every call: the sign-in batches' reads run once per tick each, and
 * building their operation trees per call was most of logic's kysely time in a sign-in storm.
 */
export async function rowsOfIds<R>(
  db: Kysely<Database>,
  kind: DialectKind,
  name: string,
  text: (list: string) => string,
  appId: string,
  ids: readonly string[],
  times = 1,
): Promise<R[]> {
  const sql = cachedSql(kind, `${name} ${ids.length}`, () => text(placeholders(ids.length)));
  const parameters: string[] = [];
  for (let i = 0; i < times; i++) parameters.push(appId, ...ids);
  const result = await db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
  return result.rows;
}
