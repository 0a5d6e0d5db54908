import { randomBytes } from 'node:crypto';
import type { SwitchboardClient } from '@switchboard/client/node';
import { ConversationType, ErrorCode } from '@switchboard/proto/client';
import { waitFor } from '@switchboard/testing';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { post, type BusinessTarget } from './business-api-scenarios.js';
import { signedIn, text } from './clients.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The four tags the property below draws from. */
const TAGS = ['fc_a', 'fc_b', 'fc_c', 'fc_d'] as const;

interface Expression {
  allOf: string[];
  anyOf: string[];
  noneOf: string[];
}

/**
 * The brute-force meaning of a tag expression: every tag of all_of, one of any_of (when it names
 * any), none of none_of; an expression with neither all_of nor any_of matches nothing.
 */
export function matches(tags: ReadonlySet<string>, e: Expression): boolean {
  if (e.allOf.length === 0 && e.anyOf.length === 0) return false;
  return (
    e.allOf.every((t) => tags.has(t)) &&
    (e.anyOf.length === 0 || e.anyOf.some((t) => tags.has(t))) &&
    !e.noneOf.some((t) => tags.has(t))
  );
}

/**
 * Room and tag pushes against a running suite, through the business API, on real connections
 * spread over its gates (TCP and WebSocket). A push's `delivered` is the exact number of
 * connections the gates queued it on, so "every expected connection got it and delivered equals
 * their number" proves no other connection did — without waiting to see that nothing arrives.
 */
export function roomAndTagScenarios(target: () => BusinessTarget): void {
  const clients: SwitchboardClient[] = [];
  afterAll(() => {
    for (const c of clients) c.close();
  });
  const t = () => target();
  const run = randomBytes(3).toString('hex');
  const open = async (user: string, i: number) => {
    const gates = t().gateUrls;
    const { client } = await signedIn(gates[i % gates.length]!, await t().apps.a.token(user, 'd'), 'd');
    clients.push(client);
    return client;
  };
  const a = (method: string, body: unknown) => post(t().api, t().apps.a.apiKey, method, body);
  const got = (c: SwitchboardClient, content: string) => c.pushes.some((m) => text(m) === content);

  it('pushes a room only to its subscribers, over every gate (TCP and WebSocket)', async () => {
    const room = `arena-${run}`;
    const [s0, s1, n0, n1, left] = await Promise.all(
      ['s0', 's1', 'n0', 'n1', 'left'].map((u, i) => open(`room-${u}-${run}`, i)),
    );
    for (const c of [s0!, s1!, left!]) await c.subscribeRoom(room);
    await left!.unsubscribeRoom(room);
    const counts = await a('get_online_counts', { roomId: room });
    expect(counts.body).toMatchObject({ roomSubscribers: 2, unreachableGates: 0 });
    const sent = await a('send_message', {
      targetType: 'TARGET_TYPE_ROOM',
      targetId: room,
      contentType: 'text/plain',
      content: b64(`to ${room}`),
    });
    expect(sent.body).toMatchObject({ delivered: 2 });
    await waitFor(
      'both subscribers to get the room push',
      () => got(s0!, `to ${room}`) && got(s1!, `to ${room}`),
    );
    for (const c of [n0!, n1!, left!]) expect(got(c, `to ${room}`)).toBe(false);
  });

  it('keeps the sb: room prefix for the server: clients and the business API are refused', async () => {
    const c = await open(`reserved-${run}`, 1);
    await expect(c.subscribeRoom('sb:group:1')).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
    });
    for (const [method, body] of [
      [
        'send_message',
        { targetType: 'TARGET_TYPE_ROOM', targetId: 'sb:group:1', contentType: 't', content: '' },
      ],
      ['get_online_counts', { roomId: 'sb:group:1' }],
    ] as const) {
      const res = await a(method, body);
      expect(res, method).toMatchObject({ status: 400, body: { code: 'ERROR_CODE_INVALID_ARGUMENT' } });
      expect(String(res.body['message'])).toContain('reserved');
    }
    // A client sends to a room only from inside it: the gate refuses without asking logic.
    await expect(
      c.send({
        clientMsgId: 'r1',
        conversation: { type: ConversationType.CONVERSATION_TYPE_ROOM, id: `elsewhere-${run}` },
        contentType: 't',
        content: Buffer.from('x'),
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_ROOM_SUBSCRIBER });
  });

  it('pushes to exactly the connections a tag expression matches (property, brute-force oracle)', async () => {
    const users = Array.from({ length: 6 }, (_, i) => `tagged-${i}-${run}`);
    const conns = await Promise.all(users.map((u, i) => open(u, i)));
    const tagSet = fc.subarray([...TAGS]);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(tagSet, { minLength: users.length, maxLength: users.length }),
        fc.record({ allOf: tagSet, anyOf: tagSet, noneOf: tagSet }),
        async (assigned, expression) => {
          fc.pre(expression.allOf.length + expression.anyOf.length > 0);
          await Promise.all(users.map((userId, i) => a('set_user_tags', { userId, tags: assigned[i] })));
          const content = `tags ${run} #${++n}`;
          const expected = conns.filter((_, i) => matches(new Set(assigned[i]), expression));
          const pushed = await a('push_to_tags', { expression, contentType: 't', content: b64(content) });
          expect(pushed.status).toBe(200);
          // Connections of other scenarios carry none of these tags.
          expect(Number(pushed.body['delivered'])).toBe(expected.length);
          await waitFor(`the ${expected.length} matching connections to get ${content}`, () =>
            expected.every((c) => got(c, content)),
          );
          for (const c of conns) if (!expected.includes(c)) expect(got(c, content)).toBe(false);
        },
      ),
      { numRuns: 30 },
    );
  });
}
