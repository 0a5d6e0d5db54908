import type { Kysely } from 'kysely';
import { cachedSql, KeyGroups, runEach, tupleKey, type Statement } from './append-sql.js';
import { ROWS_PER_STATEMENT } from './chunks.js';
import type { Database } from './db-schema.js';
import type { DialectKind } from './storage-dialect.js';
import type { StoredConversation } from './types.js';

/** What a stored message answers, whichever inboxes a later duplicate names. */
export interface Stored {
  messageId: number;
  conversation: StoredConversation;
  conversationSeq: number;
  /** The users the message has an inbox entry for, and their seqs (aligned). */
  inboxUserIds: readonly string[];
  inboxSeqs: number[];
  sentAt: number;
  /** Stored by an earlier batch. */
  duplicate: boolean;
}

/** The key of a send in `send_dedupe`, as one string. */
export function dedupeKey(input: { appId: string; senderUserId: string; clientMsgId: string }): string {
  return tupleKey(input.appId, input.senderUserId, input.clientMsgId);
}

/** Messages stored before, keyed by {@link dedupeKey}, marked as duplicates. */
export async function findAppended(
  trx: Kysely<Database>,
  kind: DialectKind,
  inputs: readonly DedupeKeyed[],
): Promise<Map<string, Stored>> {
  const found = new Map<string, Stored>();
  for (const rows of await runEach<AppendedRow>(trx, appendedStatements(kind, inputs))) {
    collectAppended(found, rows);
  }
  return found;
}

type DedupeKeyed = { appId: string; senderUserId: string; clientMsgId: string };

/**
 * The lookups of {@link findAppended}: one statement per chunk, joining each dedupe record to its
 * message and to every inbox entry of it.
 */
export function appendedStatements(kind: DialectKind, inputs: readonly DedupeKeyed[]): Statement[] {
  const statements: Statement[] = [];
  for (let at = 0; at < inputs.length; at += ROWS_PER_STATEMENT) {
    const keys = new KeyGroups(2);
    const end = Math.min(inputs.length, at + ROWS_PER_STATEMENT);
    for (let i = at; i < end; i++) {
      const input = inputs[i]!;
      keys.add(input.clientMsgId, input.appId, input.senderUserId);
    }
    const text = cachedSql(
      kind,
      `find appended ${keys.shape}`,
      () =>
        'select d.app_id, d.sender_user_id, d.client_msg_id, d.message_id, d.conversation_seq, d.sent_at,' +
        ' m.conversation_type, m.conversation_id, i.user_id, i.seq' +
        ' from send_dedupe as d inner join messages as m on m.message_id = d.message_id' +
        ' left join inbox as i on i.message_id = d.message_id and i.app_id = d.app_id' +
        ` where ${keys.sql(['d.app_id', 'd.sender_user_id'], 'd.client_msg_id')}`,
    );
    statements.push({ text, parameters: keys.parametersInto([]) });
  }
  return statements;
}

/** Adds the rows of one {@link appendedStatements} lookup to `found`. */
export function collectAppended(found: Map<string, Stored>, rows: readonly AppendedRow[]): void {
  for (const row of rows) {
    const key = tupleKey(row.app_id, row.sender_user_id, row.client_msg_id);
    let stored = found.get(key);
    if (!stored) {
      stored = {
        messageId: Number(row.message_id),
        conversation: {
          type: row.conversation_type as StoredConversation['type'],
          key: row.conversation_id,
        },
        conversationSeq: Number(row.conversation_seq),
        inboxUserIds: [],
        inboxSeqs: [],
        sentAt: Number(row.sent_at),
        duplicate: true,
      };
      found.set(key, stored);
    }
    if (row.user_id !== null && row.seq !== null) {
      (stored.inboxUserIds as string[]).push(row.user_id);
      stored.inboxSeqs.push(Number(row.seq));
    }
  }
}

export interface AppendedRow {
  app_id: string;
  sender_user_id: string;
  client_msg_id: string;
  message_id: number | string;
  conversation_seq: number | string;
  sent_at: number | string;
  conversation_type: string;
  conversation_id: string;
  user_id: string | null;
  seq: number | string | null;
}
