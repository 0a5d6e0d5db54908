import { afterEach, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { openMigrator, scratchStorageOptions } from './migration-test-harness.js';
import { DIALECTS, directSend } from './storage-test-harness.js';

/*
 * 0006 moves the users' seq counters from users.max_seq to user_seqs: the counters carry on where
 * they stood, a user the previous release knew only from messages received is still found, and
 * taking 0006 down puts every counter back into users, new users' included.
 */
for (const dialect of DIALECTS) {
  describe(`migration 0006 on ${dialect}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('carries the counters over, keeps counter-only users found, and puts them back going down', async () => {
      const options = await scratchStorageOptions(dialect, cleanups);
      const before = openMigrator(options);
      expect((await before.migrator.migrateTo('0005_group_member_index')).error).toBeUndefined();
      // alice has a profile and 3 messages; bob only received 5 (the row his counter created);
      // carol has a profile and none.
      const user = (userId: string, nickname: string, maxSeq: number, createdAt: number) => ({
        app_id: 'app',
        user_id: userId,
        nickname,
        avatar: '',
        extra: '',
        max_seq: maxSeq,
        created_at: createdAt,
        updated_at: createdAt,
      });
      await before.db
        .insertInto('users')
        .values([
          user('alice', 'Alice', 3, 1_000),
          user('bob', '', 5, 2_000),
          user('carol', 'Carol', 0, 3_000),
        ])
        .execute();
      await before.close();

      const storage = await createStorage({ ...options, now: () => 9_000 });
      expect(await storage.migrate()).toEqual(['0006_user_seqs']);
      expect(await storage.users.maxSeq('app', 'alice')).toBe(3);
      expect(await storage.users.maxSeq('app', 'bob')).toBe(5);
      expect(await storage.users.maxSeq('app', 'carol')).toBe(0);
      expect(await storage.users.get('app', 'bob')).toMatchObject({ maxSeq: 5, createdAt: 2_000 });
      expect(await storage.users.get('app', 'carol')).toMatchObject({ nickname: 'Carol', maxSeq: 0 });

      // The next seqs follow on; dave, new, gets a counter and no users row.
      const [sent] = await storage.messages.sendDirect([
        directSend({ appId: 'app', senderUserId: 'alice', recipientUserId: 'bob' }),
      ]);
      expect(sent).toMatchObject({ senderSeq: 4, recipientSeq: 6 });
      await storage.messages.sendDirect([
        directSend({ appId: 'app', senderUserId: 'carol', recipientUserId: 'dave' }),
      ]);
      expect(await storage.users.get('app', 'dave')).toMatchObject({
        nickname: '',
        maxSeq: 1,
        createdAt: 9_000,
      });
      await storage.close();

      const after = openMigrator(options);
      cleanups.push(() => after.close());
      expect((await after.migrator.migrateTo('0005_group_member_index')).error).toBeUndefined();
      const rows = await after.db
        .selectFrom('users')
        .select(['user_id', 'nickname', 'max_seq'])
        .orderBy('user_id')
        .execute();
      expect(rows.map((r) => ({ ...r, max_seq: Number(r['max_seq']) }))).toEqual([
        { user_id: 'alice', nickname: 'Alice', max_seq: 4 },
        { user_id: 'bob', nickname: '', max_seq: 6 },
        { user_id: 'carol', nickname: 'Carol', max_seq: 1 },
        { user_id: 'dave', nickname: '', max_seq: 1 },
      ]);
    });
  });
}
