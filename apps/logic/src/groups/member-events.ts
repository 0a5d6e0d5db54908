/*
 * The system messages logic stores in a group's conversation when the group changes, so that every
 * member's devices learn of the change by push or sync like any message. The sender is empty (the
 * system); the content is UTF-8 JSON. docs/protocol.md §Groups lists them for client writers.
 */

export const GroupEvent = {
  /** `{"name", "owner_user_id", "user_ids": [members, owner first], "count"}` */
  created: 'switchboard/group-created',
  /** `{"name", "extra"}`: the group's new name and extra. */
  updated: 'switchboard/group-updated',
  /** `{"user_ids": [...], "count"}`: members added now (at most 100 named). */
  memberAdded: 'switchboard/member-added',
  /** `{"user_ids": [...], "count"}`: members removed now (they receive this one, then nothing more). */
  memberRemoved: 'switchboard/member-removed',
  /** `{"large": true}`: the group switched to read fan-out; SYNC_GROUP it from now on. */
  modeChanged: 'switchboard/group-mode',
  /** `{}`: the group was dissolved; its history stays readable. */
  dissolved: 'switchboard/group-dissolved',
} as const;
export type GroupEvent = (typeof GroupEvent)[keyof typeof GroupEvent];

const encoder = new TextEncoder();

/** The content of a group event message. */
export function eventContent(body: Record<string, unknown>): Uint8Array {
  return encoder.encode(JSON.stringify(body));
}
