import { ErrorCode } from '@switchboard/proto/client';
import { waitFor } from '@switchboard/testing';
import { expect } from 'vitest';
import { signedIn, text } from './clients.js';

export interface Endpoints {
  tcpUrl: string;
  wsUrl: string;
  /** A second gate's URL where there is one (distributed runs), else the same as wsUrl. */
  otherUrl: string;
  token(user: string, device?: string): Promise<string>;
}

/**
 * The chat scenarios every deployment must pass, run against an embedded and a
 * distributed suite alike. `run` is a unique tag so that reruns against one
 * database never see each other's users.
 */
export async function chatScenarios(ep: Endpoints, run: string): Promise<void> {
  const alice = `alice-${run}`;
  const bob = `bob-${run}`;

  // alice on TCP, bob on WebSocket: a message goes across, pushed with each side's own seq.
  const a1 = await signedIn(ep.tcpUrl, await ep.token(alice), 'phone');
  const b1 = await signedIn(ep.wsUrl, await ep.token(bob), 'laptop');
  const sent = await a1.client.sendText(bob, 'hello bob', 'c1');
  expect(sent.seq).toBe(1);
  const pushed = await waitFor('bob to get the push', () => b1.client.pushes[0]);
  expect(text(pushed)).toBe('hello bob');
  expect(pushed).toMatchObject({
    seq: 1,
    conversation: { id: alice },
    sender: { userId: alice, deviceId: 'phone' },
  });
  await b1.client.ack(1);

  // A second device of alice (WebSocket JSON) sees what alice sends from her phone.
  const a2 = await signedIn(ep.otherUrl, await ep.token(alice), 'tablet', { json: true });
  await a1.client.sendText(bob, 'second', 'c2');
  const mirrored = await waitFor('alice tablet to get her own message', () => a2.client.pushes[0]);
  expect(mirrored).toMatchObject({ seq: 2, conversation: { id: bob }, clientMsgId: 'c2' });
  expect(a1.client.pushes).toHaveLength(0); // the sending device has the response, not a push

  // bob goes offline; alice sends three; bob comes back and syncs them in order.
  b1.client.close();
  await b1.client.closed;
  for (let i = 1; i <= 3; i++) await a1.client.sendText(bob, `offline ${i}`, `o${i}`);
  const b2 = await signedIn(ep.tcpUrl, await ep.token(bob), 'laptop');
  expect(b2.res.ackedSeq).toBe(1);
  expect(b2.res.maxSeq).toBe(5);
  const synced = await b2.client.syncAll(b2.res.ackedSeq, 2);
  expect(synced.map((m) => [m.seq, text(m)])).toEqual([
    [2, 'second'],
    [3, 'offline 1'],
    [4, 'offline 2'],
    [5, 'offline 3'],
  ]);

  // A retried send returns the first result and bob does not get it twice.
  const retry = await a1.client.sendText(bob, 'offline 3', 'o3');
  expect(retry.seq).toBe(5);
  const after = await b2.client.sync(5);
  expect(after.messages).toEqual([]);
  expect(b2.client.pushes).toHaveLength(0);

  // Signing in again with the same device kicks the old connection.
  const b3 = await signedIn(ep.wsUrl, await ep.token(bob), 'laptop');
  const kicked = await b2.client.closed;
  expect(kicked.code).toBe(ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE);
  // ...and the old connection's close did not unbind the new one: it still gets pushes.
  await a1.client.sendText(bob, 'after kick', 'k1');
  const afterKick = await waitFor('bob new connection to get a push', () => b3.client.pushes[0]);
  expect(afterKick).toMatchObject({ seq: 6 });

  // History pages the conversation newest first.
  const history = await b3.client.history(alice, 0, 3);
  expect(history.messages.map(text)).toEqual(['after kick', 'offline 3', 'offline 2']);
  expect(history.hasMore).toBe(true);

  for (const c of [a1.client, a2.client, b3.client]) c.close();
}
