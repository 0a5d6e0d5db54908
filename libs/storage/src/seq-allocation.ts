import { sql, type Kysely, type Transaction } from 'kysely';
import { chunks } from './chunks.js';
import { keyIn } from './key-lookup.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';
import type { UpsertSet } from './storage-dialect.js';

/*
 * Seq counters live in rows (users.max_seq, conversations.max_seq). One upsert per table adds
 * what the batch needs to every counter it touches, creating missing rows, and so locks them
 * until commit; reading the counters back tells which seqs are this transaction's. Rows are
 * written in sorted key order, and callers allocate users before conversations, the same order
 * in every transaction.
 */

/** The tables that hold seq counters: a user's inbox seq, a conversation's seq. */
export type CounterTable = 'users' | 'conversations';

/**
 * One counter row. `scope` is the conversation type for `conversations` and empty for `users`
 * (a user's counter is keyed by app and user id alone).
 */
export interface CounterRef {
  appId: string;
  scope: string;
  id: string;
}

/** The seqs [low, high] of one counter that a transaction took. */
export interface SeqRange extends CounterRef {
  low: number;
  high: number;
}

/** Seqs handed out by one counter table: the next free one per counter, taken in input order. */
export class SeqAllocation {
  private readonly next = new Map<string, number>();
  private readonly allocated: SeqRange[] = [];

  set(range: SeqRange): void {
    this.next.set(counterKey(range), range.low);
    this.allocated.push(range);
  }

  take(counter: CounterRef): number {
    const key = counterKey(counter);
    const seq = this.next.get(key);
    if (seq === undefined) throw new Error(`no seq allocated for ${key}`);
    this.next.set(key, seq + 1);
    return seq;
  }

  /** Every range handed out, one per counter. */
  ranges(): readonly SeqRange[] {
    return this.allocated;
  }
}

interface CounterNeed extends CounterRef {
  count: number;
}

/**
 * Takes one seq per element of `uses` (a counter named n times gets n consecutive seqs) from the
 * counters of `table`, locking their rows until commit, and resolves with what it took; callers
 * `take` them in the order they listed them. A user who never signed in has no row yet: it is
 * created here with its first seqs, as is a conversation's.
 */
export async function allocateSeqs(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  table: CounterTable,
  uses: readonly CounterRef[],
): Promise<SeqAllocation> {
  const needs = countNeeds(uses);
  const allocation = new SeqAllocation();
  for (const part of chunks(needs)) await bumpCounters(trx, ctx, table, part);
  for (const part of chunks(needs)) {
    const counters = await readCounters(trx, ctx, table, part);
    const maxByKey = new Map(counters.map((counter) => [counterKey(counter), counter.max]));
    for (const need of part) {
      const max = maxByKey.get(counterKey(need));
      if (max === undefined)
        throw new Error(`seq counter ${counterKey(need)} missing right after its upsert`);
      // The counter now stands at `max`; this transaction added `count`, so its seqs are the last
      // `count` up to `max`.
      allocation.set({
        appId: need.appId,
        scope: need.scope,
        id: need.id,
        low: max - need.count + 1,
        high: max,
      });
    }
  }
  return allocation;
}

/** How many seqs each counter needs, in the global lock order (sorted by key). */
function countNeeds(uses: readonly CounterRef[]): CounterNeed[] {
  const needs = new Map<string, CounterNeed>();
  for (const use of uses) {
    const key = counterKey(use);
    const need = needs.get(key) ?? { appId: use.appId, scope: use.scope, id: use.id, count: 0 };
    need.count++;
    needs.set(key, need);
  }
  return [...needs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, need]) => need);
}

async function bumpCounters(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  table: CounterTable,
  needs: readonly CounterNeed[],
): Promise<void> {
  const now = ctx.now();
  const add: UpsertSet = (inserted) => ({ max_seq: sql`${sql.ref('max_seq')} + ${inserted('max_seq')}` });
  if (table === 'users') {
    await ctx.dialect
      .upsert(
        trx.insertInto('users').values(
          needs.map((need) => ({
            app_id: need.appId,
            user_id: need.id,
            nickname: '',
            avatar: '',
            extra: '',
            max_seq: need.count,
            created_at: now,
            updated_at: now,
          })),
        ),
        ['app_id', 'user_id'],
        add,
      )
      .execute();
  } else {
    await ctx.dialect
      .upsert(
        trx.insertInto('conversations').values(
          needs.map((need) => ({
            app_id: need.appId,
            conversation_type: need.scope,
            conversation_id: need.id,
            max_seq: need.count,
            created_at: now,
          })),
        ),
        ['app_id', 'conversation_type', 'conversation_id'],
        add,
      )
      .execute();
  }
}

async function readCounters(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  table: CounterTable,
  needs: readonly CounterNeed[],
): Promise<(CounterRef & { max: number })[]> {
  if (table === 'users') {
    const rows = await trx
      .selectFrom('users')
      .select(['app_id', 'user_id', 'max_seq'])
      .where((eb) =>
        keyIn(
          eb,
          ['app_id'],
          'user_id',
          needs.map((need) => [need.appId, need.id]),
        ),
      )
      .$if(ctx.dialect.lockingReads, (qb) => qb.forUpdate())
      .execute();
    return rows.map((row) => ({ appId: row.app_id, scope: '', id: row.user_id, max: Number(row.max_seq) }));
  }
  const rows = await trx
    .selectFrom('conversations')
    .select(['app_id', 'conversation_type', 'conversation_id', 'max_seq'])
    .where((eb) =>
      keyIn(
        eb,
        ['app_id', 'conversation_type'],
        'conversation_id',
        needs.map((need) => [need.appId, need.scope, need.id]),
      ),
    )
    .$if(ctx.dialect.lockingReads, (qb) => qb.forUpdate())
    .execute();
  return rows.map((row) => ({
    appId: row.app_id,
    scope: row.conversation_type,
    id: row.conversation_id,
    max: Number(row.max_seq),
  }));
}

function counterKey(counter: CounterRef): string {
  return JSON.stringify([counter.appId, counter.scope, counter.id]);
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
