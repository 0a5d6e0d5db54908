import { CompiledQuery, sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { cachedSql, placeholders } from './append-sql.js';
import { chunks } from './chunks.js';
import type { ConversationMembersTable, Database, GroupsTable } from './db-schema.js';
import { rowsOfIds } from './id-list-sql.js';
import { checkId, checkPageSize, checkText } from './limits.js';
import { decodeIdCursor, encodeCursor } from './page-cursor.js';
import type { RepositoryContext } from './repository-context.js';
import { withTransactionRetry } from './retry.js';
import { readConversationMaxSeq } from './seq-allocation.js';
import type { GroupRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import type {
  Group,
  GroupMember,
  GroupRole,
  GroupSendTarget,
  MembershipChange,
  NewGroup,
  Page,
} from './types.js';

/** Longest group name, in characters (the column holds 128). */
export const MAX_GROUP_NAME_LENGTH = 128;
/** Longest group `extra`, in characters (a MySQL TEXT holds 65,535 bytes: 16,383 four-byte characters). */
export const MAX_GROUP_EXTRA_LENGTH = 16_383;

const ROLES = new Set<string>(['owner', 'admin', 'member']);

/**
 * Groups in `groups`, their members in `conversation_members` (type 'group', id = group id; see
 * migration 0004). Membership changes lock the group row (FOR UPDATE on MySQL, the single writer
 * on SQLite) so that `member_count` stays the number of member rows under concurrent changes.
 */
export class SqlGroupRepository implements GroupRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewGroup): Promise<MembershipChange> {
    checkId('appId', input.appId);
    checkId('groupId', input.groupId);
    checkId('ownerUserId', input.ownerUserId);
    checkGroupText(input);
    if (!Array.isArray(input.memberUserIds)) {
      throw new StorageError('INVALID_ARGUMENT', 'memberUserIds must be an array');
    }
    input.memberUserIds.forEach((userId) => checkId('memberUserIds[]', userId));
    const others = [...new Set(input.memberUserIds)].filter((userId) => userId !== input.ownerUserId);
    const userIds = [input.ownerUserId, ...others];
    const row: Selectable<GroupsTable> = {
      app_id: input.appId,
      group_id: input.groupId,
      name: input.name,
      owner_user_id: input.ownerUserId,
      extra: input.extra,
      member_count: userIds.length,
      large: input.large ? 1 : 0,
      dissolved_at: null,
      created_at: input.at,
      updated_at: input.at,
    };
    await withTransactionRetry(this.ctx.dialect, () =>
      this.ctx.db.transaction().execute(async (trx) => {
        try {
          await trx.insertInto('groups').values(row).execute();
        } catch (error) {
          // Not retried: the id is taken for good (also by a dissolved group).
          if (this.ctx.dialect.classifyError(error) !== 'duplicate') throw error;
          throw new StorageError('ALREADY_EXISTS', `group ${input.groupId} already exists`, {
            cause: error,
          });
        }
        await insertMembers(trx, input.appId, input.groupId, userIds, input.at, 0, (userId) =>
          userId === input.ownerUserId ? 'owner' : 'member',
        );
      }),
    );
    return { userIds, group: toGroup(row) };
  }

  async get(appId: string, groupId: string): Promise<Group | undefined> {
    const row = await this.ctx.db
      .selectFrom('groups')
      .selectAll()
      .where('app_id', '=', appId)
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    return row && toGroup(row);
  }

  async update(
    appId: string,
    groupId: string,
    change: { name?: string; extra?: string; at: number },
  ): Promise<Group> {
    checkGroupText(change);
    await this.ctx.db
      .updateTable('groups')
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.extra !== undefined ? { extra: change.extra } : {}),
        updated_at: change.at,
      })
      .where('app_id', '=', appId)
      .where('group_id', '=', groupId)
      .execute();
    return this.mustGet(appId, groupId);
  }

  async dissolve(appId: string, groupId: string, at: number): Promise<Group> {
    // Only a live group changes: dissolving twice keeps the first time.
    await this.ctx.db
      .updateTable('groups')
      .set({ dissolved_at: at, updated_at: at })
      .where('app_id', '=', appId)
      .where('group_id', '=', groupId)
      .where('dissolved_at', 'is', null)
      .execute();
    return this.mustGet(appId, groupId);
  }

  async setLarge(appId: string, groupId: string, large: boolean, at: number): Promise<Group> {
    await this.ctx.db
      .updateTable('groups')
      .set({ large: large ? 1 : 0, updated_at: at })
      .where('app_id', '=', appId)
      .where('group_id', '=', groupId)
      .execute();
    return this.mustGet(appId, groupId);
  }

  async addMembers(
    appId: string,
    groupId: string,
    userIds: readonly string[],
    role: GroupRole,
    at: number,
  ): Promise<MembershipChange> {
    if (role === 'owner' || !ROLES.has(role)) {
      throw new StorageError('INVALID_ARGUMENT', `role must be admin or member, not ${String(role)}`);
    }
    return this.changeMembers(appId, groupId, userIds, at, 1, async (trx, present) => {
      const added = [...new Set(userIds)].filter((userId) => !present.has(userId));
      // Members see what is appended after they join: the conversation's seq now (0 before any message).
      const joinSeq = await readConversationMaxSeq(trx, appId, 'group', groupId);
      await insertMembers(trx, appId, groupId, added, at, joinSeq, () => role);
      return added;
    });
  }

  async removeMembers(
    appId: string,
    groupId: string,
    userIds: readonly string[],
    at: number,
  ): Promise<MembershipChange> {
    return this.changeMembers(appId, groupId, userIds, at, -1, async (trx, present) => {
      const removed = [...new Set(userIds)].filter((userId) => present.has(userId));
      for (const part of chunks(removed)) {
        await trx
          .deleteFrom('conversation_members')
          .where('app_id', '=', appId)
          .where('conversation_type', '=', 'group')
          .where('conversation_id', '=', groupId)
          .where('user_id', 'in', part)
          .execute();
      }
      return removed;
    });
  }

  async member(appId: string, groupId: string, userId: string): Promise<GroupMember | undefined> {
    const row = await this.members(appId, groupId).where('user_id', '=', userId).executeTakeFirst();
    return row && toGroupMember(row);
  }

  async sendTarget(appId: string, groupId: string, userId: string): Promise<GroupSendTarget | undefined> {
    const { rows } = await this.ctx.db.executeQuery<SendTargetRow>(
      CompiledQuery.raw(SEND_TARGET_SQL, [userId, appId, groupId]),
    );
    const first = rows[0];
    if (!first) return undefined;
    const memberIds: string[] = [];
    for (const row of rows) if (row.user_id !== null) memberIds.push(row.user_id);
    return { large: Number(first.large) !== 0, dissolved: first.dissolved_at !== null, memberIds };
  }

  async sendTargets(
    appId: string,
    sends: ReadonlyArray<{ groupId: string; userId: string }>,
  ): Promise<Array<GroupSendTarget | undefined>> {
    if (sends.length === 0) return [];
    const groupIds = [...new Set(sends.map((s) => s.groupId))];
    // A large group's rows are those of the senders alone; '' (the system) matches no member.
    const userIds = [...new Set(sends.map((s) => s.userId))];
    const text = cachedSql(
      this.ctx.dialect.kind,
      `group send targets ${groupIds.length} ${userIds.length}`,
      () => sendTargetsSql(groupIds.length, userIds.length),
    );
    const { rows } = await this.ctx.db.executeQuery<SendTargetsRow>(
      CompiledQuery.raw(text, [...userIds, appId, ...groupIds]),
    );
    const found = new Map<string, GroupSendTarget>();
    for (const row of rows) {
      let target = found.get(row.group_id);
      if (!target) {
        target = { large: Number(row.large) !== 0, dissolved: row.dissolved_at !== null, memberIds: [] };
        found.set(row.group_id, target);
      }
      if (row.user_id !== null) target.memberIds.push(row.user_id);
    }
    return sends.map(({ groupId, userId }) => {
      const target = found.get(groupId);
      if (!target?.large) return target;
      // Each send of a large group sees only its own sender among the members, as `sendTarget` does.
      return { ...target, memberIds: target.memberIds.includes(userId) ? [userId] : [] };
    });
  }

  async memberIds(appId: string, groupId: string): Promise<string[]> {
    // The ids alone: the group index covers them. Selecting more made SQLite, which has no
    // statistics, prefer walking the primary key over all of the app's member rows, already in
    // user order (group-member-index.spec.ts).
    const rows = await membersOf(this.ctx.db, appId, groupId).select('user_id').orderBy('user_id').execute();
    return rows.map((row) => row.user_id);
  }

  async listMembers(
    appId: string,
    groupId: string,
    cursor: string,
    limit: number,
  ): Promise<Page<GroupMember>> {
    checkPageSize(limit);
    const after = decodeIdCursor(cursor);
    // The page's ids through the group index, then their rows by primary key (see memberIds). The
    // page and its cursor come from the ids: a member removed between the two reads leaves the page
    // one short, not the listing cut off.
    const ids = await membersOf(this.ctx.db, appId, groupId)
      .select('user_id')
      .$if(after !== '', (qb) => qb.where('user_id', '>', after))
      .orderBy('user_id')
      .limit(limit + 1)
      .execute();
    const page = toPage(ids, limit, (row) => row.user_id);
    const rows =
      page.items.length === 0
        ? []
        : await this.members(appId, groupId)
            .where(
              'user_id',
              'in',
              page.items.map((row) => row.user_id),
            )
            .orderBy('user_id')
            .execute();
    return { items: rows.map(toGroupMember), nextCursor: page.nextCursor };
  }

  async list(appId: string, userId: string | undefined, cursor: string, limit: number): Promise<Page<Group>> {
    checkPageSize(limit);
    if (userId !== undefined) checkId('userId', userId);
    const after = decodeIdCursor(cursor);
    const rows =
      userId === undefined
        ? await this.ctx.db
            .selectFrom('groups as g')
            .selectAll('g')
            .where('g.app_id', '=', appId)
            .$if(after !== '', (qb) => qb.where('g.group_id', '>', after))
            .orderBy('g.group_id')
            .limit(limit + 1)
            .execute()
        : // A user's groups from their own member rows (the primary key, already in group order),
          // each joined to its group; ordered by the group table instead, SQLite walked every group
          // of the app and looked the user up in each.
          await this.ctx.db
            .selectFrom('conversation_members as m')
            .innerJoin('groups as g', (join) =>
              join.onRef('g.app_id', '=', 'm.app_id').onRef('g.group_id', '=', 'm.conversation_id'),
            )
            .selectAll('g')
            .where('m.app_id', '=', appId)
            .where('m.user_id', '=', userId)
            .where('m.conversation_type', '=', sql.lit('group'))
            .$if(after !== '', (qb) => qb.where('m.conversation_id', '>', after))
            .orderBy('m.conversation_id')
            .limit(limit + 1)
            .execute();
    return toPage(rows.map(toGroup), limit, (group) => group.groupId);
  }

  async largeGroupIdsOf(appId: string, userId: string): Promise<string[]> {
    return (await this.largeGroupIdsOfUsers(appId, [userId])).get(userId) ?? [];
  }

  async largeGroupIdsOfUsers(appId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    for (const ids of chunks([...new Set(userIds)])) {
      const rows = await rowsOfIds<{ user_id: string; group_id: string }>(
        this.ctx.db,
        this.ctx.dialect.kind,
        'large groups of users',
        (list) =>
          'select m.user_id, g.group_id from conversation_members as m inner join `groups` as g ' +
          'on g.app_id = m.app_id and g.group_id = m.conversation_id ' +
          `where m.app_id = ? and m.user_id in (${list}) and m.conversation_type = 'group' ` +
          'and g.large = 1 and g.dissolved_at is null order by m.user_id, g.group_id',
        appId,
        ids,
      );
      for (const row of rows) {
        const groups = byUser.get(row.user_id);
        if (groups) groups.push(row.group_id);
        else byUser.set(row.user_id, [row.group_id]);
      }
    }
    return byUser;
  }

  private members(appId: string, groupId: string) {
    return membersOf(this.ctx.db, appId, groupId).select([
      'user_id',
      'role',
      'joined_at',
      'join_seq',
      'read_seq',
    ]);
  }

  /**
   * Runs a membership change with the group row locked: `change` gets which of `userIds` are
   * members now and resolves with those it added (`sign` 1) or removed (-1), in request order;
   * `member_count` follows.
   */
  private async changeMembers(
    appId: string,
    groupId: string,
    userIds: readonly string[],
    at: number,
    sign: 1 | -1,
    change: (trx: Transaction<Database>, present: Set<string>) => Promise<string[]>,
  ): Promise<MembershipChange> {
    if (!Array.isArray(userIds)) throw new StorageError('INVALID_ARGUMENT', 'userIds must be an array');
    userIds.forEach((userId) => checkId('userIds[]', userId));
    return withTransactionRetry(this.ctx.dialect, () =>
      this.ctx.db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom('groups')
          .select('member_count')
          .where('app_id', '=', appId)
          .where('group_id', '=', groupId)
          .$if(this.ctx.dialect.lockingReads, (qb) => qb.forUpdate())
          .executeTakeFirst();
        if (!locked) throw new StorageError('NOT_FOUND', `no group ${groupId}`);
        const present = new Set<string>();
        for (const part of chunks([...new Set(userIds)])) {
          const rows = await membersOf(trx, appId, groupId)
            .select('user_id')
            .where('user_id', 'in', part)
            .execute();
          rows.forEach((row) => present.add(row.user_id));
        }
        const changed = await change(trx, present);
        if (changed.length > 0) {
          await trx
            .updateTable('groups')
            .set({ member_count: Number(locked.member_count) + sign * changed.length, updated_at: at })
            .where('app_id', '=', appId)
            .where('group_id', '=', groupId)
            .execute();
        }
        const row = await trx
          .selectFrom('groups')
          .selectAll()
          .where('app_id', '=', appId)
          .where('group_id', '=', groupId)
          .executeTakeFirstOrThrow();
        return { userIds: changed, group: toGroup(row) };
      }),
    );
  }

  private async mustGet(appId: string, groupId: string): Promise<Group> {
    const group = await this.get(appId, groupId);
    if (!group) throw new StorageError('NOT_FOUND', `no group ${groupId}`);
    return group;
  }
}

/**
 * The group and the member rows a send needs, in one statement on every send to a group (built
 * once, not through kysely's builder): a small group's members, or a large group's sender when a
 * member. Backticks: MySQL 8 reserves `groups`; SQLite takes them too.
 */
const SEND_TARGET_SQL =
  'select g.large, g.dissolved_at, m.user_id from `groups` as g' +
  " left join conversation_members as m on m.app_id = g.app_id and m.conversation_type = 'group'" +
  ' and m.conversation_id = g.group_id and (g.large = 0 or m.user_id = ?)' +
  ' where g.app_id = ? and g.group_id = ? order by m.user_id';

/** SEND_TARGET_SQL for `groups` groups and `users` senders at once, ordered by group then member. */
function sendTargetsSql(groups: number, users: number): string {
  return (
    'select g.group_id, g.large, g.dissolved_at, m.user_id from `groups` as g' +
    " left join conversation_members as m on m.app_id = g.app_id and m.conversation_type = 'group'" +
    ` and m.conversation_id = g.group_id and (g.large = 0 or m.user_id in (${placeholders(users)}))` +
    ` where g.app_id = ? and g.group_id in (${placeholders(groups)}) order by g.group_id, m.user_id`
  );
}

interface SendTargetsRow extends SendTargetRow {
  group_id: string;
}

interface SendTargetRow {
  large: number | boolean;
  dissolved_at: number | string | null;
  user_id: string | null;
}

/**
 * The member rows of one group, to select from. The type is a literal, not a parameter: on SQLite
 * only then can the query use the partial index of group rows (migration 0005).
 */
function membersOf(db: Kysely<Database>, appId: string, groupId: string) {
  return db
    .selectFrom('conversation_members')
    .where('app_id', '=', appId)
    .where('conversation_type', '=', sql.lit('group'))
    .where('conversation_id', '=', groupId);
}

function checkGroupText(fields: { name?: string; extra?: string }): void {
  if (fields.name !== undefined) checkText('name', fields.name, MAX_GROUP_NAME_LENGTH);
  if (fields.extra !== undefined) checkText('extra', fields.extra, MAX_GROUP_EXTRA_LENGTH);
}

async function insertMembers(
  trx: Transaction<Database>,
  appId: string,
  groupId: string,
  userIds: readonly string[],
  at: number,
  joinSeq: number,
  roleOf: (userId: string) => GroupRole,
): Promise<void> {
  for (const part of chunks(userIds)) {
    await trx
      .insertInto('conversation_members')
      .values(
        part.map((userId) => ({
          app_id: appId,
          user_id: userId,
          conversation_type: 'group',
          conversation_id: groupId,
          role: roleOf(userId),
          joined_at: at,
          join_seq: joinSeq,
          read_seq: joinSeq,
        })),
      )
      .execute();
  }
}

/** The first `limit` items, and a cursor after the last one when `items` holds one more. */
function toPage<T>(items: T[], limit: number, idOf: (item: T) => string): Page<T> {
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page, nextCursor: items.length > limit && last ? encodeCursor(idOf(last)) : '' };
}

export function toGroup(row: Selectable<GroupsTable>): Group {
  return {
    appId: row.app_id,
    groupId: row.group_id,
    name: row.name,
    ownerUserId: row.owner_user_id,
    extra: row.extra,
    memberCount: Number(row.member_count),
    large: Number(row.large) !== 0,
    dissolvedAt: row.dissolved_at == null ? null : Number(row.dissolved_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toGroupMember(
  row: Pick<Selectable<ConversationMembersTable>, 'user_id' | 'role' | 'joined_at' | 'join_seq' | 'read_seq'>,
): GroupMember {
  return {
    userId: row.user_id,
    role: row.role as GroupRole,
    joinedAt: Number(row.joined_at),
    joinSeq: Number(row.join_seq),
    readSeq: Number(row.read_seq),
  };
}
