import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { RESERVED_ROOM_PREFIX } from './groups/group-rooms.js';
import { isCleanText } from './text-rules.js';

/** The kinds of id a client or business server hands logic, and their longest allowed length. */
export const ID_LIMITS = {
  app: 64,
  user: 64,
  device: 64,
  room: 128,
  group: 64,
  clientMsgId: 64,
} as const;

/** A proto field path such as `user_id` or `conversation.id`. */
const FIELD_PATH = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export type IdKind = keyof typeof ID_LIMITS;

/**
 * Every id from the network is checked here, once: non-empty, at most its kind's length, no control
 * characters or lone surrogates. The failure carries `code` (the caller decides which fits: a token's
 * claim is TOKEN_INVALID, a conversation peer INVALID_CONVERSATION, anything else INVALID_ARGUMENT)
 * and names the field (also as the error's `field` when it is a field path), never echoing the value.
 */
export function requireId(
  kind: IdKind,
  value: string,
  field: string,
  code: ErrorCode = ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
): string {
  const max = ID_LIMITS[kind];
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !isCleanText(value)) {
    throw new SwitchboardError(code, `${field} must be 1-${max} characters without control characters`, {
      // Only a real field path ("user_id", "conversation.id"), not a phrase like "the token sub".
      field: FIELD_PATH.test(field) ? field : undefined,
    });
  }
  return value;
}

/**
 * A room id a client or a business server may name (subscribe, send, count): a valid room id
 * ({@link requireId}) outside the server's reserved `sb:` prefix, else INVALID_ARGUMENT naming the
 * field. The one place this rule lives.
 */
export function requireClientRoomId(value: string, field: string): string {
  requireId('room', value, field);
  if (value.startsWith(RESERVED_ROOM_PREFIX)) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `${field}: room ids starting with "${RESERVED_ROOM_PREFIX}" are reserved for the server`,
      { field: FIELD_PATH.test(field) ? field : undefined },
    );
  }
  return value;
}
