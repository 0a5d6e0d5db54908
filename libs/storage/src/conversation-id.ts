/**
 * The stored key of the 1:1 conversation between two users, the same whichever of them sends.
 * The ids are ordered, and the first one's length is written in front so that no two pairs share
 * a key even when ids contain the separator ('a:b' with 'c' versus 'a' with 'b:c').
 */
export function directConversationId(userA: string, userB: string): string {
  const [low, high] = userA <= userB ? [userA, userB] : [userB, userA];
  return `${low.length}:${low}:${high}`;
}
