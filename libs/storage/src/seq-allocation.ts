import { sql, type Transaction } from 'kysely';
import { chunks } from './chunks.js';
import { keyIn } from './key-lookup.js';
import { directConversationId } from './conversation-id.js';
import type { Database } from './db-schema.js';
import type { RepositoryContext } from './repository-context.js';
import type { DirectSendInput } from './types.js';

/*
 * Seq counters live in rows (users.max_seq, conversations.max_seq). One upsert per table adds
 * what the batch needs to every counter it touches, creating missing rows, and so locks them
 * until commit; reading the counters back tells which seqs are this transaction's. Rows are
 * written in sorted key order, users before conversations, the same order in every transaction.
 */

/** The seqs [low, high] of one counter that a transaction took. */
export interface SeqRange {
  appId: string;
  id: string;
  low: number;
  high: number;
}

/** Seqs handed out by one counter table: the next free one per key, taken in input order. */
export class SeqAllocation {
  private readonly next = new Map<string, number>();
  private readonly allocated: SeqRange[] = [];

  set(appId: string, id: string, low: number, high: number): void {
    this.next.set(counterKey(appId, id), low);
    this.allocated.push({ appId, id, low, high });
  }

  take(appId: string, id: string): number {
    const key = counterKey(appId, id);
    const seq = this.next.get(key)!;
    this.next.set(key, seq + 1);
    return seq;
  }

  /** Every range handed out, one per counter. */
  ranges(): readonly SeqRange[] {
    return this.allocated;
  }
}

interface CounterNeed {
  appId: string;
  id: string;
  count: number;
}

/** How many seqs each (app, id) needs, in the global lock order (sorted by key). */
function countNeeds(pairs: readonly (readonly [appId: string, id: string])[]): CounterNeed[] {
  const needs = new Map<string, CounterNeed>();
  for (const [appId, id] of pairs) {
    const key = counterKey(appId, id);
    const need = needs.get(key) ?? { appId, id, count: 0 };
    need.count++;
    needs.set(key, need);
  }
  return [...needs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, need]) => need);
}

export async function allocateUserSeqs(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  inputs: readonly DirectSendInput[],
): Promise<SeqAllocation> {
  const needs = countNeeds(
    inputs.flatMap((input) =>
      input.recipientUserId === input.senderUserId
        ? [[input.appId, input.senderUserId] as const]
        : input.senderUserId === ''
          ? // From the system: only the recipient has an inbox entry.
            [[input.appId, input.recipientUserId] as const]
          : [[input.appId, input.senderUserId] as const, [input.appId, input.recipientUserId] as const],
    ),
  );
  const now = ctx.now();
  // A recipient who never signed in has no row yet: it is created here with its first seqs.
  for (const part of chunks(needs)) {
    await ctx.dialect
      .upsert(
        trx.insertInto('users').values(
          part.map((need) => ({
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
        (inserted) => ({ max_seq: sql`${sql.ref('max_seq')} + ${inserted('max_seq')}` }),
      )
      .execute();
  }
  const allocation = new SeqAllocation();
  for (const part of chunks(needs)) {
    const rows = await trx
      .selectFrom('users')
      .select(['app_id', 'user_id', 'max_seq'])
      .where((eb) =>
        keyIn(
          eb,
          ['app_id'],
          'user_id',
          part.map((need) => [need.appId, need.id]),
        ),
      )
      .$if(ctx.dialect.lockingReads, (qb) => qb.forUpdate())
      .execute();
    setRanges(
      allocation,
      part,
      rows.map((row) => [row.app_id, row.user_id, Number(row.max_seq)] as const),
    );
  }
  return allocation;
}

export async function allocateConversationSeqs(
  trx: Transaction<Database>,
  ctx: RepositoryContext,
  inputs: readonly DirectSendInput[],
): Promise<SeqAllocation> {
  const needs = countNeeds(
    inputs.map(
      (input) => [input.appId, directConversationId(input.senderUserId, input.recipientUserId)] as const,
    ),
  );
  const now = ctx.now();
  for (const part of chunks(needs)) {
    await ctx.dialect
      .upsert(
        trx.insertInto('conversations').values(
          part.map((need) => ({
            app_id: need.appId,
            conversation_type: 'user',
            conversation_id: need.id,
            max_seq: need.count,
            created_at: now,
          })),
        ),
        ['app_id', 'conversation_type', 'conversation_id'],
        (inserted) => ({ max_seq: sql`${sql.ref('max_seq')} + ${inserted('max_seq')}` }),
      )
      .execute();
  }
  const allocation = new SeqAllocation();
  for (const part of chunks(needs)) {
    const rows = await trx
      .selectFrom('conversations')
      .select(['app_id', 'conversation_id', 'max_seq'])
      .where('conversation_type', '=', 'user')
      .where((eb) =>
        keyIn(
          eb,
          ['app_id'],
          'conversation_id',
          part.map((need) => [need.appId, need.id]),
        ),
      )
      .$if(ctx.dialect.lockingReads, (qb) => qb.forUpdate())
      .execute();
    setRanges(
      allocation,
      part,
      rows.map((row) => [row.app_id, row.conversation_id, Number(row.max_seq)] as const),
    );
  }
  return allocation;
}

/** The counter now stands at `max`; this transaction added `count`, so its seqs are the last `count` up to `max`. */
function setRanges(
  allocation: SeqAllocation,
  needs: readonly CounterNeed[],
  counters: readonly (readonly [appId: string, id: string, max: number])[],
): void {
  const maxByKey = new Map(counters.map(([appId, id, max]) => [counterKey(appId, id), max]));
  for (const need of needs) {
    const max = maxByKey.get(counterKey(need.appId, need.id));
    if (max === undefined)
      throw new Error(`seq counter ${need.appId}/${need.id} missing right after its upsert`);
    allocation.set(need.appId, need.id, max - need.count + 1, max);
  }
}

function counterKey(appId: string, id: string): string {
  return JSON.stringify([appId, id]);
}
