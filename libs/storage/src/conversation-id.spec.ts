import { describe, expect, it } from 'vitest';
import { directConversationId, directConversationPeer } from './conversation-id.js';

describe('directConversationId', () => {
  it('is the same whichever party sends', () => {
    expect(directConversationId('alice', 'bob')).toBe(directConversationId('bob', 'alice'));
    expect(directConversationId('alice', 'alice')).toBe('5:alice:alice');
  });

  it('keeps pairs apart even when ids contain the separator', () => {
    expect(directConversationId('a:b', 'c')).not.toBe(directConversationId('a', 'b:c'));
    expect(directConversationId('1:a', 'b')).not.toBe(directConversationId('1', 'a:b'));
  });
});

describe('directConversationPeer', () => {
  it('reads back the other party, oneself for a note to self, and empty for the system', () => {
    for (const [a, b] of [
      ['alice', 'bob'],
      ['a:b', 'c'],
      ['1', 'a:b'],
      ['x', 'x'],
      ['', 'carol'],
    ] as const) {
      const key = directConversationId(a, b);
      expect(directConversationPeer(key, a)).toBe(b);
      expect(directConversationPeer(key, b)).toBe(a);
    }
  });
});
