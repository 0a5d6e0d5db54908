import { generateApiKey, hashApiKey } from './api-key.js';
import type { RepositoryContext } from './repository-context.js';
import { checkId, checkText } from './limits.js';
import { toApiKeyInfo } from './row-mappers.js';
import type { ApiKeyRepository } from './storage.js';
import { StorageError } from './storage-error.js';
import type { ActiveApiKey, ApiKeyInfo, CreatedApiKey, NewApiKey } from './types.js';

// Key ids are 62^12 random: a clash is practically impossible, but one must not fail a create.
const CREATE_ATTEMPTS = 3;

export class SqlApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewApiKey): Promise<CreatedApiKey> {
    checkId('appId', input.appId);
    checkText('name', input.name, 128);
    const app = await this.ctx.db
      .selectFrom('apps')
      .select('app_id')
      .where('app_id', '=', input.appId)
      .executeTakeFirst();
    if (!app) throw new StorageError('NOT_FOUND', `no app ${input.appId}`);
    const createdAt = this.ctx.now();
    for (let attempt = 1; ; attempt++) {
      const { keyId, key } = generateApiKey();
      try {
        await this.ctx.db
          .insertInto('api_keys')
          .values({
            key_id: keyId,
            app_id: input.appId,
            key_hash: hashApiKey(key),
            name: input.name,
            created_at: createdAt,
            revoked_at: null,
          })
          .execute();
        return { keyId, key, name: input.name, createdAt };
      } catch (error) {
        if (attempt >= CREATE_ATTEMPTS || this.ctx.dialect.classifyError(error) !== 'duplicate') throw error;
      }
    }
  }

  async list(appId: string): Promise<ApiKeyInfo[]> {
    const rows = await this.ctx.db
      .selectFrom('api_keys')
      .select(['key_id', 'name', 'created_at', 'revoked_at'])
      .where('app_id', '=', appId)
      .orderBy('created_at')
      .orderBy('key_id')
      .execute();
    return rows.map(toApiKeyInfo);
  }

  async revoke(appId: string, keyId: string): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('api_keys')
      .set({ revoked_at: this.ctx.now() })
      .where('key_id', '=', keyId)
      .where('app_id', '=', appId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return true;
    // Revoked before: still the app's key, and still revoked (the first revocation time stays).
    const row = await this.ctx.db
      .selectFrom('api_keys')
      .select('key_id')
      .where('key_id', '=', keyId)
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async findActive(keyId: string): Promise<ActiveApiKey | undefined> {
    if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 16) return undefined;
    const row = await this.ctx.db
      .selectFrom('api_keys')
      .select(['app_id', 'key_id', 'key_hash'])
      .where('key_id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && { appId: row.app_id, keyId: row.key_id, keyHash: row.key_hash };
  }
}
