import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiKeyMatches,
  createScratchMysqlDatabase,
  createStorage,
  parseApiKey,
  type ScratchMysqlDatabase,
  type Storage,
} from '@switchboard/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const MYSQL_SERVER_URI = process.env['SWITCHBOARD_TEST_MYSQL_URI'] ?? 'mysql://root@127.0.0.1:3306';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as an operator runs it, configured by the environment: in-process, so no process start per command. */
async function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    out: (text) => (stdout += `${text}\n`),
    err: (text) => (stderr += `${text}\n`),
    env: { ...process.env, ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Runs a command that must succeed with one line of JSON, and parses it. */
async function cliJson<T>(env: Record<string, string>, ...args: string[]): Promise<T> {
  const run = await cli(env, ...args, '--json');
  expect(run, run.stderr).toMatchObject({ code: 0 });
  expect(run.stdout.endsWith('\n') && run.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(run.stdout) as T;
}

interface Profile {
  env: Record<string, string>;
  open(): Promise<Storage>;
  destroy(): Promise<void>;
}

const PROFILES: Record<'embedded' | 'production', () => Promise<Profile>> = {
  async embedded() {
    const dir = await mkdtemp(join(tmpdir(), 'sb-cli-'));
    const file = join(dir, 'data', 'switchboard.db');
    return {
      env: { SWITCHBOARD_PROFILE: 'embedded', SWITCHBOARD_SQLITE__FILE: file },
      open: () => createStorage({ dialect: 'sqlite', file }),
      destroy: () => rm(dir, { recursive: true, force: true }),
    };
  },
  async production() {
    const scratch: ScratchMysqlDatabase = await createScratchMysqlDatabase(MYSQL_SERVER_URI, 'sb_cli');
    return {
      env: { SWITCHBOARD_PROFILE: 'production', SWITCHBOARD_MYSQL__URI: scratch.uri },
      open: () => createStorage({ dialect: 'mysql', uri: scratch.uri, poolSize: 1 }),
      destroy: () => scratch.drop(),
    };
  },
};

for (const [name, setUp] of Object.entries(PROFILES)) {
  describe(`switchboard app commands (${name} profile)`, { timeout: 60_000 }, () => {
    let profile: Profile;
    let storage: Storage;
    let env: Record<string, string>;

    beforeAll(async () => {
      profile = await setUp();
      env = profile.env;
    });
    afterAll(async () => {
      await storage?.close();
      await profile.destroy();
    });

    it('creates an app with a first API key that authenticates', async () => {
      const created = await cliJson<Record<string, string>>(
        env,
        'app',
        'create',
        '--app',
        'acme',
        '--secret',
        's1',
      );
      expect(Object.keys(created)).toEqual(['appId', 'tokenSecret', 'apiKey']);
      expect(created).toMatchObject({ appId: 'acme', tokenSecret: 's1' });
      // The database exists now (the CLI created and migrated it): open it alongside.
      storage = await profile.open();
      const { keyId } = parseApiKey(created['apiKey'])!;
      const found = await storage.apiKeys.findActive(keyId);
      expect(found).toMatchObject({ appId: 'acme', keyId });
      expect(apiKeyMatches(created['apiKey']!, found!.keyHash)).toBe(true);

      const human = await cli(env, 'app', 'create', '--app', 'beta');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(
        /^created app "beta"\nsecret: \S+\napi key: sb_\S+\n.*shown only this once/,
      );
      expect(await cliJson(env, 'app', 'list')).toEqual([
        expect.objectContaining({ appId: 'acme', name: 'acme' }),
        expect.objectContaining({ appId: 'beta' }),
      ]);
    });

    it('creates, lists and revokes keys, only within their own app', async () => {
      const made = await cliJson<{ keyId: string; apiKey: string }>(
        env,
        'app',
        'key',
        'create',
        '--app',
        'acme',
        '--name',
        'ci',
      );
      expect(apiKeyMatches(made.apiKey, (await storage.apiKeys.findActive(made.keyId))!.keyHash)).toBe(true);
      const listed = await cliJson<Array<{ keyId: string; name: string; revokedAt: string | null }>>(
        env,
        'app',
        'key',
        'list',
        '--app',
        'acme',
      );
      expect(listed).toHaveLength(2);
      expect(listed[1]).toMatchObject({ keyId: made.keyId, name: 'ci', revokedAt: null });
      expect(JSON.stringify(listed)).not.toContain(made.apiKey);

      const elsewhere = await cli(env, 'app', 'key', 'revoke', '--app', 'beta', '--key', made.keyId);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr.trim().split('\n')).toHaveLength(1);
      expect(await storage.apiKeys.findActive(made.keyId)).toBeDefined();

      const revoked = await cli(env, 'app', 'key', 'revoke', '--app', 'acme', '--key', made.keyId);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(await storage.apiKeys.findActive(made.keyId)).toBeUndefined();
      expect((await storage.apiKeys.list('acme'))[1]?.revokedAt).toEqual(expect.any(Number));
    });

    it('rotates the token secret with a grace period, and show reports it without the secret', async () => {
      const before = Date.now();
      const rotated = await cliJson<{ tokenSecret: string; previousSecretValidUntil: string }>(
        env,
        'app',
        'secret',
        'rotate',
        '--app',
        'acme',
        '--grace',
        '10m',
      );
      const app = (await storage.apps.get('acme'))!;
      expect(app).toMatchObject({ tokenSecret: rotated.tokenSecret, previousTokenSecret: 's1' });
      expect(app.previousSecretValidUntil! - before).toBeGreaterThanOrEqual(600_000);
      expect(app.previousSecretValidUntil! - before).toBeLessThan(660_000);
      expect(Date.parse(rotated.previousSecretValidUntil)).toBe(app.previousSecretValidUntil);

      const shown = await cliJson<Record<string, unknown>>(env, 'app', 'show', '--app', 'acme');
      expect(shown).toMatchObject({ appId: 'acme', previousSecretValid: true, allowClientTags: null });
      expect(shown).not.toHaveProperty('tokenSecret');
      expect(JSON.stringify(shown)).not.toContain(rotated.tokenSecret);
      expect(shown['activeKeys']).toHaveLength(1);
      expect(await cliJson(env, 'app', 'show', '--app', 'acme', '--show-secret')).toMatchObject({
        tokenSecret: rotated.tokenSecret,
      });

      await cliJson(env, 'app', 'secret', 'rotate', '--app', 'acme');
      expect(await cliJson(env, 'app', 'show', '--app', 'acme')).toMatchObject({
        previousSecretValid: false,
        previousSecretValidUntil: null,
      });
    });

    it('sets and clears the webhook, and the client-tags setting', async () => {
      const hook = await cliJson<{ webhookSecret: string }>(
        env,
        'app',
        'webhook',
        'set',
        '--app',
        'acme',
        '--url',
        'https://hooks.example.com/sb',
      );
      expect(hook.webhookSecret.length).toBeGreaterThanOrEqual(32);
      expect(await storage.apps.get('acme')).toMatchObject({
        webhookUrl: 'https://hooks.example.com/sb',
        webhookSecret: hook.webhookSecret,
      });
      expect((await cli(env, 'app', 'set', '--app', 'acme', '--allow-client-tags', 'false')).code).toBe(0);
      const shown = await cliJson<Record<string, unknown>>(env, 'app', 'show', '--app', 'acme');
      expect(shown).toMatchObject({
        webhookUrl: 'https://hooks.example.com/sb',
        allowClientTags: false,
        previousSecretValid: false,
      });
      expect(shown).not.toHaveProperty('tokenSecret');
      const { tokenSecret } = (await storage.apps.get('acme'))!;
      for (const secret of [hook.webhookSecret, tokenSecret])
        expect(JSON.stringify(shown)).not.toContain(secret);

      expect((await cli(env, 'app', 'webhook', 'clear', '--app', 'acme')).code).toBe(0);
      expect((await cli(env, 'app', 'set', '--app', 'acme', '--allow-client-tags', 'default')).code).toBe(0);
      expect(await storage.apps.get('acme')).toMatchObject({
        webhookUrl: null,
        webhookSecret: null,
        allowClientTags: null,
      });
    });

    it('sets the room-sends setting alone or with the client-tags one, and shows it', async () => {
      const set = await cli(env, 'app', 'set', '--app', 'acme', '--allow-room-sends', 'true');
      expect(set.code).toBe(0);
      expect(await storage.apps.get('acme')).toMatchObject({ allowClientRoomSends: true });
      expect(await cliJson(env, 'app', 'show', '--app', 'acme')).toMatchObject({
        allowClientRoomSends: true,
      });
      const both = await cli(
        env,
        'app',
        'set',
        '--app',
        'acme',
        '--allow-room-sends',
        'false',
        '--allow-client-tags',
        'true',
      );
      expect(both.code).toBe(0);
      expect(await storage.apps.get('acme')).toMatchObject({
        allowClientRoomSends: false,
        allowClientTags: true,
      });
      expect((await cli(env, 'app', 'show', '--app', 'acme')).stdout).toMatch(/allow room sends: +false/);
      expect((await cli(env, 'app', 'set', '--app', 'acme', '--allow-room-sends', 'default')).code).toBe(0);
      expect(await storage.apps.get('acme')).toMatchObject({
        allowClientRoomSends: null,
        allowClientTags: true,
      });
      expect((await cli(env, 'app', 'show', '--app', 'acme')).stdout).toMatch(
        /allow room sends: +default \(server configuration\)/,
      );
      if (name !== 'embedded') return;
      expect((await cli(env, 'app', 'set', '--app', 'acme')).code).toBe(2);
      expect((await cli(env, 'app', 'set', '--app', 'acme', '--allow-room-sends', 'maybe')).code).toBe(2);
    });

    it('answers an unknown app with one line (exit 1) and an unknown command with one line too (exit 2)', async () => {
      const unknownApp = await cli(env, 'app', 'show', '--app', 'nope');
      expect(unknownApp).toMatchObject({ code: 1, stdout: '', stderr: 'switchboard: no app "nope"\n' });
      if (name !== 'embedded') return;
      const unknownCommand = await cli(env, 'app', 'frobnicate');
      expect(unknownCommand.code).toBe(2);
      expect(unknownCommand.stderr).toBe('switchboard: unknown command "app frobnicate"\n');
    });
  });
}
