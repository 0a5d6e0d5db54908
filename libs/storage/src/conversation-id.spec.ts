import { describe, expect, it } from 'vitest';
import { directConversationId } from './conversation-id.js';

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
