import type { Kysely } from 'kysely';
import { cachedSql, runSql, tupleKey, type InsertedChunk } from './append-sql.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';
import type { Counter } from './seq-allocation.js';
import type { DialectKind } from './storage-dialect.js';

/**
 * The ids of the messages an append just inserted, in input order: from the INSERTs' insert ids
 * where the server numbers one INSERT's rows consecutively, else read back by the messages'
 * conversation seqs (`ranges`: each conversation counter's seqs; `counters`/`seqs`: each message's).
 */
export async function insertedMessageIds(
  trx: Kysely<Database>,
  ctx: RepositoryContext,
  inserted: readonly InsertedChunk[],
  ranges: readonly Counter[],
  counters: readonly Counter[],
  seqs: readonly number[],
): Promise<number[]> {
  return (
    idsOfInserts(inserted, ctx.dialect.kind, await insertIdStep(trx, ctx)) ??
    (await readMessageIds(trx, ctx, ranges, counters, seqs))
  );
}

/**
 * Per storage: how far apart the auto-increment ids of one multi-row INSERT's rows are, or 0 when
 * they may not be consecutive. SQLite's single writer numbers them one after the other. MySQL does
 * too for an INSERT ... VALUES under innodb_autoinc_lock_mode 0 or 1 (MariaDB's default), stepping by
 * auto_increment_increment; under mode 2 (MySQL 8's default) rows of concurrent INSERTs interleave,
 * and the ids are read back by their conversation seqs instead (one more statement).
 */
const insertIdSteps = new WeakMap<RepositoryContext, number>();

export async function insertIdStep(trx: Kysely<Database>, ctx: RepositoryContext): Promise<number> {
  let step = insertIdSteps.get(ctx);
  if (step === undefined) {
    if (ctx.readBackMessageIds) {
      step = 0;
    } else if (ctx.dialect.kind === 'sqlite') {
      step = 1;
    } else {
      // A server without these settings (not InnoDB) gets the ids read back; a failed SELECT does
      // not end a MySQL transaction.
      const [row] = await runSql<{ mode: number | string; step: number | string }>(
        trx,
        'select @@innodb_autoinc_lock_mode as mode, @@auto_increment_increment as step',
        [],
      ).catch(() => []);
      step = row && Number(row.mode) <= 1 && Number(row.step) >= 1 ? Number(row.step) : 0;
    }
    insertIdSteps.set(ctx, step);
  }
  return step;
}

/** The message ids of the INSERTs' rows, in row order, when `step` says they are consecutive. */
function idsOfInserts(
  inserted: readonly InsertedChunk[],
  kind: DialectKind,
  step: number,
): number[] | undefined {
  if (step <= 0) return undefined;
  const ids: number[] = [];
  for (const { rows, insertId } of inserted) {
    if (insertId === undefined || insertId <= 0) return undefined;
    // MySQL reports the statement's first id, SQLite its last.
    const first = kind === 'mysql' ? insertId : insertId - (rows - 1) * step;
    for (let r = 0; r < rows; r++) ids.push(first + r * step);
  }
  return ids;
}

/** The ids of the messages just inserted, read back by their conversation seqs, in input order. */
async function readMessageIds(
  trx: Kysely<Database>,
  ctx: RepositoryContext,
  ranges: readonly Counter[],
  conversationCounters: readonly Counter[],
  conversationSeqs: readonly number[],
): Promise<number[]> {
  const ids = new Map<Counter, number[]>();
  const byKey = new Map<string, Counter>();
  for (const range of ranges) {
    ids.set(range, new Array<number>(range.count));
    byKey.set(tupleKey(range.appId, range.scope, range.id), range);
  }
  for (let at = 0; at < ranges.length; at += ROWS_PER_STATEMENT) {
    const end = Math.min(ranges.length, at + ROWS_PER_STATEMENT);
    const parameters: unknown[] = [];
    for (let r = at; r < end; r++) {
      const range = ranges[r]!;
      parameters.push(range.appId, range.scope, range.id, range.low, range.high);
    }
    const text = cachedSql(ctx.dialect.kind, `read message ids ${end - at}`, () => {
      const branch =
        '(app_id = ? and conversation_type = ? and conversation_id = ? and conversation_seq >= ? and conversation_seq <= ?)';
      let where = branch;
      for (let r = at + 1; r < end; r++) where += ` or ${branch}`;
      return `select app_id, conversation_type, conversation_id, conversation_seq, message_id from messages where ${where}`;
    });
    const rows = await runSql<MessageIdRow>(trx, text, parameters);
    for (const row of rows) {
      const range = byKey.get(tupleKey(row.app_id, row.conversation_type, row.conversation_id));
      if (range) ids.get(range)![Number(row.conversation_seq) - range.low] = Number(row.message_id);
    }
  }
  return conversationCounters.map((counter, i) => ids.get(counter)![conversationSeqs[i]! - counter.low]!);
}

interface MessageIdRow {
  app_id: string;
  conversation_type: string;
  conversation_id: string;
  conversation_seq: number | string;
  message_id: number | string;
}
