import type { RepositoryContext } from './repository-context.js';
import { checkId, checkSeq, checkText } from './limits.js';
import { toApp } from './row-mappers.js';
import type { AppRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import type { App, AppSettingsUpdate, NewApp } from './types.js';

/** Longest webhook URL, in characters (the column holds 2048). */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export class SqlAppRepository implements AppRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(app: NewApp): Promise<App> {
    checkId('appId', app.appId);
    checkText('name', app.name, 128);
    checkText('tokenSecret', app.tokenSecret, 255);
    const createdAt = this.ctx.now();
    try {
      await this.ctx.db
        .insertInto('apps')
        .values({ app_id: app.appId, name: app.name, token_secret: app.tokenSecret, created_at: createdAt })
        .execute();
    } catch (error) {
      if (this.ctx.dialect.classifyError(error) !== 'duplicate') throw error;
      throw new StorageError('ALREADY_EXISTS', `app ${app.appId} already exists`, { cause: error });
    }
    return {
      appId: app.appId,
      name: app.name,
      tokenSecret: app.tokenSecret,
      previousTokenSecret: null,
      previousSecretValidUntil: null,
      webhookUrl: null,
      webhookSecret: null,
      allowClientTags: null,
      allowClientRoomSends: null,
      createdAt,
    };
  }

  async get(appId: string): Promise<App | undefined> {
    const row = await this.ctx.db
      .selectFrom('apps')
      .selectAll()
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row && toApp(row);
  }

  async list(): Promise<App[]> {
    const rows = await this.ctx.db.selectFrom('apps').selectAll().orderBy('app_id').execute();
    return rows.map(toApp);
  }

  async rotateTokenSecret(appId: string, newSecret: string, graceMs: number): Promise<App> {
    checkText('newSecret', newSecret, 255);
    if (newSecret.length === 0) throw new StorageError('INVALID_ARGUMENT', 'newSecret must not be empty');
    checkSeq('graceMs', graceMs);
    // One statement, so concurrent rotations cannot lose a secret in between. The previous
    // secret is assigned first: MySQL evaluates SET left to right with the new values.
    await this.ctx.db
      .updateTable('apps')
      .set((eb) => ({
        previous_token_secret: eb.ref('token_secret'),
        previous_secret_valid_until: this.ctx.now() + graceMs,
        token_secret: newSecret,
      }))
      .where('app_id', '=', appId)
      .execute();
    return this.mustGet(appId);
  }

  async updateSettings(appId: string, update: AppSettingsUpdate): Promise<App> {
    const set: {
      webhook_url?: string | null;
      webhook_secret?: string | null;
      allow_client_tags?: number | null;
      allow_client_room_sends?: number | null;
    } = {};
    if (update.webhookUrl !== undefined) {
      if (update.webhookUrl !== null) checkText('webhookUrl', update.webhookUrl, MAX_WEBHOOK_URL_LENGTH);
      set.webhook_url = update.webhookUrl;
    }
    if (update.webhookSecret !== undefined) {
      if (update.webhookSecret !== null) checkText('webhookSecret', update.webhookSecret, 255);
      set.webhook_secret = update.webhookSecret;
    }
    if (update.allowClientTags !== undefined) {
      set.allow_client_tags = flagColumn(update.allowClientTags);
    }
    if (update.allowClientRoomSends !== undefined) {
      set.allow_client_room_sends = flagColumn(update.allowClientRoomSends);
    }
    if (Object.keys(set).length > 0) {
      await this.ctx.db.updateTable('apps').set(set).where('app_id', '=', appId).execute();
    }
    return this.mustGet(appId);
  }

  private async mustGet(appId: string): Promise<App> {
    const app = await this.get(appId);
    if (!app) throw new StorageError('NOT_FOUND', `no app ${appId}`);
    return app;
  }
}

function flagColumn(value: boolean | null): number | null {
  return value === null ? null : value ? 1 : 0;
}
