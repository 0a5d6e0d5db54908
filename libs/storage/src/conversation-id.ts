/**
 * The stored key of the 1:1 conversation between two users, the same whichever of them sends.
 * The ids are ordered, and the first one's length is written in front so that no two pairs share
 * a key even when ids contain the separator ('a:b' with 'c' versus 'a' with 'b:c').
 */
export function directConversationId(userA: string, userB: string): string {
  return userA <= userB ? `${userA.length}:${userA}:${userB}` : `${userB.length}:${userB}:${userA}`;
}

/**
 * The other party of a stored 1:1 key (see `directConversationId`) as `userId` sees it: the peer,
 * `userId` itself for a note to self, or '' for the system conversation.
 */
export function directConversationPeer(key: string, userId: string): string {
  const colon = key.indexOf(':');
  const lowLength = Number(key.slice(0, colon));
  const low = key.slice(colon + 1, colon + 1 + lowLength);
  const high = key.slice(colon + 2 + lowLength);
  return userId === low ? high : low;
}
