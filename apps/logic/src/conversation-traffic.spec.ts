import { describe, expect, it } from 'vitest';
import { ConversationTraffic } from './conversation-traffic.js';

describe('ConversationTraffic', () => {
  const clock = () => {
    const c = { now: 1_000_000, read: () => c.now };
    return c;
  };

  it("ranks an app's groups and rooms by messages, busiest first, and keeps apps apart", () => {
    const c = clock();
    const t = new ConversationTraffic({}, c.read);
    for (const id of ['g1', 'g2', 'g2', 'g3', 'g3', 'g3']) t.note('a', 'group', id);
    t.note('a', 'room', 'lobby');
    t.note('b', 'group', 'secret');
    expect(t.top('a', 2)).toEqual({
      groups: [
        { id: 'g3', messages: 3 },
        { id: 'g2', messages: 2 },
      ],
      rooms: [{ id: 'lobby', messages: 1 }],
      windowMs: 300_000,
    });
    expect(t.top('b', 10).groups).toEqual([{ id: 'secret', messages: 1 }]);
    expect(t.top('c', 10)).toMatchObject({ groups: [], rooms: [] });
  });

  it('sums the buckets of the window and forgets older ones', () => {
    const c = clock();
    const t = new ConversationTraffic({ bucketMs: 1_000, buckets: 3 }, c.read);
    t.note('a', 'room', 'old');
    c.now += 1_000;
    t.note('a', 'room', 'r');
    c.now += 1_000;
    t.note('a', 'room', 'r');
    expect(t.top('a', 10).rooms).toEqual([
      { id: 'r', messages: 2 },
      { id: 'old', messages: 1 },
    ]);
    c.now += 1_500;
    t.note('a', 'room', 'r');
    expect(t.top('a', 10).rooms).toEqual([{ id: 'r', messages: 3 }]);
  });

  it('counts at most maxPerBucket conversations per bucket, and keeps counting those it has', () => {
    const c = clock();
    const t = new ConversationTraffic({ maxPerBucket: 2 }, c.read);
    for (const id of ['x', 'y', 'z', 'x']) t.note('a', 'group', id);
    t.note('b', 'group', 'w');
    expect(t.top('a', 10).groups).toEqual([
      { id: 'x', messages: 2 },
      { id: 'y', messages: 1 },
    ]);
    expect(t.top('b', 10).groups).toEqual([]);
  });
});
