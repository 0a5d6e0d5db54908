import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Storage } from './storage.js';
import {
  createTestDatabase,
  DIALECTS,
  groupAppend,
  uniqueId,
  type TestDatabase,
} from './storage-test-harness.js';
import type { NewGroup } from './types.js';

for (const dialect of DIALECTS) {
  describe(`groups on ${dialect}`, () => {
    let database: TestDatabase;
    let storage: Storage;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      storage = await database.open();
      await storage.migrate();
    });
    afterAll(() => database.destroy());

    const newGroup = (overrides: Partial<NewGroup> = {}): NewGroup => ({
      appId: uniqueId('app'),
      groupId: uniqueId('g'),
      name: 'Team',
      ownerUserId: 'alice',
      extra: '{"topic":"x"}',
      memberUserIds: ['bob', 'alice', 'carol', 'bob'],
      large: false,
      at: 1_000,
      ...overrides,
    });

    it('creates a group with its owner first, skipping repeats, and refuses a taken id', async () => {
      const input = newGroup();
      const created = await storage.groups.create(input);
      expect(created.userIds).toEqual(['alice', 'bob', 'carol']);
      expect(created.group).toEqual({
        appId: input.appId,
        groupId: input.groupId,
        name: 'Team',
        ownerUserId: 'alice',
        extra: '{"topic":"x"}',
        memberCount: 3,
        large: false,
        dissolvedAt: null,
        createdAt: 1_000,
        updatedAt: 1_000,
      });
      expect(await storage.groups.get(input.appId, input.groupId)).toEqual(created.group);
      expect(await storage.groups.member(input.appId, input.groupId, 'alice')).toEqual({
        userId: 'alice',
        role: 'owner',
        joinedAt: 1_000,
        joinSeq: 0,
        readSeq: 0,
      });
      expect(await storage.groups.member(input.appId, input.groupId, 'bob')).toMatchObject({
        role: 'member',
      });
      expect(await storage.groups.memberIds(input.appId, input.groupId)).toEqual(['alice', 'bob', 'carol']);
      await storage.groups.dissolve(input.appId, input.groupId, 2_000);
      await expect(storage.groups.create({ ...input, name: 'Again' })).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      expect(await storage.groups.get(input.appId, uniqueId('none'))).toBeUndefined();
    });

    it('reads what a send needs in one call: members of a small group, the sender of a large one', async () => {
      const small = newGroup();
      await storage.groups.create(small);
      expect(await storage.groups.sendTarget(small.appId, small.groupId, 'bob')).toEqual({
        large: false,
        dissolved: false,
        memberIds: ['alice', 'bob', 'carol'],
      });
      expect(await storage.groups.sendTarget(small.appId, 'nope', 'bob')).toBeUndefined();
      const large = newGroup({ large: true });
      await storage.groups.create(large);
      expect(await storage.groups.sendTarget(large.appId, large.groupId, 'carol')).toEqual({
        large: true,
        dissolved: false,
        memberIds: ['carol'],
      });
      expect((await storage.groups.sendTarget(large.appId, large.groupId, 'zed'))!.memberIds).toEqual([]);
      await storage.groups.removeMembers(small.appId, small.groupId, ['alice', 'bob', 'carol'], 2_000);
      await storage.groups.dissolve(small.appId, small.groupId, 2_000);
      expect(await storage.groups.sendTarget(small.appId, small.groupId, 'bob')).toEqual({
        large: false,
        dissolved: true,
        memberIds: [],
      });
    });

    it('reads the targets of many sends in one call, each as sendTarget answers it', async () => {
      const appId = uniqueId('app');
      const small = newGroup({ appId });
      const large = newGroup({ appId, large: true, memberUserIds: ['bob', 'dave'] });
      const dissolved = newGroup({ appId });
      for (const g of [small, large, dissolved]) await storage.groups.create(g);
      await storage.groups.dissolve(appId, dissolved.groupId, 2_000);
      const sends = [
        { groupId: small.groupId, userId: 'bob' },
        { groupId: large.groupId, userId: 'dave' },
        { groupId: 'nope', userId: 'bob' },
        { groupId: large.groupId, userId: 'carol' },
        { groupId: small.groupId, userId: 'zed' },
        { groupId: large.groupId, userId: '' },
        { groupId: dissolved.groupId, userId: 'alice' },
        { groupId: large.groupId, userId: 'bob' },
      ];
      const batch = await storage.groups.sendTargets(appId, sends);
      const one = await Promise.all(sends.map((s) => storage.groups.sendTarget(appId, s.groupId, s.userId)));
      expect(batch).toEqual(one);
      expect(batch.map((t) => t?.memberIds)).toEqual([
        ['alice', 'bob', 'carol'],
        ['dave'],
        undefined,
        [],
        ['alice', 'bob', 'carol'],
        [],
        ['alice', 'bob', 'carol'],
        ['bob'],
      ]);
      expect(await storage.groups.sendTargets(appId, [])).toEqual([]);
    });

    it('refuses bad ids and over-long fields', async () => {
      await expect(storage.groups.create(newGroup({ groupId: '' }))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(storage.groups.create(newGroup({ name: 'n'.repeat(129) }))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(
        storage.groups.create(newGroup({ memberUserIds: ['x'.repeat(65)] })),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('updates, dissolves once and switches large, or says NOT_FOUND', async () => {
      const { group } = await storage.groups.create(newGroup());
      const { appId, groupId } = group;
      expect(await storage.groups.update(appId, groupId, { name: 'Renamed', at: 1_500 })).toMatchObject({
        name: 'Renamed',
        extra: '{"topic":"x"}',
        updatedAt: 1_500,
      });
      expect(await storage.groups.update(appId, groupId, { extra: '', at: 1_600 })).toMatchObject({
        name: 'Renamed',
        extra: '',
      });
      expect(await storage.groups.setLarge(appId, groupId, true, 1_700)).toMatchObject({ large: true });
      expect(await storage.groups.dissolve(appId, groupId, 2_000)).toMatchObject({ dissolvedAt: 2_000 });
      expect(await storage.groups.dissolve(appId, groupId, 3_000)).toMatchObject({ dissolvedAt: 2_000 });
      for (const call of [
        () => storage.groups.update(appId, 'nope', { name: 'x', at: 1 }),
        () => storage.groups.dissolve(appId, 'nope', 1),
        () => storage.groups.setLarge(appId, 'nope', true, 1),
        () => storage.groups.addMembers(appId, 'nope', ['x'], 'member', 1),
        () => storage.groups.removeMembers(appId, 'nope', ['x'], 1),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'NOT_FOUND' });
      }
    });

    it('adds and removes members, keeping the member count', async () => {
      const { group } = await storage.groups.create(newGroup({ memberUserIds: ['bob'] }));
      const { appId, groupId } = group;
      const added = await storage.groups.addMembers(
        appId,
        groupId,
        ['dave', 'bob', 'erin', 'dave'],
        'admin',
        2_000,
      );
      expect(added.userIds).toEqual(['dave', 'erin']);
      expect(added.group).toMatchObject({ memberCount: 4, updatedAt: 2_000 });
      expect(await storage.groups.member(appId, groupId, 'erin')).toEqual({
        userId: 'erin',
        role: 'admin',
        joinedAt: 2_000,
        joinSeq: 0,
        readSeq: 0,
      });
      const removed = await storage.groups.removeMembers(appId, groupId, ['erin', 'zed', 'bob'], 3_000);
      expect(removed.userIds).toEqual(['erin', 'bob']);
      expect(removed.group.memberCount).toBe(2);
      expect(await storage.groups.memberIds(appId, groupId)).toEqual(['alice', 'dave']);
      expect(await storage.groups.member(appId, groupId, 'bob')).toBeUndefined();
      await expect(storage.groups.addMembers(appId, groupId, ['x'], 'owner', 1)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });

    it('keeps member counts right under concurrent changes', async () => {
      const { group } = await storage.groups.create(newGroup({ memberUserIds: [] }));
      const { appId, groupId } = group;
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          storage.groups.addMembers(appId, groupId, [`u${i}`, `u${i + 1}`], 'member', 2_000),
        ),
      );
      const after = await storage.groups.get(appId, groupId);
      expect(after?.memberCount).toBe(12);
      expect((await storage.groups.memberIds(appId, groupId)).length).toBe(12);
    });

    it('sets joinSeq and readSeq of new members to the conversation seq', async () => {
      const { group } = await storage.groups.create(newGroup({ memberUserIds: ['bob'] }));
      const { appId, groupId } = group;
      await storage.messages.append(
        [1, 2, 3].map(() =>
          groupAppend({ appId, conversation: { type: 'group', key: groupId }, inboxUserIds: [] }),
        ),
      );
      await storage.groups.addMembers(appId, groupId, ['carol'], 'member', 2_000);
      expect(await storage.groups.member(appId, groupId, 'carol')).toMatchObject({ joinSeq: 3, readSeq: 3 });
      expect(await storage.groups.member(appId, groupId, 'bob')).toMatchObject({ joinSeq: 0, readSeq: 0 });
    });

    it('pages members and groups with opaque cursors', async () => {
      const appId = uniqueId('app');
      const members = Array.from({ length: 5 }, (_, i) => `m${i}`);
      const ids = ['g-a', 'g-b', 'g-c'];
      for (const groupId of ids) {
        await storage.groups.create(
          newGroup({ appId, groupId, ownerUserId: 'owner', memberUserIds: members }),
        );
      }
      await storage.groups.removeMembers(appId, 'g-b', ['m1'], 2_000);

      const seen: string[] = [];
      let cursor = '';
      do {
        const page = await storage.groups.listMembers(appId, 'g-a', cursor, 2);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((member) => member.userId));
        cursor = page.nextCursor;
      } while (cursor !== '');
      expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'owner']);

      const all = await storage.groups.list(appId, undefined, '', 2);
      expect(all.items.map((group) => group.groupId)).toEqual(['g-a', 'g-b']);
      const rest = await storage.groups.list(appId, undefined, all.nextCursor, 2);
      expect(rest).toEqual({ items: [expect.objectContaining({ groupId: 'g-c' })], nextCursor: '' });
      const ofM1 = await storage.groups.list(appId, 'm1', '', 10);
      expect(ofM1.items.map((group) => group.groupId)).toEqual(['g-a', 'g-c']);
      expect(ofM1.nextCursor).toBe('');
      const first = await storage.groups.list(appId, 'm1', '', 1);
      expect((await storage.groups.list(appId, 'm1', first.nextCursor, 1)).items[0]?.groupId).toBe('g-c');

      for (const call of [
        () => storage.groups.list(appId, undefined, '%%%', 10),
        () => storage.groups.list(appId, undefined, Buffer.from('{').toString('base64url'), 10),
        () => storage.groups.listMembers(appId, 'g-a', Buffer.from('42').toString('base64url'), 10),
        () => storage.groups.listMembers(appId, 'g-a', '', 0),
        () => storage.groups.list(appId, undefined, '', 1001),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
    });

    it('pages members on when one of the page is removed while the page is read', async () => {
      const appId = uniqueId('app');
      const group = newGroup({ appId, ownerUserId: 'a', memberUserIds: ['b', 'c', 'd'] });
      await storage.groups.create(group);
      // The page's ids are read first and its rows after: 'b' leaves in between.
      const repository = storage.groups as unknown as { members: (...args: unknown[]) => unknown };
      const members = repository.members.bind(repository);
      let removed = false;
      vi.spyOn(repository, 'members').mockImplementation((...args: unknown[]) => {
        if (!removed) {
          removed = true;
          return {
            where: (...where: unknown[]) => ({
              orderBy: (...order: unknown[]) => ({
                execute: async () => {
                  await storage.groups.removeMembers(appId, group.groupId, ['b'], 2_000);
                  const query = members(...args) as {
                    where: (...a: unknown[]) => {
                      orderBy: (...a: unknown[]) => { execute: () => Promise<unknown> };
                    };
                  };
                  return query
                    .where(...where)
                    .orderBy(...order)
                    .execute();
                },
              }),
            }),
          };
        }
        return members(...args);
      });
      try {
        const first = await storage.groups.listMembers(appId, group.groupId, '', 2);
        expect(first.items.map((member) => member.userId)).toEqual(['a']);
        const rest = await storage.groups.listMembers(appId, group.groupId, first.nextCursor, 2);
        expect(rest.items.map((member) => member.userId)).toEqual(['c', 'd']);
        expect(rest.nextCursor).toBe('');
      } finally {
        vi.restoreAllMocks();
      }
    });

    it('lists the live large groups of a user', async () => {
      const appId = uniqueId('app');
      await storage.groups.create(newGroup({ appId, groupId: 'big-b', large: true, memberUserIds: ['bob'] }));
      await storage.groups.create(newGroup({ appId, groupId: 'big-a', large: true, memberUserIds: ['bob'] }));
      await storage.groups.create(newGroup({ appId, groupId: 'small', memberUserIds: ['bob'] }));
      await storage.groups.create(
        newGroup({ appId, groupId: 'big-gone', large: true, memberUserIds: ['bob'] }),
      );
      await storage.groups.create(newGroup({ appId, groupId: 'big-other', large: true, memberUserIds: [] }));
      await storage.groups.dissolve(appId, 'big-gone', 2_000);
      expect(await storage.groups.largeGroupIdsOf(appId, 'bob')).toEqual(['big-a', 'big-b']);
      await storage.groups.setLarge(appId, 'small', true, 3_000);
      await storage.groups.removeMembers(appId, 'big-b', ['bob'], 3_000);
      expect(await storage.groups.largeGroupIdsOf(appId, 'bob')).toEqual(['big-a', 'small']);
      expect(await storage.groups.largeGroupIdsOf(appId, 'nobody')).toEqual([]);
      await storage.groups.addMembers(appId, 'big-other', ['carol'], 'member', 4_000);
      const many = await storage.groups.largeGroupIdsOfUsers(appId, ['nobody', 'carol', 'bob', 'bob']);
      expect([...many].sort()).toEqual([
        ['bob', ['big-a', 'small']],
        ['carol', ['big-other']],
      ]);
      expect(await storage.groups.largeGroupIdsOfUsers(appId, [])).toEqual(new Map());
    });
  });
}
