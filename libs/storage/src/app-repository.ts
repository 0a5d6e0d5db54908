import type { RepositoryContext } from './repository-context.js';
import { checkId, checkText } from './limits.js';
import { toApp } from './row-mappers.js';
import type { AppRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import type { App, NewApp } from './types.js';

export class SqlAppRepository implements AppRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(app: NewApp): Promise<App> {
    checkId('appId', app.appId);
    checkText('name', app.name, 128);
    checkText('tokenSecret', app.tokenSecret, 255);
    if (app.apiKeyHash != null) checkText('apiKeyHash', app.apiKeyHash, 128);
    const row = {
      app_id: app.appId,
      name: app.name,
      token_secret: app.tokenSecret,
      api_key_hash: app.apiKeyHash ?? null,
      created_at: this.ctx.now(),
    };
    try {
      await this.ctx.db.insertInto('apps').values(row).execute();
    } catch (error) {
      if (this.ctx.dialect.classifyError(error) !== 'duplicate') throw error;
      throw new StorageError('ALREADY_EXISTS', `app ${app.appId} already exists`, { cause: error });
    }
    return toApp(row);
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
}
