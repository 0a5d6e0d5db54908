import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, type StorageOptions } from './create-storage.js';
import { createScratchMysqlDatabase, DEFAULT_MYSQL_SERVER_URI } from './mysql-scratch-database.js';
import type { Storage } from './storage.js';
import type { AppendInput, DirectSendInput } from './types.js';

/*
 * Shared set-up of the storage specs, which all run once per dialect (kysely's
 * `for (const dialect of DIALECTS)`): each suite gets its own fresh database, dropped afterwards.
 */

export const DIALECTS = ['sqlite', 'mysql'] as const;
export type TestDialect = (typeof DIALECTS)[number];

export const MYSQL_SERVER_URI = process.env['SWITCHBOARD_TEST_MYSQL_URI'] ?? DEFAULT_MYSQL_SERVER_URI;

/** A fresh empty database; `open` may be called several times (several "processes" on MySQL). */
export interface TestDatabase {
  open(options?: Pick<StorageOptions, 'now' | 'observe' | 'readBackMessageIds'>): Promise<Storage>;
  destroy(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const opened: Storage[] = [];
  const closeAll = () => Promise.all(opened.splice(0).map((storage) => storage.close()));
  if (dialect === 'mysql') {
    const scratch = await createScratchMysqlDatabase(MYSQL_SERVER_URI);
    return {
      async open(options) {
        const storage = await createStorage({ dialect: 'mysql', uri: scratch.uri, poolSize: 8, ...options });
        opened.push(storage);
        return storage;
      },
      async destroy() {
        await closeAll();
        await scratch.drop();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'sb-storage-'));
  return {
    async open(options) {
      // A folder that does not exist yet: the storage must create it.
      const storage = await createStorage({
        dialect: 'sqlite',
        file: join(dir, 'data', 'switchboard.db'),
        ...options,
      });
      opened.push(storage);
      return storage;
    },
    async destroy() {
      await closeAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An id no other test uses, so that tests sharing a database do not see each other's rows. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function directSend(
  overrides: Partial<DirectSendInput> & Pick<DirectSendInput, 'appId'>,
): DirectSendInput {
  return {
    senderUserId: 'alice',
    senderDeviceId: 'phone',
    recipientUserId: 'bob',
    clientMsgId: uniqueId('cm'),
    contentType: 'text',
    content: new TextEncoder().encode('hello'),
    sentAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** A group message from alice to g1's inboxes alice, bob and carol, unless overridden. */
export function groupAppend(overrides: Partial<AppendInput> & Pick<AppendInput, 'appId'>): AppendInput {
  return {
    conversation: { type: 'group', key: 'g1' },
    senderUserId: 'alice',
    senderDeviceId: 'phone',
    targetId: overrides.conversation?.key ?? 'g1',
    clientMsgId: uniqueId('cm'),
    contentType: 'text',
    content: new TextEncoder().encode('hello'),
    sentAt: 1_700_000_000_000,
    inboxUserIds: ['alice', 'bob', 'carol'],
    ...overrides,
  };
}
