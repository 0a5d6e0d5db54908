import type { Kysely } from 'kysely';
import {
  cachedSql,
  insertStatements,
  KeyGroups,
  runEach,
  type RowsStatement,
  type Statement,
} from './append-sql.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';

/*
 * Seq counters live in rows (user_seqs.max_seq, conversations.max_seq). One upsert per table adds
 * what the batch needs to every counter it touches, creating missing rows, and so locks them
 * until commit; reading the counters back tells which seqs are this transaction's. Rows are
 * written in sorted key order, and callers allocate users before conversations, the same order
 * in every transaction.
 */

/** The tables that hold seq counters: a user's inbox seq, a conversation's seq. */
export type CounterTable = 'user_seqs' | 'conversations';

/**
 * One counter row and the seqs a transaction takes from it. `scope` is the conversation type for
 * `conversations` and empty for `user_seqs` (a user's counter is keyed by app and user id alone).
 * After {@link allocateSeqs} the transaction owns [low, high]; callers take them in the order they
 * listed their uses with `next++`.
 */
export class Counter {
  count = 0;
  low = 0;
  high = 0;
  next = 0;

  constructor(
    readonly appId: string,
    readonly scope: string,
    readonly id: string,
  ) {}
}

/** The counters of one table that a transaction uses, each listed once however often it is used. */
export class CounterSet {
  /** app → scope → id: lookups without building a key string per use (once per send and per row). */
  private readonly byApp = new Map<string, Map<string, Map<string, Counter>>>();
  private readonly all: Counter[] = [];

  constructor(readonly table: CounterTable) {}

  /** Notes one more seq wanted from the counter and returns it (to take the seq from once allocated). */
  use(appId: string, scope: string, id: string): Counter {
    let byScope = this.byApp.get(appId);
    if (byScope === undefined) {
      byScope = new Map();
      this.byApp.set(appId, byScope);
    }
    let byId = byScope.get(scope);
    if (byId === undefined) {
      byId = new Map();
      byScope.set(scope, byId);
    }
    let counter = byId.get(id);
    if (counter === undefined) {
      counter = new Counter(appId, scope, id);
      byId.set(id, counter);
      this.all.push(counter);
    }
    counter.count++;
    return counter;
  }

  get(appId: string, scope: string, id: string): Counter | undefined {
    return this.byApp.get(appId)?.get(scope)?.get(id);
  }

  /** Every counter, in the global lock order (app, scope, id). */
  sorted(): Counter[] {
    return this.all.slice().sort(compareCounters);
  }
}

function compareCounters(a: Counter, b: Counter): number {
  if (a.appId !== b.appId) return a.appId < b.appId ? -1 : 1;
  if (a.scope !== b.scope) return a.scope < b.scope ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Takes `count` seqs from every counter of `counters` (a counter used n times gets n consecutive
 * seqs), locking their rows until commit, and sets each counter's [low, high] and `next`. A user
 * with no message in its inbox yet has no counter row: it is created here with its first seqs, as
 * is a conversation's. Resolves with the counters in lock order.
 */
export async function allocateSeqs(
  trx: Kysely<Database>,
  ctx: RepositoryContext,
  counters: CounterSet,
): Promise<Counter[]> {
  const { sorted, bumps, reads } = counterStatements(ctx, counters);
  await runEach(trx, bumps);
  for (const rows of await runEach<CounterRow>(trx, reads)) applyCounterRows(counters, rows);
  checkAllocated(sorted);
  return sorted;
}

/**
 * The statements of {@link allocateSeqs}: the upserts (`bumps`), then the locking reads back. With
 * `returning` (MariaDB 10.5+, whose `INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING` answers the
 * rows as updated) the upserts answer the counters themselves and there are no reads.
 */
export function counterStatements(
  ctx: RepositoryContext,
  counters: CounterSet,
  returning = false,
): { sorted: Counter[]; bumps: Statement[]; reads: Statement[] } {
  const sorted = counters.sorted();
  const rows = (returning ? RETURNING_COUNTER_ROWS : COUNTER_ROWS)[counters.table];
  const bumps = bumpStatements(ctx, rows, counters.table, sorted);
  const reads: Statement[] = [];
  if (returning) return { sorted, bumps, reads };
  for (let at = 0; at < sorted.length; at += ROWS_PER_STATEMENT) {
    reads.push(readStatement(ctx, counters.table, sorted.slice(at, at + ROWS_PER_STATEMENT)));
  }
  return { sorted, bumps, reads };
}

/** Sets [low, high] and `next` of the counters that the rows read back after their upsert. */
export function applyCounterRows(counters: CounterSet, rows: readonly CounterRow[]): void {
  for (const row of rows) {
    const counter = counters.get(
      row.app_id,
      row.conversation_type ?? '',
      row.user_id ?? row.conversation_id!,
    );
    if (!counter) continue;
    // The counter now stands at `max`; this transaction added `count`, so its seqs are the last
    // `count` up to `max`.
    counter.high = Number(row.max_seq);
    counter.low = counter.high - counter.count + 1;
    counter.next = counter.low;
  }
}

/** Throws when a counter was not read back (its row vanished: never expected). */
export function checkAllocated(sorted: readonly Counter[]): void {
  for (const counter of sorted) {
    if (counter.high === 0) {
      throw new Error(
        `seq counter ${JSON.stringify([counter.appId, counter.scope, counter.id])} missing right after its upsert`,
      );
    }
  }
}

const COUNTER_ROWS: Record<CounterTable, RowsStatement> = {
  user_seqs: {
    name: 'bump user_seqs',
    table: 'user_seqs',
    columns: ['app_id', 'user_id', 'max_seq', 'created_at'],
    row: ['?', '?', '?', '?'],
    suffix: {
      mysql: 'on duplicate key update max_seq = max_seq + values(max_seq)',
      sqlite: 'on conflict (app_id, user_id) do update set max_seq = max_seq + excluded.max_seq',
    },
  },
  conversations: {
    name: 'bump conversations',
    table: 'conversations',
    columns: ['app_id', 'conversation_type', 'conversation_id', 'max_seq', 'created_at'],
    row: ['?', '?', '?', '?', '?'],
    suffix: {
      mysql: 'on duplicate key update max_seq = max_seq + values(max_seq)',
      sqlite:
        'on conflict (app_id, conversation_type, conversation_id) do update set max_seq = max_seq + excluded.max_seq',
    },
  },
};

/** The upserts of {@link COUNTER_ROWS} answering the counters as updated (MariaDB 10.5+, SQLite). */
const RETURNING_COUNTER_ROWS: Record<CounterTable, RowsStatement> = {
  user_seqs: returningRows(COUNTER_ROWS.user_seqs, 'app_id, user_id, max_seq'),
  conversations: returningRows(
    COUNTER_ROWS.conversations,
    'app_id, conversation_type, conversation_id, max_seq',
  ),
};

function returningRows(rows: RowsStatement, columns: string): RowsStatement {
  const { mysql, sqlite } = rows.suffix!;
  return {
    ...rows,
    name: `${rows.name} returning`,
    suffix: { mysql: `${mysql} returning ${columns}`, sqlite: `${sqlite} returning ${columns}` },
  };
}

/** Adds each counter's `count` to its row, creating missing rows: locks them until commit. */
function bumpStatements(
  ctx: RepositoryContext,
  rows: RowsStatement,
  table: CounterTable,
  sorted: readonly Counter[],
): Statement[] {
  const now = ctx.now();
  return insertStatements(ctx.dialect.kind, rows, sorted.length, (i, out) => {
    const c = sorted[i]!;
    if (table === 'user_seqs') out.push(c.appId, c.id, c.count, now);
    else out.push(c.appId, c.scope, c.id, c.count, now);
  });
}

/** A counter row as read back after its upsert. */
export interface CounterRow {
  app_id: string;
  user_id?: string;
  conversation_type?: string;
  conversation_id?: string;
  max_seq: number | string;
}

function readStatement(ctx: RepositoryContext, table: CounterTable, part: readonly Counter[]): Statement {
  const kind = ctx.dialect.kind;
  const keys = new KeyGroups(table === 'user_seqs' ? 1 : 2);
  if (table === 'user_seqs') for (const c of part) keys.add(c.id, c.appId);
  else for (const c of part) keys.add(c.id, c.appId, c.scope);
  const lock = ctx.dialect.lockingReads ? ' for update' : '';
  const text = cachedSql(kind, `read ${table} ${keys.shape}`, () =>
    table === 'user_seqs'
      ? `select app_id, user_id, max_seq from user_seqs where ${keys.sql(['app_id'], 'user_id')}${lock}`
      : `select app_id, conversation_type, conversation_id, max_seq from conversations where ${keys.sql(
          ['app_id', 'conversation_type'],
          'conversation_id',
        )}${lock}`,
  );
  return { text, parameters: keys.parametersInto([]) };
}

/** A conversation's counter (its latest seq); 0 for a conversation without a message. */
export async function readConversationMaxSeq(
  db: Kysely<Database>,
  appId: string,
  type: string,
  key: string,
): Promise<number> {
  const row = await db
    .selectFrom('conversations')
    .select('max_seq')
    .where('app_id', '=', appId)
    .where('conversation_type', '=', type)
    .where('conversation_id', '=', key)
    .executeTakeFirst();
  return Number(row?.max_seq ?? 0);
}
