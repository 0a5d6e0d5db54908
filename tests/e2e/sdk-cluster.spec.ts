import { createClient, type ClientState, type Message, type Switchboard } from '@switchboard/client/node';
import { testToken, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster.js';

const text = (m: Message) => new TextDecoder().decode(m.content);

/** The SDK against the local cluster (separate processes, MariaDB, Redis): a gateway killed under it. */
describe('@switchboard/client SDK on the local cluster', () => {
  let scratch: ScratchCluster;
  const clients: Switchboard[] = [];

  beforeAll(async () => {
    scratch = await startScratchCluster('sdk', { ws: 1, tcp: 1, logic: 1, route: 1, app: { id: 'sdk' } });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await scratch?.stop();
  });

  it('survives a SIGKILLed gateway: the burst sent meanwhile arrives once, in seq order', async () => {
    const { cluster } = scratch;
    const token = (user: string) => () => testToken('sdk', user, cluster.appSecret!);
    const start = async (user: string, url: string) => {
      const c = createClient({
        url,
        token: token(user),
        deviceId: 'd1',
        backoff: { baseMs: 50, maxMs: 500 },
      });
      clients.push(c);
      await c.start();
      return c;
    };
    const alice = await start('alice', cluster.tcpUrls[0]!);
    const bob = await start('bob', cluster.wsUrls[0]!);
    const got: Message[] = [];
    const states: ClientState[] = [];
    bob.on('message', (m) => got.push(m));
    bob.on('state', (s) => states.push(s));

    const sends: Array<Promise<Message>> = [];
    for (let i = 0; i < 10; i++) sends.push(alice.send({ user: 'bob' }, `before ${i}`));
    await Promise.all(sends);
    const killed = cluster.restart('ws-1', { signal: 'SIGKILL', downMs: 500 });
    for (let i = 0; i < 30; i++) sends.push(alice.send({ user: 'bob' }, `during ${i}`));
    await killed;
    const stored = await Promise.all(sends);
    await waitFor('bob has every message', () => got.length >= stored.length, 60_000);
    await new Promise((r) => setTimeout(r, 300)); // a double would have arrived by now
    // The sends ran concurrently: the server ordered them; bob holds each once, in his seq order.
    expect(got.map(text).sort()).toEqual(stored.map(text).sort());
    expect(got.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(states).toContain('reconnecting');
    expect(bob.state).toBe('online');
  }, 120_000);
});
