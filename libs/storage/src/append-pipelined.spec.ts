import { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendPipelined,
  pipelineTraits,
  returnsFromUpserts,
  type PipelineTraits,
} from './append-pipelined.js';
import { directConversationId } from './conversation-id.js';
import type { Database } from './db-schema.js';
import { migrateToLatest } from './migrate.js';
import { createMysqlDialect } from './mysql-dialect.js';
import { createScratchMysqlDatabase, type ScratchMysqlDatabase } from './mysql-scratch-database.js';
import type { RepositoryContext } from './repository-context.js';
import { groupAppend, MYSQL_SERVER_URI, uniqueId } from './storage-test-harness.js';

describe('the MySQL append in two round trips', () => {
  let scratch: ScratchMysqlDatabase;
  let ctx: RepositoryContext;
  let server: PipelineTraits;

  beforeAll(async () => {
    scratch = await createScratchMysqlDatabase(MYSQL_SERVER_URI);
    const dialect = createMysqlDialect({ uri: scratch.uri, poolSize: 2 });
    const db = new Kysely<Database>({ dialect: dialect.kysely });
    await migrateToLatest(db as Kysely<unknown>, 'mysql');
    ctx = { db, dialect, now: () => 1_700_000_000_000 };
    server = (await pipelineTraits(ctx, [groupAppend({ appId: 'probe' })]))!;
  });
  afterAll(async () => {
    await ctx.db.destroy();
    await scratch.drop();
  });

  it("tells from the server's version whether an upsert can answer its rows", () => {
    expect(returnsFromUpserts('10.11.19-MariaDB-0+deb12u1')).toBe(true);
    expect(returnsFromUpserts('10.5.0-MariaDB')).toBe(true);
    expect(returnsFromUpserts('11.4.2-MariaDB-log')).toBe(true);
    expect(returnsFromUpserts('10.4.34-MariaDB')).toBe(false);
    expect(returnsFromUpserts('8.0.36')).toBe(false);
  });

  it.each([true, false])(
    'takes the same seqs whether the upserts answer the counters or a locking read follows (returning: %s)',
    async (returning) => {
      // The server must support what the case uses; MySQL takes the reads only.
      if (returning && !server.returning) return;
      const traits = { ...server, returning };
      const appId = uniqueId('app');
      const first = await appendPipelined(ctx, [groupAppend({ appId }), groupAppend({ appId })], traits);
      const second = await appendPipelined(
        ctx,
        [
          groupAppend({ appId, inboxUserIds: ['bob', 'dave'] }),
          groupAppend({ appId, conversation: { type: 'group', key: 'g2' }, inboxUserIds: ['alice'] }),
        ],
        traits,
      );
      expect(first!.map((s) => [s.conversationSeq, s.inboxSeqs])).toEqual([
        [1, [1, 1, 1]],
        [2, [2, 2, 2]],
      ]);
      expect(second!.map((s) => [s.conversationSeq, s.inboxUserIds, s.inboxSeqs])).toEqual([
        [3, ['bob', 'dave'], [3, 1]],
        [1, ['alice'], [3]],
      ]);
      // Ids one after the other, as the inbox and dedupe rows were given them.
      expect(first![1]!.messageId - first![0]!.messageId).toBe(server.step);
    },
  );

  it.each([true, false])(
    'writes in every row the seqs it answers, counters used more than once in the batch (returning: %s)',
    async (returning) => {
      if (returning && !server.returning) return;
      const traits = { ...server, returning };
      const appId = uniqueId('app');
      await ctx.db
        .insertInto('conversation_members')
        .values({
          app_id: appId,
          user_id: 'alice',
          conversation_type: 'group',
          conversation_id: 'g1',
          role: 'member',
          joined_at: 0,
          join_seq: 0,
          read_seq: 0,
        })
        .execute();
      const direct = (senderUserId: string, targetId: string) =>
        groupAppend({
          appId,
          senderUserId,
          targetId,
          conversation: { type: 'user', key: directConversationId(senderUserId, targetId) },
          inboxUserIds: [senderUserId, targetId],
        });
      // Counters that exist already, then a batch using several of them more than once.
      await appendPipelined(ctx, [direct('alice', 'bob'), groupAppend({ appId })], traits);
      const batch = [
        direct('alice', 'bob'),
        groupAppend({ appId }),
        direct('bob', 'alice'),
        direct('alice', 'bob'),
        groupAppend({ appId, inboxUserIds: ['alice', 'bob'] }),
        direct('carol', 'dave'),
      ];
      const stored = (await appendPipelined(ctx, batch, traits))!;
      expect(stored.map((s) => [s.conversationSeq, s.inboxSeqs])).toEqual([
        [2, [3, 3]],
        [2, [4, 4, 2]],
        [3, [5, 5]],
        [4, [6, 6]],
        [3, [7, 7]],
        [1, [3, 1]],
      ]);
      const ids = stored.map((s) => s.messageId);
      const messages = await ctx.db
        .selectFrom('messages')
        .select(['message_id', 'client_msg_id', 'conversation_seq'])
        .where('message_id', 'in', ids)
        .execute();
      const dedupe = await ctx.db
        .selectFrom('send_dedupe')
        .select(['message_id', 'client_msg_id', 'conversation_seq'])
        .where('app_id', '=', appId)
        .where('message_id', 'in', ids)
        .execute();
      const inbox = await ctx.db
        .selectFrom('inbox')
        .select(['message_id', 'user_id', 'seq'])
        .where('app_id', '=', appId)
        .where('message_id', 'in', ids)
        .execute();
      stored.forEach((s, i) => {
        const seq = Number(s.conversationSeq);
        const pick = (rows: { message_id: unknown; conversation_seq: unknown }[]) =>
          rows.filter((r) => Number(r.message_id) === s.messageId).map((r) => Number(r.conversation_seq));
        expect(messages.find((m) => Number(m.message_id) === s.messageId)).toMatchObject({
          client_msg_id: batch[i]!.clientMsgId,
        });
        expect(pick(messages)).toEqual([seq]);
        expect(pick(dedupe)).toEqual([seq]);
        const entries = inbox
          .filter((r) => Number(r.message_id) === s.messageId)
          .map((r) => [r.user_id, Number(r.seq)])
          .sort();
        expect(entries).toEqual(s.inboxUserIds.map((u, k) => [u, s.inboxSeqs[k]]).sort());
      });
      // Read cursors: each sender's at their last message in the batch, a recipient's left at 0.
      const cursors = await ctx.db
        .selectFrom('conversation_members')
        .select(['user_id', 'conversation_id', 'read_seq'])
        .where('app_id', '=', appId)
        .execute();
      const cursor = (userId: string, conversationId: string) =>
        Number(cursors.find((c) => c.user_id === userId && c.conversation_id === conversationId)?.read_seq);
      expect(cursor('alice', directConversationId('alice', 'bob'))).toBe(4);
      expect(cursor('bob', directConversationId('alice', 'bob'))).toBe(3);
      expect(cursor('carol', directConversationId('carol', 'dave'))).toBe(1);
      expect(cursor('dave', directConversationId('carol', 'dave'))).toBe(0);
      expect(cursor('alice', 'g1')).toBe(3);
    },
  );

  it('rolls back whole and answers undefined when a message was stored before, taking no seq', async () => {
    const appId = uniqueId('app');
    const stored = groupAppend({ appId });
    await appendPipelined(ctx, [stored], server);
    expect(await appendPipelined(ctx, [groupAppend({ appId }), stored], server)).toBeUndefined();
    const [next] = (await appendPipelined(ctx, [groupAppend({ appId })], server))!;
    expect(next).toMatchObject({ conversationSeq: 2, inboxSeqs: [2, 2, 2] });
  });

  it('stores ids and content holding quotes, backslashes, NUL and \\x1a as given', async () => {
    const appId = `${uniqueId('app')}'\\`;
    const awkward = ["a'); drop table inbox; -- ", "b\\'", 'c\0\x1a"`?', 'd\uD800\u00e9\u{1F600}'];
    const [sender, recipient, group, clientMsgId] = awkward as [string, string, string, string];
    const content = Uint8Array.from([0, 39, 92, 26, 255, 34]);
    const [stored] = (await appendPipelined(
      ctx,
      [
        groupAppend({
          appId,
          senderUserId: sender,
          conversation: { type: 'group', key: group },
          clientMsgId,
          content,
          inboxUserIds: [sender, recipient],
        }),
      ],
      server,
    ))!;
    const message = await ctx.db
      .selectFrom('messages')
      .select(['app_id', 'sender_user_id', 'conversation_id', 'client_msg_id', 'content'])
      .where('message_id', '=', stored!.messageId)
      .executeTakeFirstOrThrow();
    expect({ ...message, content: Buffer.from(message.content) }).toEqual({
      app_id: appId,
      sender_user_id: sender,
      conversation_id: group,
      // A lone surrogate is stored as U+FFFD, as mysql2 sends it.
      client_msg_id: clientMsgId.replace('\uD800', '\uFFFD'),
      content: Buffer.from(content),
    });
    const inbox = await ctx.db
      .selectFrom('inbox')
      .select('user_id')
      .where('app_id', '=', appId)
      .where('message_id', '=', stored!.messageId)
      .orderBy('user_id')
      .execute();
    expect(inbox.map((row) => row.user_id)).toEqual([sender, recipient].sort());
  });
});
