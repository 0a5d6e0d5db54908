import { CompiledQuery, type Kysely } from 'kysely';
import type { Stored } from './append-dedupe.js';
import { insertIdStep } from './append-message-ids.js';
import { readStateStatements } from './append-read-state.js';
import { runSql, type RowsStatement, type Statement } from './append-sql.js';
import { AppendPlan, DEDUPE_ROWS, INBOX_ROWS } from './append-writes.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';
import { PRE_ESCAPED, writeStatements } from './sql-text.js';
import { applyCounterRows, checkAllocated, counterStatements, type CounterRow } from './seq-allocation.js';
import type { AppendInput } from './types.js';

/*
 * The append transaction in two round trips, where the server takes several statements in one
 * request (MySQL/MariaDB with multipleStatements): the statement-per-round-trip path paid about
 * eleven (begin, dedupe lookup, two upserts and two reads of the counters, messages, inbox, dedupe,
 * read state, commit), and held the counter rows' locks through eight of them. The dedupe lookup
 * is left out (see {@link appendPipelined}); the other statements, their order (the lock order)
 * and their texts are the other path's.
 *  1. `start transaction`, the counters' upserts (answering the counters on MariaDB, else each
 *     followed by a locking read);
 *  2. the messages, the inbox entries and dedupe records (their message ids computed by the server
 *     from the messages INSERT's first id), the read state, `commit`.
 */

const BEGIN: Statement = { text: 'start transaction', parameters: [] };
const COMMIT: Statement = { text: 'commit', parameters: [] };
/** The messages INSERT's first id, for the rows that refer to its messages in the same request. */
const FIRST_MESSAGE_ID = '@sb_first_message_id';
const KEEP_FIRST_MESSAGE_ID: Statement = {
  text: `set ${FIRST_MESSAGE_ID} = last_insert_id()`,
  parameters: [],
};

/** What the pipelined path needs to know of the server, asked once per storage. */
export interface PipelineTraits {
  /** How far apart one INSERT's auto-increment ids are (`append-message-ids.ts`); 0: not consecutive. */
  step: number;
  /** Whether an upsert can answer its rows (`INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING`). */
  returning: boolean;
}

const traitsOf = new WeakMap<RepositoryContext, PipelineTraits>();

/**
 * How {@link appendPipelined} can store `inputs`, or undefined where it cannot: a dialect that takes
 * several statements per request, one messages INSERT (a batch within one chunk), and a server that
 * numbers that INSERT's rows consecutively.
 */
export async function pipelineTraits(
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
): Promise<PipelineTraits | undefined> {
  if (!ctx.dialect.multiStatements || inputs.length > ROWS_PER_STATEMENT) return undefined;
  let traits = traitsOf.get(ctx);
  if (!traits) {
    const step = await insertIdStep(ctx.db, ctx);
    const [row] = await runSql<{ version: string }>(ctx.db, 'select version() as version', []).catch(
      () => [],
    );
    traits = { step, returning: row !== undefined && returnsFromUpserts(row.version) };
    traitsOf.set(ctx, traits);
  }
  return traits.step > 0 ? traits : undefined;
}

/** MariaDB from 10.5 (`10.11.6-MariaDB-...`); MySQL has no RETURNING. */
export function returnsFromUpserts(version: string): boolean {
  const match = /^(\d+)\.(\d+)\..*mariadb/i.exec(version);
  if (!match) return false;
  const major = Number(match[1]);
  return major > 10 || (major === 10 && Number(match[2]) >= 5);
}

/**
 * Stores `inputs` (unique dedupe keys) in one transaction of two round trips and returns them in
 * input order. There is no lookup of the dedupe keys first: a key stored before fails the dedupe
 * INSERT as a duplicate, and then, the transaction rolled back whole (no seq taken), this resolves
 * undefined and the caller takes the statement-per-round-trip path, which looks the keys up and
 * answers those as duplicates. Other errors roll back and are rethrown for the retry.
 */
export function appendPipelined(
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
  traits: PipelineTraits,
  seqsTaken?: () => void,
): Promise<Stored[] | undefined> {
  return ctx.db.connection().execute(async (db) => {
    try {
      return await appendOn(db, ctx, inputs, traits, seqsTaken);
    } catch (error) {
      // A deadlock has rolled back already; any other failure leaves the transaction open.
      await db.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
      if (ctx.dialect.classifyError(error) === 'duplicate') return undefined;
      throw error;
    }
  });
}

async function appendOn(
  db: Kysely<Database>,
  ctx: RepositoryContext,
  inputs: readonly AppendInput[],
  { step, returning }: PipelineTraits,
  seqsTaken: (() => void) | undefined,
): Promise<Stored[]> {
  const kind = ctx.dialect.kind;
  const plan = new AppendPlan(inputs);
  // Users before conversations: the lock order of every transaction.
  const users = counterStatements(ctx, plan.users, returning);
  const conversations = counterStatements(ctx, plan.conversations, returning);
  const first = await runTogether(db, [
    BEGIN,
    ...users.bumps,
    ...users.reads,
    ...conversations.bumps,
    ...conversations.reads,
  ]);
  // The counters as updated: the upserts' own rows, or the reads after them.
  let at = 1;
  for (const [counters, set] of [
    [users, plan.users],
    [conversations, plan.conversations],
  ] as const) {
    if (!returning) at += counters.bumps.length;
    const answering = returning ? counters.bumps.length : counters.reads.length;
    for (let i = 0; i < answering; i++) applyCounterRows(set, first[at++] as CounterRow[]);
    checkAllocated(counters.sorted);
  }
  plan.takeSeqs();
  seqsTaken?.();

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
 * driver's OK packet for a statement without rows. The values are written into the text here
 * (`sql-text.ts`), not by mysql2.
 */
async function runTogether(db: Kysely<Database>, statements: readonly Statement[]): Promise<unknown[]> {
  const result = await db.executeQuery(
    CompiledQuery.raw(writeStatements(statements), PRE_ESCAPED as unknown[]),
  );
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
