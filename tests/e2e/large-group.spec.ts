import { randomBytes } from 'node:crypto';
import type { SwitchboardClient } from '@switchboard/client/node';
import { ConversationType, type Message } from '@switchboard/proto/client';
import { testToken, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from './business-api-scenarios.js';
import { signedIn } from './clients.js';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster.js';

const MEMBERS = 2_000;
const ONLINE = 500;
const MESSAGES = 20;

/** `n` at a time, so that a test process opens a few hundred sockets, not thousands, at once. */
async function inBatches<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(fn))));
  return out;
}

/**
 * Read fan-out at the size the design is for: a group of 2,000 (large from the start: the default
 * `logic.largeGroupMinMembers` is 500), 500 members online over a TCP and a WS gateway, half of them
 * signed in before the group existed (logic puts them in the group's room) and half after (their
 * sign-in names the room). Every online member gets each message exactly once, as a push with seq 0;
 * every offline member then signs in and reads the whole group with SYNC_GROUP.
 */
describe('a large group: 2,000 members, 500 online across two gateways', () => {
  let scratch: ScratchCluster | undefined;
  const appId = `big-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  let apiKey = '';
  const online: SwitchboardClient[] = [];

  beforeAll(async () => {
    scratch = await startScratchCluster('large', {
      ws: 1,
      tcp: 1,
      logic: 1,
      route: 1,
      env: { SWITCHBOARD_LOG__LEVEL: 'warn' },
    });
    const { storage } = scratch;
    await storage.apps.create({ appId, name: appId, tokenSecret: secret });
    apiKey = (await storage.apiKeys.create({ appId, name: 'test' })).key;
  }, 120_000);

  afterAll(async () => {
    for (const c of online) c.close();
    await scratch?.stop();
  }, 60_000);

  it('every online member gets each message once; every offline member syncs the whole group', async () => {
    const c = scratch!.cluster;
    const gates = [...c.tcpUrls, ...c.wsUrls];
    const users = Array.from({ length: MEMBERS }, (_, i) => `m${String(i).padStart(4, '0')}`);
    const signIn = async (user: string, i: number) =>
      (await signedIn(gates[i % gates.length]!, await testToken(appId, user, secret, '1h', 'd'), 'd')).client;

    const before = await inBatches(users.slice(0, ONLINE / 2), 100, (u) => signIn(u, users.indexOf(u)));
    online.push(...before);
    const groupId = 'town-hall';
    const created = await post(c.apis[0]!.http, apiKey, 'create_group', {
      groupId,
      name: 'Town hall',
      ownerUserId: users[0],
      memberUserIds: users.slice(1),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body['group']).toMatchObject({ memberCount: MEMBERS, large: true });
    const after = await inBatches(users.slice(ONLINE / 2, ONLINE), 100, (u) => signIn(u, users.indexOf(u)));
    online.push(...after);

    // Ten members speak, through both gateways.
    for (let i = 0; i < MESSAGES; i++) {
      const r = await online[i % 10]!.sendToGroup(groupId, `item ${i}`, `agenda-${i}`);
      expect(r.seq).toBe(0);
    }
    const isGroupText = (m: Message) =>
      m.conversation?.type === ConversationType.CONVERSATION_TYPE_GROUP && m.contentType === 'text';
    // Each online member: every message once, except its own sends (it has their responses).
    const expected = (i: number) => MESSAGES - (i < 10 ? MESSAGES / 10 : 0);
    await waitFor(
      'every online member has every message',
      () => online.every((client, i) => client.pushes.filter(isGroupText).length >= expected(i)),
      60_000,
    );
    for (const [i, client] of online.entries()) {
      const got = client.pushes.filter(isGroupText);
      expect(got.length, `member ${i}`).toBe(expected(i));
      expect(new Set(got.map((m) => m.conversationSeq)).size).toBe(got.length);
      expect(got.every((m) => m.seq === 0)).toBe(true);
    }

    // The 1,500 who were offline sign in and read the group whole from the start.
    const max = (await online[0]!.syncGroup(groupId, 0, 1)).maxSeq;
    expect(max).toBe(MESSAGES + 1);
    const offline = users.slice(ONLINE);
    const complete = await inBatches(offline, 100, async (user) => {
      const client = await signIn(user, users.indexOf(user));
      try {
        const seqs: number[] = [];
        let after = 0;
        for (;;) {
          const page = await client.syncGroup(groupId, after, 100);
          seqs.push(...page.messages.map((m) => m.conversationSeq));
          if (!page.hasMore) break;
          after = page.messages.at(-1)!.conversationSeq;
        }
        return seqs.length === max && seqs.every((s, i) => s === i + 1);
      } finally {
        client.close();
      }
    });
    expect(complete.filter((ok) => !ok).length).toBe(0);
  }, 240_000);
});
