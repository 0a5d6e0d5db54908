import { describe, expect, it } from 'vitest';
import { GroupLayout } from './group-layout.js';

describe('GroupLayout', () => {
  it('keeps the single group’s id and members as before', () => {
    const one = new GroupLayout(1, 3, 'bench');
    expect(one.groupId(0)).toBe('bench');
    expect(one.userIds(0)).toEqual(['m0', 'm1', 'm2']);
    expect([1, 2, 3, 4].map((n) => one.senderOf(n))).toEqual([1, 2, 0, 1]);
  });

  it('sends to the groups in turn, each from its own members only, every member in turn', () => {
    const layout = new GroupLayout(3, 4, 'g');
    expect(layout.connections).toBe(12);
    expect(layout.userIds(2)).toEqual(['m8', 'm9', 'm10', 'm11']);
    const senders = new Map<number, number[]>();
    for (let n = 0; n < 24; n++) {
      const g = layout.groupOfSend(n);
      const from = layout.senderOf(n);
      expect(layout.groupOf(from)).toBe(g);
      senders.set(g, [...(senders.get(g) ?? []), from]);
    }
    expect(senders.get(1)).toEqual([4, 5, 6, 7, 4, 5, 6, 7]);
    expect([...senders.keys()].sort()).toEqual([0, 1, 2]);
  });
});
