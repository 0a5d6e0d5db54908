import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.js';
import { queryPlan, statementsPreparedDuring } from './sqlite-plan-harness.js';
import type { Storage } from './storage.js';
import type { ConversationRef } from './types.js';
import { directSend, groupAppend } from './storage-test-harness.js';

// SQLite keeps no statistics here (no ANALYZE), so its planner goes by the query's shape alone. The
// ninth session found two group queries that walked every row of an app that way (fixed, and held by
// group-member-index.spec.ts). This spec holds the rest: every statement the storage prepares while
// each repository method runs is planned with EXPLAIN QUERY PLAN, and none may scan a table whose
// rows grow with traffic; it must find them through a key or an index.
const SCANNABLE = new Set(['apps', 'kysely_migration', 'kysely_migration_lock']);
const REPOSITORIES = ['apps', 'apiKeys', 'users', 'devices', 'messages', 'groups', 'conversations'] as const;
/** Methods of the repository classes that only other methods call (TypeScript `private`). */
const INTERNAL = new Set([
  'apps.mustGet',
  'users.read',
  'users.emptyUser',
  'users.mustGet',
  'groups.members',
  'groups.changeMembers',
  'groups.mustGet',
]);

interface Planned {
  text: string;
  scans: string[];
}

describe('SQLite query plans', () => {
  let dir: string;
  let file: string;
  let statements = new Set<string>();
  const called = new Set<string>();
  let methods: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-query-plans-'));
    file = join(dir, 'switchboard.db');
    const storage = await createStorage({ dialect: 'sqlite', file });
    await storage.migrate();
    methods = REPOSITORIES.flatMap((repo) =>
      Object.getOwnPropertyNames(Object.getPrototypeOf(storage[repo]))
        .filter((name) => name !== 'constructor')
        .map((name) => `${repo}.${name}`),
    );
    try {
      // After the migrations: their own statements are not the storage's queries.
      statements = await statementsPreparedDuring(() => exercise(tracked(storage, called)));
    } finally {
      await storage.close();
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs every repository method (a new one must be added to exercise() below)', () => {
    expect(methods.filter((m) => !INTERNAL.has(m) && !called.has(m))).toEqual([]);
    expect(methods.length).toBeGreaterThan(40);
  });

  it('scans no table that grows with traffic, in any statement of any repository method', () => {
    const db = new BetterSqlite3(file, { readonly: true });
    let planned: Planned[];
    try {
      planned = [...statements]
        .filter(
          (text) => !/^\s*(pragma|begin|commit|rollback|create|alter|drop|savepoint|release)\b/i.test(text),
        )
        .map((text) => {
          const scans = queryPlan(db, text)
            // A multi-row INSERT's own VALUES list reads as `SCAN 2-ROW VALUES CLAUSE`.
            .map((detail) => /^SCAN (?!\d+-ROW VALUES CLAUSE)(\S+)/.exec(detail)?.[1])
            .filter((table): table is string => table !== undefined && !SCANNABLE.has(table));
          return { text, scans };
        });
    } finally {
      db.close();
    }
    expect(planned.filter((p) => !/^\s*insert/i.test(p.text)).length).toBeGreaterThan(30);
    expect(planned.filter((p) => p.scans.length > 0)).toEqual([]);
  });
});

/** The storage, noting `<repository>.<method>` of every method called through it. */
function tracked(storage: Storage, called: Set<string>): Storage {
  const wrapped = Object.create(storage) as Record<string, unknown>;
  for (const repo of REPOSITORIES) {
    const target = storage[repo] as object;
    wrapped[repo] = new Proxy(target, {
      get(object, name, receiver) {
        const value = Reflect.get(object, name, receiver) as unknown;
        if (typeof value !== 'function' || typeof name !== 'string') return value;
        called.add(`${repo}.${name}`);
        return (value as (...args: unknown[]) => unknown).bind(object);
      },
    });
  }
  return wrapped as unknown as Storage;
}

/** The app every call of {@link exercise} uses. */
const appId = 'a';

/** The latest page of a conversation's history as `userId` sees it. */
function historyOf(storage: Storage, userId: string, conversation: ConversationRef) {
  return storage.messages.history({ appId, userId, conversation, beforeSeq: 0, limit: 10 });
}

/** Every repository method, with data enough for each to reach its statements. */
async function exercise(storage: Storage): Promise<void> {
  await storage.apps.create({ appId, name: 'A', tokenSecret: 'secret' });
  await storage.apps.get(appId);
  await storage.apps.list();
  await storage.apps.rotateTokenSecret(appId, 'secret-2', 60_000);
  await storage.apps.updateSettings(appId, { webhookUrl: 'https://example.com/hook', allowClientTags: true });

  const key = await storage.apiKeys.create({ appId, name: 'k' });
  await storage.apiKeys.list(appId);
  await storage.apiKeys.findActive(key.keyId);
  await storage.apiKeys.revoke(appId, key.keyId);

  await storage.users.upsert({ appId, userId: 'alice', nickname: 'Alice' });
  await storage.users.get(appId, 'alice');
  await storage.users.getMany(appId, ['alice', 'bob', 'nobody']);
  await storage.users.setTags(appId, 'alice', ['x']);
  await storage.users.revokeTokens(appId, 'alice', 1_000);

  await storage.devices.signIn({ appId, userId: 'alice', deviceId: 'd1', platform: 'web' });
  await storage.devices.signInMany([
    { appId, userId: 'bob', deviceId: 'd1', platform: 'ios' },
    { appId, userId: 'carol', deviceId: 'd1', platform: 'ios' },
  ]);
  await storage.devices.get(appId, 'alice', 'd1');
  await storage.devices.listByUser(appId, 'alice');
  await storage.devices.listByUsers(appId, ['alice', 'bob']);

  await storage.messages.sendDirect([
    directSend({ appId, senderUserId: 'alice', recipientUserId: 'bob' }),
    directSend({ appId, senderUserId: 'bob', recipientUserId: 'alice' }),
  ]);
  await storage.users.maxSeq(appId, 'bob');
  await storage.devices.ack(appId, 'bob', 'd1', 1);
  await storage.messages.syncInbox(appId, 'bob', 0, 10);
  await historyOf(storage, 'alice', { type: 'user', id: 'bob' });
  await storage.conversations.markRead(appId, 'bob', { type: 'user', id: 'alice' }, 1);
  await storage.conversations.list(appId, 'bob', '', 10);

  await storage.groups.create({
    appId,
    groupId: 'g',
    name: 'G',
    ownerUserId: 'alice',
    extra: '',
    memberUserIds: ['bob', 'carol'],
    large: false,
    at: 2_000,
  });
  await storage.messages.append([
    groupAppend({
      appId,
      conversation: { type: 'group', key: 'g' },
      inboxUserIds: ['alice', 'bob', 'carol'],
    }),
  ]);
  await historyOf(storage, 'bob', { type: 'group', id: 'g' });
  await storage.conversations.readGroup(appId, 'g', 0, 10);
  await storage.conversations.markRead(appId, 'bob', { type: 'group', id: 'g' }, 1);
  await storage.conversations.list(appId, 'bob', '', 10);
  await storage.groups.addMembers(appId, 'g', ['dave', 'erin'], 'member', 2_500);
  await storage.groups.removeMembers(appId, 'g', ['erin'], 2_600);
  await storage.groups.member(appId, 'g', 'bob');
  await storage.groups.memberIds(appId, 'g');
  await storage.groups.listMembers(appId, 'g', '', 10);
  await storage.groups.sendTarget(appId, 'g', 'bob');
  await storage.groups.sendTargets(appId, [
    { groupId: 'g', userId: 'bob' },
    { groupId: 'g', userId: 'dave' },
  ]);
  await storage.groups.get(appId, 'g');
  await storage.groups.update(appId, 'g', { name: 'G2', at: 3_000 });
  await storage.groups.list(appId, undefined, '', 10);
  await storage.groups.list(appId, 'bob', '', 10);
  await storage.groups.setLarge(appId, 'g', true, 3_500);
  await storage.groups.largeGroupIdsOf(appId, 'bob');
  await storage.groups.largeGroupIdsOfUsers(appId, ['bob', 'carol']);
  await storage.groups.setLarge(appId, 'g', false, 3_600);

  await storage.devices.remove(appId, 'carol', 'd1');
  await storage.groups.dissolve(appId, 'g', 4_000);
}
