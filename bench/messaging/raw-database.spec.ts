// The raw references must write the rows libs/storage writes for the same sends, or their rate is
// no bar: the same batch goes through both, each into a scratch database, and the tables compare.
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MYSQL_SERVER_URI, directConversationId, type AppendInput } from '@switchboard/storage';
import { openBenchDatabase, type BenchDatabase } from '../send/bench-database.js';
import { BENCH_APP_ID, Workload } from '../send/workload.js';
import { GroupWorkload, runRawReference, writeDirectBatch, writeGroupBatch } from './raw-database.js';

const live = new Set<BenchDatabase>();
afterAll(async () => {
  for (const db of live) await db.dispose();
});

const MEMBERS = 5;
const workload = new Workload(3 * MEMBERS, 'spec');
const groups = new GroupWorkload(2, MEMBERS, (i) => workload.userId(i), 'spec');
const memberIds = [groups.memberIds(0), groups.memberIds(1)];

/** The rows a send leaves, without the ids and times that differ between two runs. */
async function rows(db: BenchDatabase): Promise<Record<string, unknown[]>> {
  const conn = await createConnection(db.uri);
  try {
    const q = async (sql: string) => (await conn.query<RowDataPacket[]>(sql))[0].map((r) => ({ ...r }));
    return {
      users: await q('SELECT user_id, max_seq FROM user_seqs ORDER BY user_id'),
      conversations: await q(
        'SELECT conversation_type, conversation_id, max_seq FROM conversations ORDER BY conversation_type, conversation_id',
      ),
      messages: await q(
        'SELECT conversation_type, conversation_id, conversation_seq, sender_user_id, target_id, client_msg_id, ' +
          'content FROM messages ORDER BY conversation_type, conversation_id, conversation_seq',
      ),
      inbox: await q(
        'SELECT i.user_id, i.seq, m.client_msg_id FROM inbox i JOIN messages m USING (message_id) ' +
          'ORDER BY i.user_id, i.seq',
      ),
      dedupe: await q(
        'SELECT d.sender_user_id, d.client_msg_id, d.conversation_seq, m.client_msg_id AS stored ' +
          'FROM send_dedupe d JOIN messages m USING (message_id) ORDER BY d.sender_user_id, d.client_msg_id',
      ),
      members: await q(
        'SELECT user_id, conversation_type, conversation_id, role, join_seq, read_seq FROM conversation_members ' +
          'ORDER BY user_id, conversation_type, conversation_id',
      ),
    };
  } finally {
    await conn.end();
  }
}

const input = (
  over: Omit<AppendInput, 'appId' | 'senderDeviceId' | 'contentType' | 'content' | 'sentAt'>,
) => ({
  appId: BENCH_APP_ID,
  senderDeviceId: 'd1',
  contentType: 'text',
  content: workload.content,
  sentAt: 1,
  ...over,
});

describe('raw references', () => {
  it('write the rows storage writes for the same 1:1 batches', async () => {
    const sends = Array.from({ length: 12 }, (_, n) => workload.plan(n));
    const raw = await openBenchDatabase(DEFAULT_MYSQL_SERVER_URI, 1, workload, live);
    const stored = await openBenchDatabase(DEFAULT_MYSQL_SERVER_URI, 1, workload, live);
    const conn = await createConnection(raw.uri);
    await writeDirectBatch(conn, sends.slice(0, 6), workload.content);
    await writeDirectBatch(conn, sends.slice(6), workload.content);
    await conn.end();
    for (const part of [sends.slice(0, 6), sends.slice(6)]) {
      await stored.storage.messages.append(
        part.map((s) =>
          input({
            conversation: { type: 'user', key: directConversationId(s.senderUserId, s.recipientUserId) },
            senderUserId: s.senderUserId,
            targetId: s.recipientUserId,
            clientMsgId: s.clientMsgId,
            inboxUserIds: [s.senderUserId, s.recipientUserId],
          }),
        ),
      );
    }
    expect(await rows(raw)).toEqual(await rows(stored));
  });

  it('write the rows storage writes for the same small-group batches', async () => {
    const sends = Array.from({ length: 14 }, (_, n) => groups.plan(n, memberIds));
    const raw = await openBenchDatabase(DEFAULT_MYSQL_SERVER_URI, 1, workload, live);
    const stored = await openBenchDatabase(DEFAULT_MYSQL_SERVER_URI, 1, workload, live);
    await groups.create(raw.storage, 1);
    await groups.create(stored.storage, 1);
    const conn = await createConnection(raw.uri);
    await writeGroupBatch(conn, sends.slice(0, 9), workload.content);
    await writeGroupBatch(conn, sends.slice(9), workload.content);
    await conn.end();
    for (const part of [sends.slice(0, 9), sends.slice(9)]) {
      await stored.storage.messages.append(
        part.map((s) =>
          input({
            conversation: { type: 'group', key: s.groupId },
            senderUserId: s.senderUserId,
            targetId: s.groupId,
            clientMsgId: s.clientMsgId,
            inboxUserIds: s.memberUserIds,
          }),
        ),
      );
    }
    const got = await rows(raw);
    expect(got).toEqual(await rows(stored));
    // Every member of a group has an inbox entry per message to it; senders' cursors moved.
    expect(got['inbox']).toHaveLength(14 * MEMBERS);
    expect(got['members']!.filter((m) => Number((m as { read_seq: number }).read_seq) > 0)).not.toHaveLength(
      0,
    );
  });
});

describe('runRawReference', () => {
  it('watches its writes alone: started after the set-up, stopped after the last transaction', async () => {
    const db = await openBenchDatabase(DEFAULT_MYSQL_SERVER_URI, 1, workload, live);
    const events: string[] = [];
    const result = await runRawReference(
      db.uri,
      50,
      4,
      async (conn, first, count) => {
        events.push('write');
        await writeDirectBatch(
          conn,
          Array.from({ length: count }, (_, i) => workload.plan(first + i)),
          workload.content,
        );
      },
      () => undefined,
      { start: async () => void events.push('start'), stop: async () => void events.push('stop') },
    );
    expect(events[0]).toBe('start');
    expect(events.at(-1)).toBe('stop');
    expect(events.filter((e) => e === 'write')).toHaveLength(result.transactions);
    expect(result.messages).toBe(4 * result.transactions);
  });
});
