import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppendPlan, appendLockKeys } from './append-writes.js';
import { awkwardString } from './mysql-literal-arbitraries.js';
import type { AppendInput } from './types.js';

/** Sends over few apps, conversations and users, so that they often share counters. */
function inputs(id: fc.Arbitrary<string>): fc.Arbitrary<AppendInput> {
  return fc.record({
    appId: id,
    conversation: fc.record({ type: fc.constantFrom('user' as const, 'group' as const), key: id }),
    senderUserId: id,
    senderDeviceId: fc.constant('d'),
    targetId: fc.constant(''),
    clientMsgId: fc.constant('m'),
    contentType: fc.constant('text'),
    content: fc.constant(new Uint8Array()),
    sentAt: fc.constant(0),
    inboxUserIds: fc.uniqueArray(id, { maxLength: 4 }),
  });
}

/** The counters a plan of `input` alone takes seqs from, by table, app, scope and id. */
function counters(input: AppendInput): Set<string> {
  const plan = new AppendPlan([input]);
  const named = (table: string, list: ReturnType<typeof plan.users.sorted>) =>
    list.map((c) => JSON.stringify([table, c.appId, c.scope, c.id]));
  return new Set([
    ...named('users', plan.users.sorted()),
    ...named('conversations', plan.conversations.sorted()),
  ]);
}

const shares = <T>(a: Iterable<T>, b: Set<T>) => [...a].some((x) => b.has(x));

describe('appendLockKeys', () => {
  it('gives two sends a key in common whenever their appends take seqs from a counter in common', () => {
    fc.assert(
      fc.property(inputs(awkwardString), inputs(awkwardString), (a, b) => {
        if (shares(counters(a), counters(b)))
          expect(shares(appendLockKeys(a), new Set(appendLockKeys(b)))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('and only then, for ids without NUL (a collision would only make a send wait, never overtake)', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'ab', 'user', 'group', '');
    fc.assert(
      fc.property(inputs(id), inputs(id), (a, b) => {
        expect(shares(appendLockKeys(a), new Set(appendLockKeys(b)))).toBe(shares(counters(a), counters(b)));
      }),
      { numRuns: 2000 },
    );
  });
});
