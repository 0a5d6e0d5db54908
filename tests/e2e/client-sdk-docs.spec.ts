import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Message } from '@switchboard/client/node';
import { createLogger, memoryDestination } from '@switchboard/log';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken, waitFor } from '@switchboard/testing';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { post } from './business-api-scenarios.js';
import { embeddedTestConfig } from './embedded-config.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/client-sdk.md'), 'utf8');

/**
 * docs/client-sdk.md as a reader uses it: its TypeScript snippets, exactly as printed and in order,
 * run as one module against the embedded suite, with the two names the page tells the reader to
 * provide (`gatewayUrl`, `fetchToken`) and, for the browser snippet, a global WebSocket and
 * IndexedDB as a browser has them.
 */
describe('docs/client-sdk.md snippets', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-sdk-docs-'));
  let suite: Suite;
  let appId = '';
  let secret = '';

  beforeAll(async () => {
    suite = await startSuite(
      embeddedTestConfig(dataDir),
      createLogger({ level: 'info', service: 'docs', destination: memoryDestination() }),
    );
    appId = `docs-${randomBytes(3).toString('hex')}`;
    secret = randomBytes(32).toString('base64url');
    await suite.storage.apps.create({ appId, name: appId, tokenSecret: secret });
    const { key } = await suite.storage.apiKeys.create({ appId, name: 'docs' });
    const created = await post(suite.api.http, key, 'create_group', {
      groupId: 'team',
      name: 'Team',
      ownerUserId: 'alice',
      memberUserIds: ['bob'],
    });
    expect(created.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('run as printed', async () => {
    const snippets = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    const bob = createClient({
      url: suite.tcpUrl,
      token: () => testToken(appId, 'bob', secret),
      deviceId: 'phone',
    });
    const bobGot: Message[] = [];
    bob.on('message', (m) => bobGot.push(m));
    await bob.start();

    const globals = globalThis as Record<string, unknown>;
    globals['gatewayUrl'] = suite.wsUrl;
    globals['fetchToken'] = () => testToken(appId, 'alice', secret, '1h');
    globals['WebSocket'] = WebSocket;
    const logged: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logged.push(args.join(' '));
    });
    // Next to this spec, so that the snippets' imports resolve as in an app of this repository.
    const file = join(import.meta.dirname, `.client-sdk-docs-${process.pid}.ts`);
    try {
      writeFileSync(file, `${snippets.join('\n')}\nexport {};\n`);
      await import(file);
    } finally {
      rmSync(file, { force: true });
      log.mockRestore();
      delete globals['gatewayUrl'];
      delete globals['fetchToken'];
      delete globals['WebSocket'];
    }
    expect(logged).toContain('state: online');
    // seq 1 of alice's inbox is the group's creation (it was created before the snippets ran).
    expect(logged).toContain('stored as seq 2 in the conversation at 1');
    expect(logged).toContainEqual(expect.stringMatching(/^team unread: 0$/));
    expect(logged.at(-1)).toBe('hello bob'); // the browser client's recent(), from IndexedDB
    await waitFor('bob has both', () => bobGot.filter((m) => m.contentType === 'text').length === 2);
    expect(
      bobGot.filter((m) => m.contentType === 'text').map((m) => new TextDecoder().decode(m.content)),
    ).toEqual(['hello bob', 'hi team']);
    await bob.close();
  }, 30_000);
});
