import { CompiledQuery, type Kysely } from 'kysely';
import { appendedStatements, type AppendedRow, type Stored } from './append-dedupe.js';
import { insertIdStep } from './append-message-ids.js';
import { readStateStatements } from './append-read-state.js';
import type { RowsStatement, Statement } from './append-sql.js';
import { AppendPlan, DEDUPE_ROWS, INBOX_ROWS } from './append-writes.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';
import { applyCounterRows, checkAllocated, counterStatements, type CounterRow } from './seq-allocation.js';
import type { AppendInput } from './types.js';

/*
 * The append transaction in two round trips, where the server takes several statements in one
 * request (MySQL/MariaDB with multipleStatements): the statement-per-round-trip path paid about
 * eleven (begin, dedupe lookup, two upserts and two reads of the counters, messages, inbox, dedupe,
 * read state, commit), and held the counter rows' locks through eight of them.
 *  1. `start transaction`, the dedupe lookup, the counters' upserts and locking reads;
 *  2. the messages, the inbox entries and dedupe records (their message ids computed by the server
 *     from the messages INSERT's first id), the read state, `commit`.
 * The statements, their order (the lock order) and their texts are the other path's.
 */

const BEGIN: Statement = { text: 'start transaction', parameters: [] };
const COMMIT: Statement = { text: 'commit', parameters: [] };
/** The messages INSERT's first id, for the rows that refer to its messages in the same request. */
const FIRST_MESSAGE_ID = '@sb_first_message_id';
const KEEP_FIRST_MESSAGE_ID: Statement = {
  text: `set ${FIRST_MESSAGE_ID} = last_insert_id()`,
  parameters: [],
};

/**
 * Whether {@link appendPipelined} can store `inputs`: a dialect that takes several statements per
 * request, one messages INSERT (a batch within one chunk), and a server that numbers that INSERT's
 * rows consecutively (the step between them, else 0).
 */
export async function pipelineStep(ctx: RepositoryContext, inputs: readonly AppendInput[]): Promise<number> {
  if (!ctx.dialect.multiStatements || inputs.length > ROWS_PER_STATEMENT) return 0;
  return insertIdStep(ctx.db, ctx);
}

/**
 * Stores `inputs` (unique dedupe keys, none known to be stored) in one transaction of two round
 * trips and returns them in input order; resolves undefined, having rolled back, when some were
 * stored before (the caller then takes the statement-per-round-trip path, which answers them as
 * duplicates). `step` is from {@link pipelineStep}. Errors roll back and are rethrown for the retry.
 */
export function appendPipelined(
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
  step: number,
): Promise<Stored[] | undefined> {
  return ctx.db.connection().execute(async (db) => {
    try {
      return await appendOn(db, ctx, inputs, step);
    } catch (error) {
      // A deadlock has rolled back already; any other failure leaves the transaction open.
      await db.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
      throw error;
    }
  });
}

async function appendOn(
  db: Kysely<Database>,
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
  step: number,
): Promise<Stored[] | undefined> {
  const kind = ctx.dialect.kind;
  const plan = new AppendPlan(inputs);
  const lookups = appendedStatements(kind, inputs);
  // Users before conversations: the lock order of every transaction.
  const users = counterStatements(ctx, plan.users);
  const conversations = counterStatements(ctx, plan.conversations);
  const first = await runTogether(db, [
    BEGIN,
    ...lookups,
    ...users.bumps,
    ...users.reads,
    ...conversations.bumps,
    ...conversations.reads,
  ]);
  let at = 1;
  for (let i = 0; i < lookups.length; i++) {
    if ((first[at++] as AppendedRow[]).length > 0) {
      await db.executeQuery(CompiledQuery.raw('rollback'));
      return undefined;
    }
  }
  at += users.bumps.length;
  for (let i = 0; i < users.reads.length; i++) applyCounterRows(plan.users, first[at++] as CounterRow[]);
  at += conversations.bumps.length;
  for (let i = 0; i < conversations.reads.length; i++) {
    applyCounterRows(plan.conversations, first[at++] as CounterRow[]);
  }
  checkAllocated(users.sorted);
  checkAllocated(conversations.sorted);
  plan.takeSeqs();

  const second = await runTogether(db, [
    ...plan.messageStatements(kind),
    KEEP_FIRST_MESSAGE_ID,
    ...plan.entryStatements(kind, (i) => i * step, INBOX_AFTER_MESSAGES, DEDUPE_AFTER_MESSAGES),
    ...readStateStatements(kind, inputs, plan.conversationSeqs),
    COMMIT,
  ]);
  const firstId = Number((second[0] as { insertId?: number | string }).insertId);
  if (!(firstId > 0)) throw new Error('the messages INSERT reported no insert id');
  const messageIds = new Array<number>(inputs.length);
  for (let i = 0; i < inputs.length; i++) messageIds[i] = firstId + i * step;
  return plan.stored(messageIds);
}

/**
 * Sends `statements` as one request and resolves with each one's result: its rows, or the
 * driver's OK packet for a statement without rows.
 */
async function runTogether(db: Kysely<Database>, statements: readonly Statement[]): Promise<unknown[]> {
  let text = statements[0]!.text;
  const parameters: unknown[] = [];
  for (let s = 0; s < statements.length; s++) {
    const statement = statements[s]!;
    if (s > 0) text += `; ${statement.text}`;
    for (const value of statement.parameters) parameters.push(value);
  }
  const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
  return result.rows as unknown[];
}

/** `rows` with its `message_id` parameter taken as an offset from the messages INSERT's first id. */
function afterMessages(rows: RowsStatement): RowsStatement {
  const column = rows.columns.indexOf('message_id');
  return {
    ...rows,
    name: `${rows.name} after messages`,
    row: rows.row.map((value, c) => (c === column ? `${FIRST_MESSAGE_ID} + ?` : value)),
  };
}

const INBOX_AFTER_MESSAGES = afterMessages(INBOX_ROWS);
const DEDUPE_AFTER_MESSAGES = afterMessages(DEDUPE_ROWS);
