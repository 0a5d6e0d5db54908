import type { Migration } from 'kysely';
import type { DialectKind } from '../storage-dialect.js';
import { initialMigration } from './0001-initial.js';
import { apiKeysAndTenantSettingsMigration } from './0002-api-keys-and-tenant-settings.js';
import { inboxByMessageMigration } from './0003-inbox-by-message.js';
import { groupsAndReadStateMigration } from './0004-groups-and-read-state.js';
import { groupMemberIndexMigration } from './0005-group-member-index.js';
import { userSeqsMigration } from './0006-user-seqs.js';

/**
 * Every schema migration, by name, in code rather than files so that esbuild bundles them with
 * the app. Kysely applies them in name order: add new ones with the next number and never edit
 * a released one. After a change, regenerate `sql/schema.sql` with
 * `npx tsx libs/storage/src/dump-schema.ts`.
 */
export function storageMigrations(kind: DialectKind): Record<string, Migration> {
  return {
    '0001_initial': initialMigration(kind),
    '0002_api_keys_and_tenant_settings': apiKeysAndTenantSettingsMigration(kind),
    '0003_inbox_by_message': inboxByMessageMigration(kind),
    '0004_groups_and_read_state': groupsAndReadStateMigration(kind),
    '0005_group_member_index': groupMemberIndexMigration(kind),
    '0006_user_seqs': userSeqsMigration(kind),
  };
}
