import { CompiledQuery, type Kysely } from 'kysely';
import { cachedSql, placeholders } from './append-sql.js';
import type { Database } from './db-schema.js';
import type { DialectKind } from './storage-dialect.js';

/**
 * Runs a read of one app's rows for a list of ids, `text(list)` taking the `?, ?, ...` of the ids'
 * IN list; parameters are the app id, then the ids. The text is built once per dialect and list
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
): Promise<R[]> {
  const sql = cachedSql(kind, `${name} ${ids.length}`, () => text(placeholders(ids.length)));
  const result = await db.executeQuery<R>(CompiledQuery.raw(sql, [appId, ...ids]));
  return result.rows;
}
