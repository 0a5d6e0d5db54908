import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@switchboard/cli/cli';
import { createClient } from '@switchboard/client/node';
import { createLogger, memoryDestination } from '@switchboard/log';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTestConfig } from './embedded-config.js';

/** `switchboard listen` and `send` against the embedded suite, run in-process. */
describe('switchboard listen / send', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-cli-client-'));
  let suite: Suite;
  let secret = '';
  const appId = `cli-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    suite = await startSuite(
      embeddedTestConfig(dataDir),
      createLogger({ level: 'info', service: 'e2e', destination: memoryDestination() }),
    );
    secret = randomBytes(32).toString('base64url');
    await suite.storage.apps.create({ appId, name: appId, tokenSecret: secret });
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(...args: string[]) {
    return startWith(undefined, ...args);
  }
  function startWith(input: AsyncIterable<string> | undefined, ...args: string[]) {
    return startIn({}, input, ...args);
  }
  function startIn(env: Record<string, string>, input: AsyncIterable<string> | undefined, ...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const interrupt = new AbortController();
    const done = runCli(args, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env,
      signal: interrupt.signal,
      ...(input ? { input } : {}),
    });
    return { out, err, done, interrupt: () => interrupt.abort() };
  }
  const common = (user: string, url = suite.wsUrl) => [
    '--app',
    appId,
    '--secret',
    secret,
    '--user',
    user,
    '--url',
    url,
  ];

  it('listen prints what send sends, as JSON lines or for people, and stops on Ctrl-C', async () => {
    const json = start('listen', ...common('bob', suite.tcpUrl), '--json');
    const human = start('listen', ...common('bob'), '--device', 'cli-2');
    await waitFor(
      'both listening',
      () => human.err.some((l) => l.startsWith('listening as bob')) && json.err.length === 0,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300)); // the JSON listener prints nothing until a message
    const sent = start('send', ...common('alice'), '--to', 'bob', 'hello', 'bob', '--json');
    expect(await sent.done).toBe(0);
    const stored = JSON.parse(sent.out[0]!) as Record<string, unknown>;
    expect(stored).toMatchObject({
      seq: 1,
      conversationSeq: 1,
      text: 'hello bob',
      sender: { userId: 'alice' },
    });

    await waitFor('the JSON line', () => json.out.length === 1);
    expect(JSON.parse(json.out[0]!)).toMatchObject({
      messageId: stored['messageId'],
      seq: 1,
      conversation: { type: 'user', id: 'alice' },
      text: 'hello bob',
    });
    await waitFor('the human line', () => human.out.length === 1);
    expect(human.out[0]).toMatch(/^\d\d:\d\d:\d\d \[with alice #1\] alice: hello bob$/);
    json.interrupt();
    human.interrupt();
    expect(await json.done).toBe(0);
    expect(await human.done).toBe(0);

    // A listener started later prints what it syncs first; --count stops it.
    const late = start('listen', ...common('bob'), '--json', '--count', '1');
    expect(await late.done).toBe(0);
    expect(JSON.parse(late.out[0]!)).toMatchObject({ text: 'hello bob' });

    const plain = start('send', ...common('alice'), '--to', 'bob', '--text', 'again');
    expect(await plain.done).toBe(0);
    expect(plain.out).toEqual([expect.stringMatching(/^sent: message \d+, seq 2, conversation seq 2$/)]);
  }, 90_000);

  it('chat shows the history, sends what is typed, shows replies and read receipts', async () => {
    const typed: string[] = [];
    let wake = () => {};
    async function* lines() {
      for (;;) {
        while (typed.length === 0) await new Promise<void>((r) => (wake = r));
        const line = typed.shift()!;
        yield line;
      }
    }
    const type = (line: string) => {
      typed.push(line);
      wake();
    };
    const chat = startWith(lines(), 'chat', ...common('bob'), '--with', 'alice');
    await waitFor('chat ready', () => chat.err.some((l) => l.startsWith('chatting as bob')), 30_000);
    expect(chat.out.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      '[with alice #1] alice: hello bob',
      '[with alice #2] alice: again',
    ]);
    type('hi alice');
    await waitFor('own line', () => chat.out.length === 3);
    expect(chat.out[2]).toMatch(/\[with alice #3\] bob: hi alice$/);
    const reply = start('send', ...common('alice'), '--to', 'bob', 'welcome back');
    expect(await reply.done).toBe(0);
    await waitFor('the reply', () => chat.out.length === 4);
    expect(chat.out[3]).toMatch(/\[with alice #4\] alice: welcome back$/);
    // alice reads bob's next line (her own send moved her cursor to #4): bob's chat shows her receipt.
    type('one more');
    await waitFor('second own line', () => chat.out.length === 5);
    const alice = createClient({
      url: suite.wsUrl,
      token: () => testToken(appId, 'alice', secret),
      deviceId: 'web',
    });
    await alice.start();
    await alice.markRead({ user: 'bob' }, 5);
    await alice.close();
    await waitFor('the receipt', () => chat.err.includes('  (alice read up to #5)'));
    type('/quit');
    expect(await chat.done).toBe(0);
  }, 90_000);

  it("runs the README's listen and send lines exactly as printed (the demo app, the profile's gate URL)", async () => {
    // The README's two lines, read from it: `npx switchboard <args>  # comment`.
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const line = (command: string) => {
      const found = readme.split('\n').find((l) => l.startsWith(`npx switchboard ${command} `));
      if (!found) throw new Error(`no "npx switchboard ${command}" line in the README`);
      return found.replace(/#.*$/, '').trim().split(/\s+/).slice(2);
    };
    // What the README's `npm start` would give these commands: its database and its WebSocket port.
    const env = {
      SWITCHBOARD_SQLITE__FILE: suite.sqliteFile,
      SWITCHBOARD_GATE__WS__PORT: new URL(suite.wsUrl).port,
    };
    const listen = startIn(env, undefined, ...line('listen'));
    await waitFor('bob listening', () => listen.err.some((l) => l.startsWith('listening as bob')), 30_000);
    const send = startIn(env, undefined, ...line('send'));
    expect(await send.done).toBe(0);
    expect(send.out).toEqual([expect.stringMatching(/^sent: message \d+, seq 1, conversation seq 1$/)]);
    await waitFor('the message at bob', () => listen.out.length === 1);
    expect(listen.out[0]).toMatch(/\[with alice #1\] alice: hi bob$/);
    listen.interrupt();
    expect(await listen.done).toBe(0);
  }, 90_000);

  it('gives up with one line on a token the server refuses', async () => {
    const run = start('send', '--token', 'not-a-jwt', '--user', 'a', '--to', 'b', 'x', '--url', suite.wsUrl);
    expect(await run.done).toBe(1);
    expect(run.err).toEqual([expect.stringMatching(/^switchboard: /)]);
  });
});
