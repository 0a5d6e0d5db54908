import { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendPipelined,
  pipelineTraits,
  returnsFromUpserts,
  type PipelineTraits,
} from './append-pipelined.js';
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
