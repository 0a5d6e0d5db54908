/**
 * Room ids that start with this prefix belong to the server: logic puts the connections of a large
 * group's members in `sb:group:<groupId>`. Clients may not subscribe to them, and the business API
 * may not push to them, so only members ever receive a large group's messages.
 */
export const RESERVED_ROOM_PREFIX = 'sb:';

/** The room through which a large group's messages reach its online members. */
export function groupRoomId(groupId: string): string {
  return `${RESERVED_ROOM_PREFIX}group:${groupId}`;
}
