import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { queryPlan, statementsPreparedDuring } from './sqlite-plan-harness.js';
import type { Storage } from './storage.js';
import { directSend, groupAppend } from './storage-test-harness.js';

// On SQLite the index that finds a conversation's members holds group rows only: a 1:1 send
// creates two `conversation_members` rows, and an index entry for each cost the append two more
// random B-tree inserts and a sixth of the pages its transaction wrote (docs/benchmarks.md). A
// partial index serves only queries whose WHERE names its condition as a literal, so every
// query the group repository sends must still find members through it, never by a scan.
describe('the group member index on SQLite', () => {
  let dir: string;
  let file: string;
  let storage: Storage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-member-index-'));
    file = join(dir, 'switchboard.db');
    storage = await createStorage({ dialect: 'sqlite', file });
    await storage.migrate();
  });
  afterAll(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  const raw = <T>(read: (db: BetterSqlite3.Database) => T): T => {
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };

  it('holds no entry for a 1:1 conversation', async () => {
    const indexes = raw((db) =>
      db
        .prepare(
          "select name, sql from sqlite_master where type = 'index' and tbl_name = 'conversation_members'",
        )
        .all(),
    ) as { name: string; sql: string | null }[];
    // The primary key's own index (sql null) and the partial one.
    expect(indexes.filter((index) => index.sql !== null).map((index) => index.name)).toEqual([
      'conversation_members_group_idx',
    ]);
    await storage.messages.sendDirect([
      directSend({ appId: 'a', senderUserId: 'alice', recipientUserId: 'bob' }),
    ]);
    const counted = raw((db) => ({
      rows: db.prepare('select count(*) as n from conversation_members').get(),
      indexed: db
        .prepare(
          "select count(*) as n from conversation_members indexed by conversation_members_group_idx where conversation_type = 'group'",
        )
        .get(),
    }));
    expect(counted).toEqual({ rows: { n: 2 }, indexed: { n: 0 } });
  });

  it("finds a group's members through it in every query of the group repository", async () => {
    const prepared = await statementsPreparedDuring(async () => {
      const appId = 'a';
      const group = (groupId: string, large: boolean) => ({
        appId,
        groupId,
        name: 'Team',
        ownerUserId: 'alice',
        extra: '',
        memberUserIds: ['bob', 'carol'],
        large,
        at: 1_000,
      });
      await storage.groups.create(group('small', false));
      await storage.groups.create(group('large', true));
      await storage.groups.addMembers(appId, 'small', ['dave'], 'member', 2_000);
      await storage.groups.removeMembers(appId, 'small', ['carol'], 3_000);
      await storage.groups.member(appId, 'small', 'bob');
      await storage.groups.memberIds(appId, 'small');
      await storage.groups.listMembers(appId, 'small', '', 10);
      await storage.groups.sendTarget(appId, 'small', 'bob');
      await storage.groups.sendTarget(appId, 'large', 'bob');
      await storage.groups.sendTargets(appId, [
        { groupId: 'small', userId: 'bob' },
        { groupId: 'large', userId: 'carol' },
      ]);
      await storage.groups.list(appId, 'bob', '', 10);
      await storage.groups.largeGroupIdsOf(appId, 'bob');
      await storage.groups.setLarge(appId, 'large', false, 3_500);
      await storage.groups.largeGroupIdsOfUsers(appId, ['bob', 'carol']);
      await storage.messages.append([
        groupAppend({
          appId,
          conversation: { type: 'group', key: 'small' },
          inboxUserIds: ['alice', 'bob', 'dave'],
        }),
      ]);
      await storage.groups.dissolve(appId, 'small', 4_000);
    });
    // Every statement that reads or changes existing member rows.
    const reads = [...prepared].filter(
      (text) => /conversation_members/i.test(text) && !/^\s*insert/i.test(text),
    );
    expect(reads.length).toBeGreaterThanOrEqual(6);
    const plans = raw((db) =>
      reads.map((text) => ({
        text,
        plan: queryPlan(db, text).filter((detail) => /conversation_members|\bm\b/.test(detail)),
      })),
    );
    // Through the group index, or through the primary key by user (a user's own row), never a scan
    // of the app's rows.
    // A user's groups start from the user's own rows, not from every group of the app.
    const groupsOfUser = [...prepared].filter((text) =>
      /from "conversation_members" as "m" inner join "groups"/.test(text),
    );
    expect(groupsOfUser).toHaveLength(1);
    const firstStep = raw((db) => queryPlan(db, groupsOfUser[0]!)[0]);
    expect(firstStep).toMatch(/^SEARCH m USING PRIMARY KEY \(app_id=\? AND user_id=\?/);
    for (const { text, plan } of plans) {
      expect({ text, plan }).toEqual({
        text,
        plan: [expect.stringMatching(/conversation_members_group_idx|PRIMARY KEY \(app_id=\? AND user_id=/)],
      });
    }
  });
});
