import { sql, type Expression, type Kysely } from 'kysely';
import { chunks } from './chunks.js';
import type { Database } from './db-schema.js';
import { rowsOfIds } from './id-list-sql.js';
import type { RepositoryContext } from './repository-context.js';
import { checkId, checkSeq, checkText, tagsToJson } from './limits.js';
import { toUser, type UserRow } from './row-mappers.js';
import type { UserRepository } from './storage.js';
import type { User, UserProfileInput } from './types.js';

const PROFILE_FIELDS = [
  ['nickname', 'nickname', 128],
  ['avatar', 'avatar', 1024],
  // 16 Ki characters fit MySQL's 64 KiB TEXT whatever the characters are.
  ['extra', 'extra', 16_384],
] as const;

export class SqlUserRepository implements UserRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async upsert(profile: UserProfileInput): Promise<User> {
    checkId('appId', profile.appId);
    checkId('userId', profile.userId);
    for (const [field, , max] of PROFILE_FIELDS) {
      const value = profile[field];
      if (value !== undefined) checkText(field, value, max);
    }
    const now = this.ctx.now();
    await this.ctx.dialect
      .upsert(
        this.ctx.db.insertInto('users').values({
          app_id: profile.appId,
          user_id: profile.userId,
          nickname: profile.nickname ?? '',
          avatar: profile.avatar ?? '',
          extra: profile.extra ?? '',
          created_at: now,
          updated_at: now,
        }),
        ['app_id', 'user_id'],
        (inserted) => {
          // Only the fields the caller gave change; the seq counter is never part of a profile.
          const set: Record<string, Expression<unknown>> = { updated_at: inserted('updated_at') };
          for (const [field, column] of PROFILE_FIELDS) {
            if (profile[field] !== undefined) set[column] = inserted(column);
          }
          return set;
        },
      )
      .execute();
    return this.mustGet(profile.appId, profile.userId);
  }

  async setTags(appId: string, userId: string, tags: readonly string[]): Promise<User> {
    checkId('appId', appId);
    checkId('userId', userId);
    const json = tagsToJson(tags);
    const now = this.ctx.now();
    await this.ctx.dialect
      .upsert(
        this.ctx.db.insertInto('users').values({ ...this.emptyUser(appId, userId, now), tags: json }),
        ['app_id', 'user_id'],
        (inserted) => ({ tags: inserted('tags'), updated_at: inserted('updated_at') }),
      )
      .execute();
    return this.mustGet(appId, userId);
  }

  async revokeTokens(appId: string, userId: string, atMs: number): Promise<User> {
    checkId('appId', appId);
    checkId('userId', userId);
    checkSeq('atMs', atMs);
    const now = this.ctx.now();
    await this.ctx.dialect
      .upsert(
        this.ctx.db
          .insertInto('users')
          .values({ ...this.emptyUser(appId, userId, now), tokens_valid_after: atMs }),
        ['app_id', 'user_id'],
        (inserted) => {
          // The cut-off only moves forward: a late or repeated revocation cannot revive tokens.
          const at = inserted('tokens_valid_after');
          return {
            tokens_valid_after: sql`case when tokens_valid_after > ${at} then tokens_valid_after else ${at} end`,
            updated_at: inserted('updated_at'),
          };
        },
      )
      .execute();
    return this.mustGet(appId, userId);
  }

  async get(appId: string, userId: string): Promise<User | undefined> {
    const [row] = await this.read(appId, [userId]);
    return row && toUser(row);
  }

  async getMany(appId: string, userIds: readonly string[]): Promise<User[]> {
    const users: User[] = [];
    for (const ids of chunks([...new Set(userIds)])) {
      for (const row of await this.read(appId, ids)) users.push(toUser(row));
    }
    return users;
  }

  /**
   * The users of `ids` that have a users row or a seq counter, with the counter: a user known only
   * from messages in its inbox has the counter alone (since 0006) and reads as an empty profile.
   */
  private read(appId: string, ids: readonly string[]): Promise<UserRow[]> {
    return rowsOfIds<UserRow>(
      this.ctx.db,
      this.ctx.dialect.kind,
      'users',
      (list) =>
        'select u.app_id, u.user_id, u.nickname, u.avatar, u.extra, u.tags, u.tokens_valid_after, ' +
        'u.created_at, u.updated_at, s.max_seq, s.created_at as seq_created_at from users u ' +
        'left join user_seqs s on s.app_id = u.app_id and s.user_id = u.user_id ' +
        `where u.app_id = ? and u.user_id in (${list}) ` +
        "union all select s.app_id, s.user_id, '', '', '', '[]', 0, s.created_at, s.created_at, " +
        's.max_seq, s.created_at from user_seqs s ' +
        `where s.app_id = ? and s.user_id in (${list}) and not exists ` +
        '(select 1 from users u where u.app_id = s.app_id and u.user_id = s.user_id)',
      appId,
      ids,
      2,
    );
  }

  maxSeq(appId: string, userId: string): Promise<number> {
    return readUserMaxSeq(this.ctx.db, appId, userId);
  }

  private emptyUser(appId: string, userId: string, now: number) {
    return {
      app_id: appId,
      user_id: userId,
      nickname: '',
      avatar: '',
      extra: '',
      created_at: now,
      updated_at: now,
    };
  }

  private async mustGet(appId: string, userId: string): Promise<User> {
    const user = await this.get(appId, userId);
    if (!user) throw new Error(`user ${userId} vanished right after its upsert`);
    return user;
  }
}

/** The user's seq counter; 0 for a user without one (no message in its inbox yet, sent or received). */
export async function readUserMaxSeq(db: Kysely<Database>, appId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('user_seqs')
    .select('max_seq')
    .where('app_id', '=', appId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? Number(row.max_seq) : 0;
}
